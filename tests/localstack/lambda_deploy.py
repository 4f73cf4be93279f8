"""Deploying small zip functions to the running LocalStack (LOCALSTACK_PORT, default 4566)."""

from __future__ import annotations

import io
import os
import time
import zipfile
from dataclasses import dataclass
from typing import Any

ROLE = "arn:aws:iam::000000000000:role/lambda-test"


@dataclass
class Result:
    payload: Any
    error: str | None
    logs: str


def port() -> int:
    return int(os.environ.get("LOCALSTACK_PORT", "4566"))


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def wait_settled(client: Any, name: str) -> dict[str, Any]:
    """The function's configuration once it left Pending / InProgress."""
    for _ in range(300):
        config: dict[str, Any] = client.get_function_configuration(FunctionName=name)
        if config["State"] != "Pending" and config.get("LastUpdateStatus") != "InProgress":
            return config
        time.sleep(0.1)
    raise AssertionError(f"{name} still pending after 30 s")
