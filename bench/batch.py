"""Batch scoring on the running stack: rows/s at several MaxConcurrency values, the same rows through
POST /predict 1,000 at a time, one chunk's invoke, and from those an AWS projection for 10 million rows."""

from __future__ import annotations

import csv
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench import cost

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import score as score_cli  # noqa: E402  (scripts/ is not a package)
from sample_csv import write_sample  # noqa: E402

PROJECTED_ROWS = 10_000_000
PROJECTED_CONCURRENCY = (100, 1000)
PREDICT_BATCH = 1000


def _set_concurrency(batch: score_cli.BatchStack, definition: dict[str, Any], concurrency: int) -> None:
    """The map's MaxConcurrency for the next runs; the bench puts Terraform's definition back afterwards."""
    changed = json.loads(json.dumps(definition))
    changed["States"]["ScoreChunks"]["MaxConcurrency"] = concurrency
    batch.sfn.update_state_machine(stateMachineArn=batch.state_machine_arn, definition=json.dumps(changed))


def _step_seconds(batch: score_cli.BatchStack, execution: str) -> dict[str, float]:
    """Wall time of each top-level state, from the execution's history."""
    history = batch.sfn.get_execution_history(executionArn=batch.execution_arn(execution), maxResults=1000)
    entered: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for event in history["events"]:
        if event["type"].endswith("StateEntered"):
            entered[event["stateEnteredEventDetails"]["name"]] = event["timestamp"]
        elif event["type"].endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            if name in entered:
                seconds[name] = round((event["timestamp"] - entered[name]).total_seconds(), 3)
    return seconds


def _records(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [{"gre": float(r["gre"]), "gpa": float(r["gpa"]), "rank": r["rank"]} for r in rows]


def predict_rate(api_url: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The same rows sent to POST /predict, PREDICT_BATCH at a time, one after another."""
    session = requests.Session()
    session.post(f"{api_url}/predict", json={"instances": records[:PREDICT_BATCH]}, timeout=60)  # warm
    started = time.monotonic()
    for start in range(0, len(records), PREDICT_BATCH):
        batch = {"instances": records[start : start + PREDICT_BATCH]}
        answer = session.post(f"{api_url}/predict", json=batch, timeout=60)
        answer.raise_for_status()
    seconds = time.monotonic() - started
    return {"rows": len(records), "seconds": round(seconds, 2), "rows_per_s": round(len(records) / seconds)}


def chunk_invoke_seconds(outputs: dict[str, Any], batch: score_cli.BatchStack, source: Path, rows: int) -> float:
    """Median wall time of one warm `score` invoke of a chunk of `rows` rows (LocalStack's invoke path included)."""
    lines = source.read_text().splitlines(keepends=True)[: rows + 1]
    key = "work/bench-chunk/chunks/000000.csv"
    batch.s3.put_object(Bucket=batch.bucket, Key=key, Body="".join(lines).encode())
    event = {
        "step": "score",
        "bucket": batch.bucket,
        "chunk": {"index": 0, "key": key, "part": "work/bench-chunk/parts/000000.csv", "first_row": 0, "rows": rows},
    }
    client = score_cli.boto3_client("lambda", outputs)
    name = outputs["function_name"].removesuffix("-predict") + "-batch"
    times = []
    try:
        for _ in range(8):
            started = time.monotonic()
            answer = client.invoke(FunctionName=name, Payload=json.dumps(event))
            body = json.loads(answer["Payload"].read())
            if body.get("rows") != rows:
                raise RuntimeError(f"the chunk invoke answered {body}")
            times.append(time.monotonic() - started)
    finally:
        for part in (key, "work/bench-chunk/parts/000000.csv"):
            batch.s3.delete_object(Bucket=batch.bucket, Key=part)
    return statistics.median(times[2:])  # the first calls may start environments


def measure(outputs: dict[str, Any], rows: int = 100_000, concurrencies: tuple[int, ...] = (1, 2, 4)) -> dict[str, Any]:
    batch = score_cli.BatchStack.from_values(outputs)
    definition = json.loads(batch.sfn.describe_state_machine(stateMachineArn=batch.state_machine_arn)["definition"])
    rows_per_chunk = 0
    result: dict[str, Any] = {"rows": rows, "runs": []}
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bench_rows.csv"
        write_sample("admission", rows, source)
        steps: dict[str, float] = {}
        try:
            for concurrency in concurrencies:
                _set_concurrency(batch, definition, concurrency)
                run = score_cli.score(batch, source, Path(folder) / "scores", show=False)
                if run.status != "SUCCEEDED" or run.summary.get("scored") != rows:
                    raise RuntimeError(f"batch run at concurrency {concurrency} ended {run.status}: {run.summary}")
                steps = _step_seconds(batch, run.summary["execution"])
                rows_per_chunk = run.summary["rows_per_chunk"]
                result["runs"].append(
                    {
                        "max_concurrency": concurrency,
                        "seconds": run.seconds,
                        "rows_per_s": round(rows / run.seconds),
                        "steps_s": steps,
                    }
                )
        finally:
            batch.sfn.update_state_machine(stateMachineArn=batch.state_machine_arn, definition=json.dumps(definition))
        result["predict_api"] = predict_rate(outputs["api_url"], _records(source))
        chunk_s = chunk_invoke_seconds(outputs, batch, source, rows_per_chunk)
        output_bytes_per_row = (Path(folder) / "scores" / "bench_rows.scored.csv").stat().st_size / rows
    memory = int(
        score_cli.boto3_client("lambda", outputs).get_function_configuration(
            FunctionName=outputs["function_name"].removesuffix("-predict") + "-batch"
        )["MemorySize"]
    )
    result["rows_per_chunk"] = rows_per_chunk
    result["best_seconds"] = min(run["seconds"] for run in result["runs"])
    result["chunk_invoke_s"] = round(chunk_s, 4)
    result["projection"] = [
        cost.batch_projection(
            PROJECTED_ROWS,
            rows_per_chunk,
            concurrency,
            chunk_s,
            steps.get("Split", 0) / rows,
            steps.get("Assemble", 0) / rows,
            memory,
            output_bytes_per_row,
        )
        for concurrency in PROJECTED_CONCURRENCY
    ]
    return result
