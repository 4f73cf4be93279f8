"""A burst of clients at a function with no warm environment: every request answered, as on Lambda.

Each client needs an environment of its own; they start as this host's cores allow (Lambda gives each its own CPU),
so none hits the init limit while it waits. The last of 64 waits for 63 inits on this host's cores: the clients'
timeout allows for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from api_contract import Api

from bench.live import predict_sender
from bench.load import closed_loop

pytestmark = [pytest.mark.reliability, pytest.mark.stack, pytest.mark.localstack, pytest.mark.slow]


def set_variables(stack: Any, variables: dict[str, str]) -> None:
    """A configuration change: Lambda (and LocalStack) retire the warm environments and start new ones."""
    client = stack.client("lambda")
    client.update_function_configuration(FunctionName=stack.function_name, Environment={"Variables": variables})
    client.get_waiter("function_updated_v2").wait(FunctionName=stack.function_name)


@pytest.fixture
def cold_function(stack: Any) -> Iterator[None]:
    """No warm environment before the burst; afterwards the original configuration, which retires the burst's."""
    config = stack.client("lambda").get_function_configuration(FunctionName=stack.function_name)
    original = config["Environment"]["Variables"]
    set_variables(stack, {**original, "BURST_ROUND": uuid.uuid4().hex[:8]})
    yield
    set_variables(stack, original)


@pytest.mark.parametrize("clients", [32, 64])
@pytest.mark.usefixtures("cold_function")
def test_a_burst_at_a_cold_function_gets_no_error(api: Api, example: dict[str, Any], clients: int) -> None:
    result = closed_loop(predict_sender(api.url, example, timeout_s=300), clients=clients, total=clients * 2)
    summary = result.as_dict()
    assert result.failures == [], summary["failures"]
    assert summary["requests"] == clients * 2, summary
    assert result.errors == 0, summary
    assert set(result.statuses) == {200}, summary
