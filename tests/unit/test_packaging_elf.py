"""The shared-library closure: resolution as the loader does it, what is left to the Lambda OS, load order."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lambda_zip import BuildError, elf
from lambda_zip.lambda_os import LIBRARIES

LINKABLE = {name for name, lib in LIBRARIES.items() if lib.zip_may_link}

FIXTURES = Path(__file__).with_name("packaging_fixtures")
R_HOME = Path("/usr/lib/R")

needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")


def compile_so(source: Path, out: Path, *args: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(out), str(source), *args], check=True)
    return out


@needs_cc
def test_closure_follows_runpath_origin_and_the_loader_cache(tmp_path: Path) -> None:
    dep = compile_so(FIXTURES / "dep.c", tmp_path / "host" / "sub" / "libdep.so", "-Wl,-soname,libdep.so")
    top = compile_so(
        FIXTURES / "needs_dep.c",
        tmp_path / "host" / "libtop.so",
        f"-L{dep.parent}",
        "-ldep",
        "-l:libbz2.so.1.0",
        "-Wl,-rpath,$ORIGIN/sub",
        "-Wl,--enable-new-dtags",
    )
    result = elf.closure([top], library_path=[])
    assert result.bundle["libdep.so"] == dep.resolve()
    assert result.bundle["libbz2.so.1.0"].name.startswith("libbz2.so.1.0")
    assert "libc.so.6" in result.provided
    assert not set(result.bundle) & LINKABLE


@needs_cc
def test_a_library_the_host_lacks_fails_naming_it(tmp_path: Path) -> None:
    dep = compile_so(FIXTURES / "dep.c", tmp_path / "gone" / "libdep.so", "-Wl,-soname,libdep.so")
    top = compile_so(FIXTURES / "needs_dep.c", tmp_path / "libtop.so", f"-L{dep.parent}", "-ldep", "-l:libbz2.so.1.0")
    shutil.rmtree(dep.parent)
    with pytest.raises(BuildError, match=r"libtop\.so needs libdep\.so"):
        elf.closure([top], library_path=[])


@pytest.mark.skipif(not (R_HOME / "lib" / "libR.so").exists(), reason="needs the host R")
def test_closure_of_libr_bundles_blas_and_icu_but_not_glibc_and_loads_dependencies_first() -> None:
    roots = [R_HOME / "lib" / "libR.so", R_HOME / "modules" / "lapack.so"]
    result = elf.closure(roots, library_path=[R_HOME / "lib"], skip=["libR.so"])
    assert {"libblas.so.3", "liblapack.so.3", "libicuuc.so.72", "libpcre2-8.so.0"} <= set(result.bundle)
    assert {"libc.so.6", "libm.so.6", "libstdc++.so.6"} <= set(result.provided)
    # The runtime has liblzma for Python's own lzma, at no pinned version: R gets its own copy.
    assert "liblzma.so.5" in result.bundle
    assert not set(result.bundle) & LINKABLE
    order = result.load_order()
    assert sorted(order) == sorted(result.bundle)
    for position, name in enumerate(order):
        for dep in result.needs[name]:
            if dep in result.bundle:
                assert order.index(dep) < position, f"{dep} must load before {name}"
    assert order.index("libicudata.so.72") < order.index("libicuuc.so.72") < order.index("libicui18n.so.72")


def test_load_order_puts_dependencies_first_and_is_stable() -> None:
    result = elf.Closure(
        bundle={n: Path(n) for n in ("liba.so", "libb.so", "libc1.so")},
        needs={"liba.so": ("libb.so", "libc.so.6"), "libb.so": ("libc1.so",), "libc1.so": ()},
    )
    assert result.load_order() == ["libc1.so", "libb.so", "liba.so"]
