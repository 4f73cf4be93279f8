"""`make score INPUT=path/to/file.csv`: score a CSV with the running stack's batch scoring.

Uploads the file to s3://<batch bucket>/in/, follows the execution its S3 event starts (rows done of rows total),
downloads out/<file>.scored.csv and out/<file>.summary.json to build/scores/, and prints both paths and the summary.
A failed execution prints its reason and exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lambda"))

from batch_start import INPUT_PREFIX, INPUT_SUFFIX, MODEL_METADATA, execution_name  # noqa: E402  (the starter's naming: one rule, one place)

STACK_JSON = ROOT / "build" / "stack.json"
SCORES = ROOT / "build" / "scores"
START_TIMEOUT_S = 60.0
POLL_S = 0.5


class ScoreError(Exception):
    """A failure the user can act on, printed as one line."""


def log(message: str) -> None:
    print(f"\033[1m[score]\033[0m {message}", file=sys.stderr, flush=True)


def boto3_client(service: str, values: dict[str, Any]) -> Any:
    """A client for the stack in values (build/stack.json): LocalStack's endpoint, or AWS's usual credential chain."""
    import boto3

    endpoint = values.get("endpoint")
    key = "test" if endpoint else None  # LocalStack takes any credentials
    return boto3.client(  # type: ignore[call-overload]  # the service name is a variable
        service,
        endpoint_url=endpoint,
        region_name=values["region"],
        aws_access_key_id=key,
        aws_secret_access_key=key,
    )


@dataclass
class BatchStack:
    bucket: str
    state_machine_arn: str
    s3: Any
    sfn: Any

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> BatchStack:
        if "batch_bucket" not in values:
            raise ScoreError("the running stack has no batch scoring (no batch_bucket output); run `make up` again")
        return cls(
            values["batch_bucket"],
            values["batch_state_machine_arn"],
            boto3_client("s3", values),
            boto3_client("stepfunctions", values),
        )

    @classmethod
    def from_stack_json(cls, path: Path = STACK_JSON) -> BatchStack:
        if not path.exists():
            raise ScoreError(f"no {path.name}: bring the stack up first with `make up`")
        return cls.from_values(json.loads(path.read_text()))

    def execution_arn(self, name: str) -> str:
        return f"{self.state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"


@dataclass
class Result:
    status: str  # the execution's: SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    summary: dict[str, Any]
    summary_path: Path
    csv_path: Path | None
    seconds: float


def upload(stack: BatchStack, path: Path, key: str, model: str | None = None) -> str:
    """Upload the file (with the model to score it with, else the stack's default); return the execution name its
    S3 event starts (from the key and the new object version)."""
    extra = {"Metadata": {MODEL_METADATA: model}} if model else None
    stack.s3.upload_file(str(path), stack.bucket, key, ExtraArgs=extra)
    head = stack.s3.head_object(Bucket=stack.bucket, Key=key)
    return execution_name(key, head.get("VersionId") or head["ETag"].strip('"'))


def _wait_started(stack: BatchStack, arn: str, key: str) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            execution: dict[str, Any] = stack.sfn.describe_execution(executionArn=arn)
            return execution
        except stack.sfn.exceptions.ExecutionDoesNotExist:
            if time.monotonic() > deadline:
                raise ScoreError(
                    f"no execution started {START_TIMEOUT_S:.0f} s after uploading s3://{stack.bucket}/{key}; "
                    "the bucket's S3 notification or the starter function is missing: run `make up`"
                ) from None
            time.sleep(POLL_S)


def progress(stack: BatchStack, name: str, chunks: list[dict[str, Any]] | None) -> tuple[int, int, list[Any] | None]:
    """(rows done, rows total, the chunk list): chunks whose part is written count as done."""
    if chunks is None:
        try:
            body = stack.s3.get_object(Bucket=stack.bucket, Key=f"work/{name}/chunks.json")["Body"].read()
            chunks = json.loads(body)
        except stack.s3.exceptions.NoSuchKey:
            return 0, 0, None
    rows_of = {chunk["part"]: chunk["rows"] for chunk in chunks}
    done = 0
    pages = stack.s3.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix=f"work/{name}/parts/")
    for page in pages:
        done += sum(rows_of.get(item["Key"], 0) for item in page.get("Contents", []))
    return done, sum(rows_of.values()), chunks


def _show(done: int, total: int, elapsed: float, last_line: float) -> float:
    if sys.stderr.isatty():
        bar = "#" * int(30 * done / total) if total else ""
        text = f"{done:,} / {total:,} rows" if total else "splitting the file"
        print(f"\r\033[1m[score]\033[0m [{bar:<30}] {text} {elapsed:6.1f} s", end="", file=sys.stderr, flush=True)
        return elapsed
    if elapsed - last_line >= 5:
        log(f"{done:,} / {total:,} rows after {elapsed:.0f} s" if total else f"splitting the file ({elapsed:.0f} s)")
        return elapsed
    return last_line


def follow(stack: BatchStack, name: str, key: str, started: float, show: bool = True) -> str:
    arn = stack.execution_arn(name)
    execution = _wait_started(stack, arn, key)
    chunks: list[Any] | None = None
    last_line = 0.0
    done = total = 0
    while execution["status"] == "RUNNING":
        if show:
            done, total, chunks = progress(stack, name, chunks)
            last_line = _show(done, total, time.monotonic() - started, last_line)
        time.sleep(POLL_S)
        execution = stack.sfn.describe_execution(executionArn=arn)
    if show and sys.stderr.isatty():
        print(file=sys.stderr)
    status: str = execution["status"]
    if status != "SUCCEEDED":
        cause = execution.get("cause") or execution.get("error") or status
        log(f"execution {name} ended {status}: {cause}")
    return status


def download(stack: BatchStack, key: str, target_dir: Path) -> tuple[dict[str, Any], Path, Path | None]:
    stem = key.removeprefix(INPUT_PREFIX).removesuffix(INPUT_SUFFIX)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = Path(stem).name
    summary_path, csv_path = target_dir / f"{name}.summary.json", target_dir / f"{name}.scored.csv"
    try:
        body = stack.s3.get_object(Bucket=stack.bucket, Key=f"out/{stem}.summary.json")["Body"].read()
    except stack.s3.exceptions.NoSuchKey:
        raise ScoreError(f"the execution ended without out/{stem}.summary.json; see its history") from None
    summary: dict[str, Any] = json.loads(body)
    summary_path.write_bytes(body)
    csv_path.unlink(missing_ok=True)  # never leave an older result next to this summary
    from botocore.exceptions import ClientError

    try:
        stack.s3.download_file(stack.bucket, f"out/{stem}.scored.csv", str(csv_path))
    except ClientError as error:  # absent when the file could not be scored at all
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
            raise
        return summary, summary_path, None
    return summary, summary_path, csv_path


def score(
    stack: BatchStack, path: Path, target_dir: Path = SCORES, show: bool = True, model: str | None = None
) -> Result:
    if not path.is_file():
        raise ScoreError(f"no file {path}; give INPUT=path/to/file.csv")
    if path.suffix != INPUT_SUFFIX:
        raise ScoreError(f"{path.name} does not end in .csv; only in/*.csv starts batch scoring: rename it")
    key = f"{INPUT_PREFIX}{path.name}"
    started = time.monotonic()
    name = upload(stack, path, key, model)
    if show:
        log(f"uploaded {path} ({path.stat().st_size / 1e6:.1f} MB) to s3://{stack.bucket}/{key}; execution {name}")
    status = follow(stack, name, key, started, show)
    summary, summary_path, csv_path = download(stack, key, target_dir)
    return Result(status, summary, summary_path, csv_path, round(time.monotonic() - started, 3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="the CSV to score (its header names the model's inputs)")
    parser.add_argument("--model", default=None, help="the model to score with (default: the stack's default model)")
    args = parser.parse_args(argv)
    if not args.input:
        print("score: give the file: make score INPUT=path/to/file.csv", file=sys.stderr)
        return 2
    try:
        result = score(BatchStack.from_stack_json(), Path(args.input), model=args.model)
    except ScoreError as error:
        print(f"score: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result.summary, indent=2))
    if result.csv_path is not None:
        print(f"\n  Scored:  {result.csv_path}")
    print(f"  Summary: {result.summary_path}")
    print(f"  Took:    {result.seconds:.1f} s (upload to download)\n")
    if result.status != "SUCCEEDED":
        print(f"score: failed: {result.summary.get('reason', result.status)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
