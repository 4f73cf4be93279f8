"""The ABI gate: every bundled ELF file loads on the Lambda OS, or the build fails naming the file and the need.

Each NEEDED library resolves inside the zip or to a library the Lambda OS lets a zip link against; each symbol
version asked of a Lambda OS library is one that library defines there (GLIBC_PRIVATE and unknown families fail).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lambda_zip import BuildError
from lambda_zip.elf import VER_FLG_WEAK, ElfInfo, VersionNeed, is_elf, read_elf
from lambda_zip.lambda_os import LIBRARIES, RELAXATIONS, Relaxation, format_version, symbol_versions, version_key


@dataclass(frozen=True)
class Violation:
    file: str
    need: str

    def __str__(self) -> str:
        return f"{self.file} needs {self.need}"


@dataclass(frozen=True)
class AbiReport:
    max_versions: dict[str, str]
    violations: tuple[Violation, ...]


def _version_problem(version: str, defined: dict[str, frozenset[str]]) -> str | None:
    """Why the Lambda OS cannot satisfy this version need, or None when it can."""
    if any(version in versions for versions in defined.values()):
        return None
    if version == "GLIBC_PRIVATE":
        return "glibc's private interface, which differs between glibc builds"
    key = version_key(version)
    if key is not None and key[0] in defined:
        return f"newer than Amazon Linux 2023 provides (at most {_highest(defined[key[0]])})"
    return "a symbol version family the Lambda OS description does not know"


def _highest(versions: frozenset[str]) -> str:
    keyed = [k for k in map(version_key, versions) if k is not None]
    return format_version(*max(keyed)) if keyed else ", ".join(sorted(versions))


def _library_problem(name: str, in_zip: set[str]) -> str | None:
    if name in in_zip:
        return None
    lib = LIBRARIES.get(name)
    if lib is None:
        return "it is neither in the zip nor on Amazon Linux 2023's Lambda runtime"
    if not lib.zip_may_link:
        return f"the runtime has it ({lib.package}) at a version nobody pins: bundle it"
    return None


def scan(root: Path) -> AbiReport:
    """Every need under root that the Lambda OS cannot satisfy, and the highest version used per family."""
    defined = symbol_versions()
    elves = sorted(p for p in root.rglob("*") if is_elf(p))
    infos = [read_elf(p) for p in elves]
    in_zip = {p.name for p in root.rglob("*")} | {i.soname for i in infos if i.soname}
    highest: dict[str, tuple[int, ...]] = {}
    violations: list[Violation] = []
    for info in infos:
        rel = info.path.relative_to(root).as_posix()
        for name in info.needed:
            if (problem := _library_problem(name, in_zip)) is not None:
                violations.append(Violation(rel, f"{name} ({problem})"))
        for need in info.version_needs:
            if need.weak or need.library in in_zip:
                continue  # a weak need never fails to load; a bundled library defines its own versions
            key = version_key(need.version)
            if key is not None and key[0] in defined:
                highest[key[0]] = max(highest.get(key[0], key[1]), key[1])
            if (problem := _version_problem(need.version, defined)) is not None:
                for symbol in need.symbols or ("(no symbol, version need only)",):
                    violations.append(Violation(rel, f"{symbol}@{need.version} ({problem})"))
    return AbiReport({f: format_version(f, n) for f, n in sorted(highest.items())}, tuple(violations))


def holder(file: str) -> str:
    """Who brings a file of the zip, in the words a user acts on: an R package, R itself, a bundled library."""
    parts = file.split("/")
    if parts[:2] == ["R", "library"] and len(parts) > 2:
        return f"R package {parts[2]}"
    if parts[0] == "R":
        return "R itself"
    if parts[0] == "lib":
        return "bundled system library"
    return "Python package"


def _remedy(owner: str) -> str:
    if owner.startswith("R package "):
        name = owner.removeprefix("R package ")
        return (
            f"install a build of {name} made for glibc 2.34 and GCC 11 (e.g. R CMD INSTALL from source on Amazon Linux "
            "2023) into a library on R's .libPaths() (R_LIBS_USER), or an older Debian release of it"
        )
    if owner == "R itself":
        return "use an R built for glibc 2.34 (e.g. Debian 11's r-base-core)"
    return "install an older build of that library (e.g. Debian 11's package)"


def gate(root: Path) -> AbiReport:
    report = scan(root)
    if report.violations:
        first = report.violations[0]
        more = f" (and {len(report.violations) - 1} more)" if len(report.violations) > 1 else ""
        owner = holder(first.file)
        raise BuildError(
            f"ABI gate: {owner}: {first}{more}; {_remedy(owner)}; or, if that symbol also exists under an older "
            "version that behaves the same, add a Relaxation with its reason to RELAXATIONS in lambda_zip/lambda_os.py"
        )
    return report


def relax_tree(root: Path, relaxations: tuple[Relaxation, ...] = RELAXATIONS) -> list[str]:
    """Apply the relaxations to every ELF file under root; return what was applied, per file (relative to root)."""
    applied: list[str] = []
    for path in sorted(p for p in root.rglob("*") if is_elf(p)):
        applied += relax(path, relaxations, root)
    return applied


def relax(path: Path, relaxations: tuple[Relaxation, ...] = RELAXATIONS, root: Path | None = None) -> list[str]:
    """Apply each allow-listed relaxation whose too-new symbol version this file needs, in place; say what was applied.

    Two fixed-size fields change: the symbol's .gnu.version entry is pointed at the older version need of the
    same library, and the too-new need is marked VER_FLG_WEAK once no symbol uses it. LIEF's writer rebuilds
    whole tables for this (25 KB changed in libR.so), so the fields located by pyelftools are patched instead.
    """
    name = path.relative_to(root).as_posix() if root is not None else path.name
    applied: list[str] = []
    for relaxation in relaxations:
        info = read_elf(path)
        new = _need(info, relaxation.too_new, relaxation.symbol)
        if new is None:
            continue  # this file does not need the too-new version of this symbol: nothing to relax
        old = next((n for n in info.version_needs if n.library == new.library and n.version == relaxation.older), None)
        if old is None or info.versym_offset is None:
            owner = holder(name)
            raise BuildError(
                f"cannot relax {relaxation.symbol}@{relaxation.too_new} in {owner}: {name}: it has no "
                f"{relaxation.older} need of {new.library} to rebind to; {_remedy(owner)}"
            )
        with path.open("r+b") as fh:
            for index, symbol in enumerate(info.dynsym_names):
                if symbol == relaxation.symbol and _versym(fh, info, index) == new.index:
                    fh.seek(info.versym_offset + 2 * index)
                    fh.write(struct.pack("<H", old.index))
        still_used = _need(read_elf(path), relaxation.too_new, None)
        if still_used is not None and not still_used.symbols:
            with path.open("r+b") as fh:
                fh.seek(still_used.flags_offset)
                (flags,) = struct.unpack("<H", fh.read(2))
                fh.seek(still_used.flags_offset)
                fh.write(struct.pack("<H", flags | VER_FLG_WEAK))
        applied.append(f"{name}: {relaxation.symbol}@{relaxation.too_new} -> @{relaxation.older} ({relaxation.why})")
    return applied


def _need(info: ElfInfo, version: str, symbol: str | None) -> VersionNeed | None:
    for need in info.version_needs:
        if need.version == version and not need.weak and (symbol is None or symbol in need.symbols):
            return need
    return None


def _versym(fh: BinaryIO, info: ElfInfo, index: int) -> int:
    fh.seek((info.versym_offset or 0) + 2 * index)
    (value,) = struct.unpack("<H", fh.read(2))
    return int(value) & 0x7FFF
