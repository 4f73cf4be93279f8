"""What AWS Lambda refuses, the local Lambda refuses too: one small function per refusal, deployed to LocalStack."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from lambda_zip import lambda_os

pytestmark = [pytest.mark.localstack]

PROBE = """
import ctypes, errno, json, os, time

def lambda_handler(event, context):
    kind = event["probe"]
    if kind == "load":
        out = {}
        for name in event["libraries"]:
            try:
                ctypes.CDLL(name)
                out[name] = "loaded"
            except OSError:
                out[name] = "refused"
        return out
    if kind == "write":
        out = {}
        for path in event["paths"]:
            try:
                with open(path, "w") as f:
                    f.write("x")
                out[path] = "ok"
            except OSError as e:
                out[path] = errno.errorcode[e.errno]
        return out
    if kind == "queue":
        import multiprocessing
        try:
            multiprocessing.Queue()
            return "created"
        except OSError as e:
            return errno.errorcode[e.errno]
    if kind == "who":
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        return {"uid": os.getuid(), "gid": os.getgid(), "euid": os.geteuid(),
                "caps": status["CapEff"].strip(), "no_new_privs": status["NoNewPrivs"].strip()}
    if kind == "respond":
        return "x" * event["bytes"]
    if kind == "spin":
        started, n = time.process_time(), 0
        wall = time.perf_counter()
        while n < event["loops"]:
            n += 1
        return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - started}
    if kind == "fill_tmp":
        chunk = b"\\0" * (1 << 20)
        written = 0
        try:
            with open("/tmp/fill", "wb") as f:
                for _ in range(event["mb"]):
                    f.write(chunk)
                    f.flush()
                    written += 1
            return {"written_mb": written, "error": None}
        except OSError as e:
            return {"written_mb": written, "error": errno.errorcode[e.errno]}
        finally:
            if os.path.exists("/tmp/fill"):
                os.remove("/tmp/fill")
    raise ValueError(kind)
"""


def test_a_library_not_on_the_lambda_os_list_cannot_be_loaded(deploy, invoke):
    name = deploy(PROBE)
    refused = ["libX11.so.6", "libgomp.so.1", "libasound.so.2", "libnss3.so", "libgfortran.so.5", "libreadline.so.8"]
    listed = ["libc.so.6", "libstdc++.so.6", "libz.so.1", "libssl.so.3"]
    result = invoke(name, {"probe": "load", "libraries": refused + listed})
    assert result.error is None, result.payload
    assert result.payload == {**dict.fromkeys(refused, "refused"), **dict.fromkeys(listed, "loaded")}
    assert set(listed) <= set(lambda_os.LIBRARIES)


def test_only_tmp_is_writable(deploy, invoke):
    name = deploy(PROBE)
    paths = ["/var/task/new.txt", "/var/task/handler.py", "/etc/passwd", "/etc/new", "/var/lang/x", "/opt/x", "/tmp/ok"]
    result = invoke(name, {"probe": "write", "paths": paths})
    assert result.error is None, result.payload
    assert result.payload.pop("/tmp/ok") == "ok"
    assert set(result.payload.values()) <= {"EROFS", "EACCES"}, result.payload


def test_multiprocessing_queue_fails_as_on_lambda(deploy, invoke):
    """Lambda has no /dev/shm, so POSIX semaphores (and multiprocessing.Queue) cannot be created."""
    name = deploy(PROBE)
    result = invoke(name, {"probe": "queue"})
    assert result.error is None, result.payload
    assert result.payload in ("ENOENT", "ENOSYS", "EACCES", "EROFS")


def test_the_function_runs_unprivileged(deploy, invoke):
    name = deploy(PROBE)
    result = invoke(name, {"probe": "who"})
    assert result.error is None, result.payload
    assert result.payload == {
        "uid": lambda_os.UID,
        "gid": lambda_os.GID,
        "euid": lambda_os.UID,
        "caps": "0000000000000000",
        "no_new_privs": "1",
    }


def test_a_response_over_six_mb_gets_lambdas_error(deploy, invoke):
    name = deploy(PROBE, MemorySize=1024)
    small = invoke(name, {"probe": "respond", "bytes": 1000})
    assert small.error is None
    assert small.payload == "x" * 1000
    result = invoke(name, {"probe": "respond", "bytes": 7 * 1024 * 1024})
    assert result.error == "Unhandled"
    assert result.payload["errorType"] == "Function.ResponseSizeTooLarge"
    assert f"({lambda_os.MAX_RESPONSE_BYTES} bytes)" in result.payload["errorMessage"]


def test_tmp_holds_the_ephemeral_storage_and_no_more(deploy, invoke):
    name = deploy(PROBE, MemorySize=1024, Timeout=60)
    result = invoke(name, {"probe": "fill_tmp", "mb": 600})
    assert result.error is None, result.payload
    assert result.payload["error"] == "ENOSPC"
    assert lambda_os.DEFAULT_TMP_MB - 8 <= result.payload["written_mb"] <= lambda_os.DEFAULT_TMP_MB


def test_environment_variables_over_four_kb_are_refused(deploy):
    """LocalStack's control plane refuses them at CreateFunction, as Lambda does."""
    with pytest.raises(ClientError, match="exceeded the 4KB limit"):
        deploy(PROBE, Environment={"Variables": {"BIG": "x" * (lambda_os.MAX_ENVIRONMENT_BYTES + 1)}})


@pytest.mark.skipif(
    not Path("/sys/fs/cgroup/cpu").is_dir() and not Path("/sys/fs/cgroup/cgroup.controllers").exists(),
    reason="no cpu cgroup on this machine",
)
def test_cpu_share_follows_memory(deploy, invoke):
    """128 MB gets 128/1769 of a vCPU: the same loop takes many times longer than at 1,769 MB (a ratio, one run)."""
    small = deploy(PROBE, MemorySize=128, Timeout=120)
    full = deploy(PROBE, MemorySize=lambda_os.CPU_FULL_AT_MB, Timeout=120)
    event = {"probe": "spin", "loops": 10_000_000}
    invoke(small, event), invoke(full, event)  # init out of the way
    slow, fast = invoke(small, event), invoke(full, event)
    assert slow.error is None, slow.payload
    assert fast.error is None, fast.payload
    ratio = slow.payload["wall_s"] / fast.payload["wall_s"]
    assert ratio >= 5, f"128 MB ran only {ratio:.1f}x slower than {lambda_os.CPU_FULL_AT_MB} MB"
