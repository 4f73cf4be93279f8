"""Entry point batch_start.lambda_handler: an S3 event on in/*.csv starts one batch-scoring execution.

S3 delivers events at least once: the execution's name comes from the object's key and version (or ETag),
and Step Functions refuses a second execution of the same name, so a repeated event starts nothing."""

import hashlib
import json
import os
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote_plus

from logs import log

INPUT_PREFIX = "in/"
INPUT_SUFFIX = ".csv"
# The input object's user metadata naming the model to score with (x-amz-meta-model); absent: the default model.
MODEL_METADATA = "model"


def execution_name(key: str, version: str) -> str:
    """At most 80 characters of [A-Za-z0-9_-] (Step Functions' rule): a readable stem and a hash of key@version."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", PurePosixPath(key).stem).strip("-")[:48] or "file"
    digest = hashlib.sha256(f"{key}\0{version}".encode()).hexdigest()[:24]
    return f"{stem}-{digest}"


def execution_input(bucket: str, key: str, version_id: str | None, etag: str) -> dict[str, Any]:
    return {"bucket": bucket, "key": key, "version_id": version_id, "etag": etag.strip('"')}


def _client() -> Any:
    import boto3  # ships with the Lambda runtime

    return boto3.client("stepfunctions")


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    state_machine = os.environ["STATE_MACHINE_ARN"]
    client = _client()
    started, repeated = [], []
    for record in event.get("Records", []) if isinstance(event, dict) else []:
        s3 = record.get("s3") or {}
        bucket = s3.get("bucket", {}).get("name", "")
        obj = s3.get("object", {})
        key = unquote_plus(obj.get("key", ""))  # S3 events carry URL-encoded keys
        if not key.startswith(INPUT_PREFIX) or not key.endswith(INPUT_SUFFIX):
            log("info", "not a batch input; ignored", key=key)
            continue
        version_id = obj.get("versionId") or None
        etag = obj.get("eTag", "")
        name = execution_name(key, version_id or etag)
        try:
            client.start_execution(
                stateMachineArn=state_machine,
                name=name,
                input=json.dumps(execution_input(bucket, key, version_id, etag), sort_keys=True),
            )
            started.append(name)
            log("info", "batch scoring started", key=key, execution=name)
        except client.exceptions.ExecutionAlreadyExists:
            repeated.append(name)
            log("info", "repeated event: this object version is already being scored or was scored", key=key)
    return {"started": started, "repeated": repeated}
