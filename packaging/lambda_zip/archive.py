"""Writes the zip byte-for-byte reproducibly and enforces Lambda's size limits."""

from __future__ import annotations

import os
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lambda_zip import BuildError

ZIP_LIMIT = 52_428_800  # Lambda: 50 MB for a zip uploaded directly
UNZIPPED_LIMIT = 262_144_000  # Lambda: 250 MB unzipped, layers included
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
COMPRESSLEVEL = 9


@dataclass(frozen=True)
class ZipStats:
    zip_bytes: int
    unzipped_bytes: int
    files: int
    contributors: list[tuple[str, int, int]]  # (part, unzipped bytes, compressed bytes), largest first


def contributor(name: str) -> str:
    """The part of the zip a file belongs to, at the grain a user can decide to drop."""
    parts = name.split("/")
    if parts[0] == "R" and len(parts) > 2 and parts[1] == "library":
        return "/".join(parts[:3])
    if parts[0] in {"R", "lib"} and len(parts) > 1:
        return "/".join(parts[:2])
    return parts[0].split(".")[0] if len(parts) == 1 else parts[0]


def write_zip(root: Path, dest: Path) -> ZipStats:
    """Zip every file under root: sorted names, fixed time, mode 0644, deflate level 9, no directory entries."""
    files = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file() or p.is_symlink())
    tmp = dest.with_suffix(".zip.tmp")
    raw: Counter[str] = Counter()
    packed: Counter[str] = Counter()
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL) as zf:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3  # unix, so external_attr carries permissions
            info.external_attr = (0o100000 | 0o644) << 16  # nothing in the zip is executed directly
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=COMPRESSLEVEL)
    with zipfile.ZipFile(tmp) as zf:
        for entry in zf.infolist():
            part = contributor(entry.filename)
            raw[part] += entry.file_size
            packed[part] += entry.compress_size
    os.replace(tmp, dest)
    ranked = sorted(raw, key=lambda k: (-raw[k], k))
    return ZipStats(dest.stat().st_size, sum(raw.values()), len(files), [(k, raw[k], packed[k]) for k in ranked])


def size_gate(stats: ZipStats, zip_limit: int = ZIP_LIMIT, unzipped_limit: int = UNZIPPED_LIMIT) -> None:
    """Fail above either Lambda limit, listing the ten largest parts so the user knows what to drop."""
    over = []
    if stats.zip_bytes > zip_limit:
        over.append(f"zip {mb(stats.zip_bytes)} > {mb(zip_limit)}")
    if stats.unzipped_bytes > unzipped_limit:
        over.append(f"unzipped {mb(stats.unzipped_bytes)} > {mb(unzipped_limit)}")
    if over:
        top = "; ".join(f"{name} {mb(u)} ({mb(c)} zipped)" for name, u, c in stats.contributors[:10])
        raise BuildError(
            f"size gate: {', '.join(over)} (Lambda's limits); drop an R package or model from "
            f"build/models, or trim one of the ten largest parts: {top}"
        )


def mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"
