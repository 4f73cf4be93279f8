"""The monitor on the deployed stack over real captured traffic: requests through the API, their capture records
filed by the capture path (Logs -> Firehose -> filing function -> S3), truth sent with `make truth`'s code, the
monitor function (R statistics) invoked for real, its reports, metrics and the API route that serves them.

Each run (2,000 rows: the 500 to be labelled one per request, the others in batches) is served by its own refit
of admission under a temporary name (tests/e2e/monitoring_traffic.py), so its version's report holds its requests
only. The reader of both capture object formats is unit-tested
(tests/unit/test_capture_reader.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import monitor_run as monitor_cli  # scripts/, put on sys.path by tests/conftest.py
import pytest
import requests
from monitoring_traffic import BATCH_ROWS, ROWS, TRUTH_ROWS, TrafficRun, traffic

pytestmark = [pytest.mark.localstack, pytest.mark.stack, pytest.mark.slow]


def test_the_capture_holds_every_request_as_answered(shifted_traffic: TrafficRun) -> None:
    run = shifted_traffic
    assert run.captured.keys() == run.sent.keys()
    assert sorted(len(rows) for rows in run.sent.values()) == [BATCH_ROWS] * (ROWS // BATCH_ROWS)
    for request_id, rows in run.sent.items():
        record = run.captured[request_id]
        assert (record["model"], record["version"], record["route"], record["status"], record["rows"]) == (
            "admission",
            run.version,
            "api",
            200,
            len(rows),
        )
        assert record["inputs"] == [{"gre": float(r["gre"]), "gpa": float(r["gpa"]), "rank": r["rank"]} for r in rows]
        assert record["outputs"] == run.answers[request_id]
        assert record["time"].startswith(run.day)


def test_a_gre_shift_of_150_is_flagged_for_gre_only(shifted_traffic: TrafficRun) -> None:
    run = shifted_traffic
    report = run.report
    assert (report["model"], report["version"], report["date"]) == ("admission", run.version, run.day)
    traffic = report["window"]["traffic"]
    assert (traffic["requests"], traffic["rows"]) == (len(run.sent), ROWS)  # this version's, no other traffic
    assert report["drifted_inputs"] == ["gre"]
    inputs = report["window"]["inputs"]
    assert inputs["gre"]["psi"] > 1
    assert inputs["gpa"]["psi"] < 0.05
    assert inputs["rank"]["psi"] < 0.05
    [gre] = [spec for spec in run.meta["inputs"] if spec["name"] == "gre"]
    outside = sum(not gre["min"] <= row["gre"] <= gre["max"] for row in run.rows)
    assert 0 < outside < ROWS
    assert inputs["gre"]["out_of_range_rate"] == pytest.approx(outside / ROWS)


def test_an_unshifted_control_flags_nothing(stack: Any, tmp_path: Path, shifted_traffic: TrafficRun) -> None:
    with traffic(stack, tmp_path, training_rows="101:400", seed=2, gre_shift=0, with_truth=False) as control:
        assert control.version != shifted_traffic.version
        report = control.report
        assert (report["window"]["traffic"]["requests"], report["window"]["traffic"]["rows"]) == (4, ROWS)
        assert report["drifted_inputs"] == []
        assert report["prediction_drift"] is False
        assert max(f["psi"] for f in report["window"]["inputs"].values()) < 0.05
        assert "quality" not in report["window"] or not report["window"]["quality"].get("rows")
        # The same run reported the shifted version apart, still drifted.
        [shifted] = [r for r in control.result["reports"] if r["version"] == shifted_traffic.version]
        assert (shifted["requests"], shifted["drifted_inputs"]) == (len(shifted_traffic.sent), ["gre"])


def test_truth_for_500_rows_gives_the_accuracy_r_computes(shifted_traffic: TrafficRun) -> None:
    run = shifted_traffic
    labelled = sorted(run.labels)
    probability = [run.captured[rid]["outputs"][row]["probability"] for rid, row in labelled]
    labels = [run.labels[key] for key in labelled]
    code = (
        "args <- commandArgs(TRUE); p <- jsonlite::fromJSON(args[1]); y <- jsonlite::fromJSON(args[2]); "
        'cat(jsonlite::toJSON(mean(ifelse(p >= 0.5, "admitted", "rejected") == y), digits = NA, auto_unbox = TRUE))'
    )
    out = subprocess.run(
        ["Rscript", "-e", code, json.dumps(probability), json.dumps(labels)], check=True, capture_output=True, text=True
    )
    expected = json.loads(out.stdout)
    quality = run.report["window"]["quality"]
    assert quality["rows"] == TRUTH_ROWS
    assert quality["accuracy"] == pytest.approx(expected, abs=1e-12)
    assert 0.3 < expected < 0.7  # random labels: the figure is not a constant the report could get right by chance
    assert quality["log_loss"] > 0
    assert 0 <= quality["auc"] <= 1


def test_metrics_are_published_with_model_and_version(stack: Any, shifted_traffic: TrafficRun) -> None:
    listed = stack.client("cloudwatch").list_metrics(Namespace="ModelMonitoring", MetricName="InputPSIMax")["Metrics"]
    dimensions = [{d["Name"]: d["Value"] for d in m.get("Dimensions", [])} for m in listed]
    assert {"model": "admission", "version": shifted_traffic.version} in dimensions
    assert {} in dimensions  # the series the drift alarm watches


def test_the_api_serves_the_latest_report_and_make_monitor_writes_html(
    stack: Any, shifted_traffic: TrafficRun, tmp_path: Path
) -> None:
    response = requests.get(f"{stack.api_url}/models/admission/monitoring", timeout=30)
    assert response.status_code == 200, response.text
    latest = response.json()
    assert (latest["model"], latest["date"]) == ("admission", shifted_traffic.day)
    [served] = [r for r in latest["reports"] if r["version"] == shifted_traffic.version]
    assert served["window"] == shifted_traffic.report["window"]
    assert requests.get(f"{stack.api_url}/monitoring", timeout=30).json()["model"] == "admission"
    path = monitor_cli.write(latest, tmp_path)
    html = path.read_text()
    assert "Drift (PSI) per input over time" in html
    assert shifted_traffic.version in html
