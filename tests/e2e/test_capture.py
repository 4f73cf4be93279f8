"""Prediction capture on the deployed stack: function log -> subscription filter -> Firehose -> filing -> S3."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import truth as truth_cli  # scripts/, put on sys.path by tests/conftest.py
from capture_reader import read_records  # lambda/, put on sys.path by tests/conftest.py

pytestmark = [pytest.mark.localstack, pytest.mark.stack]

MODELS = Path(__file__).resolve().parents[2] / "build" / "models"
DELIVERY_TIMEOUT_S = 90.0


def admission() -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((MODELS / "admission" / "model.json").read_text())
    return meta


def captured(stack: Any) -> dict[str, dict[str, Any]]:
    """Every filed capture record in the monitoring bucket, by request id (objects under capture/<model>/...)."""
    s3 = stack.client("s3")
    found: dict[str, dict[str, Any]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=stack.monitoring_bucket, Prefix="capture/"):
        for item in page.get("Contents", []):
            if item["Key"].startswith("capture/raw/"):
                continue
            # The monitor's own reader: any object the monitor would read counts, whatever its format.
            for record in read_records(s3.get_object(Bucket=stack.monitoring_bucket, Key=item["Key"])["Body"].read()):
                record["_key"] = item["Key"]
                found[record["request_id"]] = record
    return found


def wait_for(stack: Any, ids: set[str]) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while True:
        found = captured(stack)
        if ids <= found.keys():
            return found
        assert time.monotonic() < deadline, f"{len(ids - found.keys())} of {len(ids)} captures not in S3 in time"
        time.sleep(1)


def wait_for_batch(stack: Any, file: str, chunks: int) -> list[dict[str, Any]]:
    """The batch-scoring capture records of one input file, once every chunk's is in S3."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while True:
        found = [r for r in captured(stack).values() if r["route"] == "batch" and r.get("file") == file]
        if len(found) >= chunks:
            return sorted(found, key=lambda record: record["first_row"])
        assert time.monotonic() < deadline, f"{len(found)} of {chunks} chunk captures of {file} in S3 in time"
        time.sleep(1)


def records(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {"gre": rng.randrange(300, 800), "gpa": round(rng.uniform(2.5, 4.0), 2), "rank": str(rng.randint(1, 4))}
        for _ in range(n)
    ]


def predict(stack: Any, body: Any) -> dict[str, Any]:
    answer = requests.post(f"{stack.api_url}/predict", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Request-Id"] == answer.json()["request_id"]
    assert "X-Request-Id" in answer.headers["Access-Control-Expose-Headers"].split(",")
    result: dict[str, Any] = answer.json()
    return result


def invoke(stack: Any, body: Any) -> dict[str, Any]:
    answer = stack.client("lambda").invoke(FunctionName=stack.function_name, Payload=json.dumps(body).encode())
    result: dict[str, Any] = json.loads(answer["Payload"].read())
    return result


@pytest.fixture
def function_settings(stack: Any) -> Iterator[Callable[[dict[str, str]], None]]:
    """Change the function's capture variables (a configuration update, as `terraform apply` would); restored after."""
    client = stack.client("lambda")
    original = client.get_function_configuration(FunctionName=stack.function_name)["Environment"]["Variables"]

    def update(changes: dict[str, str]) -> None:
        client.update_function_configuration(
            FunctionName=stack.function_name, Environment={"Variables": {**original, **changes}}
        )
        client.get_waiter("function_updated_v2").wait(FunctionName=stack.function_name)

    yield update
    update({})


def test_the_capture_in_s3_is_what_was_sent(stack: Any) -> None:
    meta = admission()
    sent: dict[str, tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for i in range(8):  # single records and batches, through the API and by direct invoke
        body: Any = records(1, i)[0] if i % 2 == 0 else {"instances": records(1 + i * 3, i)}
        route, answer = ("api", predict(stack, body)) if i < 5 else ("invoke", invoke(stack, body))
        sent[answer["request_id"]] = (route, body.get("instances", [body]), answer)
    found = wait_for(stack, set(sent))
    for request_id, (route, inputs, answer) in sent.items():
        record = found[request_id]
        assert (record["model"], record["version"]) == ("admission", meta["version"])
        assert (record["route"], record["status"], record["rows"]) == (route, 200, len(inputs))
        assert record["inputs"] == [{k: float(v) if k != "rank" else v for k, v in row.items()} for row in inputs]
        assert record["outputs"] == answer["predictions"]
        assert record["_key"].startswith(f"capture/admission/{meta['version']}/date={record['time'][:10]}/")
    # Raw objects are gone once filed.
    raw = stack.client("s3").list_objects_v2(Bucket=stack.monitoring_bucket, Prefix="capture/raw/")
    assert raw.get("KeyCount", 0) == 0


def test_capture_off_captures_nothing_and_excluded_inputs_never_reach_s3(
    stack: Any, function_settings: Callable[[dict[str, str]], None]
) -> None:
    function_settings({"CAPTURE": "off"})
    off = [predict(stack, records(1, 100 + i)[0])["request_id"] for i in range(3)]
    function_settings({"CAPTURE_EXCLUDE": "gpa"})
    excluded = [predict(stack, {"instances": records(5, 200 + i)})["request_id"] for i in range(3)]
    # The excluded requests come after the ones with capture off: once they are in S3, so would those be.
    found = wait_for(stack, set(excluded))
    assert not set(off) & found.keys()
    for request_id in excluded:
        assert all(set(row) == {"gre", "rank"} for row in found[request_id]["inputs"])
    s3 = stack.client("s3")
    for key in {record["_key"] for record in found.values() if record["request_id"] in excluded}:
        assert b'"gpa"' not in s3.get_object(Bucket=stack.monitoring_bucket, Key=key)["Body"].read()


@pytest.fixture
def truth_stack(stack: Any) -> dict[str, Any]:
    return {**stack.outputs, "endpoint": stack.endpoint}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("request_id,label\nr1,admitted\n", "the header lacks admit"),
        ("request_id,admit\nr1,maybe\n", "line 2: admit must be one of rejected, admitted, got 'maybe'"),
        ("request_id,admit\nr1,admitted\nr1,rejected\n", "line 3 labels r1 again (first on line 2)"),
        ("file,row,admit\nin/a.csv,first,admitted\n", "line 2: row must be a row number"),
        ("request_id,row,admit\nr1,x,admitted\n", "line 2: row must be a row number"),
        ("request_id,row,admit\nr1,0,admitted\nr1,1,admitted\nr1,0,rejected\n", "line 4 labels r1, 0 again"),
        ("request_id,admit\n", "the file has a header but no rows"),
    ],
)
def test_a_bad_truth_file_is_refused_and_nothing_uploaded(
    truth_stack: dict[str, Any], stack: Any, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(content)
    with pytest.raises(truth_cli.BadTruth, match=message.replace("(", r"\(").replace(")", r"\)")):
        truth_cli.upload(truth_stack, "admission", path)
    listed = stack.client("s3").list_objects_v2(Bucket=stack.monitoring_bucket, Prefix="truth/admission/")
    assert truth_cli.upload_id(content.encode()) not in json.dumps(listed.get("Contents", []), default=str)


def test_good_truth_is_uploaded_once(truth_stack: dict[str, Any], stack: Any, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("request_id,admit\nr-a,admitted\nr-b,rejected\n")
    uri = truth_cli.upload(truth_stack, "admission", path)
    assert uri == truth_cli.upload(truth_stack, "admission", path)  # the same file, the same object
    key = uri.split("/", 3)[3]
    body = stack.client("s3").get_object(Bucket=stack.monitoring_bucket, Key=key)["Body"].read()
    assert body == path.read_bytes()
