"""Package sizes: the built zip against the 2017 zip and a blog-style untrimmed copy built here and now."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from lambda_zip import elf

ROOT = Path(__file__).resolve().parents[1]
# The 2017 write-up's deployment zip (R 3.x compiled on Amazon Linux + rpy2), as it reported it.
ZIP_2017_BYTES = 27 * 1024 * 1024


def package_sizes(manifest_path: Path) -> dict[str, int]:
    manifest = json.loads(manifest_path.read_text())
    return {"zip_bytes": int(manifest["zip_bytes"]), "unzipped_bytes": int(manifest["unzipped_bytes"])}


def _r_home() -> Path:
    return Path(subprocess.run(["R", "RHOME"], check=True, capture_output=True, text=True).stdout.strip())


def _linked_libraries(objects: list[Path], r_lib: Path) -> set[Path]:
    """Every shared library the given ELF objects load, except what the Lambda OS provides (the packager's walker)."""
    return set(elf.closure(objects, library_path=[r_lib], skip=["libR.so"]).bundle.values())


def _python_packages(names: list[str]) -> list[Path]:
    import importlib.util

    paths = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            origin = Path(spec.origin)
            paths.append(origin.parent if origin.name == "__init__.py" else origin)
    return paths


def blog_style_copy(workdir: Path) -> Path:
    """The untrimmed approach of the R-on-Lambda blog posts: all of R_HOME, R's share dir, every linked
    library and rpy2 copied next to the handler, then `zip -9`. Returns the tree."""
    tree = workdir / "blog-style"
    r_home = _r_home()
    shutil.copytree(r_home, tree / "R", symlinks=False, ignore_dangling_symlinks=True)
    share = Path("/usr/share/R")
    if share.is_dir():
        shutil.copytree(share, tree / "R" / "share", symlinks=False, dirs_exist_ok=True, ignore_dangling_symlinks=True)
    objects = [p for p in (tree / "R").rglob("*.so*") if elf.is_elf(p)]
    (tree / "lib").mkdir()
    for lib in sorted(_linked_libraries(objects, tree / "R" / "lib")):
        shutil.copy2(lib, tree / "lib" / lib.name)
    for package in _python_packages(["rpy2", "cffi", "_cffi_backend", "pycparser"]):
        target = tree / package.name
        if package.is_dir():
            shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(package, target)
    for source in (ROOT / "lambda").glob("*.py"):
        shutil.copy2(source, tree / source.name)
    return tree


def tree_bytes(tree: Path) -> int:
    return sum(p.stat().st_size for p in tree.rglob("*") if p.is_file() and not p.is_symlink())


def zip_tree(tree: Path, target: Path) -> int:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(tree).as_posix())
    return target.stat().st_size


def blog_style_sizes() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-blog-") as tmp:
        tree = blog_style_copy(Path(tmp))
        unzipped = tree_bytes(tree)
        zipped = zip_tree(tree, Path(tmp) / "blog-style.zip")
        files = sum(1 for p in tree.rglob("*") if p.is_file())
    return {"zip_bytes": zipped, "unzipped_bytes": unzipped, "files": files}


def unzip_to(zip_path: Path, target: Path) -> None:
    """Unpack keeping the executable bits that zipfile.extractall drops."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            archive.extract(info, target)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target / info.filename, mode)
