"""GET /monitoring and /models/{name}/monitoring: the latest report of a model from the monitoring bucket."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import monitoring_route
import pytest
from s3_objects import S3Error

Call = Callable[..., tuple[int, dict[str, str], Any]]


@pytest.fixture
def call(admission: ModuleType, call: Call) -> Call:  # the admission model serves as the default
    return call


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """An in-memory monitoring bucket behind S3Reader.get."""
    objects: dict[str, bytes] = {}

    def get(self: Any, key: str) -> tuple[bytes, dict[str, str]]:
        if key not in objects:
            raise S3Error(404, "NoSuchKey", key)
        return objects[key], {}

    monkeypatch.setenv("MONITORING_BUCKET", "mon")
    monkeypatch.setattr(monitoring_route.S3Reader, "get", get)
    return objects


def test_the_latest_report_of_the_default_model_and_of_a_named_one(call: Call, bucket: dict[str, bytes]) -> None:
    bucket["monitoring/admission/latest.json"] = json.dumps({"model": "admission", "reports": [1]}).encode()
    bucket["monitoring/boston/latest.json"] = json.dumps({"model": "boston", "reports": []}).encode()
    assert call("GET", "/monitoring")[2] == {"model": "admission", "reports": [1]}
    status, _, body = call("GET", "/models/boston/monitoring", resource="/models/{name}/monitoring")
    assert (status, body["model"]) == (200, "boston")


def test_no_report_yet_says_to_run_the_monitor(call: Call, bucket: dict[str, bytes]) -> None:
    status, _, body = call("GET", "/models/boston/monitoring", resource="/models/{name}/monitoring")
    assert status == 404
    assert body["error"]["code"] == "no_report"
    assert "make monitor" in body["error"]["message"]


def test_without_a_monitoring_bucket_the_route_says_so(call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITORING_BUCKET", raising=False)
    status, _, body = call("GET", "/monitoring")
    assert (status, body["error"]["code"]) == (404, "monitoring_off")


def test_only_get(call: Call, bucket: dict[str, bytes]) -> None:
    assert call("POST", "/monitoring", {})[0] == 405
