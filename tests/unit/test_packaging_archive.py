"""The zip itself: byte-for-byte reproducible, and the size gate's message says what to drop."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from lambda_zip import BuildError, archive


def make_tree(root: Path, mtime: int, mode: int) -> None:
    files = {
        "handler.py": b"def lambda_handler(event, context):\n    return {}\n",
        "R/library/stats/R/stats.rdb": b"x" * 5000,
        "lib/libblas.so.3": bytes(range(256)) * 40,
        "rpy2/__init__.py": b"",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
        os.utime(path, (mtime, mtime))


def test_two_zips_of_the_same_files_are_byte_identical_whatever_the_times_and_modes(tmp_path: Path) -> None:
    make_tree(tmp_path / "a", mtime=1_000_000_000, mode=0o600)
    make_tree(tmp_path / "b", mtime=1_700_000_000, mode=0o755)
    first = archive.write_zip(tmp_path / "a", tmp_path / "a.zip")
    second = archive.write_zip(tmp_path / "b", tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {archive.FIXED_TIME}
        assert {i.external_attr >> 16 for i in zf.infolist()} == {0o100644}


def test_contents_change_the_zip(tmp_path: Path) -> None:
    make_tree(tmp_path / "a", mtime=0, mode=0o644)
    archive.write_zip(tmp_path / "a", tmp_path / "1.zip")
    (tmp_path / "a" / "handler.py").write_text("changed\n")
    archive.write_zip(tmp_path / "a", tmp_path / "2.zip")
    assert (tmp_path / "1.zip").read_bytes() != (tmp_path / "2.zip").read_bytes()


def _stats(zip_mb: int, unzipped_mb: int) -> archive.ZipStats:
    mib = 1_048_576
    parts = [(f"R/library/pkg{i:02d}", (20 - i) * mib, (20 - i) * mib // 2) for i in range(8)]
    parts.insert(2, ("lib/libicudata.so.72", 19 * mib + mib // 2, 8 * mib))
    return archive.ZipStats(zip_mb * mib, unzipped_mb * mib, files=len(parts), contributors=parts)


def test_a_tree_over_the_unzipped_limit_fails_naming_the_largest_r_packages_and_their_sizes() -> None:
    with pytest.raises(BuildError) as error:
        archive.size_gate(_stats(zip_mb=40, unzipped_mb=120), zip_limit=50 * 1_048_576, unzipped_limit=100 * 1_048_576)
    message = str(error.value)
    assert message.startswith("size gate: unzipped 120.0 MB > 100.0 MB (Lambda's limit")
    assert "largest R packages: pkg00 20.0 MB, pkg01 19.0 MB, pkg02 18.0 MB, pkg03 17.0 MB, pkg04 16.0 MB;" in message
    assert "pkg05" not in message
    assert "other large parts: lib/libicudata.so.72 19.5 MB;" in message
    assert "\n" not in message


def test_a_zip_over_the_direct_upload_limit_but_under_the_unzipped_limit_is_packaged_for_s3() -> None:
    assert archive.size_gate(_stats(zip_mb=60, unzipped_mb=200)) == archive.S3_ONLY
    assert archive.size_gate(_stats(zip_mb=50, unzipped_mb=250)) == archive.DIRECT_OR_S3  # the limits are inclusive
    assert archive.size_gate(_stats(zip_mb=1, unzipped_mb=1), zip_limit=1_048_575) == archive.S3_ONLY
    with pytest.raises(BuildError, match=r"unzipped 251\.0 MB > 250\.0 MB"):
        archive.size_gate(_stats(zip_mb=1, unzipped_mb=251))


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("R/library/stats/R/stats.rdb", "R/library/stats"),
        ("R/lib/libR.so", "R/lib"),
        ("lib/libblas.so.3", "lib/libblas.so.3"),
        ("rpy2/rinterface.py", "rpy2"),
        ("_cffi_backend.cpython-312-x86_64-linux-gnu.so", "_cffi_backend"),
    ],
)
def test_contributors_are_what_a_user_could_drop(name: str, part: str) -> None:
    assert archive.contributor(name) == part
