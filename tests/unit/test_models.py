"""models/: the shared model.json writer, the two example models, train_all.sh and the schema."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT, model_json

SCHEMA = json.loads((ROOT / "models" / "model.schema.json").read_text())


def train(model: str, out: Path, epoch: str = "1700000000") -> None:
    env = {**os.environ, "MODEL_OUTPUT_DIR": str(out), "SOURCE_DATE_EPOCH": epoch, "LC_ALL": "C.UTF-8"}
    subprocess.run(["Rscript", f"models/{model}/train.R"], check=True, cwd=ROOT, env=env, capture_output=True)


def run_r(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["Rscript", "-e", code], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", ["admission", "boston"])
def test_built_model_json_validates(built_models: Path, name: str) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(model_json(built_models / name))


@pytest.mark.parametrize(
    "breakage",
    [
        {"task": "ranking"},
        {"version": "latest"},
        {"inputs": [{"name": "rank", "type": "factor", "example": "1"}]},
        {"output": {"name": "admit", "type": "probability"}},
        {"extra": 1},
    ],
)
def test_schema_refuses_broken_model_json(built_models: Path, breakage: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate({**model_json(built_models / "admission"), **breakage})


def test_model_json_describes_the_fits(built_models: Path) -> None:
    admission = model_json(built_models / "admission")
    assert [(i["name"], i["type"]) for i in admission["inputs"]] == [
        ("gre", "numeric"),
        ("gpa", "numeric"),
        ("rank", "factor"),
    ]
    assert admission["inputs"][2]["levels"] == ["1", "2", "3", "4"]
    assert (admission["inputs"][0]["min"], admission["inputs"][0]["max"]) == (220, 800)
    assert admission["r_packages"] == {}  # glm needs only base R's stats
    assert admission["predict_args"] == {"type": "response"}
    boston = model_json(built_models / "boston")
    assert boston["task"] == "regression"
    assert len(boston["inputs"]) == 13
    assert {i["name"]: i["type"] for i in boston["inputs"]}["chas"] == "integer"
    assert list(boston["r_packages"]) == ["randomForest"]
    assert boston["output"] == {"name": "medv", "type": "number", "unit": "USD 1000s"}


def test_rds_hash_matches_model_json(built_models: Path) -> None:
    import hashlib

    for name in ("admission", "boston"):
        rds = (built_models / name / "model.rds").read_bytes()
        assert hashlib.sha256(rds).hexdigest() == model_json(built_models / name)["rds_sha256"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["admission", "boston"])
def test_training_is_byte_for_byte_deterministic(tmp_path: Path, name: str) -> None:
    train(name, tmp_path / "a")
    train(name, tmp_path / "b")
    for file in ("model.rds", "model.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_version_names_content_not_training_time(tmp_path: Path) -> None:
    train("admission", tmp_path / "a", epoch="1700000000")
    train("admission", tmp_path / "b", epoch="1800000000")
    a, b = model_json(tmp_path / "a"), model_json(tmp_path / "b")
    assert a["trained_at"] != b["trained_at"]
    assert a["version"] == b["version"]


def test_glm_is_stripped_to_what_predict_needs(built_models: Path) -> None:
    assert (built_models / "admission" / "model.rds").stat().st_size < 20_000


def test_synthetic_admissions_match_the_published_statistics() -> None:
    result = run_r(
        'source("models/admission/data.R"); d <- synthetic_admissions();'
        " cat(nrow(d), table(d$rank), sum(d$admit), range(d$gre), range(d$gpa), round(mean(d$gpa), 2))"
    )
    assert result.stdout.split() == ["400", "61", "151", "121", "67", "127", "220", "800", "2.26", "4", "3.39"]


def test_writer_refuses_character_inputs_with_a_clear_message(tmp_path: Path) -> None:
    result = run_r(
        'source("models/model_json.R"); d <- data.frame(y = c(1, 2, 3, 4), x = c("a", "b", "a", "b"));'
        ' write_model(lm(y ~ x, d), d, name = "chars", output = list(type = "number"))',
        MODEL_OUTPUT_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "convert it to a factor" in result.stderr
    assert not (tmp_path / "model.json").exists()


def test_train_all_skips_unchanged_models(built_models: Path) -> None:
    for _ in range(2):  # the first run brings build/models up to date with the sources
        result = subprocess.run(["bash", "models/train_all.sh"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "model admission: up to date" in result.stdout
    assert "model boston: up to date" in result.stdout


def test_train_all_reports_a_failing_model_in_one_line(tmp_path: Path) -> None:
    """A copy of the repository's models/ with one broken train.R."""
    repo = tmp_path / "repo"
    (repo / "models" / "broken").mkdir(parents=True)
    (repo / "lambda").mkdir()
    for file in ("models/train_all.sh", "models/model_json.R", "models/predict_adapters.R", "lambda/predict_answer.R"):
        (repo / file).write_bytes((ROOT / file).read_bytes())
    (repo / "models" / "broken" / "train.R").write_text('stop("no data")\n')
    result = subprocess.run(["bash", "models/train_all.sh"], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "train_all: models/broken/train.R failed (R's message is above); fix it and rerun make model"
    )
    assert not (repo / "build" / "models" / "broken").exists()
