"""CSV rows against model.json: the header check, one row into typed values or an error, the output columns.

Batch scoring's row rules in one place; the S3 and Step Functions side is batch_scoring.py."""

from dataclasses import dataclass, field
from typing import Any

from validation import Input, Invalid, RequestSchema

ERROR_COLUMN = "error"
# CSV has no booleans: these spellings (R's write.csv writes TRUE/FALSE) mean true or false.
_LOGICAL = {"true": True, "false": False}


class BadFile(Exception):
    """The file as a whole cannot be scored; the message says why and what to do."""


# Every class's probability (output type probabilities) gets a column named this prefix and the class.
PROBABILITY_PREFIX = "probability_"


def prediction_columns(output: dict[str, Any]) -> list[str]:
    """The columns a prediction adds, as POST /predict names them (probabilities: one column per class)."""
    if output["type"] == "probabilities":
        return ["label", *[f"{PROBABILITY_PREFIX}{label}" for label in output["labels"]]]
    return {"probability": ["probability", "label"], "class": ["label"]}.get(output["type"], ["value"])


def output_header(columns: list[str], output: dict[str, Any]) -> list[str]:
    return [*columns, *prediction_columns(output), ERROR_COLUMN]


def check_header(header: list[str], inputs: list[dict[str, Any]], output: dict[str, Any]) -> list[str]:
    """The header's column names, or BadFile saying which model inputs are missing or which names clash."""
    names = [name.strip() for name in header]
    needed = [spec["name"] for spec in inputs]
    missing = [name for name in needed if name not in names]
    if missing:
        shown = ", ".join(names[:20]) if any(names) else "nothing"
        raise BadFile(
            f"the header lacks the model's input(s) {', '.join(missing)}; it has {shown}. "
            f"The first line must name the columns, including {', '.join(needed)}"
        )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise BadFile(f"the header names {', '.join(duplicates)} more than once; give every column its own name")
    clashes = [name for name in [*prediction_columns(output), ERROR_COLUMN] if name in names]
    if clashes:
        raise BadFile(
            f"the header already has {', '.join(clashes)}, which the output adds (a scored file?); "
            "rename or drop those columns"
        )
    return names


@dataclass
class ParsedChunk:
    """One chunk's rows: typed columns of the valid rows (in model.json order) and an error per invalid row."""

    columns: list[list[Any]]
    errors: list[str | None]  # None for a valid row, in input order
    out_of_range: int = 0
    valid_rows: list[int] = field(default_factory=list)


class RowParser:
    def __init__(self, header: list[str], inputs: list[dict[str, Any]]) -> None:
        self.schema = RequestSchema(inputs)
        self.width = len(header)
        self.positions = [(header.index(item.name), item) for item in self.schema.inputs]

    def _value(self, item: Input, raw: str) -> Any:
        text = raw.strip()
        if text == "":
            raise Invalid("null", f"{item.name} is empty; give a {item.describe()}")
        if item.type == "logical":
            return item.parse(_LOGICAL.get(text.lower(), text))
        return item.parse(text)

    def parse(self, rows: list[list[str]]) -> ParsedChunk:
        chunk = ParsedChunk(columns=[[] for _ in self.positions], errors=[])
        for index, row in enumerate(rows):
            if len(row) != self.width:
                chunk.errors.append(f"the row has {len(row)} fields, the header {self.width}")
                continue
            values: list[Any] = []
            problems: list[str] = []
            outside = False
            for position, item in self.positions:
                try:
                    value = self._value(item, row[position])
                except Invalid as invalid:
                    problems.append(invalid.message)
                    continue
                values.append(value)
                if item.min is not None and item.max is not None and not item.min <= value <= item.max:
                    outside = True
            if problems:
                chunk.errors.append("; ".join(problems))
                continue
            chunk.errors.append(None)
            chunk.valid_rows.append(index)
            chunk.out_of_range += outside
            for column, value in zip(chunk.columns, values, strict=True):
                column.append(value)
        return chunk


def prediction_fields(prediction: dict[str, Any], columns: list[str]) -> list[str]:
    """A prediction as CSV fields; repr keeps every digit of a double, so the file round-trips R's value."""
    flat = {**prediction, **{f"{PROBABILITY_PREFIX}{k}": p for k, p in prediction.get("probabilities", {}).items()}}
    fields = []
    for name in columns:
        value = flat.get(name)
        fields.append("" if value is None else repr(value) if isinstance(value, float) else str(value))
    return fields
