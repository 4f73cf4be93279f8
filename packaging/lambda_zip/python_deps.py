"""Installs the zip's Python packages for the Lambda target (python3.12, manylinux x86_64), not for the host."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from lambda_zip import BuildError

REQUIREMENTS = Path(__file__).with_name("lambda-requirements.txt")
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.12"
# Inside a package these never run on Lambda.
DROP_DIRS = frozenset({"__pycache__", "tests", "testing"})
# What the installed distributions carry that the handler never imports (sys.modules after a prediction holds
# rpy2, rpy2.rinterface*, rpy2.situation, _rinterface_cffi_abi and _cffi_backend only), as globs under the target.
UNUSED = (
    "bin",  # console scripts: Lambda never runs them, and their shebang holds the build machine's path
    "*.dist-info/entry_points.txt",  # declares those console scripts
    "cffi",  # cffi's compiler; ABI mode at run time needs only its compiled backend, _cffi_backend
    "rpy2/robjects",  # rpy2's high-level layers over rinterface (they would also need jinja2 and tzlocal)
    "rpy2/ipython",
    "rpy2/interactive",
    "rpy2/rlike",
    "rpy2/_rinterface_cffi_build.py",  # builds the cffi module at install time
    "rpy2/rinterface_lib/*.[ch]",  # C sources of cffi's API mode
)


def _pip() -> list[str]:
    """A pip that can resolve for another platform: the repo's uv environment has one (scripts/setup.sh)."""
    root = Path(__file__).resolve().parents[2]
    for candidate in (root / "build/venv/uv/bin/pip", Path(sys.executable).with_name("pip")):
        if candidate.exists():
            return [str(candidate)]
    return [sys.executable, "-m", "pip"]


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BuildError(f"{what} failed: {tail[0][:300]} (check network access to PyPI, then re-run)")


def pinned(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def rpy2_wheel(cache: Path, version: str) -> Path:
    """rpy2 3.5.x ships no wheel: build one from the sdist with RPY2_CFFI_MODE=ABI (pure Python), once."""
    wheel = cache / f"rpy2-{version}-py3-none-any.whl"
    if wheel.exists():
        return wheel
    cache.mkdir(parents=True, exist_ok=True)
    sdist_dir = cache / "sdist"
    _run(
        [*_pip(), "download", "-q", "--no-deps", "--no-binary", ":all:", f"rpy2=={version}", "-d", str(sdist_dir)],
        "downloading the rpy2 sdist",
    )
    sdist = sdist_dir / f"rpy2-{version}.tar.gz"
    env = {**os.environ, "RPY2_CFFI_MODE": "ABI"}
    _run([*_pip(), "wheel", "-q", "--no-deps", "-w", str(cache), str(sdist)], "building the rpy2 wheel", env)
    if not wheel.exists():
        raise BuildError(f"building rpy2 {version} did not give a pure-Python wheel; is RPY2_CFFI_MODE=ABI honoured?")
    return wheel


def install(dest: Path, cache: Path, saved: Counter[str]) -> dict[str, str]:
    """pip-install the pinned packages for the target into dest; drop what never runs; return the pins."""
    pins = pinned()
    wheels = rpy2_wheel(cache / "wheels", pins["rpy2"]).parent
    _run(
        [
            *_pip(),
            "install",
            "-q",
            "--no-deps",
            "--no-compile",
            "--target",
            str(dest),
            "--platform",
            PLATFORM,
            "--python-version",
            PYTHON_VERSION,
            "--implementation",
            "cp",
            "--only-binary",
            ":all:",
            "--find-links",
            str(wheels),
            "-r",
            str(REQUIREMENTS),
        ],
        "installing the Lambda's Python packages",
    )
    for pattern in UNUSED:
        for path in sorted(dest.glob(pattern)):
            saved["Python modules the handler never imports, console scripts"] += _remove(path)
    for path in sorted(dest.rglob("*"), reverse=True):
        if path.is_dir() and path.name in DROP_DIRS:
            saved["Python tests and caches"] += _remove(path)
    for record in sorted(dest.glob("*.dist-info/RECORD")):
        fix_record(record, dest)
    return pins


def _remove(path: Path) -> int:
    """Delete a file or tree; return the bytes it held."""
    if path.is_dir():
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        shutil.rmtree(path)
        return size
    size = path.stat().st_size
    path.unlink()
    return size


def fix_record(record: Path, root: Path) -> None:
    """Keep only RECORD's lines for files still under root: what was left out, or lies outside it, goes."""
    kept = []
    for line in record.read_text().splitlines():
        name = next(csv.reader([line]))[0] if line else ""
        target = (root / name).resolve()
        if name and target.is_relative_to(root.resolve()) and target.is_file():
            kept.append(line)
    record.write_text("".join(f"{line}\n" for line in kept))


def precompile(root: Path, python: Path) -> None:
    """Write unchecked-hash .pyc with the target's Python 3.12: no mtime inside, so builds stay reproducible."""
    code = (
        "import compileall, py_compile, sys; "
        "ok = compileall.compile_dir(sys.argv[1], quiet=2, stripdir=sys.argv[1], prependdir='/var/task', "
        "invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, workers=1); sys.exit(0 if ok else 1)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = "0"
    _run([str(python), "-c", code, str(root)], "precompiling .pyc", env)


def target_python(repo: Path) -> Path:
    """A Python 3.12 interpreter: the Lambda-like runtime's, else the dev environment's."""
    for candidate in (repo / "build/venv/lambda-python3.12/bin/python", repo / ".venv/bin/python"):
        if candidate.exists():
            return candidate
    raise BuildError("no Python 3.12 found to precompile with; run `make setup` and re-run make package")
