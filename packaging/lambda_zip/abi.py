"""The ABI gate: no bundled ELF file may need a glibc/libstdc++ symbol version newer than the Lambda OS has."""

from __future__ import annotations

import fnmatch
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lambda_zip import BuildError
from lambda_zip.elf import VER_FLG_WEAK, ElfInfo, VersionNeed, is_elf, read_elf
from lambda_zip.lambda_os import ABI_LIMITS, RELAXATIONS, Relaxation, format_version, version_key


@dataclass(frozen=True)
class Violation:
    file: str
    symbol: str
    version: str

    def __str__(self) -> str:
        return f"{self.file} needs {self.symbol}@{self.version}"


@dataclass(frozen=True)
class AbiReport:
    max_versions: dict[str, str]
    violations: tuple[Violation, ...]


def _too_new(version: str) -> bool:
    key = version_key(version)
    return key is not None and key[1] > ABI_LIMITS[key[0]]


def scan(root: Path) -> AbiReport:
    """Highest non-weak version needed per family over every ELF file under root, and every need over the limits."""
    highest: dict[str, tuple[int, ...]] = {}
    violations: list[Violation] = []
    for path in sorted(p for p in root.rglob("*") if is_elf(p)):
        info = read_elf(path)
        rel = path.relative_to(root).as_posix()
        for need in info.version_needs:
            key = version_key(need.version)
            if key is None or need.weak:
                continue
            family, number = key
            highest[family] = max(highest.get(family, number), number)
            if _too_new(need.version):
                for symbol in need.symbols or ("(no symbol, version need only)",):
                    violations.append(Violation(rel, symbol, need.version))
    return AbiReport({f: format_version(f, n) for f, n in sorted(highest.items())}, tuple(violations))


def gate(root: Path) -> AbiReport:
    report = scan(root)
    if report.violations:
        first = report.violations[0]
        more = f" (and {len(report.violations) - 1} more)" if len(report.violations) > 1 else ""
        raise BuildError(
            f"ABI gate: {first}{more}, newer than Amazon Linux 2023 provides "
            f"({', '.join(format_version(f, v) for f, v in ABI_LIMITS.items())}); bundle an older build of "
            "that library or add a documented relaxation in lambda_zip/lambda_os.py"
        )
    return report


def relax(path: Path, relaxations: tuple[Relaxation, ...] = RELAXATIONS) -> list[str]:
    """Apply the allow-listed relaxations matching this file to it in place; return what was applied.

    Two fixed-size fields change: the symbol's .gnu.version entry is pointed at the older version need of the
    same library, and the too-new need is marked VER_FLG_WEAK once no symbol uses it. LIEF's writer rebuilds
    whole tables for this (25 KB changed in libR.so), so the fields located by pyelftools are patched instead.
    """
    applied: list[str] = []
    for relaxation in relaxations:
        if not fnmatch.fnmatch(path.name, relaxation.file_glob):
            continue
        info = read_elf(path)
        new = _need(info, relaxation.too_new, relaxation.symbol)
        if new is None:
            continue  # this build of the library does not need the too-new version: nothing to relax
        old = next((n for n in info.version_needs if n.library == new.library and n.version == relaxation.older), None)
        if old is None or info.versym_offset is None:
            raise BuildError(
                f"cannot relax {relaxation.symbol}@{relaxation.too_new} in {path.name}: it has no "
                f"{relaxation.older} need of {new.library} to rebind to; bundle an older build of it"
            )
        with path.open("r+b") as fh:
            for index, name in enumerate(info.dynsym_names):
                if name == relaxation.symbol and _versym(fh, info, index) == new.index:
                    fh.seek(info.versym_offset + 2 * index)
                    fh.write(struct.pack("<H", old.index))
        still_used = _need(read_elf(path), relaxation.too_new, None)
        if still_used is not None and not still_used.symbols:
            with path.open("r+b") as fh:
                fh.seek(still_used.flags_offset)
                (flags,) = struct.unpack("<H", fh.read(2))
                fh.seek(still_used.flags_offset)
                fh.write(struct.pack("<H", flags | VER_FLG_WEAK))
        applied.append(
            f"{path.name}: {relaxation.symbol}@{relaxation.too_new} -> @{relaxation.older} ({relaxation.why})"
        )
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
