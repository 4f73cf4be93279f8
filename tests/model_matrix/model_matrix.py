"""The model matrix: one user-style tests/model_matrix/<name>/train.R per model type, and R's own predict() on each.

Shared by the unit tests (served by r_bridge on the host's R) and any test that packages the same models."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MATRIX = ROOT / "tests" / "model_matrix"


@dataclass(frozen=True)
class MatrixModel:
    name: str
    data: str  # the R data set it was trained on, whose rows are predicted
    reference: str  # R's own predict() on the fitted object `m` for the data frame `d`, written per class
    predict: str  # model.json's predict field
    packages: tuple[str, ...]  # packages that must be in r_packages


MODELS = (
    MatrixModel(
        "ranger-species", "iris", "as.character(predict(m, data = d)$predictions)", "adapter:ranger", ("ranger",)
    ),
    MatrixModel("ranger-species-prob", "iris", "predict(m, data = d)$predictions", "adapter:ranger", ("ranger",)),
    MatrixModel("ranger-mpg", "mtcars", "predict(m, data = d)$predictions", "adapter:ranger", ("ranger",)),
    MatrixModel("gbm-mpg", "mtcars", "predict(m, newdata = d, n.trees = m$n.trees)", "adapter:gbm", ("gbm",)),
    MatrixModel("lda-species", "iris", "predict(m, d)$posterior", "adapter:lda", ("MASS",)),
    MatrixModel(
        "svm-species", "iris", 'attr(predict(m, d, probability = TRUE), "probabilities")', "adapter:svm", ("e1071",)
    ),
    MatrixModel(
        "glmnet-mpg",
        "mtcars",
        'as.vector(predict(m, as.matrix(d[, c("cyl", "disp", "hp", "wt")]), s = 0.1))',
        "function",
        ("glmnet",),
    ),
    MatrixModel("gam-mpg", "mtcars", "as.vector(predict(m, d))", "predict()", ("mgcv", "nlme")),
    MatrixModel("multinom-species", "iris", 'predict(m, d, type = "probs")', "adapter:multinom", ("nnet",)),
    MatrixModel("rpart-species", "iris", 'as.character(predict(m, d, type = "class"))', "predict()", ("rpart",)),
    MatrixModel("earth-mpg", "mtcars", "as.vector(predict(m, d))", "predict()", ("earth",)),
    MatrixModel("caret-mpg", "mtcars", "predict(m, d)", "predict()", ("caret", "glmnet")),
    MatrixModel("ksvm-species", "iris", 'predict(m, d, type = "probabilities")', "adapter:ksvm", ("kernlab",)),
)


def train(model: str, out: Path, epoch: str = "1700000000") -> subprocess.CompletedProcess[str]:
    """Runs tests/model_matrix/<model>/train.R as a user would: Rscript from the repository root."""
    env = {**os.environ, "MODEL_OUTPUT_DIR": str(out), "SOURCE_DATE_EPOCH": epoch, "LC_ALL": "C.UTF-8"}
    train_r = f"tests/model_matrix/{model}/train.R"
    return subprocess.run(["Rscript", train_r], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def train_all(out_root: Path) -> dict[str, Path]:
    """Every matrix model into out_root/<name>/, in parallel; fails naming the model and R's message."""
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = dict(zip(MODELS, pool.map(lambda m: train(m.name, out_root / m.name), MODELS), strict=True))
    failed = {m.name: r.stderr.strip() for m, r in results.items() if r.returncode != 0}
    if failed:
        raise RuntimeError(f"model matrix training failed: {failed}")
    return {m.name: out_root / m.name for m in MODELS}


_R_REFERENCE = r"""
cases <- jsonlite::fromJSON(commandArgs(TRUE)[1], simplifyVector = FALSE)
answers <- lapply(cases, function(case) {
  meta <- jsonlite::fromJSON(file.path(case$dir, "model.json"), simplifyVector = FALSE)
  for (pkg in names(meta$r_packages)) suppressPackageStartupMessages(library(pkg, character.only = TRUE))
  saved <- readRDS(file.path(case$dir, "model.rds"))
  m <- if (inherits(saved, "served_model")) saved$model else saved
  d <- get(case$data)
  inputs <- vapply(meta$inputs, `[[`, "", "name")
  value <- eval(parse(text = case$reference))
  if (is.matrix(value) || is.data.frame(value)) value <- unname(as.matrix(value)[, unlist(meta$output$labels)])
  list(columns = lapply(d[inputs], as.vector), reference = value)
})
cat(jsonlite::toJSON(answers, digits = NA, matrix = "rowmajor", auto_unbox = FALSE))
"""


def r_reference(dirs: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """For each model: its training rows as input columns and R's own predict() on them (rows of probabilities in
    labels order for a probabilities model), all from one R session."""
    cases = {m.name: {"dir": str(dirs[m.name]), "data": m.data, "reference": m.reference} for m in MODELS}
    result = subprocess.run(
        ["Rscript", "-e", _R_REFERENCE, json.dumps(cases)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    answers: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return answers
