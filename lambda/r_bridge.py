"""The only module that talks to R: load a model.rds and predict a whole batch in one R call."""

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import r_runtime
from logs import log

r_runtime.start()

import rpy2.rinterface as ri  # noqa: E402  (R must be started by r_runtime first)
from rpy2.rinterface_lib import callbacks, embedded  # noqa: E402

# Compiled once, with predict_answer.R (the answer check write_model() also runs): given the model, returns a function
# of the input columns that builds the data.frame (factor codes + levels, no copies), calls predict() (or a
# served_model's own predict function), checks the answer and returns a plain vector: one value per row, or for a
# probabilities model the k probabilities of each row in turn, in labels order.
_ANSWER_CHECKS = (Path(__file__).resolve().parent / "predict_answer.R").read_text()
_MAKE_PREDICTOR = ri.baseenv["eval"](
    ri.parse(
        "local({\n"
        + _ANSWER_CHECKS
        + r"""
function(path, packages, input_names, factor_levels, predict_args, output_type, labels) {
  for (pkg in packages) {
    loadNamespace(pkg)
    # A package with its own predict() (an S4 generic, e.g. kernlab's) dispatches only when attached, as in the
    # session that trained the model.
    if ("predict" %in% getNamespaceExports(pkg) && !paste0("package:", pkg) %in% search()) {
      suppressPackageStartupMessages(attachNamespace(pkg))
    }
  }
  model <- readRDS(path)
  factors <- which(!vapply(factor_levels, is.null, NA))
  predict_call <- if (inherits(model, "served_model")) {
    quote(model$predict(model$model, frame))
  } else {
    as.call(c(list(quote(predict), quote(model), newdata = quote(frame)), predict_args))
  }
  predictor <- function(columns) {
    for (i in factors) columns[[i]] <- structure(columns[[i]], levels = factor_levels[[i]], class = "factor")
    frame <- structure(columns, names = input_names, class = "data.frame",
                       row.names = c(NA_integer_, -length(columns[[1L]])))
    warnings <- character(0)
    result <- withCallingHandlers(eval(predict_call), warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
    problem <- .answer_problem(result, output_type, labels, nrow(frame))
    if (!is.null(problem)) stop(problem, call. = FALSE)
    result <- .answer_values(result, output_type, labels)
    if (length(warnings)) attr(result, "r_warnings") <- warnings
    result
  }
  # What the model holds in R's memory: the model set keeps the loaded models within a budget by it.
  attr(predictor, "model_bytes") <- as.numeric(utils::object.size(model))
  predictor
}
})
"""
    )
)


class RError(Exception):
    """R signalled an error; the message is R's."""


def _log_r_output(text: str) -> None:
    log("info", "R output", text=text.rstrip())


def _log_r_message(text: str) -> None:
    log("warning", "R message", text=text.rstrip())


# R's console would otherwise print plain text into a log stream of JSON lines.
callbacks.consolewrite_print = _log_r_output
callbacks.consolewrite_warnerror = _log_r_message

_VECTOR_OF_TYPE: dict[str, Callable[[Sequence[Any]], Any]] = {
    "numeric": ri.FloatSexpVector,
    "integer": ri.IntSexpVector,
    "factor": ri.IntSexpVector,
    "logical": ri.BoolSexpVector,
}


def _r_value(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return ri.BoolSexpVector([value]) if isinstance(value, bool) else _scalar(value)
    if isinstance(value, dict):
        return _r_list(value)
    if isinstance(value, list):
        return ri.StrSexpVector([str(v) for v in value])
    raise TypeError(f"predict_args value {value!r} has no R equivalent")


def _scalar(value: int | float | str) -> Any:
    if isinstance(value, str):
        return ri.StrSexpVector([value])
    if isinstance(value, int):
        return ri.IntSexpVector([value])
    return ri.FloatSexpVector([value])


def _r_list(values: dict[str, Any]) -> Any:
    r_list = ri.ListSexpVector([_r_value(v) for v in values.values()])
    return ri.baseenv["names<-"](r_list, ri.StrSexpVector(list(values)))


class RModel:
    """A model.rds loaded into R, with the column types of its inputs and the type of its output."""

    def __init__(
        self,
        rds_path: Path,
        inputs: list[dict[str, Any]],
        r_packages: list[str],
        predict_args: dict[str, Any],
        output: dict[str, Any],
    ) -> None:
        self._classes = len(output["labels"]) if output["type"] == "probabilities" else 0
        self._vectors = [_VECTOR_OF_TYPE[spec["type"]] for spec in inputs]
        factor_levels = ri.ListSexpVector(
            [ri.StrSexpVector(spec["levels"]) if spec["type"] == "factor" else ri.NULL for spec in inputs]
        )
        try:
            self._predict = _MAKE_PREDICTOR(
                ri.StrSexpVector([str(rds_path)]),
                ri.StrSexpVector(r_packages),
                ri.StrSexpVector([spec["name"] for spec in inputs]),
                factor_levels,
                _r_list(predict_args),
                ri.StrSexpVector([output["type"]]),
                ri.StrSexpVector(output.get("labels", [])),
            )
        except embedded.RRuntimeError as error:
            raise RError(str(error).strip()) from None
        self.size_bytes = int(self._predict.do_slot("model_bytes")[0])

    def predict(self, columns: list[list[Any]]) -> list[Any]:
        """One value per row, in row order: floats (None for NA), class labels, or for a probabilities model a list
        of each label's probability (in labels order)."""
        r_columns = ri.ListSexpVector([vector(column) for vector, column in zip(self._vectors, columns, strict=True)])
        try:
            result = self._predict(r_columns)
        except embedded.RRuntimeError as error:
            raise RError(str(error).strip()) from None
        with contextlib.suppress(LookupError):  # the attribute exists only when R warned
            log("warning", "R warnings during predict()", warnings=list(result.do_slot("r_warnings")))
        if result.typeof == ri.RTYPES.STRSXP:
            return [None if value is ri.NA_Character else str(value) for value in result]
        values = list(result)
        if self._classes:
            return [values[start : start + self._classes] for start in range(0, len(values), self._classes)]
        return values
