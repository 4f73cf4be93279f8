"""Models of many R packages: write_model() describes each (inputs, output, r_packages, predict) and r_bridge, on
the host's R, serves each model.rds exactly as R's own predict() on the fitted object answers."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT, model_json
from model_matrix import MODELS, MatrixModel, r_reference, train, train_all

SCHEMA = json.loads((ROOT / "models" / "model.schema.json").read_text())
IRIS_INPUTS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
MTCARS_INPUTS = ["cyl", "disp", "hp", "drat", "wt", "qsec", "vs", "am", "gear", "carb"]
SPECIES = ["setosa", "versicolor", "virginica"]

# What each model.json must say: inputs and output (the rest is in model_matrix.MODELS).
EXPECTED: dict[str, tuple[list[str], dict[str, Any]]] = {
    "ranger-species": (IRIS_INPUTS, {"name": "Species", "type": "class"}),
    "ranger-species-prob": (IRIS_INPUTS, {"name": "Species", "type": "probabilities", "labels": SPECIES}),
    "ranger-mpg": (["cyl", "disp", "hp", "wt"], {"name": "mpg", "type": "number", "unit": "miles per gallon"}),
    "gbm-mpg": (MTCARS_INPUTS, {"name": "mpg", "type": "number"}),
    "lda-species": (IRIS_INPUTS, {"name": "Species", "type": "probabilities", "labels": SPECIES}),
    "svm-species": (IRIS_INPUTS, {"name": "Species", "type": "probabilities", "labels": SPECIES}),
    "glmnet-mpg": (["cyl", "disp", "hp", "wt"], {"name": "mpg", "type": "number"}),
    "gam-mpg": (["wt", "hp"], {"name": "mpg", "type": "number"}),
    "multinom-species": (IRIS_INPUTS, {"name": "Species", "type": "probabilities", "labels": SPECIES}),
    "rpart-species": (IRIS_INPUTS, {"name": "Species", "type": "class"}),
    "earth-mpg": (MTCARS_INPUTS, {"name": "mpg", "type": "number"}),
    "ksvm-species": (IRIS_INPUTS, {"name": "Species", "type": "probabilities", "labels": SPECIES}),
}


@pytest.fixture(scope="session")
def matrix_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return train_all(tmp_path_factory.mktemp("model-matrix"))


@pytest.fixture(scope="session")
def references(matrix_models: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return r_reference(matrix_models)


def test_every_matrix_model_has_expectations() -> None:
    assert sorted(EXPECTED) == sorted(m.name for m in MODELS)
    assert sorted(p.parent.name for p in (ROOT / "tests" / "model_matrix").glob("*/train.R")) == sorted(EXPECTED)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_model_json_describes_the_model(matrix_models: dict[str, Path], model: MatrixModel) -> None:
    meta = model_json(matrix_models[model.name])
    jsonschema.Draft202012Validator(SCHEMA).validate(meta)
    inputs, output = EXPECTED[model.name]
    assert [spec["name"] for spec in meta["inputs"]] == inputs
    assert meta["output"] == output
    assert meta["predict"] == model.predict
    assert set(model.packages) <= set(meta["r_packages"])
    assert meta["task"] == ("regression" if output["type"] == "number" else "classification")
    rds = (matrix_models[model.name] / "model.rds").read_bytes()
    assert hashlib.sha256(rds).hexdigest() == meta["rds_sha256"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_served_predictions_equal_r_predict(
    handler: Any, matrix_models: dict[str, Path], references: dict[str, dict[str, Any]], model: MatrixModel
) -> None:
    from r_bridge import RModel

    meta = model_json(matrix_models[model.name])
    r_model = RModel(
        matrix_models[model.name] / "model.rds",
        meta["inputs"],
        sorted(meta["r_packages"]),
        meta["predict_args"],
        meta["output"],
    )
    columns = [references[model.name]["columns"][spec["name"]] for spec in meta["inputs"]]
    expected = references[model.name]["reference"]
    served = r_model.predict(columns)
    assert len(served) == len(expected) == len(columns[0])
    if meta["output"]["type"] == "class":
        assert served == expected
    elif meta["output"]["type"] == "probabilities":
        for got, want in zip(served, expected, strict=True):
            assert len(got) == len(meta["output"]["labels"])
            assert all(math.isclose(g, w, rel_tol=0, abs_tol=1e-9) for g, w in zip(got, want, strict=True))
    else:
        assert all(math.isclose(g, w, rel_tol=0, abs_tol=1e-9) for g, w in zip(served, expected, strict=True))
    # One row alone: the shape R gives a single row must not change the answer.
    single = r_model.predict([column[:1] for column in columns])
    assert single == served[:1]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["glmnet-mpg", "ranger-species-prob"])
def test_served_model_bytes_are_reproducible(tmp_path: Path, name: str) -> None:
    for run in ("a", "b"):
        assert train(name, tmp_path / run).returncode == 0
    for file in ("model.rds", "model.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
