"""The AWS projection of batch scoring: arithmetic on measured durations and the one price table."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import cost  # noqa: E402


def test_projection_counts_waves_requests_and_transitions() -> None:
    p = cost.batch_projection(
        rows=10_000_000,
        rows_per_chunk=5000,
        concurrency=100,
        chunk_seconds=0.2,
        split_seconds_per_row=4e-6,
        assemble_seconds_per_row=3e-6,
        memory_mb=2048,
        output_bytes_per_row=50,
    )
    assert p["chunks"] == 2000
    assert p["chunks_s"] == pytest.approx(20 * 0.2)  # 2,000 chunks in 20 waves of 100
    assert p["seconds"] == pytest.approx(40 + 4 + 30)
    assert p["state_transitions"] == 6 + 2 * 2000
    assert p["step_functions_usd"] == pytest.approx(4006 / 1000 * 0.025, abs=1e-4)
    output_parts = -(-10_000_000 * 50 // (8 << 20))  # 500 MB in 8 MiB parts
    assert p["s3_puts"] == 2 * 2000 + output_parts + 3
    gb_seconds = (40 + 30 + 2000 * 0.2) * 2
    assert p["lambda_usd"] == pytest.approx(gb_seconds * 0.0000166667 + 2003 / 1e6 * 0.20, abs=1e-4)
    assert p["usd"] == pytest.approx(p["lambda_usd"] + p["step_functions_usd"] + p["s3_usd"], abs=2e-4)
    assert p["prices"] is cost.PRICES


def test_more_concurrency_shortens_only_the_chunk_phase() -> None:
    args = {
        "rows": 10_000_000,
        "rows_per_chunk": 5000,
        "chunk_seconds": 0.2,
        "split_seconds_per_row": 4e-6,
        "assemble_seconds_per_row": 3e-6,
        "memory_mb": 2048,
        "output_bytes_per_row": 50,
    }
    slow, fast = cost.batch_projection(concurrency=100, **args), cost.batch_projection(concurrency=1000, **args)
    assert fast["chunks_s"] == pytest.approx(slow["chunks_s"] / 10)
    assert (fast["split_s"], fast["assemble_s"], fast["usd"]) == (slow["split_s"], slow["assemble_s"], slow["usd"])
