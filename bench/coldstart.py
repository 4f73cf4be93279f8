"""Cold start and warm latency of the built zip, run unzipped in the Lambda-like sandbox with host R hidden."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.events import proxy_event
from bench.sizes import unzip_to
from bench.stats import summary

ROOT = Path(__file__).resolve().parents[1]
SANDBOX = ROOT / "localstack" / "executor" / "lambda_local_executor" / "sandbox.py"
# Under build/, not /tmp: the sandbox gives the function a private /tmp of its own.
WORK = ROOT / "build" / "bench" / "work"
# The sandbox shows the function nothing of the host but its task root: the probe's files travel inside it.
TASK_ROOT = "/var/task"
EXTRA = "bench"


def example_record(model_dir: Path) -> dict[str, Any]:
    metadata = json.loads((model_dir / "model.json").read_text())
    return {field["name"]: field["example"] for field in metadata["inputs"]}


def prepare(zip_path: Path, model_dir: Path, batch_rows: int) -> Path:
    """Unzip the package as the task root; copy the model and the probe into it and write the two request events."""
    shutil.rmtree(WORK, ignore_errors=True)
    unzip_to(zip_path, WORK / "task")
    extra = WORK / "task" / EXTRA
    shutil.copytree(model_dir, extra / "model")
    shutil.copy2(Path(__file__).with_name("probe.py"), extra / "probe.py")
    record = example_record(model_dir)
    events = {
        "single": proxy_event("POST", "/predict", record),
        "batch": proxy_event("POST", "/predict", {"instances": [record] * batch_rows}),
    }
    (extra / "events.json").write_text(json.dumps(events))
    return WORK


def run_probe(work: Path, warm_single: int, warm_batch: int, memory_mb: int) -> dict[str, Any]:
    """One fresh sandboxed process; cold_start_s is the wall time from spawning it to its first answer."""
    command = [
        sys.executable, str(SANDBOX), "--task-root", str(work / "task"), "--handler", "handler.lambda_handler",
        "--function-name", "bench", "--memory-mb", str(memory_mb), "--timeout-s", "300",
        "--env", f"MODEL_URI={TASK_ROOT}/{EXTRA}/model/",
        "--", "python", f"{TASK_ROOT}/{EXTRA}/probe.py", f"{TASK_ROOT}/{EXTRA}/events.json",
        str(warm_single), str(warm_batch),
    ]  # fmt: skip
    spawned = time.time()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"the sandboxed probe failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["first_status"] != 200:
        raise RuntimeError(f"the first prediction in the sandbox answered {result['first_status']}: {result}")
    result["cold_start_s"] = result["first_answer_at"] - spawned
    result["import_s"] = result["imported_at"] - spawned
    return result


def capture_latency(on: list[float], off: list[float]) -> dict[str, Any]:
    """Warm single-row latency with capture on and off (interleaved in one run) and what capture adds at p50."""
    with_capture, without = summary(on), summary(off)
    return {"on": with_capture, "off": without, "added_p50": round(with_capture["p50"] - without["p50"], 4)}


def measure(
    zip_path: Path, model_dir: Path, cold_runs: int, warm_single: int, warm_batch: int, memory_mb: int
) -> dict[str, Any]:
    work = prepare(zip_path, model_dir, batch_rows=1000)
    colds = [run_probe(work, 0, 0, memory_mb) for _ in range(cold_runs)]
    warm = run_probe(work, warm_single, warm_batch, memory_mb)
    if warm["warm_errors"] or warm["batch_status"] != 200:
        raise RuntimeError(
            f"warm calls in the sandbox failed: {warm['warm_errors']} errors, batch {warm['batch_status']}"
        )
    cold = [c["cold_start_s"] for c in colds]
    return {
        "cold_start_s": {**summary(cold), "median": summary(cold)["p50"]},
        "cold_import_s": summary([c["import_s"] for c in colds]),
        "warm_single_ms": summary(warm["single_ms"]),
        "warm_batch1000_ms": summary(warm["batch_ms"]),
        "capture_latency_ms": capture_latency(warm["capture_on_ms"], warm["capture_off_ms"]),
        "capture_bytes": warm["capture_bytes"],
        "first_answer": warm["first_body"],
    }
