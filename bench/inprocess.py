"""The handler imported into this process on host R: the same request without gateway or sandbox."""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.events import proxy_event
from bench.load import LoadResult, Send, closed_loop
from bench.stats import summary

ROOT = Path(__file__).resolve().parents[1]


def import_handler(model_uri: str) -> ModuleType:
    os.environ["MODEL_URI"] = model_uri
    sys.path.insert(0, str(ROOT / "lambda"))
    return importlib.import_module("handler")


def handler_load(handler: ModuleType, record: dict[str, Any], total: int, path: str = "/predict") -> LoadResult:
    """One client: an execution environment answers one request at a time, and R is single-threaded."""
    event = proxy_event("POST", path, record)

    def make() -> Send:
        def send() -> int:
            return int(handler.lambda_handler(event, None)["statusCode"])

        return send

    return closed_loop(make, clients=1, total=total)


def rss_mb() -> float:
    """This process's resident memory (Linux /proc), MB."""
    return round(int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def many_models(
    handler: ModuleType, models_dir: Path, default: str, record: dict[str, Any], total: int
) -> dict[str, Any]:
    """The default route against /models/<default>/predict, then every other model's first use and the memory."""
    events = {path: proxy_event("POST", path, record) for path in ("/predict", f"/models/{default}/predict")}
    latencies: dict[str, list[float]] = {path: [] for path in events}
    for _ in range(total):  # interleaved, so that a busy moment of the machine falls on both routes alike
        for path, event in events.items():
            started = time.perf_counter()
            handler.lambda_handler(event, None)
            latencies[path].append((time.perf_counter() - started) * 1000)
    default_route, named_route = (summary(values) for values in latencies.values())
    first_use_ms = {}
    for meta_path in sorted(models_dir.glob("*/model.json")):
        name = meta_path.parent.name
        if name == default:
            continue
        example = {spec["name"]: spec["example"] for spec in json.loads(meta_path.read_text())["inputs"]}
        started = time.perf_counter()
        status = handler.lambda_handler(proxy_event("POST", f"/models/{name}/predict", example), None)["statusCode"]
        first_use_ms[name] = round((time.perf_counter() - started) * 1000, 1) if status == 200 else None
    return {
        "default_route_ms": default_route,
        "named_route_ms": named_route,
        "routing_overhead_p50_ms": round(named_route["p50"] - default_route["p50"], 4),
        "first_use_ms": first_use_ms,
        "rss_all_loaded_mb": rss_mb(),
        "models_in_r_mb": round(handler.STORE.loaded_bytes() / 2**20, 2),
    }
