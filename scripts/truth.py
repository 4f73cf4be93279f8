"""`make truth MODEL=<name> INPUT=labels.csv`: check a ground-truth CSV against the model, then upload it.

Columns: request_id and the output's name (the id the API returned with each prediction; add row, 0-based, for
the rows of a multi-row request), or file, row and the output's name (batch-scoring rows: the input key and the
0-based row number). Labels must be among the model's labels, numbers finite; no key twice. A bad file gets one
line saying what to fix and nothing is uploaded. The file lands in s3://<monitoring bucket>/truth/<model>/<id>.csv,
where id is a hash of its content: uploading the same file again changes nothing.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import stack_spec
from stack_models import _model_bucket, _stack_values
from stack_spec import StackError

MAX_BYTES = 50 * 2**20
MAX_ROWS = 1_000_000
TRUTH_PREFIX = "truth/"


class BadTruth(Exception):
    """The file cannot be used as ground truth; the message says why and what to do."""


def _labels(output: dict[str, Any]) -> list[str] | None:
    """The allowed values for a classifier's truth; None for a number."""
    if output["type"] in ("probability", "probabilities", "class"):
        return [str(label) for label in output.get("labels") or []] or None
    return None


def check(data: bytes, meta: dict[str, Any]) -> int:
    """The number of labelled rows, or BadTruth naming the first problem (line numbers as an editor shows them)."""
    if len(data) > MAX_BYTES:
        raise BadTruth(f"the file is {len(data) / 2**20:.1f} MiB, over {MAX_BYTES // 2**20} MiB; split it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadTruth(f"the file is not UTF-8 text ({error.reason}); save it as a UTF-8 CSV") from None
    output = meta["output"]
    name = output["name"]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [field.strip() for field in next(reader, [])]
    if header == [] or not any(header):
        raise BadTruth(f"the file is empty; its first line must be request_id,{name} (or file,row,{name})")
    # A row of a multi-row request is named by its request id and its 0-based row; a batch-scoring row by file and row.
    keys = (["request_id", "row"] if "row" in header else ["request_id"]) if "request_id" in header else ["file", "row"]
    missing = [column for column in [*keys, name] if column not in header]
    if missing:
        raise BadTruth(
            f"the header lacks {', '.join(missing)}; it has {', '.join(header[:10])}. "
            f"Name the columns request_id,{name} (API requests) or file,row,{name} (batch rows)"
        )
    positions = [header.index(column) for column in keys]
    value_at = header.index(name)
    labels = _labels(output)
    seen: dict[tuple[str, ...], int] = {}
    count = 0
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise BadTruth(f"line {line} has {len(row)} fields, the header {len(header)}")
        key = tuple(row[p].strip() for p in positions)
        if not all(key):
            raise BadTruth(f"line {line} has no {' or '.join(keys)}")
        if keys[-1] == "row" and not key[-1].isdigit():
            raise BadTruth(f"line {line}: row must be a row number (0 for the first row), got {key[-1]!r}")
        if key in seen:
            raise BadTruth(f"line {line} labels {', '.join(key)} again (first on line {seen[key]}); keep one")
        seen[key] = line
        _check_value(row[value_at].strip(), labels, name, line)
        count += 1
        if count > MAX_ROWS:
            raise BadTruth(f"more than {MAX_ROWS:,} rows; split the file")
    if count == 0:
        raise BadTruth(f"the file has a header but no rows; add one line per labelled request: <id>,<{name}>")
    return count


def _check_value(value: str, labels: list[str] | None, name: str, line: int) -> None:
    if labels is not None:
        if value not in labels:
            raise BadTruth(f"line {line}: {name} must be one of {', '.join(labels)}, got {value!r}")
        return
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise BadTruth(f"line {line}: {name} must be a finite number, got {value!r}")


def upload_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def upload(values: dict[str, Any], model: str, path: Path) -> str:
    """Check the file against the served model's model.json, then upload it; the S3 URI it got."""
    bucket_name = values.get("monitoring_bucket")
    if not bucket_name:
        raise StackError("the running stack has no monitoring bucket (no monitoring_bucket output); run `make up`")
    models = _model_bucket(values)
    try:
        answer = models.s3.get_object(Bucket=models.bucket, Key=models.key(model, "model.json"))
        meta = json.loads(answer["Body"].read())
    except models.s3.exceptions.NoSuchKey:
        raise StackError(f"no model {model!r} is published on the stack; `make model-versions` lists it") from None
    data = path.read_bytes()
    rows = check(data, meta)
    key = f"{TRUTH_PREFIX}{model}/{upload_id(data)}.csv"
    models.s3.put_object(Bucket=bucket_name, Key=key, Body=data, ContentType="text/csv")
    stack_spec.log(f"{rows} labelled row(s) for {model} uploaded to s3://{bucket_name}/{key}")
    return f"s3://{bucket_name}/{key}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("input", help="the ground-truth CSV")
    parser.add_argument("--model", required=True)
    args = parser.parse_args(argv)
    path = Path(args.input)
    try:
        if not args.input or not path.is_file():
            raise BadTruth(f"no file {args.input!r}: make truth MODEL=<name> INPUT=labels.csv")
        upload(_stack_values(stack_spec.STACK_JSON), args.model, path)
    except BadTruth as bad:
        print(f"truth: {path.name}: {bad}; nothing was uploaded", file=sys.stderr)
        return 1
    except StackError as error:
        print(f"truth: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
