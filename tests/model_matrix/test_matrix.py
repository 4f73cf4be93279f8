"""Models from many R packages, each trained by a user's train.R, packaged into one zip and served in the Lambda
sandbox with the host R hidden: every answer equals R's own predict() on the host (1e-9; labels identical).

Each case folder holds `train.R` (written as a user would: fit, then write_model) and `reference.R`, whose last
value is `list(newdata = <rows>, predicted = <R's own predict() of the fitted object on them>)`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MATRIX = Path(__file__).resolve().parent
CASES = sorted(path.parent.name for path in MATRIX.glob("*/train.R"))
SANDBOX = ROOT / "localstack" / "executor" / "lambda_local_executor" / "sandbox.py"
TOLERANCE = 1e-9

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
]

# Runs the user's script, then the case's reference; writes the rows (inputs only) and R's own answer as JSON.
_TRAIN_AND_REFERENCE = r"""
args <- commandArgs(TRUE)
source(args[1])
reference <- source(args[2])$value
meta <- jsonlite::fromJSON(file.path(Sys.getenv("MODEL_OUTPUT_DIR"), "model.json"), simplifyVector = FALSE)
names <- vapply(meta$inputs, `[[`, "", "name")
rows <- reference$newdata[, names, drop = FALSE]
for (n in names) if (is.factor(rows[[n]])) rows[[n]] <- as.character(rows[[n]])
predicted <- reference$predicted
if (is.factor(predicted)) predicted <- as.character(predicted)
if (is.matrix(predicted) || is.data.frame(predicted)) {
  predicted <- lapply(seq_len(nrow(predicted)), function(i) as.list(as.data.frame(predicted)[i, , drop = FALSE]))
} else {
  predicted <- unname(as.vector(predicted))
}
out <- list(records = rows, predicted = predicted)
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "rows"), args[3])
"""

# Inside the sandbox: every case through the handler's own route for it, one batch each.
_SERVE_ALL = r"""
import json, sys
import handler
requests = json.load(open("/var/task/matrix-requests.json"))
class Context:
    function_name = "matrix"; aws_request_id = "matrix-1"; memory_limit_in_mb = 2048
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:matrix"
    def get_remaining_time_in_millis(self): return 60000
answers = {}
for name, records in requests.items():
    path = f"/models/{name}/predict"
    event = {"resource": "/models/{name}/predict", "path": path, "httpMethod": "POST", "isBase64Encoded": False,
             "headers": {"content-type": "application/json"}, "queryStringParameters": None,
             "pathParameters": {"name": name},
             "requestContext": {"resourcePath": "/models/{name}/predict", "httpMethod": "POST", "stage": "matrix"},
             "body": json.dumps({"instances": records})}
    response = handler.lambda_handler(event, Context())
    answers[name] = {"status": response["statusCode"], "body": json.loads(response["body"])}
print(json.dumps(answers))
"""


@pytest.fixture(scope="session")
def matrix_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case trained into <tmp>/models/<name>/, with reference.json (its rows and R's answer) beside it."""
    models = tmp_path_factory.mktemp("matrix") / "models"
    for name in CASES:
        out = models / name
        out.mkdir(parents=True)
        env = {**os.environ, "MODEL_OUTPUT_DIR": str(out), "SOURCE_DATE_EPOCH": "315532800", "LC_ALL": "C.UTF-8"}
        script = [str(MATRIX / name / "train.R"), str(MATRIX / name / "reference.R"), str(out / "reference.json")]
        result = subprocess.run(
            ["Rscript", "-e", _TRAIN_AND_REFERENCE, *script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{name}: train.R or reference.R failed:\n{result.stderr[-2000:]}"
    return models


@pytest.fixture(scope="session")
def matrix_zip(matrix_models: Path) -> tuple[Path, dict[str, Any]]:
    """One zip for every case (the build's own smoke test predicts each model's example in the sandbox)."""
    out = matrix_models.parent / "matrix.zip"
    result = subprocess.run(
        [sys.executable, "-m", "lambda_zip", "build", "--models", str(matrix_models), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest: dict[str, Any] = json.loads(out.with_suffix(".manifest.json").read_text())
    return out, manifest


@pytest.fixture(scope="session")
def served(matrix_models: Path, matrix_zip: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    """Every case's reference rows, predicted by the handler from the matrix zip inside the sandbox."""
    task_root = matrix_models.parent / "task"
    with zipfile.ZipFile(matrix_zip[0]) as zf:
        zf.extractall(task_root)
    requests = {}
    for name in CASES:
        shutil.copytree(matrix_models / name, task_root / "models" / name)
        requests[name] = json.loads((matrix_models / name / "reference.json").read_text())["records"]
    (task_root / "matrix-requests.json").write_text(json.dumps(requests))
    cmd = [sys.executable, str(SANDBOX), "--task-root", str(task_root), "--handler", "handler.lambda_handler"]
    cmd += ["--memory-mb", "2048", "--timeout-s", "300", "--env", f"MODEL_URI=/var/task/models/{CASES[0]}"]
    result = subprocess.run([*cmd, "--", "python3", "-c", _SERVE_ALL], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    answers: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answers


def _expected(output: dict[str, Any], predicted: Any) -> dict[str, Any]:
    """What the API must answer for R's own value of one row."""
    if output["type"] == "probabilities":
        probabilities = {label: predicted[label] for label in output["labels"]}
        return {"label": max(output["labels"], key=lambda label: probabilities[label]), "probabilities": probabilities}
    if output["type"] == "class":
        return {"label": predicted}
    if output["type"] == "probability":
        return {"probability": predicted}
    return {"value": predicted}


def _assert_same(name: str, row: int, answer: dict[str, Any], expected: dict[str, Any]) -> None:
    assert answer.keys() >= expected.keys(), f"{name} row {row}: {answer} lacks {expected.keys()}"
    for key, want in expected.items():
        got = answer[key]
        if isinstance(want, dict):
            assert got.keys() == want.keys(), f"{name} row {row}: classes {list(got)} != {list(want)}"
            for label, p in want.items():
                assert abs(got[label] - p) <= TOLERANCE, f"{name} row {row}: P({label}) {got[label]} != R's {p}"
        elif isinstance(want, float | int) and not isinstance(want, bool):
            assert abs(got - want) <= TOLERANCE, f"{name} row {row}: {key} {got} != R's {want}"
        else:
            assert got == want, f"{name} row {row}: {key} {got!r} != R's {want!r}"


@pytest.mark.parametrize("name", CASES)
def test_served_from_the_zip_equals_r(name: str, matrix_models: Path, served: dict[str, Any]) -> None:
    meta = json.loads((matrix_models / name / "model.json").read_text())
    reference = json.loads((matrix_models / name / "reference.json").read_text())
    answer = served[name]
    assert answer["status"] == 200, f"{name}: {answer['body']}"
    predictions = answer["body"]["predictions"]
    assert len(predictions) == len(reference["predicted"]) >= 3
    for row, (got, want) in enumerate(zip(predictions, reference["predicted"], strict=True)):
        _assert_same(name, row, got, _expected(meta["output"], want))


def test_the_zip_carries_every_case(matrix_zip: tuple[Path, dict[str, Any]], matrix_models: Path) -> None:
    _, manifest = matrix_zip
    assert manifest["models"] == CASES
    for name in CASES:
        wanted = json.loads((matrix_models / name / "model.json").read_text())["r_packages"]
        assert wanted.items() <= manifest["r_packages"].items(), f"{name}: the zip lacks {wanted}"
