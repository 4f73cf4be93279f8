"""The sandbox CLI alone (no LocalStack): what a command inside it sees, exit status, limits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lambda_local_executor import lambda_view

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "localstack" / "executor" / "lambda_local_executor" / "sandbox.py"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")


def run(task_root: Path, *argv: str, options: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SANDBOX), "--task-root", str(task_root), "--handler", "handler.lambda_handler"]
    return subprocess.run([*command, *options, "--", *argv], capture_output=True, text=True, timeout=60)


@pytest.fixture
def task_root(tmp_path: Path) -> Path:
    (tmp_path / "handler.py").write_text("def lambda_handler(event, context):\n    return event\n")
    return tmp_path


def test_status_and_output_pass_through(task_root):
    result = run(task_root, "python", "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)")
    assert result.returncode == 3
    assert result.stdout == "out\n"
    assert "err" in result.stderr


def test_view_is_lambdas(task_root):
    script = (
        "import os, sys, importlib.util\n"
        "import handler\n"
        "print(sys.version_info[:2] == (3, 12), os.getcwd(), handler.lambda_handler(7, None))\n"
        "print(os.environ['LAMBDA_TASK_ROOT'], os.environ['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'], os.environ['K'])\n"
        "print(os.path.exists('/usr/lib/R'), importlib.util.find_spec('rpy2') is None,"
        " os.access('/var/task', os.W_OK))\n"
        "open('/tmp/x', 'w').write('ok')\n"
    )
    result = run(task_root, "python", "-c", script, options=("--memory-mb", "512", "--env", "K=v"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True /var/task 7", "/var/task 512 v", "False True False"]
    # The private /tmp is gone afterwards and never touched the host's.
    assert not Path("/tmp/x").exists()


def test_timeout(task_root):
    started = time.monotonic()
    result = run(task_root, "python", "-c", "import time; time.sleep(10)", options=("--timeout-s", "1"))
    assert result.returncode == 137
    assert "Task timed out after 1.00 seconds" in result.stderr
    assert time.monotonic() - started < 5


def test_bad_arguments_are_one_line(task_root):
    result = run(task_root / "missing", "python", "-c", "pass")
    assert result.returncode == 125
    assert result.stderr.startswith("sandbox: --task-root")


def test_every_lambda_os_library_is_offered_and_nothing_else():
    offered = lambda_view.visible_libraries()
    assert set(lambda_view.lambda_os.LIBRARIES) <= set(offered)
    aliases = {lib.debian_soname for lib in lambda_view.lambda_os.LIBRARIES.values() if lib.debian_soname}
    assert set(offered) == set(lambda_view.lambda_os.LIBRARIES) | aliases


def test_the_function_cannot_undo_the_view(task_root):
    """No capabilities and no new user namespace: mounts, unmounts and remounts are refused."""
    script = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.umount2(b'/usr/lib/x86_64-linux-gnu', 2), libc.unshare(0x10000000), libc.unshare(0x20000))\n"
        "print(open('/proc/self/status').read().count('NoNewPrivs:\\t1'))\n"
    )
    result = run(task_root, "python", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["-1 -1 -1", "1"]


def test_the_images_programs_are_offered_so_rs_temp_cleanup_works(task_root):
    """R removes its session temp directory at exit with `sh -c 'rm -Rf ...'`; the python3.12 image has both."""
    script = (
        "import os, subprocess\n"
        "os.makedirs('/tmp/RtmpX/sub'); open('/tmp/RtmpX/sub/f', 'w').write('x')\n"
        "done = subprocess.run(['/bin/sh', '-c', 'rm -Rf /tmp/RtmpX'], capture_output=True, text=True)\n"
        "print(done.returncode, repr(done.stderr), os.path.exists('/tmp/RtmpX'))\n"
        "print(sorted(p for p in lambda_os if not os.access(p, os.X_OK)))\n"
    ).replace("lambda_os", repr(sorted(lambda_view.lambda_os.PROGRAMS)))
    result = run(task_root, "python", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["0 '' False", "[]"]


def test_programs_the_image_lacks_are_not_offered(task_root):
    result = run(task_root, "/bin/sh", "-c", "which ls; find / -maxdepth 0; echo $?")
    assert "not found" in result.stderr
    assert result.stdout.splitlines()[-1] == "127"
