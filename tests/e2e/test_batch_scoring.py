"""Batch scoring on the deployed stack: an upload to in/ is scored by Step Functions and the function, for real."""

from __future__ import annotations

import csv
import gzip
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
import score as score_cli  # scripts/, put on sys.path by tests/conftest.py
from r_reference import r_predict
from sample_csv import write_sample
from test_capture import wait_for_batch
from test_hot_swap import upload

pytestmark = [pytest.mark.localstack, pytest.mark.stack, pytest.mark.slow]

MODELS = Path(__file__).resolve().parents[2] / "build" / "models"
MAX_INPUT_MB = 4  # tests/conftest.py applies the stack with batch_max_input_mb = 4


@pytest.fixture(scope="module")
def batch(stack: Any) -> score_cli.BatchStack:
    assert stack.spec.extra_vars["batch_max_input_mb"] == MAX_INPUT_MB
    return score_cli.BatchStack.from_values({**stack.outputs, "endpoint": stack.endpoint})


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as stream:
        reader = csv.DictReader(stream)
        return list(reader.fieldnames or []), list(reader)


def out_keys(batch: score_cli.BatchStack, prefix: str = "out/") -> set[str]:
    answer = batch.s3.list_objects_v2(Bucket=batch.bucket, Prefix=prefix)
    return {item["Key"] for item in answer.get("Contents", [])}


@pytest.fixture(scope="module")
def scored_100k(batch: score_cli.BatchStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("batch")
    source = folder / "applicants.csv"
    invalid = write_sample("admission", 100_000, source, invalid_every=100)
    result = score_cli.score(batch, source, folder / "scores", show=False)
    return {"result": result, "source": source, "invalid": set(invalid)}


def test_100k_rows_are_scored_in_input_order(scored_100k: dict[str, Any]) -> None:
    result = scored_100k["result"]
    assert result.status == "SUCCEEDED", result.summary
    summary = result.summary
    assert summary["status"] == "succeeded"
    assert (summary["rows"], summary["scored"], summary["invalid"]) == (100_000, 99_000, 1_000)
    assert summary["failed_chunks"] == []
    assert summary["chunks"] == 20  # 5,000 rows per chunk
    admission = json.loads((MODELS / "admission" / "model.json").read_text())
    assert summary["model"] == {"name": "admission", "version": admission["version"]}
    header, rows = read_rows(result.csv_path)
    assert header == ["id", "gre", "gpa", "rank", "probability", "label", "error"]
    assert [row["id"] for row in rows] == [f"r{i}" for i in range(100_000)]
    _, source_rows = read_rows(scored_100k["source"])
    for row, given in zip(rows, source_rows, strict=True):  # input columns come back unchanged
        assert (row["gre"], row["gpa"], row["rank"]) == (given["gre"], given["gpa"], given["rank"])


def test_invalid_rows_get_errors_and_the_rest_are_scored(scored_100k: dict[str, Any]) -> None:
    _, rows = read_rows(scored_100k["result"].csv_path)
    with_error = {index for index, row in enumerate(rows) if row["error"]}
    assert with_error == scored_100k["invalid"]
    for index in sorted(with_error)[:50]:
        row = rows[index]
        assert row["probability"] == row["label"] == ""
        assert any(name in row["error"] for name in ("gre", "gpa", "rank")), row
    scored = [row for row in rows if not row["error"]]
    assert all(0 < float(row["probability"]) < 1 for row in scored)
    assert all(row["label"] == ("admitted" if float(row["probability"]) >= 0.5 else "rejected") for row in scored)


def test_1000_sampled_rows_equal_r_predict(scored_100k: dict[str, Any]) -> None:
    _, rows = read_rows(scored_100k["result"].csv_path)
    sample = random.Random(13).sample([row for row in rows if not row["error"]], 1000)
    expected = r_predict(MODELS / "admission", [{k: row[k] for k in ("gre", "gpa", "rank")} for row in sample])
    got = [float(row["probability"]) for row in sample]
    assert got == pytest.approx(expected, rel=0, abs=1e-9)


def test_each_chunk_leaves_a_block_of_its_rows_in_the_capture(stack: Any, scored_100k: dict[str, Any]) -> None:
    """Batch capture: one record per chunk (20), up to 100 consecutive valid rows each, where file + first_row say."""
    chunks = wait_for_batch(stack, "in/applicants.csv", 20)
    _, source = read_rows(scored_100k["source"])
    _, scored = read_rows(scored_100k["result"].csv_path)
    admission = json.loads((MODELS / "admission" / "model.json").read_text())
    starts = set()
    for record in chunks:
        assert (record["route"], record["version"]) == ("batch", admission["version"])
        # Every 100th row is invalid (invalid_every=100): a block stops before one.
        assert 1 <= record["rows"] == len(record["inputs"]) <= 100
        first = record["first_row"]
        starts.add(first // 5000)
        for k, (inputs, outputs) in enumerate(zip(record["inputs"], record["outputs"], strict=True)):
            given, result = source[first + k], scored[first + k]
            assert result["error"] == ""
            assert inputs == {"gre": float(given["gre"]), "gpa": float(given["gpa"]), "rank": given["rank"]}
            assert outputs == {"probability": float(result["probability"]), "label": result["label"]}
    assert starts == set(range(20))  # a block from every chunk


def test_repeated_s3_event_starts_no_second_execution(stack: Any, batch: score_cli.BatchStack, tmp_path: Path) -> None:
    source = tmp_path / "twice.csv"
    write_sample("admission", 50, source)
    result = score_cli.score(batch, source, tmp_path / "scores", show=False)
    assert result.status == "SUCCEEDED"
    key = "in/twice.csv"
    head = batch.s3.head_object(Bucket=batch.bucket, Key=key)
    summary_before = batch.s3.head_object(Bucket=batch.bucket, Key="out/twice.summary.json")["LastModified"]
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": batch.bucket},
                    "object": {"key": key, "versionId": head["VersionId"], "eTag": head["ETag"].strip('"')},
                },
            }
        ]
    }
    answer = stack.client("lambda").invoke(FunctionName=f"{stack.spec.name}-batch-start", Payload=json.dumps(event))
    body = json.loads(answer["Payload"].read())
    name = score_cli.execution_name(key, head["VersionId"])
    assert body == {"started": [], "repeated": [name]}
    executions = batch.sfn.list_executions(stateMachineArn=batch.state_machine_arn)["executions"]
    assert [e["name"] for e in executions].count(name) == 1
    time.sleep(1)
    summary_after = batch.s3.head_object(Bucket=batch.bucket, Key="out/twice.summary.json")["LastModified"]
    assert summary_after == summary_before


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _header_only(path: Path) -> None:
    path.write_text("id,gre,gpa,rank\n")


def _no_inputs(path: Path) -> None:
    path.write_text("name,score\nada,3\nbob,4\n")


def _not_csv(path: Path) -> None:
    path.write_bytes(gzip.compress(b"id,gre,gpa,rank\n" + b"r0,700,3.5,1\n" * 1000))


def _over_limit(path: Path) -> None:
    line = b"r0,700.0,3.5,1\n"
    path.write_bytes(b"id,gre,gpa,rank\n" + line * int((MAX_INPUT_MB + 1) * 2**20 / len(line)))


BAD_FILES = {
    "empty": (_empty, "the file is empty"),
    "header_only": (_header_only, "has a header but no rows"),
    "header_without_inputs": (_no_inputs, "the header lacks the model's input(s) gre, gpa, rank"),
    "not_csv": (_not_csv, "not CSV text"),
    "over_limit": (_over_limit, f"over the limit of {MAX_INPUT_MB:g} MiB"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_file_fails_with_its_reason_and_leaves_no_output(
    kind: str, batch: score_cli.BatchStack, tmp_path: Path
) -> None:
    make, reason = BAD_FILES[kind]
    source = tmp_path / f"bad_{kind}.csv"
    make(source)
    result = score_cli.score(batch, source, tmp_path / "scores", show=False)
    assert result.status == "FAILED"
    assert result.summary["status"] == "failed"
    assert reason in result.summary["reason"], result.summary
    assert result.csv_path is None
    assert out_keys(batch, f"out/bad_{kind}.") == {f"out/bad_{kind}.summary.json"}
    assert out_keys(batch, f"work/{result.summary['execution']}/") == set()
    description = batch.sfn.describe_execution(executionArn=batch.execution_arn(result.summary["execution"]))
    assert description["error"] == "BatchScoringFailed"
    assert reason in description["cause"]


def test_boston_model_is_scored_the_same_way(stack: Any, batch: score_cli.BatchStack, tmp_path: Path) -> None:
    """A file uploaded with the model named in its metadata (make score MODEL=boston) is scored by that model."""
    boston = json.loads((MODELS / "boston" / "model.json").read_text())
    source = tmp_path / "houses.csv"
    invalid = write_sample("boston", 2_000, source, invalid_every=100)
    upload(stack, MODELS / "boston")  # published next to the default model, under its own name
    result = score_cli.score(batch, source, tmp_path / "scores", show=False, model="boston")
    assert result.status == "SUCCEEDED", result.summary
    assert result.summary["model"] == {"name": "boston", "version": boston["version"]}
    assert (result.summary["rows"], result.summary["invalid"]) == (2_000, 20)
    header, rows = read_rows(result.csv_path)
    assert header == ["id", *(spec["name"] for spec in boston["inputs"]), "value", "error"]
    assert [row["id"] for row in rows] == [f"r{i}" for i in range(2_000)]
    assert {index for index, row in enumerate(rows) if row["error"]} == set(invalid)
    sample = [row for row in rows if not row["error"]][:200]
    names = [spec["name"] for spec in boston["inputs"]]
    expected = r_predict(MODELS / "boston", [{name: row[name] for name in names} for row in sample])
    assert [float(row["value"]) for row in sample] == pytest.approx(expected, rel=0, abs=1e-9)


def test_an_unknown_model_fails_the_file_naming_the_known_ones(batch: score_cli.BatchStack, tmp_path: Path) -> None:
    source = tmp_path / "unknown_model.csv"
    write_sample("admission", 10, source)
    result = score_cli.score(batch, source, tmp_path / "scores", show=False, model="nosuch")
    assert result.status == "FAILED"
    assert "no model named 'nosuch'" in result.summary["reason"], result.summary
    assert "admission" in result.summary["reason"]
    assert result.csv_path is None


def test_a_chunk_that_was_not_scored_is_reported_with_its_rows(stack: Any, batch: score_cli.BatchStack) -> None:
    """The assemble step of the deployed function, given a run whose second chunk has no part (its task failed)."""
    lam = stack.client("lambda")
    function = f"{stack.spec.name}-batch"
    run = f"lost-chunk-{int(time.time())}"
    header = "id,gre,gpa,rank\n"
    chunks = []
    for index, first in enumerate((0, 3)):
        key = f"work/{run}/chunks/{index:06d}.csv"
        rows = "".join(f"r{first + i},{600 + i},3.5,{i + 1}\n" for i in range(3))
        batch.s3.put_object(Bucket=batch.bucket, Key=key, Body=(header + rows).encode())
        chunks.append(
            {"index": index, "key": key, "part": f"work/{run}/parts/{index:06d}.csv", "first_row": first, "rows": 3}
        )
    batch.s3.put_object(Bucket=batch.bucket, Key=f"work/{run}/chunks.json", Body=json.dumps(chunks).encode())

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        answer = lam.invoke(FunctionName=function, Payload=json.dumps(event))
        assert "FunctionError" not in answer, answer["Payload"].read()
        result: dict[str, Any] = json.loads(answer["Payload"].read())
        return result

    assert invoke({"step": "score", "bucket": batch.bucket, "chunk": chunks[0]})["scored"] == 3
    split = {"chunks_key": f"work/{run}/chunks.json", "columns": ["id", "gre", "gpa", "rank"], "rows_per_chunk": 3}
    admission = json.loads((MODELS / "admission" / "model.json").read_text())
    split["model"] = {"name": "admission", "version": admission["version"]}
    answer = invoke({"step": "assemble", "bucket": batch.bucket, "key": f"in/{run}.csv", "run": run, "split": split})
    assert answer["status"] == "failed"
    assert "1 of 2 chunk(s) could not be scored" in answer["reason"]
    summary = json.loads(batch.s3.get_object(Bucket=batch.bucket, Key=f"out/{run}.summary.json")["Body"].read())
    assert (summary["rows"], summary["scored"], summary["invalid"], summary["failed_chunks"]) == (6, 3, 3, [1])
    text = batch.s3.get_object(Bucket=batch.bucket, Key=f"out/{run}.scored.csv")["Body"].read().decode()
    rows = list(csv.DictReader(text.splitlines()))
    assert [row["id"] for row in rows] == [f"r{i}" for i in range(6)]
    assert all(row["probability"] and not row["error"] for row in rows[:3])
    assert all(
        not row["probability"] and row["error"] == "not scored: the task for rows 3-5 failed after its retries"
        for row in rows[3:]
    )
    assert out_keys(batch, f"work/{run}/") == set()


def test_excel_style_csv_keeps_its_fields(batch: score_cli.BatchStack, tmp_path: Path) -> None:
    """A byte-order mark, CRLF line ends, quoted fields with commas and line breaks, blank lines, extra columns."""
    source = tmp_path / "excel.csv"
    lines = [
        "\ufeffname,rank,gre,gpa,note",
        '"Lovelace, Ada",1,800,4,"first line\r\nsecond line"',
        "",
        '"O\'Brien ""Bo""",4,500,3.0,',
        "Zed,2, 650 ,3.25,plain",
    ]
    source.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    result = score_cli.score(batch, source, tmp_path / "scores", show=False)
    assert result.status == "SUCCEEDED", result.summary
    assert (result.summary["rows"], result.summary["scored"]) == (3, 3)
    header, rows = read_rows(result.csv_path)
    assert header == ["name", "rank", "gre", "gpa", "note", "probability", "label", "error"]
    assert [row["name"] for row in rows] == ["Lovelace, Ada", 'O\'Brien "Bo"', "Zed"]
    assert rows[0]["note"] == "first line\r\nsecond line"
    assert rows[2]["gre"] == " 650 "  # echoed as given, read as 650
    expected = r_predict(
        MODELS / "admission",
        [{"gre": g, "gpa": p, "rank": r} for g, p, r in ((800, 4, "1"), (500, 3.0, "4"), (650, 3.25, "2"))],
    )
    assert [float(row["probability"]) for row in rows] == pytest.approx(expected, rel=0, abs=1e-9)
