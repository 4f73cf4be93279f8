"""LocalStack RuntimeExecutor: one sandboxed `python -m awslambdaric` process per execution environment.

LocalStack creates one executor per execution environment (so one per concurrent invocation), calls
`start` (cold start: the init phase), `invoke` per request, and `stop` when the environment is idle
for LAMBDA_KEEPALIVE_MS, when the code changes, or when the function is deleted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import select
import signal
import subprocess
import sys
import threading
import time

from localstack.aws.api.lambda_ import Architecture, PackageType
from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor

from lambda_local_executor import limits, preflight, sandbox
from lambda_local_executor.lambda_view import lambda_os
from lambda_local_executor.runtime_api import Event, RuntimeApi

LOG = logging.getLogger(__name__)

SUPPORTED_RUNTIME = lambda_os.RUNTIME
INIT_TIMEOUT_S = lambda_os.INIT_TIMEOUT_S
MAX_PAYLOAD_BYTES = lambda_os.MAX_REQUEST_BYTES
# Environments starting at once: the rest wait, unstarted, so each init gets the CPU share it would have on Lambda
# (where every environment has its own) and the init limit is not spent queueing for this host's cores.
STARTING = threading.BoundedSemaphore(os.cpu_count() or 1)
# LocalStack's internal variables that a function on AWS would not see.
INTERNAL_VARIABLES = (
    "LOCALSTACK_RUNTIME_ENDPOINT",
    "LOCALSTACK_RUNTIME_ID",
    "LOCALSTACK_FUNCTION_ACCOUNT_ID",
    "LOCALSTACK_USER",
    "LOCALSTACK_INIT_LOG_LEVEL",
    "LOCALSTACK_POST_INVOKE_WAIT_MS",
    "LOCALSTACK_MAX_PAYLOAD_SIZE",
)

# How Lambda words a runtime's death by signal.
SIGNAL_WORDS = {9: "killed", 6: "aborted", 11: "segmentation fault", 15: "terminated", 7: "bus error"}

# Every sandbox holds the read end; LocalStack holds the only write end. When LocalStack dies, even
# by SIGKILL, the pipe closes and each sandbox kills its function (PR_SET_PDEATHSIG would follow the
# short-lived LocalStack thread that started the process, not LocalStack itself).
_LIFELINE_READ, _LIFELINE_WRITE = os.pipe()


def _error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class RuntimeProcess:
    """A running sandbox and its output, collected by a reader thread."""

    def __init__(self, argv: list[str]) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(_LIFELINE_READ,),
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.output = bytearray()
        self.output_lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, name=f"lambda-output-{self.proc.pid}", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        poller = select.poll()
        poller.register(self.proc.stdout.fileno(), select.POLLIN)
        while True:
            poller.poll()  # without the lock: text_since may drain meanwhile
            with self.output_lock:
                if not self._drain():
                    return

    def _drain(self) -> bool:
        """Move what the pipe holds into output (lock held); False at end of output or once closed by kill()."""
        assert self.proc.stdout is not None
        while True:
            try:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
            except BlockingIOError:
                return True
            except (OSError, ValueError):
                return False
            if not chunk:
                return False
            self.output += chunk

    def text_since(self, offset: int) -> tuple[str, int]:
        # The runtime writes its output (unbuffered) before it posts the result, so the pipe already holds all
        # of it: drain it here rather than wait for the reader thread.
        with self.output_lock:
            self._drain()
            return self.output[offset:].decode(errors="replace"), len(self.output)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def peak_memory_mb(self) -> int | None:
        peak: int | None = limits.peak_memory_mb(self.proc.pid)
        return peak

    def kill(self) -> None:
        """Kill the sandbox's process group; the function dies with its supervisor (PID namespace)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.reader.join(timeout=1)
        if self.proc.stdout:
            self.proc.stdout.close()

    def exit_error(self, request_id: str) -> bytes:
        """The error Lambda reports when the runtime process dies during a request."""
        code = self.proc.wait()
        with self.output_lock:
            out_of_memory = b"Runtime.OutOfMemory" in self.output
        # The sandbox exits with 128+N when the function died of signal N (-N: the sandbox itself did).
        signum = -code if code < 0 else code - 128 if code > 128 else None
        detail = f"signal: {SIGNAL_WORDS.get(signum, str(signum))}" if signum else f"exit status {code}"
        kind = "Runtime.OutOfMemory" if out_of_memory else "Runtime.ExitError"
        return _error(kind, f"RequestId: {request_id} Error: Runtime exited with error: {detail}")


class LocalRuntimeExecutor(RuntimeExecutor):  # type: ignore[misc]
    """Runs a python3.12 zip function in the Lambda-like sandbox with the Runtime API on loopback."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.api = RuntimeApi()
        self.port = 0
        self.env_vars: dict[str, str] = {}
        self.process: RuntimeProcess | None = None
        self.logs_offset = 0
        self.init_duration_ms: float | None = None
        self.lock = threading.Lock()
        self.stopped = False

    # Lifecycle
    def start(self, env_vars: dict[str, str]) -> None:
        if reason := self.unsupported():
            raise StatusErrorException("Environment startup failed", payload=_error("Runtime.InvalidRuntime", reason))
        self.port = self.api.start()
        self.env_vars = {k: str(v) for k, v in env_vars.items() if k not in INTERNAL_VARIABLES}
        self.env_vars["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{self.port}"
        with self.lock, STARTING:
            error = self._init()
        if error is not None:
            raise StatusErrorException("Environment startup failed", payload=error)

    def stop(self) -> None:
        self.stopped = True
        with self.api.changed:
            self.api.changed.notify_all()
        if self.process is not None:
            self.process.kill()
        # The HTTP server takes up to its poll interval to stop: LocalStack stops environments one after another.
        threading.Thread(target=self.api.close, name="lambda-runtime-api-close", daemon=True).start()

    def _init(self) -> bytes | None:
        """Start the runtime process and wait for its first poll; returns the init error, if any."""
        if self.process is not None:
            self.process.kill()
        self.api.reset()
        self.logs_offset = 0
        config = self.function_version.config
        # LocalStack deletes an old version's unzipped code, which a configuration-only update shares: restore it.
        config.code.prepare_for_execution()
        argv = [
            sys.executable,
            sandbox.__file__,
            "--task-root",
            str(config.code.get_unzipped_code_location()),
            "--handler",
            config.handler,
            "--function-name",
            self.function_version.id.function_name,
            "--memory-mb",
            str(config.memory_size),
            "--timeout-s",
            "0",
            "--tmp-mb",
            str(getattr(config.ephemeral_storage, "size", None) or sandbox.TMP_MB),
            "--lifeline-fd",
            str(_LIFELINE_READ),
            "--init-burst",
            "1",
        ]
        for key, value in self.env_vars.items():
            argv += ["--env", f"{key}={value}"]
        argv += ["--", "python", "-m", "awslambdaric", config.handler]
        process = self.process = RuntimeProcess(argv)
        deadline = time.monotonic() + INIT_TIMEOUT_S
        with self.api.changed:
            # Woken by the Runtime API; the process state is polled in short steps.
            while not (
                self.api.ready.is_set()
                or self.api.init_error is not None
                or self.stopped
                or not process.alive()
                or time.monotonic() >= deadline
            ):
                self.api.changed.wait(timeout=0.01)
        self.init_duration_ms = (time.monotonic() - process.started) * 1000
        if self.api.ready.is_set():
            # Init ran with burst CPU, as on Lambda; invocations get the share of the memory size.
            limits.set_cpu_share(f"{limits.PREFIX}{process.proc.pid}", lambda_os.cpu_share(config.memory_size))
            return None
        error: bytes
        if self.api.init_error is not None:
            error = self.api.init_error
        elif self.stopped:
            error = _error("Runtime.Stopped", "the execution environment was stopped during init")
        elif not process.alive():
            error = process.exit_error("")
        else:
            error = _error("Sandbox.Timedout", f"Init phase timed out after {INIT_TIMEOUT_S:.2f} seconds")
        process.kill()
        tail = process.output[-400:].decode(errors="replace").strip()
        LOG.info("Init of %s failed: %s; output: %s", self.function_version.qualified_arn, error.decode(), tail)
        self.process = None
        return error

    # Invocation
    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        with self.lock:
            return self._invoke(request_id, payload)

    def _invoke(self, request_id: str, payload: dict[str, str]) -> InvocationResult:
        size = len(payload["payload"].encode())
        if size > MAX_PAYLOAD_BYTES:
            message = f"{size} byte payload is too large for the RequestResponse invocation type ({MAX_PAYLOAD_BYTES})"
            return InvocationResult(request_id, _error("RequestEntityTooLarge", message), is_error=True, logs="")
        config = self.function_version.config
        init_ms: float | None = None
        if self.process is None or not self.process.alive():
            # The previous request timed out or crashed the runtime: Lambda re-runs init first.
            error = self._init()
            if error is not None:
                return InvocationResult(request_id, error, is_error=True, logs=self._logs(request_id, 0, None))
            init_ms = self.init_duration_ms
        elif self.logs_offset == 0:
            init_ms = self.init_duration_ms
        process = self.process
        assert process is not None
        started = time.monotonic()
        timeout = float(config.timeout)
        deadline_ms = int((time.time() + timeout) * 1000)
        self.api.send(
            Event(
                request_id=request_id,
                payload=payload["payload"].encode(),
                deadline_ms=deadline_ms,
                function_arn=payload["invoked-function-arn"],
                trace_id=payload.get("trace-id", ""),
            )
        )
        with self.api.changed:
            while not (
                request_id in self.api.outcomes
                or self.stopped
                or not process.alive()
                or time.monotonic() - started >= timeout
            ):
                self.api.changed.wait(timeout=min(0.05, max(0.001, timeout - (time.monotonic() - started))))
            outcome = self.api.outcomes.pop(request_id, None)
        duration_ms = (time.monotonic() - started) * 1000
        if outcome is not None and len(outcome.payload) > lambda_os.MAX_RESPONSE_BYTES:
            message = (
                f"Response payload size ({len(outcome.payload)} bytes) exceeded maximum allowed payload size "
                f"({lambda_os.MAX_RESPONSE_BYTES} bytes)."
            )
            result, is_error = _error("Function.ResponseSizeTooLarge", message), True
        elif outcome is not None:
            result, is_error = outcome.payload, outcome.is_error
        elif self.stopped:
            result, is_error = _error("Runtime.Stopped", "the execution environment was stopped"), True
        elif not process.alive():
            result, is_error = process.exit_error(request_id), True
        else:
            # Lambda stops the runtime on a timeout; the next request starts a fresh one (init again).
            result = _error(
                "Sandbox.Timedout", f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
            )
            is_error = True
        logs = self._logs(request_id, duration_ms, init_ms)
        if outcome is None and self.process is not None:
            self.process.kill()
            self.process = None
        return InvocationResult(request_id, result, is_error=is_error, logs=logs)

    def _logs(self, request_id: str, duration_ms: float, init_ms: float | None) -> str:
        """This request's output framed like Lambda's CloudWatch stream (START, output, END, REPORT)."""
        text = ""
        if self.process is not None:
            text, self.logs_offset = self.process.text_since(self.logs_offset)
        memory = self.function_version.config.memory_size
        peak = self.process.peak_memory_mb() if self.process else None
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {memory} MB\t"
            f"Max Memory Used: {peak if peak is not None else '?'} MB"
        )
        if init_ms is not None:
            report += f"\tInit Duration: {init_ms:.2f} ms"
        version = self.function_version.id.qualifier
        return f"START RequestId: {request_id} Version: {version}\n{text}END RequestId: {request_id}\n{report}\n"

    # Addresses: everything is on loopback.
    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/2018-06-01"

    def get_logs(self) -> str:
        if self.process is None:
            return ""
        with self.process.output_lock:
            return self.process.output.decode(errors="replace")

    # Versions
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    def unsupported(self) -> str | None:
        """Why this function cannot run here (checked at start: LocalStack cannot delete a Failed function)."""
        config = self.function_version.config
        if config.package_type != PackageType.Zip:
            return "the local executor runs zip functions only; package the function as a zip"
        if config.runtime != SUPPORTED_RUNTIME:
            return f"runtime {config.runtime} is not supported by the local executor: use {SUPPORTED_RUNTIME}"
        if config.architectures and config.architectures[0] != Architecture.x86_64:
            return "the local executor runs x86_64 functions only; set Architectures=[x86_64]"
        if config.layers:
            return "the local executor does not support layers; bundle them into the zip"
        return None

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass  # LocalStack removes the unzipped code itself

    @classmethod
    def validate_environment(cls) -> bool:
        problem = preflight.problem()
        if problem:
            LOG.error("sandbox preflight: %s", problem)
        return problem is None
