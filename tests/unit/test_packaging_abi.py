"""The ABI gate: a bundled file that would not load on Amazon Linux 2023's Lambda runtime fails the build, by name."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest
from lambda_zip import BuildError, abi, elf
from lambda_zip.lambda_os import LIBRARIES, RELAXATIONS, Relaxation, symbol_versions, version_key

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


def build(tmp_path: Path, name: str, source: str, *args: str, compiler: str = "cc") -> Path:
    out = tmp_path / "zip" / "lib" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(out), str(FIXTURES / source), *args], check=True)
    return out


def test_a_symbol_newer_than_the_lambda_os_fails_naming_file_and_symbol(too_new: Path) -> None:
    report = abi.scan(too_new.parents[1])
    assert [str(v) for v in report.violations] == [
        "lib/libhypot.so needs hypot@GLIBC_2.35 (newer than Amazon Linux 2023 provides (at most GLIBC_2.34))"
    ]
    with pytest.raises(BuildError, match=r"ABI gate: lib/libhypot\.so needs hypot@GLIBC_2\.35"):
        abi.gate(too_new.parents[1])


def test_glibc_private_fails(tmp_path: Path) -> None:
    build(tmp_path, "libsecure.so", "uses_private.c", "/lib64/ld-linux-x86-64.so.2")
    [violation] = abi.scan(tmp_path / "zip").violations
    assert str(violation) == (
        "lib/libsecure.so needs __libc_enable_secure@GLIBC_PRIVATE "
        "(glibc's private interface, which differs between glibc builds)"
    )


def test_a_runtime_library_nobody_pins_must_be_bundled_and_its_version_family_is_unknown(tmp_path: Path) -> None:
    build(tmp_path, "libcall.so", "uses_ffi.c", "-l:libffi.so.8")
    assert [str(v) for v in abi.scan(tmp_path / "zip").violations] == [
        "lib/libcall.so needs libffi.so.8 (the runtime has it (libffi 3.4 (Python's ctypes)) at a version nobody "
        "pins: bundle it)",
        "lib/libcall.so needs ffi_call@LIBFFI_BASE_8.0 (a symbol version family the Lambda OS description does not "
        "know)",
    ]
    # Bundled next to it, the library provides its own versions: nothing is left to the Lambda OS.
    shutil.copyfile("/usr/lib/x86_64-linux-gnu/libffi.so.8", tmp_path / "zip" / "lib" / "libffi.so.8")
    assert abi.scan(tmp_path / "zip").violations == ()


def test_a_library_neither_in_the_zip_nor_on_the_lambda_os_fails(tmp_path: Path) -> None:
    build(tmp_path, "libzipper.so", "needs_dep.c", "-l:libbz2.so.1.0", "-Wl,--unresolved-symbols=ignore-all")
    violations = [str(v) for v in abi.scan(tmp_path / "zip").violations]
    assert violations == [
        "lib/libzipper.so needs libbz2.so.1.0 (it is neither in the zip nor on Amazon Linux 2023's Lambda runtime)"
    ]


@pytest.mark.parametrize("relaxation", RELAXATIONS, ids=lambda r: r.symbol)
def test_each_relaxation_is_needed_and_makes_the_gate_pass(tmp_path: Path, relaxation: Relaxation) -> None:
    if relaxation.symbol == "hypot":
        lib = build(tmp_path, "libR.so", "uses_hypot.c", "-lm")
    else:
        if shutil.which("g++") is None:
            pytest.skip("needs g++ to build a C++ library")
        lib = build(tmp_path, "libicuuc.so.72", "waits.cpp", compiler="g++")
    with pytest.raises(BuildError, match=f"{relaxation.too_new}"):
        abi.gate(tmp_path / "zip")
    assert abi.relax(lib) == [
        f"{lib.name}: {relaxation.symbol}@{relaxation.too_new} -> @{relaxation.older} ({relaxation.why})"
    ]
    assert abi.gate(tmp_path / "zip").violations == ()


def test_the_lambda_list_is_stricter_than_manylinux() -> None:
    """manylinux_2_34 lets a wheel link X11, GL and glib; Lambda's minimal image has none of them."""
    assert "GLIBC_2.34" in symbol_versions()["GLIBC"]
    assert "GLIBC_2.35" not in symbol_versions()["GLIBC"]
    assert "GLIBCXX_3.4.29" in symbol_versions()["GLIBCXX"]
    assert "GLIBCXX_3.4.30" not in symbol_versions()["GLIBCXX"]
    for name in ("libX11.so.6", "libGL.so.1", "libglib-2.0.so.0"):
        assert name not in LIBRARIES
    assert all(lib.source for lib in LIBRARIES.values())


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
    assert version_key("GCC_3.0") == ("GCC", (3, 0))
    assert version_key("LIBFFI_BASE_8.0") == ("LIBFFI_BASE", (8, 0))
    assert version_key("GLIBC_PRIVATE") is None
