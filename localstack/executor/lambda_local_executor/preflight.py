"""What the sandbox needs from the host, checked once before anything starts.

Root with CAP_SYS_ADMIN, user namespaces that bubblewrap can map its uid in, and a writable cgroup file system
whose cpu and memory controllers reach new child groups. A host that lacks one gets one line naming it and how the
CI workflow provides it, instead of every function failing later. Standard library only.

  python3 preflight.py        # prints "sandbox preflight: ok" or the line, exit 0 or 1
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys

if not __package__:  # run as a script: make the package's modules importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from lambda_local_executor import limits  # noqa: E402

CAP_SYS_ADMIN = 21
HOW = "the CI test job's container gets it from `options: --privileged --cgroupns=host` (.github/workflows/test.yml)"
# What the sandbox does (lambda_view.py): a user namespace mapping Lambda's uid, with no capabilities left.
BWRAP_PROBE = ["bwrap", "--unshare-user", "--uid", "993", "--gid", "990", "--ro-bind", "/", "/", "--cap-drop", "ALL"]


def effective_capabilities() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def user_namespace_problem() -> str | None:
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed; run: make setup"
    result = subprocess.run([*BWRAP_PROBE, "--", "/bin/true"], capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return None
    reason = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
    return (
        f"bubblewrap cannot create a user namespace ({reason}): Docker's default seccomp profile or Ubuntu's "
        f"kernel.apparmor_restrict_unprivileged_userns refuses it; {HOW}"
    )


def cgroup_problem() -> str | None:
    """Make a probe group as limits.Cgroups would and check that its limit files are there and writable."""
    root = limits.ROOT
    probe = f"{limits.PREFIX}preflight-{os.getpid()}"
    if limits.V2:
        parents, files = [root], ["memory.max", "cpu.max"]
    else:
        parents, files = [os.path.join(root, "memory"), os.path.join(root, "cpu")], ["memory.limit_in_bytes"]
    made = []
    try:
        for parent in parents:
            path = os.path.join(parent, probe)
            try:
                os.mkdir(path)
            except OSError as error:
                return f"{parent} is not writable ({error.strerror}): the memory and CPU limits need it; {HOW}"
            made.append(path)
        if limits.V2:
            missing = [f for f in files if not os.path.exists(os.path.join(made[0], f))]
            if missing:
                return (
                    f"cgroup v2 at {root} gives new groups no {' or '.join(missing)} (cpu and memory are not in "
                    f"its cgroup.subtree_control: a private cgroup namespace); {HOW}"
                )
        return None
    finally:
        for path in made:
            with contextlib.suppress(OSError):
                os.rmdir(path)


def problem() -> str | None:
    """The first thing this host lacks for the sandbox, as one line; None when it has everything."""
    if os.geteuid() != 0:
        return f"needs root (running as uid {os.geteuid()}): the sandbox sets up namespaces and cgroups; {HOW}"
    if not effective_capabilities() & (1 << CAP_SYS_ADMIN):
        return f"CAP_SYS_ADMIN is missing: bubblewrap needs it to create the sandbox's namespaces; {HOW}"
    return user_namespace_problem() or cgroup_problem()


def main() -> int:
    line = problem()
    print(f"sandbox preflight: {line or 'ok'}", file=sys.stderr if line else sys.stdout)
    return 1 if line else 0


if __name__ == "__main__":
    sys.exit(main())
