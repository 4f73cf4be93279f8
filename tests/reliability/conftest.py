"""Fixtures of the reliability tests: an HTTP client of the live API and snapshots restored after each fault."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from api_contract import Api

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the load generator of bench/ serves the tests too


@pytest.fixture(scope="session")
def api(stack: Any) -> Iterator[Api]:
    with requests.Session() as session:
        yield Api(url=stack.api_url.rstrip("/"), session=session)


@pytest.fixture(scope="session")
def metadata(api: Api) -> dict[str, Any]:
    response = api.request("GET", "/metadata")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="session")
def example(metadata: dict[str, Any]) -> dict[str, Any]:
    return {field["name"]: field["example"] for field in metadata["inputs"]}


@pytest.fixture(scope="session")
def named_model(stack: Any, api: Api) -> tuple[str, dict[str, Any]]:
    """The boston model published next to the default one: its route prefix and example record."""
    import time

    from model_bucket import ModelBucket  # scripts/, put on sys.path by tests/conftest.py

    version = ModelBucket(stack.client("s3"), stack.model_uri).publish("boston", ROOT / "build" / "models" / "boston")
    deadline = time.monotonic() + 60
    while (meta := api.request("GET", "/models/boston/metadata").json()).get("version") != version:
        assert time.monotonic() < deadline, f"boston {version} not served within 60 s: {meta}"
        time.sleep(0.5)
    return "/models/boston", {field["name"]: field["example"] for field in meta["inputs"]}
