"""R's own predict() on a built model, run by Rscript: the reference the live API must match."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

# Builds the newdata frame from model.json's inputs (factor levels included) exactly as a user would in R.
_R_PREDICT = r"""
args <- commandArgs(TRUE)
meta <- jsonlite::fromJSON(file.path(args[1], "model.json"), simplifyVector = FALSE)
for (pkg in names(meta$r_packages)) suppressPackageStartupMessages(library(pkg, character.only = TRUE))
fit <- readRDS(file.path(args[1], "model.rds"))
if (inherits(fit, "served_model")) fit <- fit$model  # the fitted object, without the adapter that serves it
records <- jsonlite::fromJSON(args[2], simplifyVector = FALSE)
column <- function(input) {
  values <- vapply(records, function(r) as.character(r[[input$name]]), "")
  if (input$type == "factor") factor(values, levels = unlist(input$levels)) else as.numeric(values)
}
newdata <- as.data.frame(setNames(lapply(meta$inputs, column), vapply(meta$inputs, `[[`, "", "name")))
cat(jsonlite::toJSON(unname(do.call(predict, c(list(fit, newdata = newdata), meta$predict_args))), digits = NA))
"""


def r_predict(model_dir: Path, records: list[dict[str, Any]]) -> list[float]:
    result = subprocess.run(
        ["Rscript", "--vanilla", "-e", _R_PREDICT, str(model_dir), json.dumps(records)],
        check=True,
        capture_output=True,
        text=True,
    )
    values: list[float] = json.loads(result.stdout)
    return values
