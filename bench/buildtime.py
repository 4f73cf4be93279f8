"""Package build time: a forced full build into a temporary zip, then the same command again (cache hit)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _build(out: Path, *extra: str) -> float:
    command = [sys.executable, "-m", "lambda_zip", "build", "--out", str(out), *extra]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-1500:]}")
    return elapsed


def measure() -> dict[str, Any]:
    """`fresh`: every input rebuilt (--force; downloaded wheels stay cached), with the sandbox smoke test as
    `make package` runs it. `cached`: the same inputs again, answered from the content-hash cache."""
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        out = Path(tmp) / "lambda.zip"
        fresh = _build(out, "--force")
        cached = _build(out)
    return {"fresh": round(fresh, 2), "cached": round(cached, 2), "command": "python -m lambda_zip build"}
