"""The model matrix packaged into one zip and served in the Lambda sandbox with the host R hidden: for every model
type, the handler's answers from the zip equal R's own predict() on the host (1e-9; labels identical).

The models and R's answers come from tests/model_matrix/model_matrix.py (one train.R per model type)."""

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
from lambda_local_executor import lambda_view
from model_matrix import MODELS

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "localstack" / "executor" / "lambda_local_executor" / "sandbox.py"
TASK_ROOT = lambda_view.TASK_ROOT
NAMES = [model.name for model in MODELS]
TOLERANCE = 1e-9

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
]

# Inside the sandbox: every model through the handler's own route for it, all its rows in one batch.
_SERVE_ALL = r"""
import json
import handler
requests = json.load(open("/var/task/matrix-requests.json"))
class Context:
    function_name = "matrix"; aws_request_id = "matrix-1"; memory_limit_in_mb = 2048
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:matrix"
    def get_remaining_time_in_millis(self): return 60000
answers = {}
for name, records in requests.items():
    event = {"resource": "/models/{name}/predict", "path": f"/models/{name}/predict", "httpMethod": "POST",
             "isBase64Encoded": False, "headers": {"content-type": "application/json"},
             "queryStringParameters": None, "pathParameters": {"name": name},
             "requestContext": {"resourcePath": "/models/{name}/predict", "httpMethod": "POST", "stage": "matrix"},
             "body": json.dumps({"instances": records})}
    response = handler.lambda_handler(event, Context())
    answers[name] = {"status": response["statusCode"], "body": json.loads(response["body"])}
maps = open("/proc/self/maps").read().splitlines()
mapped = sorted({line.split()[-1] for line in maps if line.rstrip().endswith(".so") or ".so." in line})
print(json.dumps({"answers": answers, "mapped": mapped}))
"""


@pytest.fixture(scope="session")
def matrix_zip(matrix_models: dict[str, Path]) -> tuple[Path, dict[str, Any]]:
    """One zip for every model. The build's smoke test is left out: `served` predicts every row of every model in
    the sandbox and checks what the process mapped, which is the smoke test's proof and more."""
    models = next(iter(matrix_models.values())).parent
    out = models.parent / "matrix.zip"
    result = subprocess.run(
        [sys.executable, "-m", "lambda_zip", "build", "--models", str(models), "--out", str(out), "--no-smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest: dict[str, Any] = json.loads(out.with_suffix(".manifest.json").read_text())
    return out, manifest


@pytest.fixture(scope="session")
def served(
    matrix_models: dict[str, Path], references: dict[str, dict[str, Any]], matrix_zip: tuple[Path, dict[str, Any]]
) -> dict[str, Any]:
    """Every model's training rows, predicted by the handler from the matrix zip inside the sandbox."""
    task_root = matrix_zip[0].parent / "task"
    with zipfile.ZipFile(matrix_zip[0]) as zf:
        zf.extractall(task_root)
    requests = {}
    for name, folder in matrix_models.items():
        shutil.copytree(folder, task_root / "models" / name)
        columns = references[name]["columns"]
        requests[name] = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    (task_root / "matrix-requests.json").write_text(json.dumps(requests))
    cmd = [sys.executable, str(SANDBOX), "--task-root", str(task_root), "--handler", "handler.lambda_handler"]
    cmd += ["--memory-mb", "2048", "--timeout-s", "300", "--env", f"MODEL_URI=/var/task/models/{NAMES[0]}"]
    result = subprocess.run([*cmd, "--", "python3", "-c", _SERVE_ALL], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # Every shared object came from the task root, the runtime or the Lambda OS list, as on Lambda.
    assert lambda_view.foreign_objects(seen["mapped"]) == []
    assert f"{TASK_ROOT}/R/lib/libR.so" in seen["mapped"]
    answers: dict[str, Any] = seen["answers"]
    return answers


def _expected(output: dict[str, Any], reference: Any) -> dict[str, Any]:
    """What the API must answer for R's own value of one row."""
    if output["type"] == "probabilities":
        probabilities = dict(zip(output["labels"], reference, strict=True))
        return {"label": max(output["labels"], key=lambda label: probabilities[label]), "probabilities": probabilities}
    if output["type"] == "class":
        return {"label": reference}
    return {"value": reference}


def _assert_same(name: str, row: int, answer: dict[str, Any], expected: dict[str, Any]) -> None:
    assert answer.keys() >= expected.keys(), f"{name} row {row}: {answer} lacks {list(expected)}"
    for key, want in expected.items():
        got = answer[key]
        if isinstance(want, dict):
            assert list(got) == list(want), f"{name} row {row}: classes {list(got)} != {list(want)}"
            for label, p in want.items():
                assert abs(got[label] - p) <= TOLERANCE, f"{name} row {row}: P({label}) {got[label]} != R's {p}"
        elif isinstance(want, float | int):
            assert abs(got - want) <= TOLERANCE, f"{name} row {row}: {key} {got} != R's {want}"
        else:
            assert got == want, f"{name} row {row}: {key} {got!r} != R's {want!r}"


@pytest.mark.parametrize("name", NAMES)
def test_served_from_the_zip_equals_r(
    name: str, matrix_models: dict[str, Path], references: dict[str, dict[str, Any]], served: dict[str, Any]
) -> None:
    output = json.loads((matrix_models[name] / "model.json").read_text())["output"]
    answer = served[name]
    assert answer["status"] == 200, f"{name}: {answer['body']}"
    predictions = answer["body"]["predictions"]
    expected = references[name]["reference"]
    assert len(predictions) == len(expected) >= 32
    for row, (got, want) in enumerate(zip(predictions, expected, strict=True)):
        _assert_same(name, row, got, _expected(output, want))


def test_the_zip_carries_every_model_and_its_packages(
    matrix_zip: tuple[Path, dict[str, Any]], matrix_models: dict[str, Path]
) -> None:
    _, manifest = matrix_zip
    assert manifest["models"] == sorted(NAMES)
    for name, folder in matrix_models.items():
        wanted = json.loads((folder / "model.json").read_text())["r_packages"]
        assert wanted.items() <= manifest["r_packages"].items(), f"{name}: the zip lacks some of {wanted}"
