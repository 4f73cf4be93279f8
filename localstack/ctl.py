"""Start, stop and inspect the embedded LocalStack: `python localstack/ctl.py up|down|status`.

LOCALSTACK_PORT (default 4566) selects the instance, so several developers can each run their own;
its state, logs and HOME live in build/localstack/<port>/.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from iam_check import record  # where this LocalStack's AWS calls are recorded (one folder per port)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / "build" / "venv" / "localstack" / "bin" / "python"
SERVICES = ("s3", "iam", "sts", "lambda", "apigateway", "logs", "cloudwatch", "stepfunctions", "firehose", "events")
READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 20.0
# LocalStack phones home to these; a closed loopback port makes that fail at once.
CLOSED_ENDPOINT = "http://127.0.0.1:1"


class CtlError(Exception):
    """A failure the user can act on, printed as one line."""


def port() -> int:
    value = os.environ.get("LOCALSTACK_PORT", "4566")
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise CtlError(f"LOCALSTACK_PORT={value!r} is not a port number")
    return int(value)


def state_dir(p: int) -> Path:
    return ROOT / "build" / "localstack" / str(p)


def health(p: int, timeout: float = 1.0) -> dict[str, str] | None:
    """Service states from /_localstack/health, or None when nothing answers like LocalStack."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{p}/_localstack/health", timeout=timeout) as r:
            services = json.load(r).get("services")
            return services if isinstance(services, dict) else None
    except (OSError, ValueError):
        return None


def port_taken(p: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", p)) == 0


def running_pid(p: int) -> int | None:
    try:
        pid = int((state_dir(p) / "localstack.pid").read_text())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # A recycled PID is not ours.
    return pid if b"localstack.runtime.main" in cmdline else None


def environment(p: int) -> dict[str, str]:
    d = state_dir(p)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALSTACK_", "AWS_"))}
    env.update(
        {
            "HOME": str(d / "home"),  # plux and LocalStack caches
            "TMPDIR": str(d / "tmp"),  # unzipped function code
            "FILESYSTEM_ROOT": str(d / "filesystem"),
            "CONFIG_DIR": str(d / "config"),
            "OVERRIDE_IN_DOCKER": "0",  # this machine has /.dockerenv but no Docker
            "GATEWAY_LISTEN": f"127.0.0.1:{p}",
            "DNS_ADDRESS": "0",
            "DISABLE_EVENTS": "1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "API_ENDPOINT": CLOSED_ENDPOINT,
            "ANALYTICS_API": CLOSED_ENDPOINT,
            "LAMBDA_RUNTIME_EXECUTOR": "local",
            # The executor applies Lambda's own 10 s init limit once an environment starts; environments queued
            # for a free core (a burst on this small host) must not be timed out by LocalStack while they wait.
            "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": "600",
            # Every AWS request, for `make iam-check` (the executor plugin's recorder).
            "IAM_CALLS_FILE": str(record.calls_file(p)),
        }
    )
    for key in ("home", "tmp", "filesystem", "config"):
        (d / key).mkdir(parents=True, exist_ok=True)
    return env


def log_tail(p: int, lines: int = 30) -> str:
    try:
        text = (state_dir(p) / "localstack.log").read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def up() -> None:
    p = port()
    pid = running_pid(p)
    if pid is not None and health(p) is not None:
        print(f"LocalStack is already running on 127.0.0.1:{p} (pid {pid}); nothing to do")
        return
    if port_taken(p):
        raise CtlError(f"port {p} is taken by another process; stop it or choose another with LOCALSTACK_PORT=<port>")
    if not PYTHON.exists():
        raise CtlError(f"{PYTHON} is missing; run: make setup")
    # Every function runs in the sandbox: a host that cannot run it stops here, with what it lacks.
    from lambda_local_executor import preflight

    problem = preflight.problem()
    if problem:
        raise CtlError(f"sandbox preflight: {problem}")
    d = state_dir(p)
    env = environment(p)
    # A new LocalStack has no stacks: the IAM check's copies of earlier states describe nothing that runs now.
    shutil.rmtree(record.states_dir(p), ignore_errors=True)
    started = time.monotonic()
    with open(d / "localstack.log", "ab") as log:
        proc = subprocess.Popen(
            [str(PYTHON), "-m", "localstack.runtime.main"],
            cwd=d,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (d / "localstack.pid").write_text(str(proc.pid))
    while time.monotonic() - started < READY_TIMEOUT_S:
        if proc.poll() is not None:
            raise CtlError(f"LocalStack exited with status {proc.returncode}; log tail:\n{log_tail(p)}")
        services = health(p)
        if services and all(services.get(s) in ("available", "running") for s in SERVICES):
            print(f"LocalStack ready on http://127.0.0.1:{p} in {time.monotonic() - started:.1f} s (pid {proc.pid})")
            return
        time.sleep(0.2)
    stop(p, proc.pid)
    missing = [s for s in SERVICES if (health(p) or {}).get(s) not in ("available", "running")]
    raise CtlError(f"LocalStack not ready after {READY_TIMEOUT_S:.0f} s (missing: {missing}); log tail:\n{log_tail(p)}")


def function_processes(p: int) -> list[int]:
    """PIDs of the sandboxes and functions started by the LocalStack on this port."""
    markers = (f"GATEWAY_LISTEN=127.0.0.1:{p}".encode(), f"AWS_ENDPOINT_URL=http://127.0.0.1:{p}".encode())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        is_sandbox = b"sandbox.py" in cmdline and markers[0] in environ
        is_function = b"LAMBDA_TASK_ROOT=/var/task" in environ and markers[1] in environ
        if is_sandbox or is_function:
            found.append(int(entry.name))
    return found


def stop(p: int, pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and _not_zombie(pid):
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _reap(pid)
    # Sandboxes end when LocalStack's lifeline closes; anything still there after a moment is killed.
    deadline = time.monotonic() + 5
    while (left := function_processes(p)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for leftover in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(leftover, signal.SIGKILL)
    _remove_empty_cgroups()


def _not_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _remove_empty_cgroups() -> None:
    """Memory cgroups of sandboxes that were killed before they could remove their own."""
    for root in (Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")):
        for cgroup in root.glob("lambda-sandbox-*"):
            pid = cgroup.name.rsplit("-", 1)[-1]
            if not Path(f"/proc/{pid}").exists():
                with contextlib.suppress(OSError):
                    cgroup.rmdir()


def down() -> None:
    p = port()
    pid = running_pid(p)
    if pid is None:
        left = function_processes(p)
        for leftover in left:
            os.kill(leftover, signal.SIGKILL)
        print(f"LocalStack is not running on port {p}" + (f"; killed {len(left)} leftover processes" if left else ""))
        return
    stop(p, pid)
    (state_dir(p) / "localstack.pid").unlink(missing_ok=True)
    left = function_processes(p)
    if left:
        raise CtlError(f"processes still running after stop: {left}")
    print(f"LocalStack on port {p} stopped (pid {pid}); no function process left")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def status() -> None:
    p = port()
    pid = running_pid(p)
    if pid is None:
        print(f"LocalStack is not running on port {p}")
        sys.exit(1)
    services = health(p) or {}
    functions = function_processes(p)
    print(
        f"LocalStack on http://127.0.0.1:{p}: pid {pid}, RSS {rss_mb(pid):.0f} MB, "
        f"{len(functions)} sandbox/function processes"
    )
    print("  " + ", ".join(f"{s}={services.get(s, 'unknown')}" for s in SERVICES))


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "status": status}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: ctl.py up|down|status   (LOCALSTACK_PORT selects the instance, default 4566)", file=sys.stderr)
        return 2
    try:
        commands[argv[0]]()
    except CtlError as e:
        print(f"localstack: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
