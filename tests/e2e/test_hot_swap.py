"""A new model object in the bucket is served without `terraform apply` or a code change."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import stack as stack_cli  # scripts/, put on sys.path by tests/conftest.py

pytestmark = [pytest.mark.localstack, pytest.mark.stack]

MODELS = Path(__file__).resolve().parents[2] / "build" / "models"


def upload(stack: Any, model_dir: Path) -> None:
    stack_cli.publish_model(model_dir, stack.model_uri, stack.client("s3"))


def wait_for_version(stack: Any, version: str, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    seen = None
    while time.monotonic() < deadline:
        seen = requests.get(f"{stack.api_url}/metadata", timeout=30).json()
        if seen.get("version") == version:
            return dict(seen)
        time.sleep(0.5)
    raise AssertionError(f"still serving {seen and seen.get('version')} after {timeout_s} s, wanted {version}")


def test_new_model_object_is_served_without_apply(stack: Any, admission_variant: Path) -> None:
    variant = json.loads((admission_variant / "model.json").read_text())
    admission = json.loads((MODELS / "admission" / "model.json").read_text())
    try:
        upload(stack, admission_variant)  # a retrained admission model, published under the same name
        served = wait_for_version(stack, variant["version"])
        assert served["name"] == "admission"
        record = {field["name"]: field["example"] for field in variant["inputs"]}
        response = requests.post(f"{stack.api_url}/predict", json=record, timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["model"] == {"name": "admission", "version": variant["version"]}
    finally:
        upload(stack, MODELS / "admission")
        wait_for_version(stack, admission["version"])
