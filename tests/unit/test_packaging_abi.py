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
RELAX_HYPOT = Relaxation("hypot", "GLIBC_2.35", "GLIBC_2.2.5", "test")
# R packages whose Debian build needs a symbol version above Amazon Linux 2023's (one per relaxation).
DEBIAN_LIBS = {
    "nlme": Path("/usr/lib/R/library/nlme/libs/nlme.so"),
    "ranger": Path("/usr/lib/R/site-library/ranger/libs/ranger.so"),
}


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
    with pytest.raises(BuildError, match=r"ABI gate: bundled system library: lib/libhypot\.so needs hypot@GLIBC_2\.35"):
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
def test_each_relaxation_is_needed_and_makes_the_gate_pass_in_any_file(tmp_path: Path, relaxation: Relaxation) -> None:
    if relaxation.symbol == "hypot":
        lib = build(tmp_path, "libanything.so", "uses_hypot.c", "-lm")
    else:
        if shutil.which("g++") is None:
            pytest.skip("needs g++ to build a C++ library")
        lib = build(tmp_path, "libanything.so", "waits.cpp", compiler="g++")
    with pytest.raises(BuildError, match=f"{relaxation.too_new}"):
        abi.gate(tmp_path / "zip")
    assert abi.relax(lib) == [
        f"{lib.name}: {relaxation.symbol}@{relaxation.too_new} -> @{relaxation.older} ({relaxation.why})"
    ]
    assert abi.gate(tmp_path / "zip").violations == ()


def test_the_gate_names_the_r_package_that_holds_the_library_and_what_to_install(tmp_path: Path) -> None:
    so = tmp_path / "zip" / "R" / "library" / "nlme" / "libs" / "nlme.so"
    so.parent.mkdir(parents=True)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(so), str(FIXTURES / "uses_hypot.c"), "-lm"], check=True)
    with pytest.raises(BuildError) as refused:
        abi.gate(tmp_path / "zip")
    message = str(refused.value)
    assert message.startswith("ABI gate: R package nlme: R/library/nlme/libs/nlme.so needs hypot@GLIBC_2.35 (")
    assert "install a build of nlme made for glibc 2.34" in message
    assert ".libPaths()" in message
    assert "\n" not in message


@pytest.mark.parametrize("package", sorted(DEBIAN_LIBS))
def test_debians_own_r_package_library_is_rebound_by_symbol(tmp_path: Path, package: str) -> None:
    """The real Debian build (nlme.so: hypot@GLIBC_2.35; ranger.so: condition_variable::wait@GLIBCXX_3.4.30)."""
    if not DEBIAN_LIBS[package].exists():
        pytest.skip(f"needs Debian's r-cran-{package}")
    root = tmp_path / "zip"
    so = root / "R" / "library" / package / "libs" / f"{package}.so"
    so.parent.mkdir(parents=True)
    shutil.copyfile(DEBIAN_LIBS[package], so)
    (root / "R" / "lib").mkdir(parents=True)
    (root / "R" / "lib" / "libR.so").write_bytes(b"")  # the zip's R, by name
    with pytest.raises(BuildError, match=f"ABI gate: R package {package}: R/library/{package}/libs/{package}.so needs"):
        abi.gate(root)
    applied = abi.relax_tree(root)
    [relaxation] = [r for r in RELAXATIONS if any(n.version == r.too_new for n in elf.read_elf(so).version_needs)]
    assert applied == [
        f"R/library/{package}/libs/{package}.so: {relaxation.symbol}@{relaxation.too_new} -> @{relaxation.older} "
        f"({relaxation.why})"
    ]
    report = abi.gate(root)
    assert report.violations == ()
    assert abi.relax_tree(root) == []  # applied once: nothing left to rebind


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


def test_a_relaxation_of_another_symbol_does_not_apply(too_new: Path) -> None:
    other = Relaxation("sqrt", "GLIBC_2.35", "GLIBC_2.2.5", "test")
    assert abi.relax(too_new, (other,)) == []
    with pytest.raises(BuildError, match="hypot@GLIBC_2.35"):
        abi.gate(too_new.parents[1])


def test_a_relaxation_without_an_older_need_to_rebind_to_fails(too_new: Path) -> None:
    missing = Relaxation("hypot", "GLIBC_2.35", "GLIBC_2.1", "test")
    with pytest.raises(BuildError, match="no GLIBC_2.1 need of libm.so.6"):
        abi.relax(too_new, (missing,))


def test_version_names_compare_as_numbers() -> None:
    assert version_key("GLIBC_2.9") < version_key("GLIBC_2.34")  # type: ignore[operator]
    assert version_key("GLIBCXX_3.4.30") == ("GLIBCXX", (3, 4, 30))
    assert version_key("GCC_3.0") == ("GCC", (3, 0))
    assert version_key("LIBFFI_BASE_8.0") == ("LIBFFI_BASE", (8, 0))
    assert version_key("GLIBC_PRIVATE") is None
