"""What the Lambda python3.12 runtime (Amazon Linux 2023) provides: the one place the build trusts the target OS."""

from __future__ import annotations

from dataclasses import dataclass

# Shared libraries the Lambda OS has, so the zip must not carry them (name -> why it is safe to leave out).
LAMBDA_OS_LIBS: dict[str, str] = {
    "ld-linux-x86-64.so.2": "glibc 2.34: the dynamic loader itself",
    "libc.so.6": "glibc 2.34",
    "libm.so.6": "glibc 2.34 (math)",
    "libdl.so.2": "glibc 2.34 (empty stub since 2.34)",
    "libpthread.so.0": "glibc 2.34 (empty stub since 2.34)",
    "librt.so.1": "glibc 2.34 (empty stub since 2.34)",
    "libutil.so.1": "glibc 2.34 (empty stub since 2.34)",
    "libresolv.so.2": "glibc 2.34 (DNS resolver)",
    "libgcc_s.so.1": "gcc 11 runtime, needed by the python3.12 runtime itself",
    "libstdc++.so.6": "gcc 11 C++ runtime (GLIBCXX 3.4.29, CXXABI 1.3.13)",
    "libz.so.1": "zlib 1.2.11, needed by the python3.12 runtime itself",
}

# Highest symbol version of each family the Lambda OS defines; a bundled file needing more cannot load there.
ABI_LIMITS: dict[str, tuple[int, ...]] = {
    "GLIBC": (2, 34),
    "GLIBCXX": (3, 4, 29),
    "CXXABI": (1, 3, 13),
}


@dataclass(frozen=True)
class Relaxation:
    """One symbol whose too-new version need is rebound, in the bundled copy, to an older version of it."""

    file_glob: str
    symbol: str
    too_new: str
    older: str
    why: str


# The short allow-list: each symbol also exists under the older version with the behaviour R needs.
RELAXATIONS: tuple[Relaxation, ...] = (
    Relaxation(
        "libR.so",
        "hypot",
        "GLIBC_2.35",
        "GLIBC_2.2.5",
        "glibc 2.35 only dropped the SVID error wrapper from hypot; the 2.2.5 symbol computes the same value",
    ),
    Relaxation(
        "libicuuc.so.*",
        "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE",
        "GLIBCXX_3.4.30",
        "GLIBCXX_3.4.11",
        "GCC 12 re-versioned condition_variable::wait without changing its ABI; 3.4.11 is the original",
    ),
)


def version_key(version: str) -> tuple[str, tuple[int, ...]] | None:
    """'GLIBC_2.35' -> ('GLIBC', (2, 35)); None for a name outside the families the gate checks."""
    family, _, number = version.partition("_")
    if family not in ABI_LIMITS or not number:
        return None
    try:
        return family, tuple(int(part) for part in number.split("."))
    except ValueError:
        return None


def format_version(family: str, number: tuple[int, ...]) -> str:
    return f"{family}_{'.'.join(str(n) for n in number)}"
