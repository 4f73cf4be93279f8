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
