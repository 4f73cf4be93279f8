"""LocalStack restarted under a deployed stack: running `make up` again brings the whole stack back.

LocalStack keeps its resources in memory, so a restart loses them while Terraform's state still lists them.
This runs on a LocalStack of its own, so the session's stack is not disturbed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
import stack as stack_cli  # scripts/, put on sys.path by tests/conftest.py

pytestmark = [pytest.mark.localstack, pytest.mark.reliability, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ctl(command: str, port: int) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "localstack" / "ctl.py"), command],
        env={**os.environ, "LOCALSTACK_PORT": str(port)},
        check=True,
        timeout=300,
    )


def test_make_up_recovers_the_stack_after_a_localstack_restart(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    port = free_port()
    monkeypatch.setenv("LOCALSTACK_PORT", str(port))
    spec = stack_cli.StackSpec(name=f"r{uuid.uuid4().hex[:8]}", model_name="admission")
    stack_json = tmp_path / "stack.json"
    ctl("up", port)
    try:
        before = stack_cli.up(spec, stack_json)
        ctl("down", port)
        ctl("up", port)
        with pytest.raises(requests.RequestException):
            requests.get(f"{before['api_url']}/health", timeout=10).raise_for_status()

        after = stack_cli.up(spec, stack_json)

        answer = stack_cli.predict(after["api_url"], stack_cli.example_record("admission"))
        assert answer["model"]["name"] == "admission"
        assert Path(stack_json).read_text().count(after["api_url"]) == 1
    finally:
        # This LocalStack goes away with everything in it: only the state file is left to remove.
        ctl("down", port)
        stack_cli.destroy(spec)
        assert not Path(str(spec.state)).exists()
