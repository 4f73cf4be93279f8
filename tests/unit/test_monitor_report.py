"""lambda/monitor.py + monitor_store.py + monitor_report.py on an in-memory S3: what the monitor reads, the reports
it writes (their shape and figures), the truth join and the CloudWatch metrics."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import model_json

monitor = pytest.importorskip("monitor")
from monitor_store import MonitorStore, Truth  # noqa: E402

DAY = "2026-03-02"


class FakeS3:
    """The few S3 calls the monitor makes, on dicts: objects by (bucket, key), model.json versions newest first."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.versions: dict[tuple[str, str], list[bytes]] = {}

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:
        self.objects[(Bucket, Key)] = Body
        self.versions.setdefault((Bucket, Key), []).insert(0, Body)

    def get_object(self, Bucket: str, Key: str, VersionId: str | None = None) -> dict[str, Any]:
        body = self.versions[(Bucket, Key)][int(VersionId)] if VersionId else self.objects[(Bucket, Key)]
        return {"Body": io.BytesIO(body)}

    def list_object_versions(self, Bucket: str, Prefix: str, MaxKeys: int) -> dict[str, Any]:
        return {
            "Versions": [
                {"Key": key, "VersionId": str(i)}
                for (bucket, key), bodies in self.versions.items()
                if bucket == Bucket and key.startswith(Prefix)
                for i in range(len(bodies))
            ]
        }

    def get_paginator(self, _: str) -> Any:
        return self

    def paginate(self, Bucket: str, Prefix: str, Delimiter: str | None = None) -> list[dict[str, Any]]:
        keys = sorted(key for bucket, key in self.objects if bucket == Bucket and key.startswith(Prefix))
        when = datetime(2026, 3, 2, tzinfo=UTC)
        if Delimiter:
            folders = sorted({Prefix + key[len(Prefix) :].split(Delimiter)[0] + Delimiter for key in keys})
            return [{"CommonPrefixes": [{"Prefix": folder} for folder in folders]}]
        return [{"Contents": [{"Key": key, "LastModified": when} for key in keys]}]


class FakeCloudWatch:
    def __init__(self) -> None:
        self.data: list[dict[str, Any]] = []

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]]) -> None:
        assert Namespace == "ModelMonitoring"
        self.data += MetricData


def capture(n: int, row: dict[str, Any], probability: float, status: int = 200) -> dict[str, Any]:
    answered = status == 200
    return {
        "capture": 1,
        "request_id": f"req-{n}",
        "time": f"{DAY}T10:00:00Z",
        "model": "admission",
        "version": "6b21246f54cd",
        "route": "api",
        "status": status,
        "rows": 1 if answered else 0,
        "inputs": [row] if answered else None,
        "outputs": [{"probability": probability, "label": "admitted" if probability >= 0.5 else "rejected"}]
        if answered
        else None,
        "out_of_range": 0,
        "handler_ms": 1.0 + n % 3,
    }


def records(count: int, gre_shift: float, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        row = {
            "gre": rng.gauss(588, 115) + gre_shift,
            "gpa": min(4.0, rng.gauss(3.39, 0.38)),
            "rank": rng.choice("1223334"),
        }
        out.append(capture(n, row, rng.uniform(0.05, 0.7)))
    return out


@pytest.fixture
def s3(built_models: Path) -> FakeS3:
    fake = FakeS3()
    fake.put_object("models", "models/admission/model.json", (built_models / "admission" / "model.json").read_bytes())
    return fake


def put_capture(s3: FakeS3, recs: list[dict[str, Any]], day: str = DAY, version: str = "6b21246f54cd") -> None:
    body = "\n".join(json.dumps(r) for r in recs).encode()
    s3.put_object("mon", f"capture/admission/{version}/date={day}/part-0", body)


def run(s3: FakeS3, cloudwatch: FakeCloudWatch | None = None, **event: Any) -> dict[str, Any]:
    result: dict[str, Any] = monitor.run({"date": DAY, **event}, MonitorStore(s3, "mon", "models"), cloudwatch)
    return result


def report(s3: FakeS3, version: str = "6b21246f54cd") -> dict[str, Any]:
    result: dict[str, Any] = json.loads(s3.objects[("mon", f"monitoring/admission/{version}/{DAY}.json")])
    return result


def test_a_shifted_input_is_flagged_and_the_others_are_not(s3: FakeS3) -> None:
    put_capture(s3, records(600, gre_shift=150, seed=1))
    summary = run(s3)
    assert summary["reports"][0]["drifted_inputs"] == ["gre"]
    figures = report(s3)["window"]["inputs"]
    assert figures["gre"]["psi"] > 0.5
    assert figures["gpa"]["psi"] < 0.1
    assert figures["gre"]["out_of_range_rate"] > 0.1


def test_report_shape_days_window_and_traffic(s3: FakeS3) -> None:
    put_capture(s3, records(300, 0, seed=2))
    put_capture(
        s3,
        [*records(200, 0, seed=3), capture(900, {}, 0, status=422), capture(901, {}, 0, status=503)],
        day="2026-02-28",
    )
    put_capture(s3, records(50, 0, seed=4), day="2026-01-01")  # outside the 7-day window
    run(s3)
    got = report(s3)
    assert set(got) >= {
        "model",
        "version",
        "date",
        "window",
        "days",
        "baseline",
        "thresholds",
        "drifted_inputs",
        "notes",
    }
    assert [d["date"] for d in got["days"]] == ["2026-02-28", DAY]
    assert got["window"]["from"] == "2026-02-24"
    assert got["window"]["to"] == DAY
    assert got["window"]["traffic"]["requests"] == 502
    assert got["window"]["traffic"]["rows"] == 500
    assert got["window"]["traffic"]["errors"] == {"422": 1, "503": 1}
    assert got["days"][0]["traffic"]["errors"] == {"422": 1, "503": 1}
    assert got["drifted_inputs"] == []
    assert got["baseline"] is True
    assert set(got["window"]["inputs"]["rank"]) >= {"psi", "bins", "expected", "actual", "missing_rate"}
    assert got["notes"] == ["no truth joined yet: send labels with make truth to get quality figures"]
    latest = json.loads(s3.objects[("mon", "monitoring/admission/latest.json")])
    assert latest["reports"] == [got]


def test_truth_joins_by_request_id_and_by_file_row(s3: FakeS3) -> None:
    recs = records(10, 0, seed=5)
    batch = {
        **capture(50, {"gre": 600, "gpa": 3.5, "rank": "2"}, 0.8),
        "route": "batch",
        "file": "in/a.csv",
        "first_row": 7,
    }
    put_capture(s3, [*recs, batch])
    truth = "request_id,admit\n" + "".join(f"req-{n},{n % 2}\n" for n in range(4))
    s3.put_object("mon", "truth/admission/u1.csv", truth.encode())
    s3.put_object("mon", "truth/admission/u2.csv", b"file,row,admit\nin/a.csv,7,admitted\nin/a.csv,8,rejected\n")
    run(s3)
    quality = report(s3)["window"]["quality"]
    labels = [r["outputs"][0]["label"] for r in recs[:4]] + ["admitted"]
    truths = ["rejected", "admitted", "rejected", "admitted", "admitted"]
    assert quality["rows"] == 5
    assert quality["accuracy"] == pytest.approx(sum(a == b for a, b in zip(labels, truths, strict=True)) / 5)


def test_a_model_without_baseline_is_monitored_for_traffic_only(s3: FakeS3, built_models: Path) -> None:
    old = {k: v for k, v in model_json(built_models / "admission").items() if k != "baseline"}
    old["version"] = "000000000001"
    s3.put_object("models", "models/admission/model.json", json.dumps(old).encode())
    s3.put_object("models", "models/admission/model.json", (built_models / "admission" / "model.json").read_bytes())
    put_capture(s3, records(120, 150, seed=6), version="000000000001")
    run(s3)
    got = report(s3, "000000000001")
    assert got["baseline"] is False
    assert set(got["window"]) == {"days", "from", "to", "traffic"}
    assert got["window"]["traffic"]["requests"] == 120
    assert "traffic only" in got["notes"][0]


def test_a_version_published_under_another_name_is_monitored_with_its_baseline(s3: FakeS3, built_models: Path) -> None:
    """Admission published as admission-challenger captures as admission: its model.json is found by name+version."""
    challenger = {**model_json(built_models / "admission"), "version": "00000000000c"}
    s3.put_object("models", "models/admission-challenger/model.json", json.dumps(challenger).encode())
    s3.put_object("models", "models/admission-challenger/model.json", b'{"name": "admission", "version": "x"}')
    s3.put_object(
        "models", "models/boston/model.json", json.dumps({"name": "boston", "version": "00000000000b"}).encode()
    )
    put_capture(s3, records(600, gre_shift=150, seed=8), version="00000000000c")
    put_capture(
        s3, records(120, gre_shift=0, seed=9), version="00000000000b"
    )  # boston's version, captured as admission
    run(s3)
    got = report(s3, "00000000000c")
    assert got["baseline"] is True
    assert got["drifted_inputs"] == ["gre"]
    assert report(s3, "00000000000b")["baseline"] is False  # another model's model.json is not admission's


def test_an_input_never_captured_is_reported_as_such(s3: FakeS3) -> None:
    recs = records(150, 0, seed=8)
    for r in recs:
        del r["inputs"][0]["gpa"]
    put_capture(s3, recs)
    run(s3)
    got = report(s3)
    assert got["window"]["inputs"]["gpa"] == {"captured": False}
    assert "not captured (excluded from capture): gpa" in got["notes"]


def test_metrics_carry_model_and_version_and_the_alarm_figures_once_more_without(s3: FakeS3) -> None:
    put_capture(s3, records(300, 150, seed=9))
    cloudwatch = FakeCloudWatch()
    run(s3, cloudwatch)
    by_name = {
        (d["MetricName"], tuple((x["Name"], x["Value"]) for x in d["Dimensions"])): d["Value"] for d in cloudwatch.data
    }
    version = (("model", "admission"), ("version", "6b21246f54cd"))
    assert by_name[("Requests", version)] == 300
    assert by_name[("DriftedInputs", version)] == 1
    assert (
        by_name[("InputPSIMax", ())]
        == by_name[("InputPSIMax", version)]
        == by_name[("InputPSI", (*version, ("input", "gre")))]
    )
    assert ("AccuracyDrop", ()) not in by_name  # no truth, no quality figure


def test_a_bad_model_name_is_refused(s3: FakeS3) -> None:
    with pytest.raises(ValueError, match="not a model name"):
        run(s3, model="../x")


def test_truth_csv_with_a_row_column_labels_rows_of_a_multi_row_request() -> None:
    truth = Truth()
    truth.add_csv("request_id,row,admit\nr1,0,1\nr1,1,0\n", "admit")
    assert truth.lookup({"request_id": "r1"}, 1) == "0"
    assert truth.lookup({"request_id": "r2"}, 0) is None


def test_a_request_written_in_parts_counts_once_and_joins_truth_by_its_rows(s3: FakeS3) -> None:
    single = records(6, 0, seed=9)
    request = {**single[0], "request_id": "req-big", "rows": 6}
    request["inputs"] = [r["inputs"][0] for r in single]
    request["outputs"] = [r["outputs"][0] for r in single]
    parts = [
        {
            **request,
            "rows": 3,
            "inputs": request["inputs"][i : i + 3],
            "outputs": request["outputs"][i : i + 3],
            "first_row": i,
            "part": i // 3,
            "parts": 2,
        }
        for i in (0, 3)
    ]
    put_capture(s3, parts)
    truth = "request_id,row,admit\n" + "".join(f"req-big,{n},{n % 2}\n" for n in range(6))
    s3.put_object("mon", "truth/admission/u1.csv", truth.encode())
    run(s3)
    window = report(s3)["window"]
    assert (window["traffic"]["requests"], window["traffic"]["rows"]) == (1, 6)
    labels = [o["label"] for o in request["outputs"]]
    truths = ["rejected" if n % 2 == 0 else "admitted" for n in range(6)]
    assert window["quality"]["rows"] == 6
    assert window["quality"]["accuracy"] == pytest.approx(sum(a == b for a, b in zip(labels, truths, strict=True)) / 6)
