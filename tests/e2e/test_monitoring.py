"""The monitor on the deployed stack: capture objects in the monitoring bucket, the monitor function (R statistics)
invoked for real, its reports, metrics and the API route that serves them.

Until the capture producer is merged, the capture objects are written here, in both formats the contract allows
(newline-delimited records, gzipped, and uncompressed CloudWatch Logs DATA_MESSAGE envelopes with START/REPORT
noise); the predictions in them are the live API's answers for the sent rows."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = [pytest.mark.localstack, pytest.mark.stack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import monitor_run as monitor_cli  # noqa: E402  (scripts/)

SHIFTED_DAY = "2030-01-10"
CONTROL_DAY = "2030-01-20"
ROWS = 2000
TRUTH_ROWS = 500


def admission_rows(seed: int, gre_shift: float) -> list[dict[str, Any]]:
    """ROWS rows drawn from the training data (R's synthetic admissions), gre shifted by gre_shift."""
    code = (
        'source("models/admission/data.R"); d <- synthetic_admissions(); '
        f"set.seed({seed}); i <- sample(nrow(d), {ROWS}, replace = TRUE); "
        "cat(jsonlite::toJSON(data.frame(gre = d$gre[i], gpa = d$gpa[i], rank = as.character(d$rank[i])), digits = NA))"
    )
    out = subprocess.run(["Rscript", "-e", code], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [{**row, "gre": row["gre"] + gre_shift} for row in json.loads(out)]


def capture_records(stack: Any, rows: list[dict[str, Any]], day: str) -> list[dict[str, Any]]:
    """One capture record per row, with the live API's prediction for it."""
    outputs: list[dict[str, Any]] = []
    version = ""
    for start in range(0, len(rows), 1000):
        answer = requests.post(f"{stack.api_url}/predict", json={"instances": rows[start : start + 1000]}, timeout=120)
        assert answer.status_code == 200, answer.text
        outputs += answer.json()["predictions"]
        version = answer.json()["model"]["version"]
    run = uuid.uuid4().hex[:8]
    return [
        {
            "capture": 1,
            "request_id": f"{run}-{n}",
            "time": f"{day}T12:00:00.000Z",
            "model": "admission",
            "version": version,
            "route": "api",
            "status": 200,
            "rows": 1,
            "inputs": [row],
            "outputs": [output],
            "out_of_range": 0,
            "handler_ms": 1.5,
        }
        for n, (row, output) in enumerate(zip(rows, outputs, strict=True))
    ]


def put_capture(stack: Any, records: list[dict[str, Any]], day: str) -> None:
    """Half as gzipped newline-delimited records, half as DATA_MESSAGE envelopes with non-capture lines."""
    s3 = stack.client("s3")
    prefix = f"capture/admission/{records[0]['version']}/date={day}/"
    half = len(records) // 2
    lines = "\n".join(json.dumps(r) for r in records[:half]).encode()
    s3.put_object(Bucket=stack.monitoring_bucket, Key=f"{prefix}{uuid.uuid4().hex}.gz", Body=gzip.compress(lines))
    envelopes = []
    for start in range(half, len(records), 100):
        messages = ["START RequestId: x Version: $LATEST", *(json.dumps(r) for r in records[start : start + 100])]
        messages.append(json.dumps({"level": "info", "message": "request", "status": 200}))
        events = [{"id": str(i), "timestamp": 0, "message": m} for i, m in enumerate(messages)]
        envelopes.append(json.dumps({"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/x", "logEvents": events}))
    s3.put_object(Bucket=stack.monitoring_bucket, Key=f"{prefix}{uuid.uuid4().hex}", Body="".join(envelopes).encode())


def run_monitor(stack: Any, day: str) -> dict[str, Any]:
    values = {**stack.outputs, "endpoint": stack.endpoint}
    result = monitor_cli.invoke(values, {"model": "admission", "date": day, "window_days": 1})
    assert [r["model"] for r in result["reports"]] == ["admission"], result
    key = result["reports"][0]["key"]
    body = stack.client("s3").get_object(Bucket=stack.monitoring_bucket, Key=key)["Body"].read()
    report: dict[str, Any] = json.loads(body)
    return report


@pytest.fixture(scope="module")
def shifted(stack: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    records = capture_records(stack, admission_rows(seed=1, gre_shift=150), SHIFTED_DAY)
    put_capture(stack, records, SHIFTED_DAY)
    rng = random.Random(5)
    labelled = rng.sample(records, TRUTH_ROWS)
    truth = "request_id,admit\n" + "".join(
        f"{r['request_id']},{rng.choice(['admitted', 'rejected'])}\n" for r in labelled
    )
    stack.client("s3").put_object(
        Bucket=stack.monitoring_bucket, Key=f"truth/admission/{uuid.uuid4().hex}.csv", Body=truth.encode()
    )
    return records, {"labelled": labelled, "truth": truth, "report": run_monitor(stack, SHIFTED_DAY)}


def test_a_gre_shift_of_150_is_flagged_for_gre_only(shifted: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    records, run = shifted
    report = run["report"]
    assert report["window"]["traffic"]["requests"] == ROWS  # every record of both formats, none of the noise
    assert report["drifted_inputs"] == ["gre"]
    inputs = report["window"]["inputs"]
    assert inputs["gre"]["psi"] > 1
    assert inputs["gpa"]["psi"] < 0.05
    assert inputs["rank"]["psi"] < 0.05
    assert inputs["gre"]["out_of_range_rate"] == pytest.approx(sum(r["inputs"][0]["gre"] > 800 for r in records) / ROWS)


def test_an_unshifted_control_flags_nothing(stack: Any) -> None:
    records = capture_records(stack, admission_rows(seed=2, gre_shift=0), CONTROL_DAY)
    put_capture(stack, records, CONTROL_DAY)
    report = run_monitor(stack, CONTROL_DAY)
    assert report["window"]["traffic"]["requests"] == ROWS
    assert report["drifted_inputs"] == []
    assert report["prediction_drift"] is False
    assert max(f["psi"] for f in report["window"]["inputs"].values()) < 0.05


def test_truth_for_500_rows_gives_the_accuracy_r_computes(shifted: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    _, run = shifted
    probability = [r["outputs"][0]["probability"] for r in run["labelled"]]
    labels = [line.split(",")[1] for line in run["truth"].splitlines()[1:]]
    code = (
        "args <- commandArgs(TRUE); p <- jsonlite::fromJSON(args[1]); y <- jsonlite::fromJSON(args[2]); "
        'cat(jsonlite::toJSON(mean(ifelse(p >= 0.5, "admitted", "rejected") == y), digits = NA, auto_unbox = TRUE))'
    )
    out = subprocess.run(
        ["Rscript", "-e", code, json.dumps(probability), json.dumps(labels)], check=True, capture_output=True, text=True
    )
    quality = run["report"]["window"]["quality"]
    assert quality["rows"] == TRUTH_ROWS
    assert quality["accuracy"] == pytest.approx(json.loads(out.stdout), abs=1e-12)
    assert quality["log_loss"] > 0
    assert 0 <= quality["auc"] <= 1


def test_metrics_are_published_with_model_and_version(stack: Any, shifted: Any) -> None:
    version = shifted[1]["report"]["version"]
    listed = stack.client("cloudwatch").list_metrics(Namespace="ModelMonitoring", MetricName="InputPSIMax")["Metrics"]
    dimensions = [{d["Name"]: d["Value"] for d in m.get("Dimensions", [])} for m in listed]
    assert {"model": "admission", "version": version} in dimensions
    assert {} in dimensions  # the series the drift alarm watches


def test_the_api_serves_the_latest_report_and_make_monitor_writes_html(
    stack: Any, shifted: Any, tmp_path: Path
) -> None:
    response = requests.get(f"{stack.api_url}/models/admission/monitoring", timeout=30)
    assert response.status_code == 200, response.text
    latest = response.json()
    assert latest["model"] == "admission"
    assert latest["reports"][0]["version"] == shifted[1]["report"]["version"]
    assert requests.get(f"{stack.api_url}/monitoring", timeout=30).json()["model"] == "admission"
    path = monitor_cli.write(latest, tmp_path)
    assert "Drift (PSI) per input over time" in path.read_text()
