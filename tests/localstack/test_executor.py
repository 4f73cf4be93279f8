"""Zip functions deployed to LocalStack run like on AWS Lambda (python3.12): result, environment, errors."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rpy2
from lambda_deploy import make_zip, port, wait_settled

pytestmark = pytest.mark.localstack

# Module state survives between requests of one environment; a new environment has a new token.
TOKEN = "import uuid\nTOKEN = uuid.uuid4().hex\n"

LAMBDA_LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)

INSPECT = """
import ctypes, errno, importlib.util, os, sys

def readable(path):
    try:
        if os.path.isdir(path):
            return len(os.listdir(path)) > 0
        with open(path, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False

def loadable(name):
    try:
        ctypes.CDLL(name)
        return True
    except OSError:
        return False

def lambda_handler(event, context):
    try:
        open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "written"), "w")
        task_root_write = "allowed"
    except OSError as e:
        task_root_write = errno.errorcode[e.errno]
    with open("/tmp/written", "w") as f:
        f.write("ok")
    return {
        "env": dict(os.environ),
        "python": list(sys.version_info[:2]),
        "cwd": os.getcwd(),
        "task_root_write": task_root_write,
        "tmp_write": open("/tmp/written").read(),
        "readable": {p: readable(p) for p in event.get("paths", [])},
        "loadable": {n: loadable(n) for n in event.get("libraries", [])},
        "importable": {m: importlib.util.find_spec(m) is not None for m in event.get("modules", [])},
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
    }
"""


def test_result(deploy, invoke):
    name = deploy("def lambda_handler(event, context):\n    return {'sum': event['a'] + event['b']}\n")
    result = invoke(name, {"a": 2, "b": 3})
    assert result.error is None, result.payload
    assert result.payload == {"sum": 5}
    assert "START RequestId:" in result.logs
    assert "REPORT RequestId:" in result.logs


def test_environment_is_lambdas(deploy, invoke):
    name = deploy(INSPECT, MemorySize=256, Timeout=7, Environment={"Variables": {"MY_SETTING": "42"}})
    result = invoke(name)
    assert result.error is None, result.payload
    env = result.payload["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "handler.lambda_handler"
    assert env["LAMBDA_TASK_ROOT"] == "/var/task"
    assert env["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["TZ"] == ":UTC"
    assert env["LD_LIBRARY_PATH"] == LAMBDA_LD_LIBRARY_PATH
    assert env["PATH"].startswith("/var/lang/bin:")
    assert env["MY_SETTING"] == "42"
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{port()}"
    assert not any(k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "LOCALSTACK_RUNTIME")) for k in env)
    assert result.payload["python"] == [3, 12]
    assert result.payload["cwd"] == "/var/task"
    assert result.payload["task_root_write"] in ("EROFS", "EACCES")
    assert result.payload["tmp_write"] == "ok"
    assert 0 < result.payload["remaining_ms"] <= 7000


def test_sdk_calls_reach_localstack(deploy, invoke, aws):
    bucket = f"t-{time.time_ns()}"
    aws.client("s3").create_bucket(Bucket=bucket)
    try:
        name = deploy(
            "import boto3\n"
            "def lambda_handler(event, context):\n"
            "    return [b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']]\n"
        )
        result = invoke(name)
        assert result.error is None, result.payload
        assert bucket in result.payload
    finally:
        aws.client("s3").delete_bucket(Bucket=bucket)


def test_host_r_and_project_packages_are_invisible(deploy, invoke):
    rpy2_dir = str(Path(rpy2.__file__).parent)
    pytest_dir = str(Path(pytest.__file__).parent)
    name = deploy(INSPECT)
    result = invoke(
        name,
        {
            "paths": [
                "/usr/lib/R",
                "/usr/lib/R/lib/libR.so",
                "/usr/share/R",
                "/etc/R",
                "/usr/bin/which",
                rpy2_dir,
                pytest_dir,
            ],
            "libraries": [
                "libR.so",
                "libblas.so.3",
                "liblapack.so.3",
                "libgfortran.so.5",
                "libreadline.so.8",
                "libicuuc.so.72",
                "libc.so.6",
                "libstdc++.so.6",
                "libz.so.1",
            ],
            "modules": ["rpy2", "pytest", "boto3", "awslambdaric"],
        },
    )
    assert result.error is None, result.payload
    assert not any(result.payload["readable"].values()), result.payload["readable"]
    loadable = result.payload["loadable"]
    # What Amazon Linux 2023 provides loads; R's libraries do not.
    assert loadable == {
        "libR.so": False,
        "libblas.so.3": False,
        "liblapack.so.3": False,
        "libgfortran.so.5": False,
        "libreadline.so.8": False,
        "libicuuc.so.72": False,
        "libc.so.6": True,
        "libstdc++.so.6": True,
        "libz.so.1": True,
    }
    assert result.payload["importable"] == {"rpy2": False, "pytest": False, "boto3": True, "awslambdaric": True}


def test_handler_exception(deploy, invoke):
    name = deploy("def lambda_handler(event, context):\n    raise ValueError('bad input: ' + event['x'])\n")
    result = invoke(name, {"x": "7"})
    assert result.error == "Unhandled"
    assert result.payload["errorType"] == "ValueError"
    assert result.payload["errorMessage"] == "bad input: 7"
    assert any("raise ValueError" in line for line in result.payload["stackTrace"])


def test_payload_over_six_mb_is_refused_before_the_function_runs(deploy, invoke):
    name = deploy("def lambda_handler(event, context):\n    return len(event['x'])\n")
    assert invoke(name, {"x": "a" * (6 * 1024 * 1024 - 100)}).payload == 6 * 1024 * 1024 - 100
    result = invoke(name, {"x": "a" * (6 * 1024 * 1024)})
    assert result.error is not None
    assert result.payload["errorType"] == "RequestEntityTooLarge"


def test_timeout_then_fresh_environment(deploy, invoke):
    name = deploy(
        TOKEN + "import time\ndef lambda_handler(event, context):\n    time.sleep(event['sleep'])\n    return TOKEN\n",
        Timeout=1,
    )
    first = invoke(name, {"sleep": 0})
    started = time.monotonic()
    timed_out = invoke(name, {"sleep": 5})
    elapsed = time.monotonic() - started
    assert timed_out.error == "Unhandled"
    assert "Task timed out after 1.00 seconds" in timed_out.payload["errorMessage"]
    assert elapsed < 4
    # Lambda discards the runtime after a timeout: the next request runs a new init.
    after = invoke(name, {"sleep": 0})
    assert after.error is None
    assert after.payload != first.payload


def test_init_error(deploy, invoke):
    name = deploy("import not_in_the_zip\ndef lambda_handler(event, context):\n    return 1\n")
    result = invoke(name)
    assert result.error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'not_in_the_zip'" in result.payload["errorMessage"]


def test_code_update(deploy, invoke, lambda_client):
    name = deploy("def lambda_handler(event, context):\n    return 'one'\n")
    assert invoke(name).payload == "one"
    lambda_client.update_function_code(
        FunctionName=name, ZipFile=make_zip({"handler.py": "def lambda_handler(event, context):\n    return 'two'\n"})
    )
    wait_settled(lambda_client, name)
    assert invoke(name).payload == "two"


def test_parallel_invokes_get_separate_environments(deploy, invoke):
    name = deploy(
        TOKEN + "import os, time\n"
        "def lambda_handler(event, context):\n"
        "    mine = '/tmp/' + TOKEN\n"
        "    open(mine, 'w').close()\n"
        "    time.sleep(1.5)\n"
        "    return {'token': TOKEN, 'tmp': sorted(os.listdir('/tmp'))}\n"
    )
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: invoke(name), range(4)))
    elapsed = time.monotonic() - started
    assert all(r.error is None for r in results), [r.payload for r in results]
    tokens = {r.payload["token"] for r in results}
    assert len(tokens) == 4
    # Each environment has its own /tmp: it holds only its own file.
    assert all(r.payload["tmp"] == [r.payload["token"]] for r in results)
    assert elapsed < 4 * 1.5


def test_memory_size_is_enforced(deploy, invoke):
    if not Path("/sys/fs/cgroup/memory").is_dir() and not Path("/sys/fs/cgroup/cgroup.controllers").exists():
        pytest.skip("no memory cgroup on this machine")
    name = deploy("def lambda_handler(event, context):\n    return len(bytearray(event['mb'] << 20))\n", MemorySize=128)
    assert invoke(name, {"mb": 32}).payload == 32 << 20
    result = invoke(name, {"mb": 400})
    assert result.error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.OutOfMemory"


def test_other_runtimes_are_refused(deploy, invoke):
    name = deploy("def lambda_handler(event, context):\n    return 1\n", Runtime="python3.11")
    result = invoke(name)
    assert result.error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.InvalidRuntime"
    assert "use python3.12" in result.payload["errorMessage"]
