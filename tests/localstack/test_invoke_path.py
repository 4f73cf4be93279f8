"""What keeps a warm invoke fast, checked at its cause (no timings): the Runtime API answers in one write with
TCP_NODELAY, and collecting a request's logs reads the pipe instead of sleeping."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXECUTOR = ROOT / "localstack" / "executor"
LOCALSTACK_PYTHON = ROOT / "build" / "venv" / "localstack" / "bin" / "python"
sys.path.insert(0, str(EXECUTOR))

from lambda_local_executor import runtime_api  # noqa: E402  (stdlib only; the executor itself needs LocalStack)


class CountingWriter:
    """Stands in for a handler's wfile and counts the writes of one reply."""

    def __init__(self, wrapped: Any, writes: list[int]) -> None:
        self.wrapped = wrapped
        self.writes = writes

    def write(self, data: bytes) -> int:
        self.writes.append(len(data))
        return int(self.wrapped.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[runtime_api.RuntimeApi, dict[str, Any]]]:
    seen: dict[str, Any] = {"nodelay": [], "writes": []}
    setup = runtime_api._Handler.setup

    def recording_setup(self: Any) -> None:
        setup(self)
        seen["nodelay"].append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        self.wfile = CountingWriter(self.wfile, seen["writes"])

    monkeypatch.setattr(runtime_api._Handler, "setup", recording_setup)
    state = runtime_api.RuntimeApi()
    seen["port"] = state.start()
    yield state, seen
    state.close()


def test_runtime_api_answers_in_one_write_with_nodelay(api):
    state, seen = api
    payload = json.dumps({"gre": 800}).encode()
    state.send(runtime_api.Event("req-1", payload, deadline_ms=1, function_arn="arn:fn", trace_id="t"))
    connection = http.client.HTTPConnection("127.0.0.1", seen["port"], timeout=10)
    connection.request("GET", f"{runtime_api.PREFIX}/invocation/next")
    event = connection.getresponse()
    assert (event.status, event.read(), event.getheader("Lambda-Runtime-Aws-Request-Id")) == (200, payload, "req-1")
    connection.request("POST", f"{runtime_api.PREFIX}/invocation/req-1/response", body=b'{"ok": 1}')
    accepted = connection.getresponse()
    assert (accepted.status, json.loads(accepted.read())) == (202, {"status": "OK"})
    assert state.outcomes["req-1"].payload == b'{"ok": 1}'
    connection.close()
    # One keep-alive connection, Nagle off; each reply (status line, headers, body) went out in a single write.
    assert seen["nodelay"] == [1]
    assert len(seen["writes"]) == 2
    assert seen["writes"][0] > len(payload)


# Runs in LocalStack's venv (the executor imports LocalStack). A child writes output, then the test collects it
# with the reader thread held back and time.sleep forbidden: the output must be complete without any wait.
COLLECT_WITHOUT_SLEEP = """
import json, sys, threading, time
from lambda_local_executor import executor

def forbidden(seconds):
    raise AssertionError(f"log collection slept {seconds} s")

executor.RuntimeProcess._read = lambda self: None  # the reader thread never gets to the pipe
marker = sys.argv[1]
child = "print('before the result', flush=True); open(%r, 'w').close(); import time; time.sleep(60)"
process = executor.RuntimeProcess([sys.executable, "-c", child % marker])
import os
for _ in range(2000):
    if os.path.exists(marker):
        break
    time.sleep(0.005)
time.sleep = forbidden
try:
    text, offset = process.text_since(0)
finally:
    process.kill()
print(json.dumps({"text": text, "offset": offset}))
"""


def test_log_collection_reads_what_was_written_without_sleeping(tmp_path):
    if not LOCALSTACK_PYTHON.exists():
        pytest.fail("LocalStack's venv is missing: run `make setup`", pytrace=False)
    marker = tmp_path / "written"
    done = subprocess.run(
        [str(LOCALSTACK_PYTHON), "-c", COLLECT_WITHOUT_SLEEP, str(marker)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=EXECUTOR,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    collected = json.loads(done.stdout.splitlines()[-1])
    assert collected == {"text": "before the result\n", "offset": len("before the result\n")}
