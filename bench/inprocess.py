"""The handler imported into this process on host R: the same request without gateway or sandbox."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.events import proxy_event
from bench.load import LoadResult, Send, closed_loop

ROOT = Path(__file__).resolve().parents[1]


def import_handler(model_uri: str) -> ModuleType:
    os.environ["MODEL_URI"] = model_uri
    sys.path.insert(0, str(ROOT / "lambda"))
    return importlib.import_module("handler")


def handler_load(handler: ModuleType, record: dict[str, Any], total: int) -> LoadResult:
    """One client: an execution environment answers one request at a time, and R is single-threaded."""
    event = proxy_event("POST", "/predict", record)

    def make() -> Send:
        def send() -> int:
            return int(handler.lambda_handler(event, None)["statusCode"])

        return send

    return closed_loop(make, clients=1, total=total)
