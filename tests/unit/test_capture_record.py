"""The capture records the function writes (sampling, off switch, exclusion, shape) and their filing, without AWS."""

from __future__ import annotations

import gzip
import json
import random
from typing import Any

import capture
import capture_filing
import pytest
from validation import RequestSchema

INPUTS: list[dict[str, Any]] = [
    {"name": "gre", "type": "numeric", "min": 220, "max": 800},
    {"name": "gpa", "type": "numeric", "min": 2, "max": 4},
    {"name": "rank", "type": "factor", "levels": ["1", "2", "3", "4"]},
]
SCHEMA = RequestSchema(INPUTS)
MODEL = {"name": "admission", "version": "6b21246f54cd"}
OUTPUTS = [{"probability": 0.7, "label": "admitted"}, {"probability": 0.2, "label": "rejected"}]


@pytest.fixture(autouse=True)
def capture_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAPTURE", "CAPTURE_PERCENT", "CAPTURE_EXCLUDE", "CAPTURE_BATCH_ROWS"):
        monkeypatch.delenv(name, raising=False)


def one_request(capsys: pytest.CaptureFixture[str], status: int = 200) -> list[dict[str, Any]]:
    """Run one two-row request through begin/predicted/finish; the capture lines it wrote."""
    capsys.readouterr()
    rows = SCHEMA.rows({"instances": [{"gre": 700, "gpa": 3.5, "rank": "2"}, {"gre": 900, "gpa": 4, "rank": "1"}]}, 10)
    capture.clear()
    capture.begin(MODEL)
    capture.predicted(SCHEMA.inputs, rows.columns, rows.count, OUTPUTS, len(rows.warnings))
    capture.finish("req-1", "api", status, 1.5)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"capture"' in line]


def test_a_record_holds_the_validated_inputs_and_the_api_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    [record] = one_request(capsys)
    assert set(record) == {
        "capture", "request_id", "time", "model", "version", "route", "status", "rows", "inputs", "outputs",
        "out_of_range", "handler_ms",
    }  # fmt: skip
    assert (record["capture"], record["request_id"], record["route"], record["status"]) == (1, "req-1", "api", 200)
    assert (record["model"], record["version"], record["rows"]) == ("admission", "6b21246f54cd", 2)
    # Numbers as validated (floats), factors as their level, not R's code.
    assert record["inputs"] == [{"gre": 700.0, "gpa": 3.5, "rank": "2"}, {"gre": 900.0, "gpa": 4.0, "rank": "1"}]
    assert record["outputs"] == OUTPUTS
    assert record["out_of_range"] == 1  # gre=900
    assert record["handler_ms"] == 1.5
    assert len(record["time"]) == 24
    assert record["time"].endswith("Z")


def test_an_error_record_carries_no_rows(capsys: pytest.CaptureFixture[str]) -> None:
    [record] = one_request(capsys, status=422)
    assert (record["status"], record["rows"], record["inputs"], record["outputs"]) == (422, 0, [], [])


def test_excluded_inputs_never_leave_the_function(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPTURE_EXCLUDE", "gpa, rank")
    [record] = one_request(capsys)
    assert record["inputs"] == [{"gre": 700.0}, {"gre": 900.0}]
    assert "gpa" not in json.dumps(record)
    assert "rank" not in json.dumps(record)


@pytest.mark.parametrize("switch", ["off", "OFF", "false", "0"])
def test_capture_off_writes_nothing(
    switch: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPTURE", switch)
    assert one_request(capsys) == []


def test_sampling_keeps_about_the_given_percentage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPTURE_PERCENT", "25")
    random.seed(7)
    kept = sum(capture.settings().sampled() for _ in range(4000))
    assert 900 < kept < 1100
    monkeypatch.setenv("CAPTURE_PERCENT", "0")
    assert not any(capture.settings().sampled() for _ in range(1000))
    monkeypatch.setenv("CAPTURE_PERCENT", "100")
    assert all(capture.settings().sampled() for _ in range(1000))


@pytest.mark.parametrize("bad", ["abc", "150", "-1", "nan"])
def test_a_bad_percentage_is_logged_and_100_used(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPTURE_PERCENT", bad)
    assert capture.settings().percent == 100


def test_nothing_pending_is_written_by_a_request_that_reached_no_model(capsys: pytest.CaptureFixture[str]) -> None:
    capture.clear()
    capture.finish("req-2", "api", 404, 0.1)
    assert capsys.readouterr().out == ""


def test_a_batch_block_is_consecutive_valid_rows() -> None:
    rng = random.Random(3)
    valid = [0, 1, 2, 4, 5, 6, 7, 8, 9]  # row 3 is invalid
    for _ in range(200):
        block = capture.batch_block(valid, 10, 4, rng)
        rows = [valid[p] for p in block]
        assert 1 <= len(rows) <= 4
        assert rows == list(range(rows[0], rows[0] + len(rows)))  # consecutive: first_row + k names row k
    assert capture.batch_block(valid, 10, 0, rng) == range(0)
    assert capture.batch_block([], 10, 4, rng) == range(0)
    assert capture.batch_block(list(range(50)), 50, 100, rng) == range(0, 50)  # a small chunk: all of it


def test_a_chunk_record_names_its_file_and_first_row(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAPTURE_BATCH_ROWS", "2")
    columns = [[300.0, 400.0, 900.0], [3.0, 3.1, 3.2], [1, 2, 3]]
    outputs = [{"label": "a"}, {"label": "b"}, {"label": "c"}]
    capsys.readouterr()
    capture.capture_chunk("req-3", MODEL, SCHEMA.inputs, columns, [0, 1, 2], outputs, "in/x.csv", 5000, 3, 0.0)
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (record["route"], record["file"], record["rows"]) == ("batch", "in/x.csv", 2)
    start = record["first_row"] - 5000
    assert record["inputs"] == [
        {"gre": columns[0][i], "gpa": columns[1][i], "rank": str(columns[2][i])} for i in (start, start + 1)
    ]
    assert record["outputs"] == outputs[start : start + 2]
    assert record["out_of_range"] == (start == 1)  # gre=900 is row 2


# Filing: what Firehose delivered, into capture/<model>/<version>/date=.../


def envelope(*messages: str) -> bytes:
    return json.dumps(
        {"messageType": "DATA_MESSAGE", "logEvents": [{"id": str(i), "message": m} for i, m in enumerate(messages)]}
    ).encode()


RECORD = {"capture": 1, "request_id": "r1", "time": "2026-12-04T18:00:00.123Z", **{"model": "m", "version": "v1"}}


def test_filing_reads_gzipped_concatenated_envelopes_and_drops_other_lines() -> None:
    other = {**RECORD, "request_id": "r2", "time": "2026-12-05T00:00:00.000Z"}
    first = envelope("START RequestId: r1", json.dumps(RECORD) + "\n", '{"level": "info", "message": "request"}')
    second = envelope(json.dumps(other), "REPORT RequestId: r2 Duration: 3 ms", "{not json")
    control = json.dumps({"messageType": "CONTROL_MESSAGE", "logEvents": [{"message": "CWL CONTROL MESSAGE"}]})
    for data in (
        gzip.compress(first) + gzip.compress(second) + gzip.compress(control.encode()),  # AWS: one member per record
        first + second + control.encode(),  # uncompressed, concatenated
        (json.dumps(RECORD) + "\nnot json\n" + json.dumps(other) + "\n").encode(),  # newline-delimited records
    ):
        found = list(capture_filing.capture_records(data))
        assert [r["request_id"] for r in found] == ["r1", "r2"]
    assert [capture_filing.partition(r) for r in found] == [
        "capture/m/v1/date=2026-12-04/",
        "capture/m/v1/date=2026-12-05/",
    ]


def test_filing_never_trusts_a_name_as_a_key_segment() -> None:
    assert capture_filing.partition({**RECORD, "model": "../x", "time": "bad"}) == "capture/unknown/v1/date=unknown/"


def test_a_record_past_the_log_event_limit_is_written_in_parts(capsys: pytest.CaptureFixture[str]) -> None:
    """1,000 rows of 40 inputs: every line fits a CloudWatch Logs event, and the parts put the request back whole."""
    wide = [{"name": f"x{i}", "type": "numeric", "min": 0, "max": 1} for i in range(40)]
    schema = RequestSchema(wide)
    records = [{f"x{i}": round(random.random() * 1.2, 6) for i in range(40)} for _ in range(1000)]
    rows = schema.rows({"instances": records}, 1000)
    outputs = [{"value": n / 7} for n in range(1000)]
    capsys.readouterr()
    capture.clear()
    capture.begin(MODEL)
    capture.predicted(schema.inputs, rows.columns, rows.count, outputs, len(rows.warnings))
    capture.finish("req-wide", "api", 200, 12.5)
    lines = [line for line in capsys.readouterr().out.splitlines() if '"capture"' in line]
    parts = [json.loads(line) for line in lines]

    assert len(parts) > 1
    assert max(len(line.encode()) for line in lines) <= capture.MAX_RECORD_BYTES
    assert [p["part"] for p in parts] == list(range(len(parts)))
    assert {p["parts"] for p in parts} == {len(parts)}
    assert [p["first_row"] for p in parts] == [sum(q["rows"] for q in parts[:n]) for n in range(len(parts))]
    assert [row for p in parts for row in p["inputs"]] == records
    assert [row for p in parts for row in p["outputs"]] == outputs
    assert [p["out_of_range"] for p in parts] == [len(rows.warnings)] + [0] * (len(parts) - 1)
    assert {(p["request_id"], p["status"], p["handler_ms"]) for p in parts} == {("req-wide", 200, 12.5)}


def test_a_record_under_the_limit_stays_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    [record] = one_request(capsys)
    assert "part" not in record
    assert "first_row" not in record
