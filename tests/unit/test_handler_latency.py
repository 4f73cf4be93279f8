"""In-process latency of the handler on host R, with bounds loose enough for a busy machine yet far below
the one-Rscript-per-request style (100-150 ms). Numbers are printed; bench/ measures the deployed zip."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, example, rest_event

pytestmark = pytest.mark.slow

_COLD_START = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, "lambda")
import handler
imported = time.perf_counter()
body = handler.lambda_handler({"gre": "800", "gpa": "4", "rank": "1"}, None)
assert "predictions" in body, body
print(imported - started, time.perf_counter() - imported)
"""


def test_process_start_to_first_prediction(built_models: Path) -> None:
    env = {**os.environ, "MODEL_URI": str(built_models / "admission")}
    for name in ("R_HOME", "R_DEFAULT_PACKAGES"):
        env.pop(name, None)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _COLD_START], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    total = time.perf_counter() - started
    import_s, first_prediction_s = map(float, result.stdout.split()[-2:])
    print(
        f"\ncold: process start to first prediction {total:.3f} s (import + model load {import_s:.3f} s,"
        f" first prediction {first_prediction_s * 1000:.2f} ms)"
    )
    assert first_prediction_s < 0.05  # R and the model are ready at import: the first request only predicts
    assert total < 2.0


@pytest.mark.parametrize("name", ["admission", "boston"])
def test_warm_single_row_and_1000_row_batch(serve: Callable[..., ModuleType], built_models: Path, name: str) -> None:
    handler = serve(built_models / name)
    record = example(built_models / name)
    single = rest_event("POST", "/predict", record)
    batch = rest_event("POST", "/predict", {"instances": [record] * 1000})
    sink = open(os.devnull, "w")  # noqa: SIM115  (log lines would dominate the measurement in pytest's capture)
    real_stdout, sys.stdout = sys.stdout, sink
    try:
        singles = []
        for _ in range(500):
            started = time.perf_counter()
            response = handler.lambda_handler(single, None)
            singles.append(time.perf_counter() - started)
        batches = []
        for _ in range(20):
            started = time.perf_counter()
            batch_response = handler.lambda_handler(batch, None)
            batches.append(time.perf_counter() - started)
    finally:
        sys.stdout = real_stdout
        sink.close()
    assert response["statusCode"] == 200
    assert len(json.loads(batch_response["body"])["predictions"]) == 1000
    p50_ms, batch_ms = statistics.median(singles) * 1000, statistics.median(batches) * 1000
    print(f"\n{name}: warm single-row p50 {p50_ms:.2f} ms, 1,000-row batch p50 {batch_ms:.1f} ms")
    assert p50_ms < 5
    assert batch_ms < 200
