"""The ABI gate: a bundled file needing a newer glibc than Amazon Linux 2023's fails the build, by name."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest
from lambda_zip import BuildError, abi, elf
from lambda_zip.lambda_os import Relaxation, version_key

FIXTURES = Path(__file__).with_name("packaging_fixtures")
RELAX_HYPOT = Relaxation("libhypot.so", "hypot", "GLIBC_2.35", "GLIBC_2.2.5", "test")


def _libc_version() -> str:
    fn = ctypes.CDLL("libc.so.6").gnu_get_libc_version
    fn.restype = ctypes.c_char_p
    return str(fn().decode())


pytestmark = pytest.mark.skipif(
    shutil.which("cc") is None or tuple(int(x) for x in _libc_version().split(".")) < (2, 35),
    reason="needs a C compiler and a host glibc >= 2.35 to link a GLIBC_2.35 symbol",
)


@pytest.fixture
def too_new(tmp_path: Path) -> Path:
    out = tmp_path / "zip" / "lib" / "libhypot.so"
    out.parent.mkdir(parents=True)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(out), str(FIXTURES / "uses_hypot.c"), "-lm"], check=True)
    return out


def test_a_symbol_newer_than_the_lambda_os_fails_naming_file_and_symbol(too_new: Path) -> None:
    report = abi.scan(too_new.parents[1])
    assert [str(v) for v in report.violations] == ["lib/libhypot.so needs hypot@GLIBC_2.35"]
    with pytest.raises(BuildError, match=r"ABI gate: lib/libhypot\.so needs hypot@GLIBC_2\.35"):
        abi.gate(too_new.parents[1])


def test_the_relaxation_rebinds_to_the_older_version_and_the_library_still_works(too_new: Path) -> None:
    applied = abi.relax(too_new, (RELAX_HYPOT,))
    assert applied == ["libhypot.so: hypot@GLIBC_2.35 -> @GLIBC_2.2.5 (test)"]
    report = abi.gate(too_new.parents[1])
    assert report.max_versions["GLIBC"] == "GLIBC_2.2.5"
    info = elf.read_elf(too_new)
    [need] = [n for n in info.version_needs if n.version == "GLIBC_2.35"]
    assert need.weak
    assert not need.symbols
    assert "hypot" in next(n for n in info.version_needs if n.version == "GLIBC_2.2.5").symbols
    length = ctypes.CDLL(str(too_new)).length
    length.restype, length.argtypes = ctypes.c_double, [ctypes.c_double, ctypes.c_double]
    assert length(3.0, 4.0) == 5.0


def test_a_relaxation_not_on_the_list_does_not_apply(too_new: Path) -> None:
    other = Relaxation("libother.so", "hypot", "GLIBC_2.35", "GLIBC_2.2.5", "test")
    assert abi.relax(too_new, (other,)) == []
    with pytest.raises(BuildError, match="hypot@GLIBC_2.35"):
        abi.gate(too_new.parents[1])


def test_a_relaxation_without_an_older_need_to_rebind_to_fails(too_new: Path) -> None:
    missing = Relaxation("libhypot.so", "hypot", "GLIBC_2.35", "GLIBC_2.1", "test")
    with pytest.raises(BuildError, match="no GLIBC_2.1 need of libm.so.6"):
        abi.relax(too_new, (missing,))


def test_version_names_compare_as_numbers() -> None:
    assert version_key("GLIBC_2.9") < version_key("GLIBC_2.34")  # type: ignore[operator]
    assert version_key("GLIBCXX_3.4.30") == ("GLIBCXX", (3, 4, 30))
    assert version_key("GCC_3.0") is None
