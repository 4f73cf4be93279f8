"""A short bounded closed-loop load on POST /predict through API Gateway: zero errors, percentiles recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from api_contract import Api

from bench.live import predict_sender
from bench.load import closed_loop

pytestmark = [pytest.mark.reliability, pytest.mark.stack, pytest.mark.localstack, pytest.mark.slow]

CLIENTS = 8
REQUESTS = 400
RECORD = Path(__file__).resolve().parents[2] / "build" / "reliability" / "load.json"


def test_closed_loop_load_has_no_errors(api: Api, example: dict[str, Any]) -> None:
    result = closed_loop(predict_sender(api.url, example), clients=CLIENTS, total=REQUESTS)
    summary = result.as_dict()
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nload through API Gateway: {json.dumps(summary['latency_ms'])}, {summary['throughput_rps']} req/s")
    assert summary["requests"] == REQUESTS, summary
    assert result.errors == 0, summary
    assert set(result.statuses) == {200}, summary
    latency = summary["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"], latency
