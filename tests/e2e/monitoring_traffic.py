"""Real captured traffic for the monitor's tests: a refit of admission published under a temporary name, 2,000 rows
through the API, their capture records waited for in the monitoring bucket, truth sent with `make truth`'s code,
the monitor run for today (UTC).

The rows go in batches (on LocalStack every request is one Firehose record and one object the filing function
files: 2,000 single-row requests took about 6 minutes), and truth names each labelled row by its request id and
its row in that request (`make truth` takes request_id,row,<output>).

Each run is served by its own admission version (a refit on its own training rows: same inputs, another version),
and capture records carry model.json's name and version, so a run's records are its own: neither another run's nor
the other tests' admission traffic of the same day is in them, and the monitor reports each version apart."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import monitor_run as monitor_cli  # scripts/, put on sys.path by tests/conftest.py
import requests
import truth as truth_cli
from model_bucket import ModelBucket

ROOT = Path(__file__).resolve().parents[2]
ROWS = 2000
TRUTH_ROWS = 500
BATCH_ROWS = 500  # rows per batch request (the API takes up to 1,000)
SENDERS = int(os.environ.get("MONITOR_TEST_SENDERS", "4"))  # concurrent clients
DELIVERY_TIMEOUT_S = 180.0
SERVING_TIMEOUT_S = 60.0
RUN_BUDGET_S = 120.0  # the longest a run's requests take to send (records carry the time each was answered)

_spec = importlib.util.spec_from_file_location("capture_reader", ROOT / "lambda" / "capture_reader.py")
assert _spec is not None
assert _spec.loader is not None
capture_reader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(capture_reader)


@dataclass
class TrafficRun:
    """One run: the served variant, what was sent and answered, what was captured, truth and the monitor's report."""

    name: str  # the temporary model name it is served under
    meta: dict[str, Any]  # its model.json (name "admission", its own version)
    day: str
    sent: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # request id -> the rows sent
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # request id -> the API's predictions
    captured: dict[str, dict[str, Any]] = field(default_factory=dict)  # request id -> its capture record
    labels: dict[tuple[str, int], str] = field(default_factory=dict)  # (request id, row) -> the truth sent for it
    result: dict[str, Any] = field(default_factory=dict)  # the monitor's answer
    report: dict[str, Any] = field(default_factory=dict)  # this version's report, as written to S3

    @property
    def version(self) -> str:
        return str(self.meta["version"])

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row for rows in self.sent.values() for row in rows]


def train_variant(out: Path, training_rows: str) -> Path:
    """Admission refitted on synthetic_admissions()[training_rows, ] (an R index, e.g. "1:300") into out/admission/."""
    model_dir = out / "admission"
    model_dir.mkdir(parents=True)
    script = (
        'source("models/model_json.R"); source("models/admission/data.R");'
        f" d <- synthetic_admissions()[{training_rows}, ];"
        " fit <- glm(admit ~ gre + gpa + rank, data = d, family = binomial);"
        ' write_model(fit, d, name = "admission", predict_args = list(type = "response"),'
        ' output = list(name = "admit", type = "probability", threshold = 0.5, labels = c("rejected", "admitted")))'
    )
    subprocess.run(
        ["Rscript", "-e", script],
        check=True,
        cwd=ROOT,
        env={"MODEL_OUTPUT_DIR": str(model_dir), "PATH": "/usr/bin:/bin"},
    )
    return model_dir


def admission_rows(training_rows: str, seed: int, gre_shift: float) -> list[dict[str, Any]]:
    """ROWS rows drawn (with replacement) from the variant's own training rows, gre shifted by gre_shift."""
    code = (
        'source("models/admission/data.R");'
        f" d <- synthetic_admissions()[{training_rows}, ];"
        f" set.seed({seed}); i <- sample(nrow(d), {ROWS}, replace = TRUE);"
        " rows <- data.frame(gre = d$gre[i], gpa = d$gpa[i], rank = as.character(d$rank[i]));"
        " cat(jsonlite::toJSON(rows, digits = NA))"
    )
    out = subprocess.run(["Rscript", "-e", code], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [{**row, "gre": row["gre"] + gre_shift} for row in json.loads(out)]


@contextmanager
def published(stack: Any, model_dir: Path) -> Iterator[str]:
    """The model served under a fresh temporary name; every object version under that name deleted afterwards."""
    bucket = ModelBucket(stack.client("s3"), stack.model_uri)
    name = f"m{uuid.uuid4().hex[:8]}"
    try:
        version = bucket.publish(name, model_dir)
        deadline = time.monotonic() + SERVING_TIMEOUT_S
        while requests.get(f"{stack.api_url}/models/{name}/metadata", timeout=60).json().get("version") != version:
            assert time.monotonic() < deadline, f"{name} did not serve {version} within {SERVING_TIMEOUT_S:.0f} s"
            time.sleep(0.5)
        yield name
    finally:
        s3 = stack.client("s3")
        for file in ("model.json", "model.rds"):
            key = bucket.key(name, file)
            for entry in s3.list_object_versions(Bucket=bucket.bucket, Prefix=key).get("Versions", []):
                s3.delete_object(Bucket=bucket.bucket, Key=key, VersionId=entry["VersionId"])


def send(stack: Any, run: TrafficRun, rows: list[dict[str, Any]]) -> None:
    """POST /models/<name>/predict, BATCH_ROWS rows per request."""
    local = threading.local()
    url = f"{stack.api_url}/models/{run.name}/predict"

    def post(chunk: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        answer = local.session.post(url, json=chunk[0] if len(chunk) == 1 else {"instances": chunk}, timeout=60)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert answer.headers["X-Request-Id"] == body["request_id"]
        assert body["model"] == {"name": "admission", "version": run.version}
        assert len(body["predictions"]) == len(chunk)
        return body["request_id"], chunk, body["predictions"]

    chunks = [rows[start : start + BATCH_ROWS] for start in range(0, len(rows), BATCH_ROWS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        for request_id, chunk, predictions in pool.map(post, chunks):
            run.sent[request_id] = chunk
            run.answers[request_id] = predictions
    assert len(run.sent) == len(chunks)  # one request id per request


def filed(stack: Any, version: str, day: str, read: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every capture record filed for admission <version> on day, read as the monitor reads them; read holds the
    objects read before (by key: filed objects are not rewritten), so each poll reads only the new ones."""
    s3 = stack.client("s3")
    prefix = f"capture/admission/{version}/date={day}/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=stack.monitoring_bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"] not in read:
                body = s3.get_object(Bucket=stack.monitoring_bucket, Key=item["Key"])["Body"].read()
                read[item["Key"]] = capture_reader.read_records(body)
    return [record for records in read.values() for record in records]


def wait_for_capture(stack: Any, run: TrafficRun) -> None:
    """Poll until the filed capture of the run's version holds every sent row."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    read: dict[str, list[dict[str, Any]]] = {}
    while True:
        records = filed(stack, run.version, run.day, read)
        if sum(r["rows"] for r in records) >= ROWS:
            break
        assert time.monotonic() < deadline, (
            f"{sum(r['rows'] for r in records)} of {ROWS} rows of {run.version} filed within {DELIVERY_TIMEOUT_S:.0f} s"
        )
        time.sleep(1)
    run.captured = {r["request_id"]: r for r in records}
    assert len(records) == len(run.captured) == len(run.sent)  # each request once, nothing else


def send_truth(stack: Any, run: TrafficRun, directory: Path, seed: int) -> None:
    """Random labels for TRUTH_ROWS of the sent rows (request id and row), uploaded as `make truth` does."""
    rng = random.Random(seed)
    rows = sorted((rid, row) for rid, sent in run.sent.items() for row in range(len(sent)))
    run.labels = {key: rng.choice(["admitted", "rejected"]) for key in rng.sample(rows, TRUTH_ROWS)}
    path = directory / f"labels-{run.version}.csv"
    lines = "".join(f"{rid},{row},{label}\n" for (rid, row), label in run.labels.items())
    path.write_text("request_id,row,admit\n" + lines)
    truth_cli.upload({**stack.outputs, "endpoint": stack.endpoint}, "admission", path)


def run_monitor(stack: Any, run: TrafficRun) -> None:
    """The monitor for admission on the run's day, window of one day; the run's version's report from S3."""
    run.result = monitor_cli.invoke(
        {**stack.outputs, "endpoint": stack.endpoint}, {"model": "admission", "date": run.day, "window_days": 1}
    )
    [entry] = [r for r in run.result["reports"] if r["version"] == run.version]
    body = stack.client("s3").get_object(Bucket=stack.monitoring_bucket, Key=entry["key"])["Body"].read()
    run.report = json.loads(body)


def clear_of_utc_midnight(run_s: float = RUN_BUDGET_S) -> str:
    """Today's UTC date, after waiting out midnight if a run's requests started now could cross it: records are
    partitioned by the day they were answered, and the monitor reads one day."""
    now = datetime.now(UTC)
    left_s = (now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1) - now).total_seconds()
    if left_s < run_s:
        print(f"waiting {left_s:.0f} s for UTC midnight: a traffic run of up to {run_s:.0f} s would cross it")
        time.sleep(left_s + 1)
    return datetime.now(UTC).date().isoformat()


@contextmanager
def traffic(
    stack: Any, directory: Path, training_rows: str, seed: int, gre_shift: float, with_truth: bool
) -> Iterator[TrafficRun]:
    """A whole run, its model deleted afterwards (the monitor reads its model.json while it runs)."""
    model_dir = train_variant(directory / "model", training_rows)
    meta = json.loads((model_dir / "model.json").read_text())
    rows = admission_rows(training_rows, seed, gre_shift)
    with published(stack, model_dir) as name:
        run = TrafficRun(name=name, meta=meta, day=clear_of_utc_midnight())
        started = time.monotonic()
        send(stack, run, rows)
        sent_s = time.monotonic() - started
        wait_for_capture(stack, run)
        total_s = time.monotonic() - started
        print(
            f"{len(run.sent)} requests, {ROWS} rows to {name} ({run.version}): sent {sent_s:.1f} s, S3 {total_s:.1f} s"
        )
        if with_truth:
            send_truth(stack, run, directory, seed)
        run_monitor(stack, run)
        yield run
