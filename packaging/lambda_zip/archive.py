"""Writes the zip byte-for-byte reproducibly and enforces Lambda's size limits."""

from __future__ import annotations

import os
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lambda_zip import BuildError

# AWS's Lambda quotas (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): "50 MB (zipped, when
# uploaded through the Lambda API or SDKs). Upload larger files with Amazon S3." and 250 MB unzipped, layers included.
ZIP_LIMIT = 52_428_800  # direct upload only: this stack deploys the zip from its artifact bucket (S3)
UNZIPPED_LIMIT = 262_144_000
DIRECT_OR_S3 = "direct or S3"
S3_ONLY = "S3 only"
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


def size_gate(stats: ZipStats, zip_limit: int = ZIP_LIMIT, unzipped_limit: int = UNZIPPED_LIMIT) -> str:
    """Fail above the unzipped limit, naming the largest R packages; say how the zip may reach Lambda.

    Returns DIRECT_OR_S3, or S3_ONLY for a zip over the direct-upload limit (Lambda takes it from S3).
    """
    if stats.unzipped_bytes > unzipped_limit:
        library = "R/library/"
        packages = [f"{n.removeprefix(library)} {mb(u)}" for n, u, _ in stats.contributors if n.startswith(library)]
        others = [f"{n} {mb(u)}" for n, u, _ in stats.contributors if not n.startswith(library)]
        raise BuildError(
            f"size gate: unzipped {mb(stats.unzipped_bytes)} > {mb(unzipped_limit)} (Lambda's limit for a zip "
            f"function, from S3 too); largest R packages: {', '.join(packages[:5]) or 'none'}; "
            f"other large parts: {', '.join(others[:3])}; drop the models that need the largest packages "
            "from build/models, or serve them from a function of their own"
        )
    return S3_ONLY if stats.zip_bytes > zip_limit else DIRECT_OR_S3


def mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"
