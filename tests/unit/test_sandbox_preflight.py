"""The sandbox's preflight: a host without what the sandbox needs stops at once, with one line naming it and how
the CI workflow provides it. Missing pieces are simulated: capabilities dropped with setpriv, a read-only cgroup
file system inside bubblewrap, a bubblewrap that cannot map its uid, a cgroup v2 tree without its controllers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lambda_local_executor import limits, preflight

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
HOW = "the CI test job's container gets it from `options: --privileged --cgroupns=host` (.github/workflows/test.yml)"

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None or shutil.which("setpriv") is None,
    reason="the sandbox runs as root with bubblewrap and setpriv (make setup)",
)


def run_preflight(*wrapper: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    argv = [*wrapper, PY, "-m", "lambda_local_executor.preflight"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, env=env)


@needs_root
def test_this_host_has_what_the_sandbox_needs() -> None:
    result = run_preflight()
    assert (result.returncode, result.stdout, result.stderr) == (0, "sandbox preflight: ok\n", "")


@needs_root
def test_without_cap_sys_admin_it_stops_with_one_line() -> None:
    result = run_preflight("setpriv", "--inh-caps=-all", "--bounding-set=-sys_admin")
    assert result.returncode == 1
    assert result.stderr == (
        f"sandbox preflight: CAP_SYS_ADMIN is missing: bubblewrap needs it to create the sandbox's namespaces; {HOW}\n"
    )


@needs_root
def test_localstack_does_not_start_without_cap_sys_admin() -> None:
    env = {**os.environ, "LOCALSTACK_PORT": "4580"}
    argv = ["setpriv", "--inh-caps=-all", "--bounding-set=-sys_admin", PY, str(ROOT / "localstack" / "ctl.py"), "up"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"localstack: sandbox preflight: CAP_SYS_ADMIN is missing: bubblewrap needs it to create the sandbox's "
        f"namespaces; {HOW}"
    ]


@needs_root
def test_with_a_read_only_cgroup_file_system_it_stops_with_one_line() -> None:
    result = run_preflight("bwrap", "--dev-bind", "/", "/", "--ro-bind", limits.ROOT, limits.ROOT, "--")
    parent = limits.ROOT if limits.V2 else f"{limits.ROOT}/memory"
    assert result.returncode == 1
    assert result.stderr == (
        f"sandbox preflight: {parent} is not writable (Read-only file system): the memory and CPU limits need it; "
        f"{HOW}\n"
    )


@needs_root
def test_when_bubblewrap_cannot_map_its_uid_it_stops_with_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "bwrap"  # what bwrap prints on Ubuntu 24.04 under AppArmor's user namespace restriction
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    result = run_preflight(env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert result.returncode == 1
    assert result.stderr == (
        "sandbox preflight: bubblewrap cannot create a user namespace (bwrap: setting up uid map: Permission denied): "
        f"Docker's default seccomp profile or Ubuntu's kernel.apparmor_restrict_unprivileged_userns refuses it; {HOW}\n"
    )


def fake_v2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    monkeypatch.setattr(limits, "ROOT", str(tmp_path))
    monkeypatch.setattr(limits, "V2", True)
    return tmp_path


def test_cgroup_v2_without_controllers_for_child_groups_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fake_v2(tmp_path, monkeypatch)  # a new group in this tree gets no files: as in a private namespace
    assert preflight.cgroup_problem() == (
        f"cgroup v2 at {root} gives new groups no memory.max or cpu.max (cpu and memory are not in its "
        f"cgroup.subtree_control: a private cgroup namespace); {HOW}"
    )
    assert [p.name for p in root.iterdir()] == ["cgroup.controllers"]  # the probe group is removed


def test_cgroup_v2_limits_are_memory_max_and_cpu_max(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fake_v2(tmp_path, monkeypatch)
    group = limits.Cgroups(f"{limits.PREFIX}{os.getpid()}", memory_mb=512, cpu_share=0.5)
    path = root / f"{limits.PREFIX}{os.getpid()}"
    assert group.paths == [str(path)]
    assert (path / "memory.max").read_text() == str(512 * 1024 * 1024)
    assert (path / "memory.swap.max").read_text() == "0"
    assert (path / "cpu.max").read_text() == "50000 100000"
    (path / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert group.hit_memory_limit()
    (path / "memory.peak").write_text(str(300 * 1024 * 1024))
    assert limits.peak_memory_mb(os.getpid()) == 300
