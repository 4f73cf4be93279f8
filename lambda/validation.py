"""Requests checked against model.json's inputs: one record, {"instances": [...]} or [...], into typed columns."""

import math
import re
from dataclasses import dataclass, field
from typing import Any

from responses import ApiError

# Numbers may arrive as strings (the 2017 client sent {"gre": "800"}); only plain decimal notation counts.
# The exponent and length bounds keep every string the OpenAPI document allows a finite double.
# ASCII classes, not \s and \d: Python's re and ECMAScript disagree on those, and float() refuses "0\x1f".
_SPACE = "[ \\t\\n\\r]*"
NUMBER_PATTERN = rf"^{_SPACE}[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{{1,2}})?{_SPACE}$"
NUMBER_MAX_LENGTH = 40
# Nine digits always fit R's 32-bit integers.
INTEGER_PATTERN = rf"^{_SPACE}[-+]?[0-9]{{1,9}}{_SPACE}$"
# The largest finite double: JSON numbers beyond it are refused, and the document says so.
FLOAT_MAX = 1.7976931348623157e308
# The same bound as the document's decimal text means it: a JSON integer just beyond it would round to FLOAT_MAX.
FLOAT_MAX_DECIMAL = 17976931348623157 * 10**292
_NUMBER = re.compile(NUMBER_PATTERN)
_INTEGER = re.compile(INTEGER_PATTERN)
R_INT_MAX = 2**31 - 1  # R's NA_integer_ is -2^31
MAX_DETAILS = 50


class Invalid(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Input:
    """One model input as model.json describes it; `parse` turns a JSON value into the R column's value."""

    name: str
    type: str
    levels: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    codes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> "Input":
        levels = tuple(spec.get("levels") or ())
        return cls(
            name=spec["name"],
            type=spec["type"],
            levels=levels,
            min=spec.get("min"),
            max=spec.get("max"),
            codes={level: code for code, level in enumerate(levels, start=1)},
        )

    def parse(self, value: Any) -> float | int | bool:
        kind = type(value)
        if self.type == "numeric" and kind is float and math.isfinite(value):
            return float(value)  # the common case, checked first: a batch parses thousands of these
        if value is None:
            raise Invalid("null", f"{self.name} is null; send a {self.describe()}")
        if self.type == "numeric":
            return self._number(value)
        if self.type == "integer":
            return self._integer(value)
        if self.type == "factor":
            if isinstance(value, str) and value in self.codes:
                return self.codes[value]  # R factor codes are 1-based positions in levels
            raise Invalid("unknown_level", f"{self.name} must be one of {list(self.levels)}, got {value!r}")
        if isinstance(value, bool):
            return value
        raise Invalid("type", f"{self.name} must be true or false, got {value!r}")

    def _number(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Invalid("type", f"{self.name} must be a number, got {value!r}")
        if isinstance(value, str) and (len(value) > NUMBER_MAX_LENGTH or not _NUMBER.match(value)):
            raise Invalid("type", f"{self.name} must be a number, got the string {value!r}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        except ValueError as error:  # the pattern should have refused it; a user's text is never a 500
            raise Invalid("type", f"{self.name} must be a number, got the string {value!r}") from error
        if isinstance(value, int) and abs(value) > FLOAT_MAX_DECIMAL:
            number = math.inf
        if not math.isfinite(number):
            raise Invalid("type", f"{self.name} must be a finite number, got {value!r}")
        return number

    def _integer(self, value: Any) -> int:
        if isinstance(value, str) and _INTEGER.match(value):
            value = int(value)
        number = self._number(value)
        if not number.is_integer():
            raise Invalid("type", f"{self.name} must be a whole number, got {value!r}")
        if abs(number) > R_INT_MAX:
            raise Invalid("type", f"{self.name} must be within +-{R_INT_MAX}, got {value!r}")
        return int(number)

    def describe(self) -> str:
        if self.type == "factor":
            return f"one of {list(self.levels)}"
        return {"numeric": "number", "integer": "whole number", "logical": "true or false"}[self.type]

    def range_warning(self, value: float | int | bool) -> str:
        return (
            f"{self.name}={value:g} is outside the training data's range [{self.min:g}, {self.max:g}]:"
            " the prediction is an extrapolation"
        )


@dataclass
class Rows:
    """Validated input as one column per model input (in model.json order), ready for one R call."""

    columns: list[list[Any]]
    count: int
    batch: bool
    warnings: list[dict[str, Any]]  # at most MAX_DETAILS
    warnings_left_out: int = 0


class RequestSchema:
    def __init__(self, inputs: list[dict[str, Any]]) -> None:
        self.inputs = [Input.from_spec(spec) for spec in inputs]
        self.names = {item.name for item in self.inputs}

    def records(self, payload: Any, max_rows: int) -> tuple[list[Any], bool]:
        """The records of a request body and whether it was a batch."""
        if isinstance(payload, list):
            instances = payload  # a top-level array of records: R's jsonlite::toJSON(data.frame), vetiver's format
        elif not isinstance(payload, dict):
            raise ApiError(
                400, "not_an_object", 'the body must be one record (an object), {"instances": [...]} or [records]'
            )
        elif "instances" not in payload or "instances" in self.names:
            return [payload], False
        else:
            extra = sorted(set(payload) - {"instances"})
            if extra:
                details = [_detail(name, None, "unknown_field", "a batch body holds only instances") for name in extra]
                raise ApiError(422, "invalid_input", "unknown fields next to instances", details)
            instances = payload["instances"]
        if not isinstance(instances, list):
            raise ApiError(400, "wrong_shape", "instances must be an array of records")
        if not instances:
            raise ApiError(400, "empty_batch", "instances is empty: send at least one record")
        if len(instances) > max_rows:
            raise ApiError(
                413,
                "batch_too_large",
                f"{len(instances)} records in one request; the limit is {max_rows}: split the batch",
                {"limit": max_rows, "received": len(instances)},
            )
        return instances, True

    def rows(self, payload: Any, max_rows: int) -> Rows:
        records, batch = self.records(payload, max_rows)
        columns: list[list[Any]] = [[] for _ in self.inputs]
        problems: list[dict[str, Any]] = []
        warnings: list[dict[str, Any]] = []
        for index, record in enumerate(records):
            row = index if batch else None
            if not isinstance(record, dict):
                problems.append(_detail(f"instances[{index}]", row, "not_an_object", "each instance must be an object"))
                continue
            for name in record.keys() - self.names:
                problems.append(_detail(name, row, "unknown_field", f"{name} is not an input of this model"))
            for item, column in zip(self.inputs, columns, strict=True):
                if item.name not in record:
                    problems.append(_detail(item.name, row, "missing", f"{item.name} is required: {item.describe()}"))
                    continue
                try:
                    value = item.parse(record[item.name])
                except Invalid as invalid:
                    problems.append(_detail(item.name, row, invalid.reason, invalid.message))
                    continue
                column.append(value)
                if item.min is not None and item.max is not None and not item.min <= value <= item.max:
                    warnings.append(_detail(item.name, row, "out_of_range", item.range_warning(value)))
        if problems:
            problems.sort(key=lambda p: (p.get("row") or 0, p["field"]))
            message = f"{len(problems)} invalid field(s); see details" + _left_out(len(problems))
            raise ApiError(422, "invalid_input", message, problems[:MAX_DETAILS])
        return Rows(
            columns=columns,
            count=len(records),
            batch=batch,
            warnings=warnings[:MAX_DETAILS],
            warnings_left_out=max(0, len(warnings) - MAX_DETAILS),
        )


def _left_out(count: int) -> str:
    """Details and warnings are capped: a 1,000-row batch could otherwise carry thousands."""
    return f" (the first {MAX_DETAILS}; {count - MAX_DETAILS} more left out)" if count > MAX_DETAILS else ""


def _detail(name: str, row: int | None, reason: str, message: str) -> dict[str, Any]:
    detail: dict[str, Any] = {"field": name, "reason": reason, "message": message}
    if row is not None:
        detail["row"] = row
    return detail
