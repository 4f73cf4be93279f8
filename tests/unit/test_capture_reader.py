"""lambda/capture_reader.py: every object format the capture path writes gives the same capture records."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from capture_reader import read_records


def record(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "capture": 1,
        "request_id": f"r{n}",
        "model": "admission",
        "version": "6b21246f54cd",
        "status": 200,
        "rows": 1,
        "inputs": [{"gre": 600.0 + n, "gpa": 3.5, "rank": "2"}],
        "outputs": [{"probability": 0.3, "label": "rejected"}],
        **extra,
    }


RECORDS = [record(n) for n in range(5)]
NOISE = [
    "START RequestId: 1f0c Version: $LATEST",
    json.dumps({"level": "info", "message": "request", "status": 200}),
    json.dumps({"capture": 0, "request_id": "not-a-capture"}),
    "REPORT RequestId: 1f0c\tDuration: 2.01 ms",
    "END RequestId: 1f0c",
]


def ndjson() -> bytes:
    lines = [NOISE[0], *(json.dumps(r) for r in RECORDS[:2]), *NOISE[1:], *(json.dumps(r) for r in RECORDS[2:])]
    return ("\n".join(lines) + "\n").encode()


def envelope(messages: list[str]) -> str:
    events = [{"id": str(i), "timestamp": 1, "message": m} for i, m in enumerate(messages)]
    return json.dumps({"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/x", "logEvents": events})


def envelopes() -> bytes:
    first = envelope([NOISE[0], json.dumps(RECORDS[0]) + "\n", NOISE[1]])
    control = json.dumps({"messageType": "CONTROL_MESSAGE", "logEvents": [{"message": json.dumps(record(99))}]})
    second = envelope([*NOISE[2:], *(json.dumps(r) for r in RECORDS[1:])])
    return (first + control + second).encode()  # Firehose writes them one after the other, no separator


@pytest.mark.parametrize(
    "data",
    [
        ndjson(),
        gzip.compress(ndjson()),
        envelopes(),
        gzip.compress(envelopes()),
        gzip.compress(envelopes()[:200]) + gzip.compress(envelopes()[200:]),  # two gzip members
    ],
    ids=["ndjson", "ndjson-gzip", "envelopes", "envelopes-gzip", "gzip-members"],
)
def test_every_format_gives_exactly_the_capture_records(data: bytes) -> None:
    assert read_records(data) == RECORDS


def test_envelopes_separated_by_newlines_are_read_too() -> None:
    data = "\n".join(envelope([json.dumps(r)]) for r in RECORDS).encode()
    assert [r["request_id"] for r in read_records(data)] == ["r0", "r1", "r2", "r3", "r4"]


def test_a_broken_line_loses_only_itself() -> None:
    data = (json.dumps(RECORDS[0]) + "\n{not json\n" + json.dumps(RECORDS[1]) + "\n").encode()
    assert read_records(data) == RECORDS[:2]


@pytest.mark.parametrize("data", [b"", b"\n\n", b"REPORT only\n", gzip.compress(b"")])
def test_objects_without_capture_records_give_none(data: bytes) -> None:
    assert read_records(data) == []
