"""The stack the benchmark measures through API Gateway: `make up`'s (build/stack.json) or one of its own."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from bench.load import LoadResult, Send, closed_loop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import stack as stack_cli  # noqa: E402  (scripts/ is not a package)


def _healthy(api_url: str) -> bool:
    try:
        return requests.get(f"{api_url}/health", timeout=30).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def live_stack(model_name: str, stack_json: Path = stack_cli.STACK_JSON) -> Iterator[dict[str, Any]]:
    """Use the stack of `make up` when it is up and serves model_name; otherwise apply one and destroy it after."""
    if stack_json.exists():
        outputs = json.loads(stack_json.read_text())
        if outputs.get("model_name") == model_name and _healthy(outputs["api_url"]):
            yield {**outputs, "applied_by_bench": False}
            return
    spec = stack_cli.StackSpec(name=f"bench{uuid.uuid4().hex[:6]}", model_name=model_name)
    try:
        outputs = stack_cli.apply(spec)
        stack_cli.wait_for_health(outputs["api_url"])
        yield {**outputs, "applied_by_bench": True, "endpoint": stack_cli.localstack_endpoint()}
    finally:
        stack_cli.destroy(spec)


def predict_sender(api_url: str, record: dict[str, Any], timeout_s: float = 60) -> Callable[[], Send]:
    """A sender factory for closed_loop: each client has its own keep-alive session."""

    def make() -> Send:
        session = requests.Session()

        def send() -> int:
            return session.post(f"{api_url}/predict", json=record, timeout=timeout_s).status_code

        return send

    return make


def gateway_load(api_url: str, record: dict[str, Any], clients: int, total: int) -> LoadResult:
    return closed_loop(predict_sender(api_url, record), clients=clients, total=total)


def lambda_client(outputs: dict[str, Any], service: str = "lambda") -> Any:
    """A client of the stack's LocalStack (`service`: lambda by default)."""
    import boto3

    endpoint = outputs.get("endpoint") or stack_cli.localstack_endpoint()
    return boto3.client(  # type: ignore[call-overload]
        service, endpoint_url=endpoint, region_name=outputs.get("region", "us-east-1"),
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip


def function_memory_mb(outputs: dict[str, Any]) -> int | None:
    """The deployed function's configured memory, read back from the Lambda API."""
    try:
        size = lambda_client(outputs).get_function_configuration(FunctionName=outputs["function_name"])["MemorySize"]
    except Exception:  # the cost line falls back to the sandbox's memory; say so rather than fail the run
        return None
    return int(size)
