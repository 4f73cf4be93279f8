"""The Lambda OS: what the python3.12 runtime (Amazon Linux 2023) gives a function, each fact with its source.

The one description of the target that the ABI gate, the sandbox, the smoke test and the benchmark read.
Standard library only: the sandbox loads this file by path, outside this package.
"""

from __future__ import annotations

import json
from typing import NamedTuple

RUNTIME = "python3.12"
PYTHON = (3, 12)
# Lambda runs the function as this user and group (sbx_user1051), never as root.
UID, GID = 993, 990

AL2023_GUIDE = "Amazon Linux 2023 user guide, 'Comparing AL2 and AL2023': glibc 2.34, gcc 11, OpenSSL 3"
IMAGE_RPMS = "`rpm -qa` of public.ecr.aws/lambda/python:3.12 (github.com/amazonlinux/amazon-linux-2023/issues/585)"
RUNTIME_LIBS = "the python3.12 runtime's own /var/lang/lib (github.com/aws/aws-lambda-base-images/issues/127)"
MANYLINUX = "auditwheel's manylinux_2_34 x86_64 policy (glibc 2.34 and gcc 11 are Amazon Linux 2023's)"
QUOTAS = "AWS Lambda developer guide, 'Lambda quotas'"


class Library(NamedTuple):
    """A shared library the Lambda OS has, by the soname a binary asks for."""

    package: str
    source: str
    # True: its symbol versions are pinned (manylinux_2_34), so a zip may link against it. False: the runtime has
    # it for Python's own modules at a version nobody pins, so a zip that needs it bundles its own copy.
    zip_may_link: bool = False
    # The same library's soname on a Debian host when it differs (the sandbox offers it under both names).
    debian_soname: str | None = None


# Everything a function may load from outside its zip. Stricter than manylinux, which also allows X11, GL and glib.
LIBRARIES: dict[str, Library] = {
    "ld-linux-x86-64.so.2": Library("glibc 2.34", IMAGE_RPMS, True),
    "libc.so.6": Library("glibc 2.34", IMAGE_RPMS, True),
    "libm.so.6": Library("glibc 2.34", IMAGE_RPMS, True),
    "libmvec.so.1": Library("glibc 2.34", IMAGE_RPMS, True),
    "libdl.so.2": Library("glibc 2.34 (empty since 2.34)", IMAGE_RPMS, True),
    "libpthread.so.0": Library("glibc 2.34 (empty since 2.34)", IMAGE_RPMS, True),
    "librt.so.1": Library("glibc 2.34 (empty since 2.34)", IMAGE_RPMS, True),
    "libutil.so.1": Library("glibc 2.34 (empty since 2.34)", IMAGE_RPMS, True),
    "libanl.so.1": Library("glibc 2.34", IMAGE_RPMS, True),
    "libresolv.so.2": Library("glibc 2.34", IMAGE_RPMS, True),
    "libgcc_s.so.1": Library("libgcc 11", AL2023_GUIDE, True),
    "libstdc++.so.6": Library("libstdc++ 11 (GLIBCXX 3.4.29, CXXABI 1.3.13)", AL2023_GUIDE, True),
    "libz.so.1": Library("zlib 1.2.11", IMAGE_RPMS, True),
    "libssl.so.3": Library("openssl-libs 3.0 (Python's ssl)", AL2023_GUIDE),
    "libcrypto.so.3": Library("openssl-libs 3.0 (Python's ssl, hashlib)", AL2023_GUIDE),
    "libffi.so.8": Library("libffi 3.4 (Python's ctypes)", RUNTIME_LIBS),
    "liblzma.so.5": Library("xz 5.2 (Python's lzma)", RUNTIME_LIBS),
    "libbz2.so.1": Library("bzip2-libs 1.0.8 (Python's bz2)", IMAGE_RPMS, debian_soname="libbz2.so.1.0"),
    "libsqlite3.so.0": Library("sqlite-libs (Python's sqlite3)", RUNTIME_LIBS),
    "libexpat.so.1": Library("expat (Python's pyexpat, which botocore's XML parsing uses)", RUNTIME_LIBS),
    "libuuid.so.1": Library("libuuid (Python's _uuid)", RUNTIME_LIBS),
}

# The image's coreutils: AL2023's minimal container image, which the python3.12 image is built on, carries
# coreutils-single (one multi-call binary); findutils and `which` are not in it (aws-lambda-base-images#196).
COREUTILS = "coreutils-single 8.32, " + IMAGE_RPMS
# Programs on the Lambda OS that R or Python may start (bash provides /bin/sh); `which` is absent.
PROGRAMS: dict[str, str] = {
    "/bin/sh": "bash, " + IMAGE_RPMS,
    # R removes its session temp directory at exit with `rm -Rf` through /bin/sh.
    "/usr/bin/rm": COREUTILS,
}
# Data the OS ships that the runtime reads: time zones, the C.UTF-8 locale, glibc's iconv modules.
DATA: dict[str, str] = {
    "/usr/share/zoneinfo": "tzdata, " + IMAGE_RPMS,
    "/usr/lib/locale/C.utf8": "glibc-minimal-langpack (C and C.UTF-8 only), " + IMAGE_RPMS,
    "/usr/lib/x86_64-linux-gnu/gconv": "glibc's iconv modules, " + IMAGE_RPMS,
}

# Limits of one execution environment (source: QUOTAS).
CPU_FULL_AT_MB = 1769  # one full vCPU at 1,769 MB; the share is linear below
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 6_291_556  # the figure Lambda's Function.ResponseSizeTooLarge error states
INIT_TIMEOUT_S = 10.0
MAX_ENVIRONMENT_BYTES = 4 * 1024  # LocalStack's control plane enforces it, as Lambda's does
DEFAULT_TMP_MB = 512
MAX_FILE_DESCRIPTORS = 1024
LD_LIBRARY_PATH = "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"


def cpu_share(memory_mb: int) -> float:
    """The fraction of one vCPU an environment with this much memory gets."""
    return min(1.0, memory_mb / CPU_FULL_AT_MB)


def debian_sonames() -> dict[str, str]:
    """Host soname -> Lambda soname, for every library whose name differs on a Debian host."""
    return {lib.debian_soname: name for name, lib in LIBRARIES.items() if lib.debian_soname}


def symbol_versions() -> dict[str, frozenset[str]]:
    """Library family -> every symbol version the Lambda OS defines ('GLIBC' -> {'GLIBC_2.2.5', ..., 'GLIBC_2.34'}).

    Read from auditwheel's policy data (a maintained source) rather than copied by hand; only the build needs it.
    """
    from importlib import resources

    policies = json.loads(resources.files("auditwheel.policy").joinpath("manylinux-policy.json").read_text())
    policy = next(p for p in policies if p["name"] == "manylinux_2_34")
    return {
        family: frozenset(f"{family}_{v}" for v in versions)
        for family, versions in policy["symbol_versions"]["x86_64"].items()
    }


def version_key(version: str) -> tuple[str, tuple[int, ...]] | None:
    """'GLIBC_2.35' -> ('GLIBC', (2, 35)); None when the part after the family is not a dotted number."""
    family, _, number = version.rpartition("_")
    try:
        return (family, tuple(int(part) for part in number.split("."))) if family else None
    except ValueError:
        return None


def format_version(family: str, number: tuple[int, ...]) -> str:
    return f"{family}_{'.'.join(str(n) for n in number)}"


class Relaxation(NamedTuple):
    """A symbol whose too-new version need is rebound, in every bundled file that has it, to an older version of it.

    Bound to the symbol, not to a file: the same symbol compiled into R, a system library or an R package's shared
    object (libR.so, libicuuc, nlme.so, ranger.so, ...) gets the same treatment, with the same written reason.
    """

    symbol: str
    too_new: str
    older: str
    why: str


# The short allow-list: each symbol also exists under the older version with the behaviour R needs.
RELAXATIONS: tuple[Relaxation, ...] = (
    Relaxation(
        "hypot",
        "GLIBC_2.35",
        "GLIBC_2.2.5",
        "glibc 2.35 only dropped the SVID error wrapper from hypot; the 2.2.5 symbol computes the same value",
    ),
    Relaxation(
        "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE",
        "GLIBCXX_3.4.30",
        "GLIBCXX_3.4.11",
        "GCC 12 re-versioned condition_variable::wait without changing its ABI; 3.4.11 is the original",
    ),
)
