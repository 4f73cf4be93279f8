"""Reads what an ELF file needs (libraries, symbol versions) and finds libraries the way the host's loader does."""

from __future__ import annotations

import functools
import os
import struct
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection
from elftools.elf.sections import SymbolTableSection

from lambda_zip import BuildError
from lambda_zip.lambda_os import LIBRARIES

ELF_MAGIC = b"\x7fELF"
VER_FLG_WEAK = 0x2
# Where glibc's loader looks after RPATH, LD_LIBRARY_PATH, RUNPATH and ld.so.cache (x86-64 Debian/Ubuntu).
DEFAULT_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib")


@dataclass(frozen=True)
class VersionNeed:
    """One entry of .gnu.version_r: `library` must define `version`; `symbols` are the imports bound to it."""

    library: str
    version: str
    index: int
    weak: bool
    flags_offset: int
    symbols: tuple[str, ...]


@dataclass(frozen=True)
class ElfInfo:
    path: Path
    soname: str | None
    needed: tuple[str, ...]
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]
    version_needs: tuple[VersionNeed, ...]
    versym_offset: int | None
    dynsym_names: tuple[str, ...] = field(repr=False)


def is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as fh:
        return fh.read(4) == ELF_MAGIC


def _expand_origin(entries: str, origin: Path) -> tuple[str, ...]:
    return tuple(e.replace("$ORIGIN", str(origin)).replace("${ORIGIN}", str(origin)) for e in entries.split(":") if e)


def read_elf(path: Path) -> ElfInfo:
    """Parse the dynamic section, dynamic symbols and version needs of one ELF file."""
    with path.open("rb") as fh:
        elf = ELFFile(fh)
        soname: str | None = None
        needed: list[str] = []
        rpath: tuple[str, ...] = ()
        runpath: tuple[str, ...] = ()
        dynamic = elf.get_section_by_name(".dynamic")
        if isinstance(dynamic, DynamicSection):
            for tag in dynamic.iter_tags():
                if tag.entry.d_tag == "DT_NEEDED":
                    needed.append(tag.needed)  # type: ignore[attr-defined]
                elif tag.entry.d_tag == "DT_SONAME":
                    soname = tag.soname  # type: ignore[attr-defined]
                elif tag.entry.d_tag == "DT_RPATH":
                    rpath = _expand_origin(tag.rpath, path.parent)  # type: ignore[attr-defined]
                elif tag.entry.d_tag == "DT_RUNPATH":
                    runpath = _expand_origin(tag.runpath, path.parent)  # type: ignore[attr-defined]
        dynsym = elf.get_section_by_name(".dynsym")
        names = tuple(sym.name for sym in dynsym.iter_symbols()) if isinstance(dynsym, SymbolTableSection) else ()
        versym = elf.get_section_by_name(".gnu.version")
        versym_offset = int(versym["sh_offset"]) if versym is not None else None
        indices: list[int] = []
        if versym is not None:
            fh.seek(versym_offset or 0)
            raw = fh.read(2 * len(names))
            indices = [v & 0x7FFF for (v,) in struct.iter_unpack("<H", raw)]
        needs: list[VersionNeed] = []
        verneed = elf.get_section_by_name(".gnu.version_r")
        if isinstance(verneed, GNUVerNeedSection):
            needs = _version_needs(verneed, names, indices)
    return ElfInfo(path, soname, tuple(needed), rpath, runpath, tuple(needs), versym_offset, names)


def _version_needs(section: GNUVerNeedSection, names: tuple[str, ...], indices: list[int]) -> list[VersionNeed]:
    """Walk .gnu.version_r keeping each vernaux's file offset, so a relaxation can flip its flags in place."""
    out: list[VersionNeed] = []
    base = int(section["sh_offset"])
    entry_offset = 0
    for verneed, auxiliaries in section.iter_versions():
        aux_offset = entry_offset + int(verneed["vn_aux"])
        for aux in auxiliaries:
            index = int(aux["vna_other"])
            users = tuple(sorted({n for n, i in zip(names, indices, strict=False) if i == index and n}))
            out.append(
                VersionNeed(
                    library=str(verneed.name),
                    version=str(aux.name),
                    index=index,
                    weak=bool(int(aux["vna_flags"]) & VER_FLG_WEAK),
                    flags_offset=base + aux_offset + 4,  # Elf_Vernaux: u32 hash, u16 flags, ...
                    symbols=users,
                )
            )
            aux_offset += int(aux["vna_next"])
        entry_offset += int(verneed["vn_next"])
    return out


@functools.cache
def ld_so_cache() -> dict[str, str]:
    """The loader's cache (`ldconfig -p`): library name -> path, x86-64 entries only."""
    try:
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        listing = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    cache: dict[str, str] = {}
    for line in listing.splitlines():
        name, sep, rest = line.strip().partition(" (")
        if sep and "x86-64" in rest.split(")")[0] and "=>" in rest:
            cache.setdefault(name, rest.split("=>", 1)[1].strip())
    return cache


def resolve(name: str, requirer: ElfInfo, library_path: Iterable[Path]) -> Path | None:
    """Find `name` as glibc's loader would for `requirer`, with `library_path` standing in for LD_LIBRARY_PATH."""
    if "/" in name:
        return Path(name) if Path(name).exists() else None
    dirs: list[str] = []
    if not requirer.runpath:
        dirs += requirer.rpath
    dirs += [str(p) for p in library_path]
    dirs += requirer.runpath
    for d in dirs:
        candidate = Path(d) / name
        if candidate.exists():
            return candidate
    cached = ld_so_cache().get(name)
    if cached and Path(cached).exists():
        return Path(cached)
    for d in DEFAULT_DIRS:
        candidate = Path(d) / name
        if candidate.exists():
            return candidate
    return None


@dataclass
class Closure:
    """Libraries to bundle (name -> host file), what the Lambda OS provides, and who needs what."""

    bundle: dict[str, Path] = field(default_factory=dict)
    provided: dict[str, set[str]] = field(default_factory=dict)
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def load_order(self) -> list[str]:
        """Bundled library names, each after every bundled library it needs (ties by name: deterministic)."""
        order: list[str] = []
        done: set[str] = set()

        def visit(name: str, trail: tuple[str, ...]) -> None:
            if name in done or name in trail:
                return
            for dep in sorted(self.needs.get(name, ())):
                if dep in self.bundle:
                    visit(dep, (*trail, name))
            done.add(name)
            order.append(name)

        for name in sorted(self.bundle):
            visit(name, ())
        return order


def closure(roots: Iterable[Path], library_path: list[Path], skip: Iterable[str] = ()) -> Closure:
    """Walk NEEDED entries from `roots`; everything resolved outside the roots and not on the Lambda OS is bundled.

    `skip` names libraries the roots already provide (e.g. libR.so inside the R tree).
    """
    result = Closure()
    known = set(skip)
    queue: list[tuple[str, ElfInfo]] = []
    for path in sorted(roots):
        info = read_elf(path)
        queue.append((info.soname or path.name, info))
        known.update(n for n in (info.soname, path.name) if n)
    while queue:
        label, info = queue.pop(0)
        result.needs[label] = info.needed
        for name in info.needed:
            if name in LIBRARIES and LIBRARIES[name].zip_may_link:
                result.provided.setdefault(name, set()).add(label)
                continue
            if name in known:
                continue
            found = resolve(name, info, library_path)
            if found is None:
                raise BuildError(
                    f"{info.path} needs {name}, which is not installed on this machine; "
                    "install the package that ships it (apt-cache search) and re-run make package"
                )
            known.add(name)
            real = Path(os.path.realpath(found))
            result.bundle[name] = real
            queue.append((name, read_elf(real)))
    return result
