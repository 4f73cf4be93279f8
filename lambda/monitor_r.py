"""The monitor's bridge to R: Python values to R lists and vectors and back, and monitor_stats.R's monitor_group()."""

import math
from pathlib import Path
from typing import Any

import r_runtime

r_runtime.start()

import rpy2.rinterface as ri  # noqa: E402  (R must be started by r_runtime first)
from rpy2.rinterface_lib import embedded  # noqa: E402

STATS_R = Path(__file__).resolve().parent / "monitor_stats.R"
_STATS = ri.baseenv["new.env"]()
ri.baseenv["sys.source"](ri.StrSexpVector([str(STATS_R)]), envir=_STATS)


class MonitorRError(Exception):
    """R signalled an error while computing the statistics; the message is R's."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def to_r(value: Any) -> Any:
    """dict -> named list; list of numbers / strings / booleans (None = NA) -> vector; list of dicts -> list."""
    if value is None:
        return ri.NULL
    if isinstance(value, dict):
        r_list = ri.ListSexpVector([to_r(v) for v in value.values()])
        return ri.baseenv["names<-"](r_list, ri.StrSexpVector(list(value)))
    if not isinstance(value, list):
        value = [value]
    present = [v for v in value if v is not None]
    if any(isinstance(v, dict | list) for v in present):
        return ri.ListSexpVector([to_r(v) for v in value])
    if present and all(isinstance(v, str) for v in present):
        return ri.StrSexpVector([ri.NA_Character if v is None else v for v in value])
    if present and all(isinstance(v, bool) for v in present):
        return ri.BoolSexpVector([ri.NA_Logical if v is None else v for v in value])
    if all(_is_number(v) for v in present):
        return ri.FloatSexpVector([ri.NA_Real if v is None else float(v) for v in value])
    raise TypeError(f"cannot pass a list of mixed types to R: {value[:5]!r}")


def _scalar(value: Any) -> Any:
    if value is ri.NA_Character or value is ri.NA_Logical or value is ri.NA_Integer:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # NA_real_, NaN and Inf have no JSON form
    return value


def from_r(sexp: Any) -> Any:
    """Named list -> dict, list -> list, a vector of length 1 -> a scalar unless wrapped in I() (an array)."""
    if sexp is ri.NULL:
        return None
    try:
        names = list(sexp.names) if sexp.names is not ri.NULL else None
    except AttributeError:
        names = None
    if sexp.typeof == ri.RTYPES.VECSXP:
        values = [from_r(item) for item in sexp]
        return dict(zip(names, values, strict=True)) if names is not None else values
    try:
        as_array = "AsIs" in list(sexp.do_slot("class"))
    except LookupError:
        as_array = False
    values = [_scalar(v) for v in sexp]
    if sexp.typeof == ri.RTYPES.INTSXP:
        values = [None if v is None else int(v) for v in values]
    if names is not None and not as_array:
        return dict(zip(names, values, strict=True))
    if len(values) == 1 and not as_array:
        return values[0]
    return values


def call(function: str, *args: Any) -> Any:
    """Call a function of monitor_stats.R with Python arguments; its answer as Python values."""
    try:
        return from_r(_STATS[function](*[to_r(arg) for arg in args]))
    except embedded.RRuntimeError as error:
        raise MonitorRError(str(error).strip()) from None


def group_statistics(group: dict[str, Any], model: dict[str, Any], thresholds: dict[str, float]) -> dict[str, Any]:
    result: dict[str, Any] = call("monitor_group", group, model, thresholds)
    return result
