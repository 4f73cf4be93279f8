"""Run a command the way AWS Lambda (python3.12 on Amazon Linux 2023) would run a zip function.

Usage (as root):
  python3 sandbox.py --task-root DIR --handler handler.lambda_handler [--function-name N] [--memory-mb 1024]
                     [--timeout-s 30] [--env K=V ...] -- ARGV...

Inside: a private mount and PID namespace where the task root is /var/task (read-only), /tmp is a private
tmpfs, /var/lang is the python3.12 runtime environment (awslambdaric + boto3 only), the rest of the file
system is read-only, and the host's R (/usr/lib/R, /usr/share/R, /etc/R, /usr/bin/which, R's shared
libraries that Amazon Linux 2023 lacks) and the host's site-packages are invisible. The host's /tmp is
hidden too: pass files through the task root or --env. Standard library only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import stat
import struct
import sys
import time
from collections.abc import Iterable, Iterator, Sequence

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
RUNTIME_ENV = os.path.join(REPO_ROOT, "build", "venv", "lambda-python3.12")
# The R library closure takes ~10 ms to compute; it is cached, keyed by the modification times of its inputs.
HIDDEN_CACHE = os.path.join(REPO_ROOT, "build", "sandbox", "hidden-libraries.txt")

TASK_ROOT = "/var/task"
RUNTIME_DIR = "/var/runtime"
LANG_DIR = "/var/lang"
LAMBDA_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LAMBDA_LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)
# Lambda's default ephemeral storage (/tmp) is 512 MB.
TMP_MB = 512

HIDDEN_DIRS = ("/usr/lib/R", "/usr/share/R", "/etc/R")
HIDDEN_FILES = ("/usr/bin/which",)
R_ELF_ROOTS = ("/usr/lib/R/lib/libR.so", "/usr/lib/R/modules/*.so", "/usr/lib/R/library/*/libs/*.so")
LIBRARY_DIRS = ("/usr/lib/R/lib", "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib")
# What Amazon Linux 2023's Lambda image provides of an R closure: the glibc family, libgcc_s, libstdc++, zlib.
AL2023_LIBRARIES = (
    "ld-linux-x86-64.so",
    "libc.so",
    "libm.so",
    "libdl.so",
    "libpthread.so",
    "librt.so",
    "libutil.so",
    "libresolv.so",
    "libanl.so",
    "libmvec.so",
    "libgcc_s.so",
    "libstdc++.so",
    "libz.so",
    # OpenSSL 3 and libffi: Amazon Linux 2023 has them and the python3.12 runtime's ssl and ctypes link them.
    "libssl.so",
    "libcrypto.so",
    "libffi.so",
)
SITE_PACKAGES_GLOBS = (
    "/usr/lib/python3*/site-packages",
    "/usr/lib/python3*/dist-packages",
    "/usr/lib/python3/dist-packages",
    "/usr/local/lib/python3*/site-packages",
    "/usr/local/lib/python3*/dist-packages",
    "/root/.local/lib/python3*/site-packages",
    "/root/.pyenv/versions/*/lib/python*/site-packages",
    "/opt/*/lib/python3*/site-packages",
    REPO_ROOT + "/.venv/lib/python*/site-packages",
    REPO_ROOT + "/build/venv/*/lib/python*/site-packages",
)

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_PRIVATE = 16384, 1 << 18
MNT_DETACH = 2
CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(Exception):
    """A reason the sandbox cannot be set up, printed as one line."""


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxError(f"{what}: {os.strerror(err)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def bind(source: str, target: str, read_only: bool = True) -> None:
    mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _elf_needed(path: str) -> list[str]:
    """DT_NEEDED entries of a 64-bit little-endian ELF file (empty if it is not one)."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
            return []
        phoff, phentsize, phnum = struct.unpack_from("<Q", head, 32)[0], *struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
        loads: list[tuple[int, int, int]] = []
        dynamic: tuple[int, int] | None = None
        for i in range(phnum):
            p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
            if p_type == 1:
                loads.append((p_vaddr, p_offset, p_filesz))
            elif p_type == 2:
                dynamic = (p_offset, p_filesz)
        if dynamic is None:
            return []
        f.seek(dynamic[0])
        data = f.read(dynamic[1])
        needed: list[int] = []
        strtab = 0
        for off in range(0, len(data) - 15, 16):
            tag, val = struct.unpack_from("<qQ", data, off)
            if tag == 0:
                break
            if tag == 1:
                needed.append(val)
            elif tag == 5:
                strtab = val
        # DT_STRTAB is a virtual address: map it to a file offset through the PT_LOAD segments.
        base = next((off + strtab - va for va, off, size in loads if va <= strtab < va + size), None)
        if base is None:
            return []
        names = []
        for n in needed:
            f.seek(base + n)
            names.append(f.read(256).split(b"\0", 1)[0].decode())
        return names


def glob(pattern: str) -> list[str]:
    """Paths matching an absolute pattern whose components hold at most one '*' (no re import: startup time)."""
    paths = ["/"]
    for part in pattern.strip("/").split("/"):
        if "*" not in part:
            paths = [os.path.join(p, part) for p in paths if os.path.lexists(os.path.join(p, part))]
            continue
        head, _, tail = part.partition("*")
        matched = []
        for p in paths:
            try:
                names = os.listdir(p)
            except OSError:
                continue
            matched += [
                os.path.join(p, n)
                for n in names
                if n.startswith(head) and n.endswith(tail) and len(n) >= len(head) + len(tail)
            ]
        paths = matched
    return sorted(paths)


def _resolve(name: str) -> str | None:
    for d in LIBRARY_DIRS:
        candidate = os.path.join(d, name)
        if os.path.exists(candidate):
            return candidate
    return None


def r_library_closure() -> list[str]:
    """Paths (link names and their targets) of the shared libraries R needs that Amazon Linux 2023 lacks."""
    todo = [p for pattern in R_ELF_ROOTS for p in glob(pattern)]
    seen: set[str] = set()
    hidden: set[str] = set()
    while todo:
        path = todo.pop()
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        for name in _elf_needed(real):
            if name.startswith(AL2023_LIBRARIES) or name == "libR.so":
                continue
            found = _resolve(name)
            if found is None:
                continue
            hidden.update(_link_chain(found))
            todo.append(found)
    return sorted(p for p in hidden if not p.startswith("/usr/lib/R/"))


def cached_r_library_closure() -> list[str]:
    key = []
    for path in ("/usr/lib/R/lib/libR.so", "/usr/lib/R/library", "/usr/lib/R/modules", "/usr/lib/x86_64-linux-gnu"):
        try:
            key.append(os.stat(path).st_mtime_ns)
        except OSError:
            key.append(0)
    header = " ".join(map(str, key))
    try:
        with open(HIDDEN_CACHE) as f:
            lines = f.read().splitlines()
        if lines and lines[0] == header:
            return lines[1:]
    except OSError:
        pass
    paths = r_library_closure()
    try:
        os.makedirs(os.path.dirname(HIDDEN_CACHE), exist_ok=True)
        with open(HIDDEN_CACHE + f".{os.getpid()}", "w") as f:
            f.write("\n".join([header, *paths]) + "\n")
        os.replace(HIDDEN_CACHE + f".{os.getpid()}", HIDDEN_CACHE)
    except OSError:
        pass  # a read-only checkout just recomputes it
    return paths


def _link_chain(path: str) -> Iterator[str]:
    """A path and every symlink hop to its final file (e.g. libblas.so.3 -> /etc/alternatives/... -> file)."""
    for _ in range(16):
        yield path
        if not os.path.islink(path):
            return
        path = os.path.normpath(os.path.join(os.path.dirname(path), os.readlink(path)))


def _overlay_root(path: str) -> tuple[str, str] | None:
    """(root, relative path) for a path under a root hidden by overlay (/lib, /lib64, /bin lead into /usr)."""
    for prefix, root, rel in (
        ("/usr/", "/usr", ""),
        ("/lib/", "/usr", "lib/"),
        ("/lib64/", "/usr", "lib64/"),
        ("/bin/", "/usr", "bin/"),
        ("/etc/", "/etc", ""),
    ):
        if path.startswith(prefix):
            return root, rel + path[len(prefix) :]
    return None


def _has_submounts(root: str) -> bool:
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4].startswith(root + "/") for line in f)


def hide_with_overlays(paths: Iterable[str], staging: str) -> list[str]:
    """Make paths under /usr and /etc absent: a read-only overlay whose top layer holds whiteouts.

    Returns the paths it could not hide this way, which the caller covers in place.
    """
    layers: dict[str, list[str]] = {}
    rest = []
    for path in paths:
        found = _overlay_root(path)
        if found is None:
            rest.append(path)
        else:
            layers.setdefault(found[0], []).append(found[1])
    for root, rels in layers.items():
        # An overlay would hide what is mounted below the root; cover those paths in place instead.
        if _has_submounts(root):
            rest.extend(os.path.join(root, rel) for rel in rels)
            continue
        layer = os.path.join(staging, root.strip("/"))
        for rel in rels:
            target = os.path.join(layer, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.lexists(target):
                # A 0:0 character device is overlayfs's whiteout: the entry below is absent.
                os.mknod(target, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        try:
            mount("overlay", root, "overlay", MS_RDONLY, f"lowerdir={layer}:{root}")
        except SandboxError:
            # No overlayfs here: hidden files remain as empty entries, which fail to load just the same.
            rest.extend(os.path.join(root, rel) for rel in rels)
    return rest


def hide_in_place(path: str, empty_dir: str, empty_file: str) -> None:
    """Cover a path with an empty read-only directory or file (it still exists, but holds nothing)."""
    if os.path.islink(path):
        return  # a link is hidden through its target, which is in the list too
    if os.path.isdir(path):
        bind(empty_dir, path)
    elif os.path.lexists(path):
        bind(empty_file, path)


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
    ) -> None:
        self.task_root, self.handler, self.command, self.env = task_root, handler, command, env
        self.function_name, self.memory_mb, self.timeout_s = function_name, memory_mb, timeout_s
        self.tmp_mb, self.runtime_env, self.lifeline_fd = tmp_mb, runtime_env, lifeline_fd


USAGE = (
    "usage: sandbox.py --task-root DIR --handler MODULE.FUNCTION [--function-name N] [--memory-mb 1024]\n"
    "                  [--timeout-s 30 (0: none)] [--env K=V ...] [--tmp-mb 512] -- ARGV..."
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
        for name in ("memory_mb", "tmp_mb", "lifeline_fd"):
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
        "PATH": LAMBDA_PATH,
        "LD_LIBRARY_PATH": LAMBDA_LD_LIBRARY_PATH,
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
            "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_LAMBDA_FUNCTION_NAME": options.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(options.memory_mb),
        }
    )
    return env


def memory_cgroup(name: str, memory_mb: int) -> str | None:
    """A memory cgroup limited to memory_mb (cgroup v2, else v1), or None when this machine offers neither."""
    limit = str(memory_mb * 1024 * 1024)
    candidates = (
        ("/sys/fs/cgroup", "memory.max", {"memory.swap.max": "0"}),
        (
            "/sys/fs/cgroup/memory",
            "memory.limit_in_bytes",
            {"memory.memsw.limit_in_bytes": limit, "memory.move_charge_at_immigrate": "3"},
        ),
    )
    for root, limit_file, extra in candidates:
        if not os.path.exists(os.path.join(root, limit_file if root.endswith("memory") else "cgroup.procs")):
            continue
        path = os.path.join(root, name)
        sweep_cgroups(root)
        try:
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, limit_file), "w") as f:
                f.write(limit)
        except OSError:
            continue
        for extra_file, value in extra.items():
            try:
                with open(os.path.join(path, extra_file), "w") as f:
                    f.write(value)
            except OSError:
                pass  # no swap accounting: nothing to limit
        return path
    return None


def join_cgroup(path: str, pid: int) -> None:
    with open(os.path.join(path, "cgroup.procs"), "w") as f:
        f.write(str(pid))


def cgroup_hit_limit(path: str) -> bool:
    try:
        with open(os.path.join(path, "memory.events")) as f:
            counts = dict(line.split() for line in f if line.strip())
        return int(counts.get("oom_kill", 0)) > 0
    except OSError:
        pass
    try:
        with open(os.path.join(path, "memory.oom_control")) as f:
            counts = dict(line.split() for line in f if line.strip())
        if "oom_kill" in counts:
            return int(counts["oom_kill"]) > 0
        with open(os.path.join(path, "memory.failcnt")) as f:
            return int(f.read().strip() or 0) > 0
    except OSError:
        return False


def peak_memory_mb(supervisor_pid: int) -> int | None:
    """Peak memory of the function run by the sandbox whose supervisor has this PID (None: no cgroup)."""
    name = f"lambda-sandbox-{supervisor_pid}"
    for path in (f"/sys/fs/cgroup/{name}/memory.peak", f"/sys/fs/cgroup/memory/{name}/memory.max_usage_in_bytes"):
        try:
            with open(path) as f:
                return int(f.read().strip()) // (1024 * 1024)
        except (OSError, ValueError):
            continue
    return None


def remove_cgroup(path: str) -> None:
    """One try: the kernel frees a cgroup ~10 ms after its last process; later runs sweep what is left."""
    with contextlib.suppress(OSError):
        os.rmdir(path)


def sweep_cgroups(root: str) -> None:
    """Remove the cgroups of earlier sandboxes whose supervisor is gone."""
    with contextlib.suppress(OSError):
        for name in os.listdir(root):
            if name.startswith("lambda-sandbox-") and not os.path.exists(f"/proc/{name.rsplit('-', 1)[1]}"):
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(root, name))


def setup_mounts(task_root: str, runtime_env: str, tmp_mb: int) -> None:
    """Build the Lambda file system view in the (already private) mount namespace of this process."""
    hidden = [*HIDDEN_DIRS, *HIDDEN_FILES, *cached_r_library_closure()]
    site_packages = sorted(
        {p for pattern in SITE_PACKAGES_GLOBS for p in glob(pattern) if not p.startswith(runtime_env + "/")}
    )
    # Opened before /var is covered, so a task root or runtime below /var stays reachable.
    task_fd = os.open(task_root, os.O_PATH | os.O_DIRECTORY)
    lang_fd = os.open(runtime_env, os.O_PATH | os.O_DIRECTORY)
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", "/var", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    for d in (TASK_ROOT, LANG_DIR, RUNTIME_DIR, "/var/.staging"):
        os.makedirs(d)
    bind(f"/proc/self/fd/{task_fd}", TASK_ROOT)
    bind(f"/proc/self/fd/{lang_fd}", LANG_DIR)
    os.close(task_fd)
    os.close(lang_fd)
    staging = "/var/.staging"
    mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700,size=1m")
    empty_dir, empty_file = os.path.join(staging, "empty"), os.path.join(staging, "empty-file")
    os.mkdir(empty_dir, 0o555)
    with open(empty_file, "w"):
        pass
    os.chmod(empty_file, 0)
    for path in [*hide_with_overlays(hidden, staging), *site_packages]:
        hide_in_place(path, empty_dir, empty_file)
    # Detached: the mounts made from it keep it alive, but the function cannot see it.
    _check(_libc.umount2(staging.encode(), MNT_DETACH), "umount staging")
    os.rmdir(staging)
    mount(None, "/var", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    # Only /tmp is writable, as on Lambda.
    mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={tmp_mb}m")


def run_child(argv: Sequence[str], env: dict[str, str], go_fd: int) -> None:
    """PID 1 of the new PID namespace: wait for the parent's go, then become ARGV."""
    try:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.read(go_fd, 1) != b"1":
            os._exit(1)
        os.close(go_fd)
        # A /proc of the new PID namespace: the function sees only its own processes.
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        os.chdir(TASK_ROOT)
        os.execvpe(argv[0], list(argv), env)
    except FileNotFoundError:
        print(f"sandbox: {argv[0]}: command not found in the Lambda environment", file=sys.stderr)
        os._exit(127)
    except BaseException as e:  # noqa: BLE001 - anything here must end the child with a reason
        print(f"sandbox: cannot start {argv[0]}: {e}", file=sys.stderr)
        os._exit(126)


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


def prepare(options: Options) -> tuple[dict[str, str], str | None]:
    """Checks, then the private namespaces and mounts; returns the environment and the memory cgroup."""
    if os.geteuid() != 0:
        raise SandboxError("needs root (a private mount namespace); run as root")
    task_root = os.path.realpath(options.task_root)
    if not os.path.isdir(task_root):
        raise SandboxError(f"--task-root {options.task_root}: not a directory (unzip the function there)")
    runtime_env = os.path.realpath(options.runtime_env)
    if not os.path.exists(os.path.join(runtime_env, "bin", "python3")):
        raise SandboxError(f"{runtime_env}: no python3.12 runtime environment; run: make setup")
    if options.lifeline_fd is None:
        # Standalone: die with the caller (the function then dies with us, PID 1 of its namespace).
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID), "unshare (needs root)")
    setup_mounts(task_root, runtime_env, options.tmp_mb)
    return lambda_environment(options), memory_cgroup(f"lambda-sandbox-{os.getpid()}", options.memory_mb)


def main(argv: Sequence[str]) -> int:
    try:
        options = parse_args(argv)
        env, cgroup = prepare(options)
    except (SandboxError, OSError) as e:
        print(f"sandbox: {e}", file=sys.stderr)
        return 125
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        run_child(options.command, env, go_r)
    os.close(go_r)
    os.write(go_w, b"1")
    os.close(go_w)
    try:
        if cgroup:
            # Joined while the function starts: moving a process costs ~10 ms of kernel RCU wait.
            join_cgroup(cgroup, pid)
        status, reason = supervise(pid, options.timeout_s, options.lifeline_fd)
    finally:
        out_of_memory = cgroup is not None and cgroup_hit_limit(cgroup)
        if cgroup:
            remove_cgroup(cgroup)
    if os.WIFSIGNALED(status) and out_of_memory:
        print(f"sandbox: Runtime.OutOfMemory: exceeded {options.memory_mb} MB", file=sys.stderr)
    elif reason:
        print(f"sandbox: {reason}", file=sys.stderr)
    return exit_code(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
