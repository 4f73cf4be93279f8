"""Run a command the way AWS Lambda (python3.12 on Amazon Linux 2023) would run a zip function.

Usage (as root):
  python3 sandbox.py --task-root DIR --handler handler.lambda_handler [--function-name N] [--memory-mb 1024]
                     [--timeout-s 30] [--tmp-mb 512] [--env K=V ...] -- ARGV...

The function runs in bubblewrap as Lambda's unprivileged user (uid 993, no capabilities, no_new_privs), sees only
what the Lambda OS description lists (lambda_view.py) with /var/task read-only and /tmp its only writable place,
and gets the memory and the CPU share of its memory size (limits.py). This file parses the command line and
supervises the process: timeout, the lifeline to the executor, the reason it ended. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import shutil
import signal
import sys
import time
from collections.abc import Sequence

if not __package__:  # run as a script: make the package's modules importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from lambda_local_executor import lambda_view, limits  # noqa: E402

lambda_os = lambda_view.lambda_os
RUNTIME_ENV = lambda_view.RUNTIME_ENV
TASK_ROOT = lambda_view.TASK_ROOT
TMP_MB = lambda_os.DEFAULT_TMP_MB
PR_SET_PDEATHSIG = 1


class SandboxError(Exception):
    """A reason the sandbox cannot be set up, printed as one line."""


class Options:
    """The parsed command line (a plain class: dataclasses would import re and inspect, ~5 ms)."""

    def __init__(
        self,
        task_root: str,
        handler: str,
        command: list[str],
        env: dict[str, str],
        function_name: str = "sandbox",
        memory_mb: int = 1024,
        timeout_s: float = 30.0,
        tmp_mb: int = TMP_MB,
        runtime_env: str = RUNTIME_ENV,
        lifeline_fd: int | None = None,
        init_burst: int = 0,
    ) -> None:
        self.task_root, self.handler, self.command, self.env = task_root, handler, command, env
        self.function_name, self.memory_mb, self.timeout_s = function_name, memory_mb, timeout_s
        self.tmp_mb, self.runtime_env, self.lifeline_fd = tmp_mb, runtime_env, lifeline_fd
        # 1: start with the whole CPU (Lambda's init burst); the caller applies the share when init is done.
        self.init_burst = init_burst


USAGE = (
    "usage: sandbox.py --task-root DIR --handler MODULE.FUNCTION [--function-name N] [--memory-mb 1024]\n"
    "                  [--timeout-s 30 (0: none)] [--env K=V ...] [--tmp-mb 512] [--init-burst 0|1] -- ARGV..."
)
_VALUE_OPTIONS = {
    "--task-root": "task_root",
    "--handler": "handler",
    "--function-name": "function_name",
    "--memory-mb": "memory_mb",
    "--timeout-s": "timeout_s",
    "--tmp-mb": "tmp_mb",
    "--runtime-env": "runtime_env",
    "--lifeline-fd": "lifeline_fd",
    "--init-burst": "init_burst",
}


def parse_args(argv: Sequence[str]) -> Options:
    """The command line (argparse costs ~6 ms of start-up; this parser is all the interface needs)."""
    argv = list(argv)
    if "-h" in argv or "--help" in argv:
        print(__doc__.strip() + "\n\n" + USAGE)
        sys.exit(0)
    if "--" not in argv:
        raise SandboxError("missing '-- ARGV...': give the command to run after --")
    split = argv.index("--")
    opts: dict[str, object] = {"command": argv[split + 1 :], "env": {}}
    items = argv[:split]
    for i in range(0, len(items), 2):
        name, value = items[i], items[i + 1] if i + 1 < len(items) else None
        name, eq, inline = name.partition("=")
        if eq:
            raise SandboxError(f"{name}: write '{name} VALUE'")
        if value is None:
            raise SandboxError(f"{name}: missing value")
        if name == "--env":
            key, sep, val = value.partition("=")
            if not sep or not key:
                raise SandboxError(f"--env {value!r}: expected KEY=VALUE")
            opts["env"][key] = val  # type: ignore[index]
        elif name in _VALUE_OPTIONS:
            opts[_VALUE_OPTIONS[name]] = value
        else:
            raise SandboxError(f"unknown option {name}\n{USAGE}")
    for required in ("task_root", "handler"):
        if required not in opts:
            raise SandboxError(f"--{required.replace('_', '-')} is required\n{USAGE}")
    if not opts["command"]:
        raise SandboxError("empty command after --")
    try:
        for name in ("memory_mb", "tmp_mb", "lifeline_fd", "init_burst"):
            if name in opts:
                opts[name] = int(str(opts[name]))
        if "timeout_s" in opts:
            opts["timeout_s"] = float(str(opts["timeout_s"]))
    except ValueError as e:
        raise SandboxError(f"not a number: {e}") from None
    options = Options(**opts)  # type: ignore[arg-type]
    if not 128 <= options.memory_mb <= 10240:
        raise SandboxError(f"--memory-mb {options.memory_mb}: Lambda allows 128 to 10240")
    return options


def lambda_environment(options: Options) -> dict[str, str]:
    env = {
        "PATH": lambda_os.PATH,
        "LD_LIBRARY_PATH": lambda_os.LD_LIBRARY_PATH,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{options.function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "sandbox",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }
    if options.timeout_s:
        env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = str(int(options.timeout_s))
    env.update(options.env)
    # Reserved variables: a function cannot override these on AWS.
    env.update(
        {
            "_HANDLER": options.handler,
            "LAMBDA_TASK_ROOT": TASK_ROOT,
            "LAMBDA_RUNTIME_DIR": lambda_view.RUNTIME_DIR,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_LAMBDA_FUNCTION_NAME": options.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(options.memory_mb),
        }
    )
    return env


def supervise(pid: int, timeout_s: float, lifeline_fd: int | None) -> tuple[int, str | None]:
    """Wait for the child; kill it on timeout, on SIGTERM, or when the lifeline closes. Returns (status, reason)."""
    deadline = time.monotonic() + timeout_s if timeout_s else None
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    stop: dict[str, str | None] = {"reason": None}

    def on_term(signum: int, _frame: object) -> None:
        stop["reason"] = f"stopped by signal {signum}"

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    # Ctrl-C reaches the function through the terminal; the supervisor waits for its exit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    reason: str | None = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status, reason
        if reason is None and stop["reason"] is not None:
            reason = stop["reason"]
            os.kill(pid, signal.SIGKILL)
        if reason is None and deadline is not None and time.monotonic() >= deadline:
            reason = f"Task timed out after {timeout_s:.2f} seconds"
            os.kill(pid, signal.SIGKILL)
        waits = [wake_r] + ([lifeline_fd] if lifeline_fd is not None else [])
        remaining = None if deadline is None or reason else max(0.0, deadline - time.monotonic())
        readable, _, _ = select.select(waits, [], [], remaining)
        if wake_r in readable:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_r, 512)
        if lifeline_fd is not None and lifeline_fd in readable and not os.read(lifeline_fd, 512):
            # The process that started us is gone: so must the function be.
            if reason is None:
                reason = "parent exited"
                os.kill(pid, signal.SIGKILL)
            lifeline_fd = None


def exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def check(options: Options) -> tuple[str, str]:
    """The task root and runtime environment, checked; raises SandboxError with what to do."""
    if os.geteuid() != 0:
        raise SandboxError("needs root to set up the sandbox (user namespace, cgroups); run as root")
    if shutil.which("bwrap") is None:
        raise SandboxError("bubblewrap (bwrap) is not installed; run: make setup")
    task_root = os.path.realpath(options.task_root)
    if not os.path.isdir(task_root):
        raise SandboxError(f"--task-root {options.task_root}: not a directory (unzip the function there)")
    runtime_env = os.path.realpath(options.runtime_env)
    if not os.path.exists(os.path.join(runtime_env, "bin", "python3")):
        raise SandboxError(f"{runtime_env}: no python3.12 runtime environment; run: make setup")
    return task_root, runtime_env


def start(options: Options, cgroups: limits.Cgroups, env: dict[str, str]) -> int:
    """Fork the function: it joins the cgroups, then becomes bubblewrap running ARGV. Returns its PID."""
    task_root, runtime_env = check(options)
    pipes = []
    for data in lambda_view.identity_files():
        r, w = os.pipe()
        os.write(w, data)  # a few bytes: fits the pipe buffer
        os.close(w)
        pipes.append(r)
    view = lambda_view.bwrap_args(task_root, runtime_env, options.tmp_mb, (pipes[0], pipes[1]))
    argv = [*view, "--", *options.command]
    pid = os.fork()
    if pid == 0:
        try:
            for fd in pipes:
                os.set_inheritable(fd, True)
            cgroups.join()
            resource.setrlimit(resource.RLIMIT_NOFILE, (lambda_os.MAX_FILE_DESCRIPTORS,) * 2)
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.execvpe("bwrap", argv, env)
        except BaseException as e:  # noqa: BLE001 - anything here must end the child with a reason
            print(f"sandbox: cannot start {options.command[0]}: {e}", file=sys.stderr)
            os._exit(126)
    for fd in pipes:
        os.close(fd)
    return pid


def main(argv: Sequence[str]) -> int:
    try:
        options = parse_args(argv)
        env = lambda_environment(options)
        if options.lifeline_fd is None:
            # Standalone: die with the caller (bubblewrap then takes the function with it).
            import ctypes

            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        share = None if options.init_burst else lambda_os.cpu_share(options.memory_mb)
        cgroups = limits.Cgroups(f"{limits.PREFIX}{os.getpid()}", options.memory_mb, share)
        pid = start(options, cgroups, env)
    except (SandboxError, OSError) as e:
        print(f"sandbox: {e}", file=sys.stderr)
        return 125
    try:
        status, reason = supervise(pid, options.timeout_s, options.lifeline_fd)
    finally:
        out_of_memory = cgroups.hit_memory_limit()
        cgroups.remove()
    code = exit_code(status)
    if code > 128 and out_of_memory:
        print(f"sandbox: Runtime.OutOfMemory: exceeded {options.memory_mb} MB", file=sys.stderr)
    elif reason:
        print(f"sandbox: {reason}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
