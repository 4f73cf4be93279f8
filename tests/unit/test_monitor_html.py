"""scripts/monitor_html.py: the latest report as one self-contained HTML file, drawn by the page's chart code."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_monitor_report import FakeS3, put_capture, records, run

sys.path.insert(0, str(ROOT / "scripts"))
import monitor_html  # noqa: E402


@pytest.fixture
def latest(built_models: Path) -> dict:
    s3 = FakeS3()
    s3.put_object("models", "models/admission/model.json", (built_models / "admission" / "model.json").read_bytes())
    put_capture(s3, records(400, 150, seed=11))
    put_capture(s3, records(300, 0, seed=12), day="2026-03-01")
    s3.put_object(
        "mon", "truth/admission/t.csv", b"request_id,admit\n" + b"".join(b"req-%d,1\n" % n for n in range(50))
    )
    run(s3)
    return json.loads(s3.objects[("mon", "monitoring/admission/latest.json")])


def test_the_html_report_is_self_contained_with_charts_and_the_numbers(latest: dict, tmp_path: Path) -> None:
    path = monitor_html.write(latest, tmp_path)
    html = path.read_text()
    assert path.name == "admission.html"
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)  # nothing fetched from the network
    assert html.count("<svg") == 1 + 4 + 1  # drift over time, today's gre/gpa/rank/prediction, quality over time
    assert 'aria-label="Drift (PSI) per input over time"' in html
    report = latest["reports"][0]
    gre = report["window"]["inputs"]["gre"]
    assert f'<th scope="row">gre</th><td>{gre["psi"]:.3f}</td>' in html
    assert "Drifted inputs: <strong>gre</strong>" in html
    accuracy = report["window"]["quality"]["accuracy"]
    assert f"<td>{report['window']['quality']['rows']}</td><td>{accuracy:.3f}</td>" in html


def test_names_from_the_report_are_escaped(latest: dict, tmp_path: Path) -> None:
    latest["reports"][0]["notes"].append("<img src=x onerror=alert(1)>")
    html = monitor_html.page(latest)
    assert "<img" not in html
    assert "&#60;img src=x onerror=alert(1)&#62;" in html


def test_make_monitor_prints_one_line_per_version() -> None:
    import monitor_run as monitor_cli  # scripts/

    result = {
        "reports": [
            {
                "model": "admission",
                "version": "6b21246f54cd",
                "requests": 2000,
                "drifted_inputs": ["gre"],
                "prediction_drift": False,
                "quality": {"rows": 500, "accuracy": 0.512, "auc": 0.49},
            },
            {
                "model": "boston",
                "version": "a9ee304e2210",
                "requests": 3,
                "drifted_inputs": [],
                "prediction_drift": True,
                "quality": {"rows": 0},
            },
        ]
    }
    lines = monitor_cli.table(result).splitlines()
    assert lines[0].split() == ["model", "version", "requests", "drifted", "inputs", "prediction", "drift", "quality"]
    assert lines[1].split() == [
        "admission",
        "6b21246f54cd",
        "2000",
        "gre",
        "no",
        "accuracy",
        "0.512,",
        "auc",
        "0.490",
        "(n=500)",
    ]
    assert lines[2].split() == ["boston", "a9ee304e2210", "3", "none", "yes", "no", "truth"]
