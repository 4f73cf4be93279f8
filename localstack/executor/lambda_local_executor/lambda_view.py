"""The file system a function sees: only what the Lambda OS description lists, built as bubblewrap arguments.

Nothing of the host is visible unless named here: the libraries, programs and data of the Lambda OS
(packaging/lambda_zip/lambda_os.py), the python3.12 runtime, the task root, a sized /tmp. Standard library only.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
LAMBDA_OS_FILE = os.path.join(REPO_ROOT, "packaging", "lambda_zip", "lambda_os.py")
RUNTIME_ENV = os.path.join(REPO_ROOT, "build", "venv", "lambda-python3.12")
# Where Debian keeps the libraries Amazon Linux 2023 keeps in /usr/lib64.
HOST_LIBRARY_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib")
# Merged-/usr links at the root, recreated as the host has them so ELF interpreters and #! lines resolve.
ROOT_LINKS = ("/lib", "/lib64", "/bin", "/sbin")
DEVICES = ("null", "zero", "full", "random", "urandom")
# The x86-64 ABI's fixed path of the dynamic loader, which every executable names.
INTERPRETER = "/lib64/ld-linux-x86-64.so.2"
HOST_ETC = ("/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf")

TASK_ROOT = "/var/task"
LANG_DIR = "/var/lang"
RUNTIME_DIR = "/var/runtime"


def load_lambda_os() -> ModuleType:
    """The Lambda OS description, loaded by path: the executor runs outside the packaging environment."""
    name = "lambda_os_description"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, LAMBDA_OS_FILE)
    if spec is None or spec.loader is None:
        raise OSError(f"cannot load the Lambda OS description {LAMBDA_OS_FILE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


lambda_os = load_lambda_os()


def python_home(runtime_env: str) -> str:
    """The interpreter install a venv was made from (its pyvenv.cfg `home`, one level up from bin/)."""
    with open(os.path.join(runtime_env, "pyvenv.cfg")) as f:
        for line in f:
            key, _, value = line.partition("=")
            if key.strip() == "home":
                return os.path.dirname(value.strip())
    raise OSError(f"{runtime_env}/pyvenv.cfg has no home; run: make setup")


def visible_libraries() -> dict[str, str]:
    """Soname (the Lambda one and the host's, where they differ) -> the host file offered in its place."""
    found: dict[str, str] = {}
    for name, lib in lambda_os.LIBRARIES.items():
        names = [name] + ([lib.debian_soname] if lib.debian_soname else [])
        for directory in HOST_LIBRARY_DIRS:
            hits = [os.path.join(directory, n) for n in names if os.path.exists(os.path.join(directory, n))]
            if hits:
                found.update({os.path.basename(h): h for h in hits})
                break
    return found


def foreign_objects(mapped: list[str], runtime_env: str = RUNTIME_ENV) -> list[str]:
    """Shared objects a sandboxed function mapped that are neither its own, the runtime's, nor a Lambda OS library
    (the view binds each library at its host file's path, so a mapped path is that file's)."""
    allowed = {os.path.realpath(path) for path in visible_libraries().values()}
    own = (TASK_ROOT + "/", LANG_DIR + "/", python_home(runtime_env) + "/")
    return sorted(path for path in mapped if not path.startswith(own) and path not in allowed)


class View:
    """Accumulates bubblewrap operations; each host path is exposed once, with every symlink on its way."""

    def __init__(self) -> None:
        self.args: list[str] = []
        self.links: set[str] = set()
        self.bound: set[str] = set()

    def expose(self, path: str) -> None:
        """Make `path` resolve inside as on the host: the symlinks on the way, then the file or directory, read-only."""
        for _ in range(40):
            link = _first_symlink(path)
            if link is None:
                if path not in self.bound and os.path.exists(path):
                    self.bound.add(path)
                    self.args += ["--ro-bind", path, path]
                return
            target = os.readlink(link)
            if link not in self.links:
                self.links.add(link)
                self.args += ["--symlink", target, link]
            path = os.path.normpath(os.path.join(os.path.dirname(link), target) + path[len(link) :])


def _first_symlink(path: str) -> str | None:
    prefix = ""
    for part in path.strip("/").split("/"):
        prefix += "/" + part
        if os.path.islink(prefix):
            return prefix
    return None


def bwrap_args(task_root: str, runtime_env: str, tmp_mb: int, identity_fd: tuple[int, int]) -> list[str]:
    """bubblewrap's command line (up to `--`) for a Lambda execution environment.

    identity_fd: readable fds holding /etc/passwd and /etc/group for the sandbox user.
    """
    view = View()
    args = [
        "bwrap",
        "--unshare-user",
        "--uid",
        str(lambda_os.UID),
        "--gid",
        str(lambda_os.GID),
        "--disable-userns",  # the function cannot make a namespace of its own to undo the view
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--cap-drop",
        "ALL",
    ]
    for link in ROOT_LINKS:
        if os.path.islink(link):
            view.links.add(link)
            view.args += ["--symlink", os.readlink(link), link]
    for path in sorted(set(visible_libraries().values())):
        view.expose(path)
    for path in (INTERPRETER, *lambda_os.PROGRAMS, *lambda_os.DATA, *HOST_ETC):
        view.expose(path)
    home = python_home(runtime_env)
    view.expose(home)
    # The interpreter's own site-packages stay empty: the runtime's packages come from /var/lang only.
    for version_dir in os.listdir(os.path.join(home, "lib")):
        site = os.path.join(home, "lib", version_dir, "site-packages")
        if version_dir.startswith("python") and os.path.isdir(site):
            view.args += ["--tmpfs", site, "--remount-ro", site]
    args += view.args
    args += ["--ro-bind", task_root, TASK_ROOT, "--ro-bind", runtime_env, LANG_DIR]
    args += ["--dir", RUNTIME_DIR, "--dir", "/opt"]
    args += ["--ro-bind-data", str(identity_fd[0]), "/etc/passwd", "--ro-bind-data", str(identity_fd[1]), "/etc/group"]
    # /dev holds the usual devices and no shm: POSIX semaphores fail as they do on Lambda.
    args += ["--tmpfs", "/dev"]
    for device in DEVICES:
        args += ["--dev-bind", f"/dev/{device}", f"/dev/{device}"]
    args += ["--symlink", "/proc/self/fd", "/dev/fd"]
    for number, stream in enumerate(("stdin", "stdout", "stderr")):
        args += ["--symlink", f"/proc/self/fd/{number}", f"/dev/{stream}"]
    args += ["--remount-ro", "/dev", "--proc", "/proc"]
    args += ["--size", str(tmp_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp"]
    args += ["--remount-ro", "/", "--chdir", TASK_ROOT]
    return args


def identity_files() -> tuple[bytes, bytes]:
    """/etc/passwd and /etc/group as Lambda's have them for the function's user."""
    uid, gid = lambda_os.UID, lambda_os.GID
    passwd = f"root:x:0:0:root:/root:/bin/sh\nsbx_user1051:x:{uid}:{gid}::/home/sbx_user1051:/sbin/nologin\n"
    group = f"root:x:0:\nsbx_user1051:x:{gid}:\n"
    return passwd.encode(), group.encode()
