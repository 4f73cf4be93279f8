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


def test_size_gate_names_the_limit_and_the_ten_largest_parts(tmp_path: Path) -> None:
    parts = [(f"R/library/pkg{i:02d}", (20 - i) * 1_048_576, (20 - i) * 524_288) for i in range(12)]
    stats = archive.ZipStats(zip_bytes=60 * 1_048_576, unzipped_bytes=100 * 1_048_576, files=12, contributors=parts)
    with pytest.raises(BuildError) as error:
        archive.size_gate(stats)
    message = str(error.value)
    assert "size gate: zip 60.0 MB > 50.0 MB" in message
    assert "unzipped" not in message.split("(Lambda's limits)")[0]
    assert "R/library/pkg00 20.0 MB (10.0 MB zipped)" in message
    assert "R/library/pkg09" in message
    assert "R/library/pkg10" not in message
    assert "\n" not in message


def test_size_gate_checks_the_unzipped_limit_too() -> None:
    stats = archive.ZipStats(zip_bytes=1, unzipped_bytes=300 * 1_048_576, files=1, contributors=[("lib", 1, 1)])
    with pytest.raises(BuildError, match=r"unzipped 300\.0 MB > 250\.0 MB"):
        archive.size_gate(stats)
    archive.size_gate(archive.ZipStats(1, 1, 1, [("lib", 1, 1)]))


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
