"""ctl.py on its own LocalStack instance: up, second up, and no function process left after down or a crash."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from lambda_deploy import ROLE, make_zip, wait_settled
from localstack_client.session import Session

pytestmark = [pytest.mark.localstack, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CTL = ROOT / "localstack" / "ctl.py"


def load_ctl() -> ModuleType:
    spec = importlib.util.spec_from_file_location("localstack_ctl", CTL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ctl(command: str, port: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCALSTACK_PORT": str(port)}
    return subprocess.run([sys.executable, str(CTL), command], env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture
def own_localstack() -> Iterator[int]:
    port = free_port()
    started = ctl("up", port)
    assert started.returncode == 0, started.stderr
    yield port
    ctl("down", port)


def start_sleeping_function(port: int) -> None:
    """A function busy for a minute, invoked in the background."""
    client: Any = Session(localstack_host=f"127.0.0.1:{port}").client("lambda")
    name = "sleeper"
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="handler.lambda_handler",
        Timeout=60,
        Code={"ZipFile": make_zip({"handler.py": "import time\ndef lambda_handler(e, c):\n    time.sleep(60)\n"})},
    )
    wait_settled(client, name)
    threading.Thread(target=lambda: _quietly(client.invoke, FunctionName=name), daemon=True).start()


def _quietly(call: Any, **kwargs: Any) -> None:
    # The server goes away under this call on purpose.
    with contextlib.suppress(Exception):
        call(**kwargs)


def wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_up_is_idempotent_and_down_leaves_nothing(own_localstack):
    port, control = own_localstack, load_ctl()
    again = ctl("up", port)
    assert again.returncode == 0
    assert "already running" in again.stdout
    start_sleeping_function(port)
    assert wait_for(lambda: len(control.function_processes(port)) >= 2, 30), "the function never started"
    stopped = ctl("down", port)
    assert stopped.returncode == 0, stopped.stderr
    assert control.function_processes(port) == []
    assert control.running_pid(port) is None
    assert ctl("down", port).returncode == 0


def test_no_function_outlives_a_killed_localstack(own_localstack):
    port, control = own_localstack, load_ctl()
    start_sleeping_function(port)
    assert wait_for(lambda: len(control.function_processes(port)) >= 2, 30), "the function never started"
    pid = control.running_pid(port)
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: control.function_processes(port) == [], 5), control.function_processes(port)


def test_port_taken_by_another_process_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        result = ctl("up", s.getsockname()[1])
    assert result.returncode == 1
    assert "is taken by another process" in result.stderr
