"""Lambda's per-environment limits on this host: memory and a CPU share proportional to it, in cgroups.

cgroup v2 when the host has it, else v1 (memory and cpu controllers). Standard library only.
"""

from __future__ import annotations

import contextlib
import os

PREFIX = "lambda-sandbox-"
CFS_PERIOD_US = 100_000
ROOT = "/sys/fs/cgroup"
V2 = os.path.exists(f"{ROOT}/cgroup.controllers")


def set_cpu_share(name: str, share: float) -> bool:
    """Throttle the environment's cgroup `name` to `share` of one CPU; False when this host cannot."""
    quota = max(1000, int(share * CFS_PERIOD_US))
    if V2:
        return _write(f"{ROOT}/{name}", "cpu.max", f"{quota} {CFS_PERIOD_US}")
    path = f"{ROOT}/cpu/{name}"
    return _write(path, "cpu.cfs_period_us", str(CFS_PERIOD_US)) and _write(path, "cpu.cfs_quota_us", str(quota))


class Cgroups:
    """The cgroups of one environment; `join` puts the calling process in all of them.

    cpu_share None leaves the CPU unthrottled (Lambda's init phase runs with burst CPU) until set_cpu_share.
    """

    def __init__(self, name: str, memory_mb: int, cpu_share: float | None) -> None:
        self.paths: list[str] = []
        self.memory: str | None = None
        limit = str(memory_mb * 1024 * 1024)
        if V2:
            path = _make(ROOT, name)
            if path:
                _write(path, "memory.max", limit)
                _write(path, "memory.swap.max", "0")
                self.paths, self.memory = [path], path
        else:
            memory = _make(f"{ROOT}/memory", name)
            if memory and _write(memory, "memory.limit_in_bytes", limit):
                _write(memory, "memory.memsw.limit_in_bytes", limit)  # absent without swap accounting: no swap
                self.paths.append(memory)
                self.memory = memory
            cpu = _make(f"{ROOT}/cpu", name)
            if cpu:
                self.paths.append(cpu)
        if cpu_share is not None:
            set_cpu_share(name, cpu_share)

    def join(self, pid: int = 0) -> None:
        for path in self.paths:
            with open(os.path.join(path, "cgroup.procs"), "w") as f:
                f.write(str(pid))

    def hit_memory_limit(self) -> bool:
        if self.memory is None:
            return False
        events = _read_pairs(os.path.join(self.memory, "memory.events"))
        if events:
            return int(events.get("oom_kill", 0)) > 0
        control = _read_pairs(os.path.join(self.memory, "memory.oom_control"))
        if "oom_kill" in control:
            return int(control["oom_kill"]) > 0
        with contextlib.suppress(OSError, ValueError), open(os.path.join(self.memory, "memory.failcnt")) as f:
            return int(f.read().strip() or 0) > 0
        return False

    def remove(self) -> None:
        """One try: the kernel frees a cgroup ~10 ms after its last process; later runs sweep what is left."""
        for path in self.paths:
            with contextlib.suppress(OSError):
                os.rmdir(path)


def peak_memory_mb(supervisor_pid: int) -> int | None:
    """Peak memory of the function run by the sandbox whose supervisor has this PID (None: no cgroup)."""
    name = PREFIX + str(supervisor_pid)
    for path in (f"{ROOT}/{name}/memory.peak", f"{ROOT}/memory/{name}/memory.max_usage_in_bytes"):
        try:
            with open(path) as f:
                return int(f.read().strip()) // (1024 * 1024)
        except (OSError, ValueError):
            continue
    return None


def _make(root: str, name: str) -> str | None:
    if not os.path.isdir(root):
        return None
    _sweep(root)
    path = os.path.join(root, name)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return path


def _write(path: str, file: str, value: str) -> bool:
    try:
        with open(os.path.join(path, file), "w") as f:
            f.write(value)
        return True
    except OSError:
        return False


def _read_pairs(path: str) -> dict[str, str]:
    try:
        with open(path) as f:
            return dict(line.split() for line in f if line.strip())
    except OSError:
        return {}


def _sweep(root: str) -> None:
    """Remove the cgroups of earlier sandboxes whose supervisor is gone."""
    with contextlib.suppress(OSError):
        for name in os.listdir(root):
            if name.startswith(PREFIX) and not os.path.exists(f"/proc/{name.rsplit('-', 1)[1]}"):
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(root, name))
