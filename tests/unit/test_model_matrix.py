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
from model_matrix import MODELS, MatrixModel, train

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
    "caret-mpg": (MTCARS_INPUTS, {"name": "mpg", "type": "number", "unit": "miles per gallon"}),
    "ksvm-species": (IRIS_INPUTS, {"name": "Species", "type": "probabilities", "labels": SPECIES}),
}


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


_WRITE_ERRORS = r"""
source("models/model_json.R")
suppressPackageStartupMessages({library(glmnet); library(ranger); library(e1071)})
x <- as.matrix(mtcars[, c("cyl", "wt")])
species <- list(type = "probabilities", labels = levels(iris$Species))
helper <- function(p) p
cases <- list(
  no_inputs = quote(write_model(glmnet(x, mtcars$mpg), mtcars, "m", list(name = "mpg", type = "number"))),
  no_output_name = quote(write_model(ranger(x = x, y = mtcars$mpg, num.trees = 2), mtcars, "m", list(type = "number"))),
  missing_input = quote(write_model(glmnet(x, mtcars$mpg), mtcars, "m", list(name = "mpg", type = "number"),
                                    inputs = c("cyl", "weight"), predict = function(model, newdata) 1)),
  not_installed = quote(write_model(lm(mpg ~ wt, mtcars), mtcars, "m", list(type = "number"),
                                    packages = "notapackage")),
  wrong_length = quote(write_model(lm(mpg ~ wt, mtcars), mtcars, "m", list(type = "number"),
                                   predict = function(model, newdata) c(1, 2))),
  wrong_type = quote(write_model(lm(Sepal.Length ~ ., iris), iris, "m", list(type = "class"))),
  wrong_labels = quote(write_model(svm(Species ~ ., iris, probability = TRUE), iris, "m",
                                   list(type = "probabilities", labels = c("a", "b", "c")))),
  not_summing = quote(write_model(lm(Sepal.Length ~ Sepal.Width, iris), iris, "m", species,
                                  predict = function(model, newdata) {
                                    matrix(0.5, nrow(newdata), 3, dimnames = list(NULL, levels(iris$Species)))
                                  })),
  svm_without_probability = quote(write_model(svm(Species ~ ., iris), iris, "m", species)),
  glmnet_without_s = quote(write_model(glmnet(x, mtcars$mpg), mtcars, "m", list(name = "mpg", type = "number"),
                                       inputs = c("cyl", "wt"))),
  session_function = quote(write_model(lm(mpg ~ wt, mtcars), mtcars, "m", list(type = "number"),
                                       predict = function(model, newdata) helper(predict(model, newdata))))
)
messages <- lapply(cases, function(case) tryCatch({ eval(case); "no error" }, error = conditionMessage))
cat(jsonlite::toJSON(messages, auto_unbox = TRUE))
"""

WRITE_ERRORS = {
    "no_inputs": "write_model: cannot tell the inputs of a model of class elnet: "
    "pass inputs = c(...) (column names of data)",
    "no_output_name": "write_model: cannot tell the output's name of a model of class ranger: "
    'pass output = list(name = "...", ...)',
    "missing_input": "write_model: inputs missing from the training data: weight: "
    "pass inputs = c(...) naming columns of data",
    "not_installed": "write_model: R package 'notapackage' (named in packages =) is not installed: install it "
    '(apt-get install r-cran-notapackage, or install.packages("notapackage")) and rerun',
    "wrong_length": "write_model: predict() returned 2 values for 32 rows",
    "wrong_type": "write_model: predict() returned 150 double values; expected one label per row (a factor or "
    "character vector) for output type class: pass predict_args or predict = (see models/README.md)",
    "wrong_labels": "write_model: predict() returned the columns setosa, versicolor, virginica; expected the labels "
    "a, b, c",
    "not_summing": "write_model: predict() returned probabilities whose rows do not sum to 1 (off by up to 0.5)",
    "svm_without_probability": "write_model: this svm gives no probabilities: "
    "refit it with svm(..., probability = TRUE)",
    "glmnet_without_s": "write_model: a glmnet model predicts for every lambda: pass predict_args = list(s = <lambda>) "
    "(e.g. cv.glmnet's lambda.min)",
    "session_function": "write_model: predict calls helper(), a function of your session that the served model cannot "
    "take along: write its body into predict",
}


def test_write_model_errors_say_what_to_do_in_one_line(tmp_path: Path) -> None:
    from test_models import run_r

    result = run_r(_WRITE_ERRORS, MODEL_OUTPUT_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == WRITE_ERRORS
    assert not (tmp_path / "model.json").exists()


_SERVED = r"""
args <- commandArgs(TRUE)
answers <- list(
  reordered = function(model, newdata) cbind(b = rep(0.25, nrow(newdata)), a = 0.75),
  wrong_columns = function(model, newdata) cbind(a = rep(0.5, nrow(newdata)), x = 0.5),
  not_summing = function(model, newdata) cbind(a = rep(0.5, nrow(newdata)), b = 0.4),
  not_a_matrix = function(model, newdata) rep(0.5, nrow(newdata)),
  too_few_rows = function(model, newdata) cbind(a = 0.5, b = 0.5)
)
for (name in names(answers)) {
  saveRDS(structure(list(model = NULL, predict = answers[[name]]), class = "served_model"),
          file.path(args[1], paste0(name, ".rds")))
}
"""


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("reordered", None),
        ("wrong_columns", "predict() returned the columns a, x; expected the labels a, b"),
        ("not_summing", "predict() returned probabilities whose rows do not sum to 1 (off by up to 0.1)"),
        (
            "not_a_matrix",
            "predict() returned 2 double values; expected a matrix or data.frame with one column per class (a, b)",
        ),
        ("too_few_rows", "predict() returned 1 rows for 2 rows"),
    ],
)
def test_served_probabilities_are_checked_in_r(handler: Any, tmp_path: Path, answer: str, error: str | None) -> None:
    import subprocess

    from r_bridge import RError, RModel

    subprocess.run(["Rscript", "-e", _SERVED, str(tmp_path)], check=True, capture_output=True)
    inputs = [{"name": "x", "type": "numeric", "min": 0, "max": 1, "example": 0.5}]
    output = {"name": "y", "type": "probabilities", "labels": ["a", "b"]}
    r_model = RModel(tmp_path / f"{answer}.rds", inputs, [], {}, output)
    if error is None:
        assert r_model.predict([[0.1, 0.2]]) == [[0.75, 0.25], [0.75, 0.25]]  # in labels order
    else:
        with pytest.raises(RError) as raised:
            r_model.predict([[0.1, 0.2]])
        assert str(raised.value) == f"Error: {error}"  # one line: R's error prefix, then the reason
