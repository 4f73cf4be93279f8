"""What of an installed R package goes into the zip."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lambda_zip import r_tree


def _installed(root: Path) -> r_tree.RPackage:
    package = root / "tzdb"
    for name in ("DESCRIPTION", "NAMESPACE", "R/tzdb.rdb", "tzdata/Europe/Berlin", "help/tzdb.rdb", "tinytest/t.R"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_bytes(b"x" * 10)
    return r_tree.RPackage("tzdb", "0.3.0", package)


def test_a_package_keeps_what_it_may_read_at_load_and_loses_its_docs_and_tests(tmp_path: Path) -> None:
    saved: Counter[str] = Counter()
    r_tree.copy_package(_installed(tmp_path / "site"), tmp_path / "zip", saved, r_own=False)
    kept = sorted(p.relative_to(tmp_path / "zip").as_posix() for p in (tmp_path / "zip").rglob("*") if p.is_file())
    assert kept == ["DESCRIPTION", "NAMESPACE", "R/tzdb.rdb", "tzdata/Europe/Berlin"]
    assert saved == Counter({"help, html and docs": 10, "tests": 10})


def test_r_own_packages_keep_only_what_loading_them_uses(tmp_path: Path) -> None:
    saved: Counter[str] = Counter()
    r_tree.copy_package(_installed(tmp_path / "lib"), tmp_path / "zip", saved, r_own=True)
    assert not (tmp_path / "zip" / "tzdata").exists()
    assert saved["other package files"] == 10
