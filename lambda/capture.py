"""Capture records: one JSON log line per request that reached a model, for monitoring (Logs -> Firehose -> S3).

The shape is the monitoring contract (README, "Monitoring"): request id, time, model and version, route, status,
the inputs as validated (factor levels as strings, excluded inputs absent), the API's predictions, out-of-range
warnings and the handler's time. Settings are read from the environment on each request (a dictionary look-up;
parsing is cached): CAPTURE=off writes nothing, CAPTURE_PERCENT samples requests, CAPTURE_EXCLUDE names inputs
that never leave the function, CAPTURE_BATCH_ROWS is how many rows of each batch-scoring chunk are captured."""

import bisect
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from logs import log
from settings import number
from validation import Input

MARKER = "capture"  # readers keep only JSON lines whose object has "capture": 1
DEFAULT_BATCH_ROWS = 100
# A CloudWatch Logs event holds at most 256 KB (Lambda splits a longer line, and the halves are not JSON): a larger
# record is written as parts of consecutive rows, each under this size, the rows of the request told by first_row.
MAX_RECORD_BYTES = 200_000


@dataclass(frozen=True)
class Settings:
    enabled: bool = True
    percent: float = 100.0
    exclude: frozenset[str] = frozenset()
    batch_rows: int = DEFAULT_BATCH_ROWS

    def sampled(self) -> bool:
        """Whether this request is captured: per request, CAPTURE_PERCENT of them."""
        return self.enabled and (self.percent >= 100 or random.random() * 100 < self.percent)


@lru_cache(maxsize=16)
def _parse(enabled: str, percent: str, exclude: str, batch_rows: str) -> Settings:
    switch = enabled.strip().lower()
    if switch not in ("", "on", "true", "1", "off", "false", "0"):
        log("error", f"CAPTURE={enabled!r} is not on or off; capture stays on")
    return Settings(
        enabled=switch not in ("off", "false", "0"),
        percent=number("CAPTURE_PERCENT", percent, 100.0, 0.0, 100.0),
        exclude=frozenset(name.strip() for name in exclude.split(",") if name.strip()),
        batch_rows=int(number("CAPTURE_BATCH_ROWS", batch_rows, DEFAULT_BATCH_ROWS, 0, 1_000_000)),
    )


def settings() -> Settings:
    env = os.environ
    return _parse(
        env.get("CAPTURE", ""),
        env.get("CAPTURE_PERCENT", ""),
        env.get("CAPTURE_EXCLUDE", ""),
        env.get("CAPTURE_BATCH_ROWS", ""),
    )


def utc_time(seconds: float) -> str:
    """2026-12-04T18:00:00.123Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"


def input_records(
    inputs: Sequence[Input], columns: Sequence[Sequence[Any]], exclude: frozenset[str], rows: range
) -> list[dict[str, Any]]:
    """Validated columns (factor codes) back into records (factor levels), without the excluded inputs."""
    kept = []
    for item, column in zip(inputs, columns, strict=True):
        if item.name in exclude:
            continue
        levels = ("", *item.levels) if item.type == "factor" else None  # codes are 1-based
        kept.append((item.name, levels, column))
    return [{name: levels[column[row]] if levels else column[row] for name, levels, column in kept} for row in rows]


def out_of_range(inputs: Sequence[Input], columns: Sequence[Sequence[Any]], rows: range) -> int:
    """Out-of-range warnings (one per input value outside its training range), as POST /predict counts them."""
    count = 0
    for item, column in zip(inputs, columns, strict=True):
        if item.min is not None and item.max is not None:
            count += sum(not item.min <= column[row] <= item.max for row in rows)
    return count


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), default=str)


def parts(record: dict[str, Any], limit: int = MAX_RECORD_BYTES) -> list[str]:
    """The record as one line, or as parts of consecutive rows when one line would pass the limit.

    Every part repeats the request's fields; `first_row` is the row (of the request, or of the batch file) of its
    first row, `part`/`parts` number it. Traffic (status, handler time, out-of-range count) counts part 0 only."""
    line = _line(record)
    rows = len(record.get("inputs") or ())
    if len(line.encode()) <= limit or rows < 2:
        return [line]
    count = 2
    while True:
        size = -(-rows // count)  # rows per part, rounded up
        chunks = [range(start, min(start + size, rows)) for start in range(0, rows, size)]
        lines = [
            _line(
                {
                    **record,
                    "rows": len(chunk),
                    "inputs": record["inputs"][chunk.start : chunk.stop],
                    "outputs": record["outputs"][chunk.start : chunk.stop],
                    "out_of_range": record.get("out_of_range", 0) if index == 0 else 0,
                    "first_row": int(record.get("first_row") or 0) + chunk.start,
                    "part": index,
                    "parts": len(chunks),
                }
            )
            for index, chunk in enumerate(chunks)
        ]
        if all(len(part.encode()) <= limit for part in lines) or size == 1:
            return lines
        count *= 2


def write(record: dict[str, Any]) -> None:
    sys.stdout.write("".join(line + "\n" for line in parts(record)))
    sys.stdout.flush()


@dataclass
class Pending:
    """A sampled request's capture, filled in as the request goes, written once its status is known."""

    started: float
    model: dict[str, Any]
    settings: Settings
    rows: int = 0
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    out_of_range: int = 0


_pending: ContextVar[Pending | None] = ContextVar("capture_pending", default=None)


def clear() -> None:
    """A new invocation: nothing pending from an earlier one."""
    _pending.set(None)


def begin(model_ref: dict[str, Any]) -> None:
    """The request reached this model: decide now whether it is captured (nothing more is done when not)."""
    current = settings()
    _pending.set(Pending(time.time(), model_ref, current) if current.sampled() else None)


def predicted(
    inputs: Sequence[Input], columns: Sequence[Sequence[Any]], count: int, outputs: list[dict[str, Any]], warnings: int
) -> None:
    """The request was answered with predictions: keep its inputs and outputs (only when it is captured)."""
    pending = _pending.get()
    if pending is None:
        return
    pending.rows = count
    pending.inputs = input_records(inputs, columns, pending.settings.exclude, range(count))
    pending.outputs = outputs
    pending.out_of_range = warnings


def finish(request_id: str | None, route: str, status: int, handler_ms: float) -> None:
    """Write the request's capture record, if it reached a model and was sampled; errors carry no rows."""
    pending = _pending.get()
    if pending is None:
        return
    _pending.set(None)
    ok = status < 400
    write(
        {
            MARKER: 1,
            "request_id": request_id,
            "time": utc_time(pending.started),
            "model": pending.model["name"],
            "version": pending.model["version"],
            "route": route,
            "status": status,
            "rows": pending.rows if ok else 0,
            "inputs": pending.inputs if ok else [],
            "outputs": pending.outputs if ok else [],
            "out_of_range": pending.out_of_range if ok else 0,
            "handler_ms": handler_ms,
        }
    )


def batch_block(valid_rows: Sequence[int], total: int, size: int, rng: random.Random | None = None) -> range:
    """Positions (in valid_rows) of a run of consecutive valid rows: up to size, from a random row of the chunk.

    Consecutive, so that file + first_row + k names the k-th captured row (truth can be joined by file and row);
    it stops early at an invalid row, which has no validated inputs."""
    if size <= 0 or not valid_rows:
        return range(0)
    start = (rng or random).randrange(max(1, total - size + 1))
    first = min(bisect.bisect_left(valid_rows, start), len(valid_rows) - 1)
    last = first
    while last + 1 < len(valid_rows) and last + 1 - first < size and valid_rows[last + 1] == valid_rows[last] + 1:
        last += 1
    return range(first, last + 1)


def capture_chunk(
    request_id: str | None,
    model_ref: dict[str, Any],
    inputs: Sequence[Input],
    columns: Sequence[Sequence[Any]],
    valid_rows: Sequence[int],
    outputs: Sequence[dict[str, Any]],
    file: str,
    first_row: int,
    total_rows: int,
    started: float,
) -> None:
    """Batch scoring: one record per sampled chunk, holding a block of its rows (see batch_block for why)."""
    current = settings()
    if not current.sampled():
        return
    block = batch_block(valid_rows, total_rows, current.batch_rows)
    if not block:
        return
    write(
        {
            MARKER: 1,
            "request_id": request_id,
            "time": utc_time(time.time()),
            "model": model_ref["name"],
            "version": model_ref["version"],
            "route": "batch",
            "status": 200,
            "rows": len(block),
            "inputs": input_records(inputs, columns, current.exclude, block),
            "outputs": [outputs[position] for position in block],
            "out_of_range": out_of_range(inputs, columns, block),
            "handler_ms": round((time.perf_counter() - started) * 1000, 3),
            "file": file,
            "first_row": first_row + valid_rows[block.start],
        }
    )
