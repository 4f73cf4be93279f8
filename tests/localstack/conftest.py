"""Fixtures for tests that deploy functions to the running LocalStack (LOCALSTACK_PORT, default 4566)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from lambda_deploy import ROLE, Result, make_zip, port, wait_settled
from localstack_client.session import Session


@pytest.fixture(scope="session")
def localstack_url() -> str:
    url = f"http://127.0.0.1:{port()}"
    try:
        requests.get(f"{url}/_localstack/health", timeout=2).raise_for_status()
    except requests.RequestException:
        pytest.fail(
            f"LocalStack is not running on {url}: start it with `make localstack-up` "
            f"(or LOCALSTACK_PORT={port()} .venv/bin/python localstack/ctl.py up)",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def aws(localstack_url: str) -> Session:
    return Session(localstack_host=localstack_url.removeprefix("http://"), region_name="us-east-1")


@pytest.fixture(scope="session")
def lambda_client(aws: Session) -> Any:
    return aws.client("lambda")


@pytest.fixture
def deploy(lambda_client: Any) -> Iterator[Callable[..., str]]:
    """deploy(handler_source, **create_function_kwargs) -> a unique function name; deleted afterwards."""
    created: list[str] = []

    def _deploy(source: str, files: dict[str, str] | None = None, **kwargs: Any) -> str:
        name = f"t-{uuid.uuid4().hex[:12]}"
        params: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Role": ROLE,
            "Handler": "handler.lambda_handler",
            "Code": {"ZipFile": make_zip({"handler.py": source, **(files or {})})},
            "Timeout": 10,
            **kwargs,
        }
        lambda_client.create_function(**params)
        created.append(name)
        wait_settled(lambda_client, name)
        return name

    yield _deploy
    for name in created:
        lambda_client.delete_function(FunctionName=name)


@pytest.fixture
def invoke(lambda_client: Any) -> Callable[..., Result]:
    def _invoke(name: str, event: Any = None) -> Result:
        response = lambda_client.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail")
        return Result(
            payload=json.loads(response["Payload"].read() or b"null"),
            error=response.get("FunctionError"),
            logs=base64.b64decode(response.get("LogResult", "")).decode(errors="replace"),
        )

    return _invoke
