"""Entry point batch_scoring.lambda_handler: the steps of the batch-scoring state machine, chosen by event["step"].

split    in/<name>.csv -> work/<run>/chunks/*.csv + work/<run>/chunks.json (the Distributed Map's item list)
score    one chunk -> work/<run>/parts/<index>.csv, every row scored in one R call (or given an error)
assemble the parts in input order -> out/<name>.scored.csv, then out/<name>.summary.json; work/<run>/ removed
fail     out/<name>.summary.json with the reason; no scored CSV is left under out/

The model and its prediction code are the API's own (handler.py): one model, one way to predict."""

import contextlib
import csv
import functools
import io
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

import capture
import handler
from batch_rows import BadFile, RowParser, check_header, output_header, prediction_columns, prediction_fields
from batch_start import INPUT_PREFIX, INPUT_SUFFIX, MODEL_METADATA
from logs import invocation, log, request_id
from r_bridge import RError
from responses import ApiError
from settings import env_number

WORK_PREFIX = "work/"
OUTPUT_PREFIX = "out/"
# S3's smallest multipart part is 5 MiB; 8 MiB parts keep memory flat however large the output.
PART_BYTES = 8 << 20
READ_BUFFER_BYTES = 1 << 20
# S3 requests in flight at once: one-by-one, a request's latency (not bandwidth) bounds split and assemble.
IN_FLIGHT = 8


def rows_per_chunk() -> int:
    return int(env_number("BATCH_ROWS_PER_CHUNK", 5000, minimum=1))


def max_input_bytes() -> int:
    return int(env_number("BATCH_MAX_INPUT_MB", 1024, minimum=0.001) * 1024 * 1024)


def _s3() -> Any:
    import boto3  # ships with the Lambda runtime
    from botocore.config import Config

    # An endpoint override (LocalStack, a VPC endpoint by IP) has no per-bucket DNS names: use path style.
    custom_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = Config(
        retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path" if custom_endpoint else "auto"}
    )
    return boto3.client("s3", config=config)


S3 = _s3()


def output_keys(key: str) -> tuple[str, str]:
    """in/a/b.csv -> (out/a/b.scored.csv, out/a/b.summary.json)."""
    stem = key.removeprefix(INPUT_PREFIX).removesuffix(INPUT_SUFFIX)
    return f"{OUTPUT_PREFIX}{stem}.scored.csv", f"{OUTPUT_PREFIX}{stem}.summary.json"


def _work(run: str) -> str:
    return f"{WORK_PREFIX}{run}/"


class _RawBody(io.RawIOBase):
    """An S3 streaming body as a raw stream, so that TextIOWrapper can decode it line by line."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _object_args(event: dict[str, Any]) -> dict[str, Any]:
    """The exact object version the event named: a file replaced meanwhile is not mixed in."""
    args: dict[str, Any] = {"Bucket": event["bucket"], "Key": event["key"]}
    if event.get("version_id"):
        args["VersionId"] = event["version_id"]
    elif event.get("etag"):
        args["IfMatch"] = event["etag"]
    return args


def _model_of(event: dict[str, Any]) -> Any:
    """The model the uploader named in the object's metadata, else the default; an unknown name is a bad file."""
    name = S3.head_object(**_object_args(event)).get("Metadata", {}).get(MODEL_METADATA) or None
    try:
        return handler._model(name)
    except ApiError as error:
        if error.status == 404:
            raise BadFile(error.message) from None
        raise


def _open_csv(event: dict[str, Any]) -> Any:
    limit = max_input_bytes()
    size = int(S3.head_object(**_object_args(event))["ContentLength"])
    if size == 0:
        raise BadFile("the file is empty (0 bytes); upload a CSV whose first line names the columns")
    if size > limit:
        raise BadFile(
            f"the file is {size / 2**20:.1f} MiB, over the limit of {limit / 2**20:g} MiB; "
            "split it into smaller files (or raise batch_max_input_mb)"
        )
    raw = io.BufferedReader(_RawBody(S3.get_object(**_object_args(event))["Body"]), READ_BUFFER_BYTES)
    if b"\x00" in raw.peek(READ_BUFFER_BYTES)[:READ_BUFFER_BYTES]:
        raise BadFile("the file is not CSV text (it holds binary data, e.g. a compressed file); upload a plain CSV")
    return csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))


def _csv_text(rows: list[list[str]]) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue()


def split(event: dict[str, Any]) -> dict[str, Any]:
    """Check the file and cut it into chunk objects; a bad file answers ok=false with the reason."""
    run, bucket = event["run"], event["bucket"]
    per_chunk = rows_per_chunk()
    try:
        model = _model_of(event)
        reader = _open_csv(event)
        header = next(reader, None)
        if header is None or not any(field.strip() for field in header):
            raise BadFile("the file has no header line; its first line must name the columns")
        names = check_header(header, model.meta["inputs"], model.meta["output"])
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            items = list(_in_order(pool, _chunk_writes(reader, bucket, run, names, per_chunk)))
        for item in items:
            item["model"] = model.meta["name"]  # every chunk is scored by the model the file was checked against
            item["file"] = event["key"]  # where its rows came from, for the capture record
        total = sum(item["rows"] for item in items)
        if total == 0:
            raise BadFile("the file has a header but no rows; add the rows to score")
    except BadFile as bad:
        return {"ok": False, "reason": str(bad)}
    except UnicodeDecodeError as error:
        return {"ok": False, "reason": f"the file is not UTF-8 text ({error.reason}); save it as a UTF-8 CSV"}
    except csv.Error as error:
        return {"ok": False, "reason": f"the file is not valid CSV ({error}); check its quoting"}
    chunks_key = f"{_work(run)}chunks.json"
    S3.put_object(Bucket=bucket, Key=chunks_key, Body=json.dumps(items).encode(), ContentType="application/json")
    log("info", "split", key=event["key"], rows=total, chunks=len(items))
    return {
        "ok": True,
        "bucket": bucket,
        "chunks_key": chunks_key,
        "rows": total,
        "chunks": len(items),
        "rows_per_chunk": per_chunk,
        "columns": names,
        "model": model.ref,
    }


def _in_order[T](pool: ThreadPoolExecutor, calls: Iterable[Callable[[], T]]) -> Iterator[T]:
    """Run the calls on the pool, at most IN_FLIGHT at a time, and yield their results in the calls' order."""
    pending: deque[Future[T]] = deque()
    for call in calls:
        pending.append(pool.submit(call))
        if len(pending) >= IN_FLIGHT:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _chunk_writes(
    reader: Iterator[list[str]], bucket: str, run: str, names: list[str], per_chunk: int
) -> Iterator[Callable[[], dict[str, Any]]]:
    """One write per chunk of per_chunk rows; the rows are read as the writes are taken."""
    rows: list[list[str]] = []
    index = first_row = 0
    for row in reader:
        if not row:
            continue  # blank lines are not rows
        rows.append(row)
        if len(rows) == per_chunk:
            yield functools.partial(_write_chunk, bucket, run, index, first_row, names, rows)
            index, first_row, rows = index + 1, first_row + len(rows), []
    if rows:
        yield functools.partial(_write_chunk, bucket, run, index, first_row, names, rows)


def _write_chunk(
    bucket: str, run: str, index: int, first_row: int, names: list[str], rows: list[list[str]]
) -> dict[str, Any]:
    key = f"{_work(run)}chunks/{index:06d}.csv"
    S3.put_object(Bucket=bucket, Key=key, Body=_csv_text([names, *rows]).encode(), ContentType="text/csv")
    return {
        "index": index,
        "key": key,
        "part": f"{_work(run)}parts/{index:06d}.csv",
        "first_row": first_row,
        "rows": len(rows),
    }


def _read_chunk(bucket: str, key: str) -> tuple[list[str], list[list[str]]]:
    text = S3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def score(event: dict[str, Any]) -> dict[str, Any]:
    """One chunk: validate every row, predict the valid ones in one R call, write the part in input order."""
    started = time.perf_counter()
    bucket, chunk = event["bucket"], event["chunk"]
    model = handler._model(chunk.get("model"))
    output = model.meta["output"]
    header, rows = _read_chunk(bucket, chunk["key"])
    check_header(header, model.meta["inputs"], output)  # the model may have changed since the split
    parsed = RowParser(header, model.meta["inputs"]).parse(rows)
    columns = prediction_columns(output)
    predictions: dict[int, list[str]] = {}
    if parsed.valid_rows:
        try:
            values = model.r_model.predict(parsed.columns)
            scored = [handler._prediction(output, value) for value in values]
            for index, prediction in zip(parsed.valid_rows, scored, strict=True):
                predictions[index] = prediction_fields(prediction, columns)
            where = (chunk.get("file") or chunk["key"], chunk["first_row"], len(rows))
            capture.capture_chunk(
                request_id.get(),
                model.ref,
                model.schema.inputs,
                parsed.columns,
                parsed.valid_rows,
                scored,
                *where,
                started,
            )
        except RError as error:
            log("error", "predict() failed on a chunk", r_error=str(error), chunk=chunk["index"])
            for index in parsed.valid_rows:
                parsed.errors[index] = f"predict() failed in R for this chunk: {error}"
    empty = [""] * len(columns)
    lines = [[*row, *predictions.get(index, empty), parsed.errors[index] or ""] for index, row in enumerate(rows)]
    invalid = sum(error is not None for error in parsed.errors)
    counts = {"rows": len(rows), "scored": len(rows) - invalid, "invalid": invalid, "out_of_range": parsed.out_of_range}
    S3.put_object(
        Bucket=bucket,
        Key=chunk["part"],
        Body=_csv_text(lines).encode(),
        ContentType="text/csv",
        Metadata={
            **{k.replace("_", "-"): str(v) for k, v in counts.items()},
            "model-name": model.ref["name"],
            "model-version": model.ref["version"],
        },
    )
    return {"index": chunk["index"], **counts}


class _OutputObject:
    """One S3 object written in parts: it appears whole on close, or not at all (abort)."""

    def __init__(self, bucket: str, key: str) -> None:
        self.bucket, self.key = bucket, key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= PART_BYTES:
            self._upload_part()

    def _upload_part(self) -> None:
        if self.upload_id is None:
            answer = S3.create_multipart_upload(Bucket=self.bucket, Key=self.key, ContentType="text/csv")
            self.upload_id = answer["UploadId"]
        number = len(self.parts) + 1
        answer = S3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=bytes(self.buffer)
        )
        self.parts.append({"ETag": answer["ETag"], "PartNumber": number})
        self.buffer.clear()

    def close(self) -> None:
        if self.upload_id is None:
            S3.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer), ContentType="text/csv")
            return
        if self.buffer:
            self._upload_part()
        S3.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
        )

    def abort(self) -> None:
        if self.upload_id is not None:
            with contextlib.suppress(Exception):
                S3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


def _seconds_since(started: str | None) -> float | None:
    if not started:
        return None
    return round(time.time() - datetime.fromisoformat(started).timestamp(), 3)


def _failed_chunk_lines(bucket: str, chunk: dict[str, Any], width: int) -> bytes:
    """A chunk whose scoring task failed after its retries: its rows, each with the error, so no row is lost."""
    _, rows = _read_chunk(bucket, chunk["key"])
    last = chunk["first_row"] + chunk["rows"] - 1
    message = f"not scored: the task for rows {chunk['first_row']}-{last} failed after its retries"
    return _csv_text([[*row, *[""] * width, message] for row in rows]).encode()


def _fetch_part(bucket: str, key: str) -> tuple[dict[str, str], bytes] | None:
    """A part's metadata (counts, model version) and rows; None when its task never wrote it."""
    try:
        part = S3.get_object(Bucket=bucket, Key=key)
    except S3.exceptions.NoSuchKey:
        return None
    return part.get("Metadata", {}), part["Body"].read()


def assemble(event: dict[str, Any]) -> dict[str, Any]:
    bucket, key, run, split_result = event["bucket"], event["key"], event["run"], event["split"]
    scored_key, summary_key = output_keys(key)
    items = json.loads(S3.get_object(Bucket=bucket, Key=split_result["chunks_key"])["Body"].read())
    model = handler._model(split_result["model"]["name"])
    columns = prediction_columns(model.meta["output"])
    totals = {"rows": 0, "scored": 0, "invalid": 0, "out_of_range": 0}
    failed: list[int] = []
    versions: set[str] = set()
    target = _OutputObject(bucket, scored_key)
    try:
        target.write(_csv_text([output_header(split_result["columns"], model.meta["output"])]).encode())
        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            parts = _in_order(pool, (functools.partial(_fetch_part, bucket, chunk["part"]) for chunk in items))
            for chunk, part in zip(items, parts, strict=True):
                if part is None:
                    failed.append(chunk["index"])
                    totals["rows"] += chunk["rows"]
                    totals["invalid"] += chunk["rows"]
                    target.write(_failed_chunk_lines(bucket, chunk, len(columns)))
                    continue
                meta, body = part
                for name in totals:
                    totals[name] += int(meta.get(name.replace("_", "-"), 0))
                versions.add(meta.get("model-version", ""))
                target.write(body)
        target.close()
    except BaseException:
        target.abort()
        raise
    summary: dict[str, Any] = {
        "status": "failed" if failed else "succeeded",
        **totals,
        "failed_chunks": failed,
        "chunks": len(items),
        "rows_per_chunk": split_result["rows_per_chunk"],
        "model": split_result["model"],
        "input": {"bucket": bucket, "key": key, "version_id": event.get("version_id"), "etag": event.get("etag")},
        "output": {"csv": f"s3://{bucket}/{scored_key}"},
        "execution": run,
    }
    if len(versions - {""}) > 1:
        summary["model_versions"] = sorted(versions - {""})  # the model changed during the run
    if failed:
        summary["reason"] = (
            f"{len(failed)} of {len(items)} chunk(s) could not be scored after retries (chunks {failed[:20]}); "
            "their rows carry the error in the output; see the execution's history, then upload the file again"
        )
    summary["seconds"] = _seconds_since(event.get("started"))
    S3.put_object(
        Bucket=bucket, Key=summary_key, Body=json.dumps(summary, indent=2).encode(), ContentType="application/json"
    )
    _remove_work(bucket, run)
    log("info", "assembled", key=key, **totals, failed_chunks=len(failed))
    return {"status": summary["status"], "reason": summary.get("reason", ""), "summary": f"s3://{bucket}/{summary_key}"}


def _reason(state: dict[str, Any]) -> str:
    """Why the run stopped: the split's verdict on the file, or the error a step ended with."""
    split_result = state.get("split") or {}
    if split_result.get("ok") is False:
        return str(split_result["reason"])
    error = state.get("error") or {}
    cause = error.get("Cause") or ""
    with contextlib.suppress(ValueError, AttributeError):
        cause = json.loads(cause).get("errorMessage") or cause
    return f"scoring stopped: {error.get('Error', 'unknown error')}: {cause}".rstrip(": ")


def fail(event: dict[str, Any]) -> dict[str, Any]:
    state = event["state"]
    bucket, key, run = state["bucket"], state["key"], event["run"]
    scored_key, summary_key = output_keys(key)
    reason = _reason(state)
    # An older result of the same file name would sit next to this failure as if it were its output.
    S3.delete_object(Bucket=bucket, Key=scored_key)
    summary = {
        "status": "failed",
        "reason": reason,
        "input": {"bucket": bucket, "key": key, "version_id": state.get("version_id"), "etag": state.get("etag")},
        "execution": run,
        "seconds": _seconds_since(event.get("started")),
    }
    S3.put_object(
        Bucket=bucket, Key=summary_key, Body=json.dumps(summary, indent=2).encode(), ContentType="application/json"
    )
    _remove_work(bucket, run)
    log("info", "batch scoring failed", key=key, reason=reason)
    return {"status": "failed", "reason": reason, "summary": f"s3://{bucket}/{summary_key}"}


def _put_json(bucket: str, key: str, body: dict[str, Any]) -> None:
    S3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body, indent=2).encode(), ContentType="application/json")


def _remove_work(bucket: str, run: str) -> None:
    pages = S3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=_work(run))
    for page in pages:
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            S3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


STEPS = {"split": split, "score": score, "assemble": assemble, "fail": fail}


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    with invocation(context, "batch step failed"):
        step = event.get("step") if isinstance(event, dict) else None
        if step not in STEPS:
            raise ValueError(f"unknown batch step {step!r}; the state machine sends one of {sorted(STEPS)}")
        started = time.perf_counter()
        result = STEPS[step](event)
        log("info", "batch step", step=step, ms=round((time.perf_counter() - started) * 1000, 3))
        return result
