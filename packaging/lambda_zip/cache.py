"""The content hash over a build's inputs: when it is unchanged, the previous zip is the answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

SKIP_PARTS = frozenset({"__pycache__", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache"})


def source_files(root: Path) -> list[Path]:
    """Files of a source folder that go into the zip or the build: no caches, no tests."""
    if not root.exists():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not SKIP_PARTS.intersection(p.relative_to(root).parts) and p.suffix != ".pyc"
    )


def hash_files(digest: hashlib._Hash, label: str, root: Path, files: Iterable[Path]) -> None:
    for path in files:
        digest.update(f"{label}:{path.relative_to(root).as_posix()}\0".encode())
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        digest.update(b"\0")


def tree_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def input_hash(parts: dict[str, tuple[Path, list[Path]]], settings: dict[str, object]) -> str:
    """sha256 over labelled file contents (sorted) plus the JSON of the build settings."""
    digest = hashlib.sha256()
    for label in sorted(parts):
        root, files = parts[label]
        hash_files(digest, label, root, files)
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()
