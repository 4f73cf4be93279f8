"""The deployed function, after real predictions, has mapped only its own files, the runtime and Lambda OS libraries."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests
from lambda_local_executor import lambda_view

pytestmark = [pytest.mark.localstack, pytest.mark.stack]


def function_processes(function_name: str) -> list[int]:
    """PIDs of the runtime processes (awslambdaric) running this function in the local executor's sandbox."""
    wanted = f"AWS_LAMBDA_FUNCTION_NAME={function_name}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        argv = cmdline.split(b"\0")
        if argv[0].rsplit(b"/", 1)[-1].startswith(b"python") and b"awslambdaric" in argv and wanted in environ:
            found.append(int(entry))
    return found


def mapped_objects(pid: int) -> list[str]:
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return sorted({line.split()[-1] for line in lines if ".so" in line.rsplit("/", 1)[-1]})


def test_a_serving_function_maps_nothing_beyond_the_lambda_os(stack: Any) -> None:
    example = {"gre": 800, "gpa": 4, "rank": "1"}
    response = requests.post(f"{stack.api_url.rstrip('/')}/predict", json=example, timeout=60)
    assert response.status_code == 200, response.text
    pids = function_processes(stack.function_name)
    assert pids, f"no runtime process of {stack.function_name} found"
    for pid in pids:
        mapped = mapped_objects(pid)
        assert "/var/task/R/lib/libR.so" in mapped, mapped
        assert lambda_view.foreign_objects(mapped) == []
        assert not [p for p in mapped if p.startswith(("/usr/lib/R", "/usr/lib/x86_64-linux-gnu/libR"))]
