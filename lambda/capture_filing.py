"""Entry point capture_filing.lambda_handler: files what Firehose delivered to capture/raw/ under
capture/<model>/<version>/date=YYYY-MM-DD/, as newline-delimited capture records, then deletes the raw object.

Firehose writes CloudWatch Logs subscription data as it arrives: DATA_MESSAGE envelopes, gzipped, concatenated (the
reader also takes them uncompressed, and plain capture lines). Only JSON messages with "capture": 1 are kept: START,
END and REPORT lines and other log lines are dropped (LocalStack ignores the subscription's filter pattern). Neither
Firehose on the pinned LocalStack nor its S3 prefix can partition by model and version, so this step does it, on AWS
too: one code path. S3 invokes it for each object created under capture/raw/; {"refile": "all"} files every raw
object still there (after a failed invocation)."""

import gzip
import json
import os
import re
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

from logs import invocation, log

RAW_PREFIX = "capture/raw/"
CAPTURE_PREFIX = "capture/"
# Model names and versions become key segments: anything else is filed as "unknown" rather than trusted.
_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _s3() -> Any:
    import boto3  # ships with the Lambda runtime
    from botocore.config import Config

    custom_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = Config(
        retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path" if custom_endpoint else "auto"}
    )
    return boto3.client("s3", config=config)


def _decompressed(data: bytes) -> bytes:
    """Gzip members one after another (Firehose concatenates the records it buffered), or data as it is."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        log("error", "capture object is not valid gzip", reason=str(error))
        return b""


def _records_in(value: Any) -> Iterator[dict[str, Any]]:
    """Capture records in one JSON value: a subscription envelope, or a capture record itself."""
    if not isinstance(value, dict):
        return
    if value.get("messageType") == "DATA_MESSAGE":
        for event in value.get("logEvents") or []:
            message = str(event.get("message", "")).strip() if isinstance(event, dict) else ""
            if message.startswith("{"):
                try:
                    yield from _records_in(json.loads(message))
                except ValueError:
                    continue  # a log line that merely starts with {, or one Lambda split at the size limit
    elif value.get("capture") == 1:
        yield value


def capture_records(data: bytes) -> Iterator[dict[str, Any]]:
    """Every capture record in a delivered object, in order; anything else is skipped."""
    text = _decompressed(data).decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    position, end = 0, len(text)
    while position < end:
        while position < end and text[position].isspace():
            position += 1
        if position == end:
            break
        if text[position] == "{":
            try:
                value, position = decoder.raw_decode(text, position)
            except ValueError:
                value = None
            else:
                yield from _records_in(value)
                continue
        newline = text.find("\n", position)  # not JSON: skip the line
        position = end if newline < 0 else newline + 1


def partition(record: dict[str, Any]) -> str:
    """capture/<model>/<version>/date=YYYY-MM-DD/ of a record, from its model, version and request time."""
    model, version, date = str(record.get("model")), str(record.get("version")), str(record.get("time", ""))[:10]
    model = model if _SEGMENT.match(model) else "unknown"
    version = version if _SEGMENT.match(version) else "unknown"
    date = date if _DATE.match(date) else "unknown"
    return f"{CAPTURE_PREFIX}{model}/{version}/date={date}/"


def file_object(s3: Any, bucket: str, key: str) -> dict[str, int]:
    """Re-file one raw object: one object per partition, named after the raw one (a retry overwrites, never doubles)."""
    try:
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return {"records": 0, "objects": 0}  # filed already (a repeated event)
    by_partition: dict[str, list[str]] = {}
    for record in capture_records(data):
        by_partition.setdefault(partition(record), []).append(json.dumps(record, separators=(",", ":")))
    name = key.rsplit("/", 1)[-1]
    for prefix, lines in by_partition.items():
        s3.put_object(
            Bucket=bucket,
            Key=f"{prefix}{name}.jsonl",
            Body=("\n".join(lines) + "\n").encode(),
            ContentType="application/x-ndjson",
        )
    s3.delete_object(Bucket=bucket, Key=key)
    records = sum(len(lines) for lines in by_partition.values())
    return {"records": records, "objects": len(by_partition)}


def _raw_keys(s3: Any, bucket: str) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=RAW_PREFIX):
        for item in page.get("Contents", []):
            yield item["Key"]


def _targets(event: Any, s3: Any) -> list[tuple[str, str]]:
    if isinstance(event, dict) and event.get("refile") == "all":
        bucket = os.environ["MONITORING_BUCKET"]
        return [(bucket, key) for key in _raw_keys(s3, bucket)]
    targets = []
    for item in (event or {}).get("Records", []):
        key = unquote_plus(item["s3"]["object"]["key"])  # S3 events URL-encode keys
        if key.startswith(RAW_PREFIX):
            targets.append((item["s3"]["bucket"]["name"], key))
    return targets


def lambda_handler(event: Any, context: Any) -> dict[str, int]:
    with invocation(context, "capture filing failed"):
        s3 = _s3()
        totals = {"raw_objects": 0, "records": 0, "objects": 0}
        for bucket, key in _targets(event, s3):
            filed = file_object(s3, bucket, key)
            totals["raw_objects"] += 1
            totals["records"] += filed["records"]
            totals["objects"] += filed["objects"]
        log("info", "capture filed", **totals)
        return totals
