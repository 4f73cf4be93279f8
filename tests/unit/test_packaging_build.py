"""The whole build on the host's R: reproducible, cached on unchanged inputs, proven (or refused) by the smoke test."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lambda_zip import BuildError, smoke
from lambda_zip.build import Options, build

REPO = Path(__file__).resolve().parents[2]
BUILT_MODELS = REPO / "build" / "models"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("R") is None, reason="needs the host R"),
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A placeholder model and a copy of lambda/ that the tests may change."""
    root = tmp_path_factory.mktemp("build")
    model = root / "models" / "placeholder"
    model.mkdir(parents=True)
    r_packages = {"stats": "4.2.2", "randomForest": "4.7-1.1"}
    (model / "model.json").write_text(json.dumps({"name": "placeholder", "r_packages": r_packages}))
    shutil.copytree(REPO / "lambda", root / "lambda", ignore=shutil.ignore_patterns("__pycache__", "tests"))
    return root


def options(workspace: Path, out: str, **kw: object) -> Options:
    return Options.for_repo(
        REPO,
        models=workspace / "models",
        lambda_dir=workspace / "lambda",
        out=workspace / out / "lambda.zip",
        manifest=workspace / out / "lambda.manifest.json",
        work=workspace / out / "work",
        run_smoke=False,
        **kw,
    )


@pytest.fixture(scope="module")
def first(workspace: Path) -> Path:
    result = build(options(workspace, "one"))
    assert not result.cached
    return workspace / "one" / "lambda.zip"


def test_the_zip_holds_r_the_models_packages_and_the_handler(first: Path) -> None:
    manifest = json.loads(first.with_name("lambda.manifest.json").read_text())
    assert {"base", "stats", "randomForest", "methods", "compiler"} <= set(manifest["r_packages"])
    assert "MASS" not in manifest["r_packages"]
    assert manifest["glibc_max"] == "2.34"
    # With ICU's code stubbed nothing bundled is C++: no GLIBCXX need at all is the best answer.
    assert manifest["glibcxx_max"] == "" or tuple(map(int, manifest["glibcxx_max"].split("."))) <= (3, 4, 29)
    assert manifest["zip_bytes"] == first.stat().st_size <= manifest["limits"]["zip_bytes"]
    with zipfile.ZipFile(first) as zf:
        names = set(zf.namelist())
        preload = zf.read("lib/preload.txt").decode().split()
        icu_bytes = sum(len(zf.read(f"lib/{n}")) for n in manifest["icu"]["files"])
    assert {"handler.py", "R/lib/libR.so", "R/etc/Renviron", "R/modules/lapack.so"} <= names
    assert "R/library/randomForest/libs/randomForest.so" in names
    # Only libR.so links ICU here: the stand-ins, and no ICU data.
    assert manifest["icu"]["carried"] == "stand-ins"
    assert manifest["icu"]["linked_by"] == []
    assert "lib/libicudata.so.72" not in names
    assert manifest["icu"]["bytes"] == icu_bytes < 100_000
    assert not any(n.startswith(("R/bin/", "R/library/stats/help/", "R/library/translations/")) for n in names)
    assert not any("/tests/" in n for n in names)
    assert "rpy2/__pycache__/__init__.cpython-312.pyc" in names
    assert sorted(preload) == sorted(manifest["bundled_libs"])
    assert f"lib/{preload[0]}" in names


def test_the_zip_leaves_out_what_the_handler_never_imports_and_its_records_list_only_what_it_holds(
    first: Path,
) -> None:
    with zipfile.ZipFile(first) as zf:
        names = set(zf.namelist())
        records = sorted(n for n in names if n.endswith(".dist-info/RECORD"))
        assert {r.split("-")[0] for r in records} == {"rpy2", "cffi"}
        for record in records:
            rows = list(csv.reader(zf.read(record).decode().splitlines()))
            assert rows, f"{record} is empty"
            for name, digest, size in rows:
                assert name in names, f"{record} lists {name}, which the zip does not hold"
                if name != record:
                    data = zf.read(name)
                    expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
                    assert digest == f"sha256={expected}"
                    assert int(size) == len(data)
    assert {"_cffi_backend.cpython-312-x86_64-linux-gnu.so", "_rinterface_cffi_abi.py", "rpy2/rinterface.py"} <= names
    unused = ("bin/", "cffi/", "pycparser", "jinja2", "markupsafe", "tzlocal", "rpy2/robjects/", "rpy2/ipython/")
    assert not [n for n in names if n.startswith(unused) or n.endswith("entry_points.txt")]


def test_an_unchanged_rebuild_is_cached_and_a_handler_change_rebuilds(workspace: Path, first: Path) -> None:
    sha = json.loads(first.with_name("lambda.manifest.json").read_text())["sha256"]
    again = build(options(workspace, "one"))
    assert again.cached
    assert again.manifest["sha256"] == sha
    handler = workspace / "lambda" / "handler.py"
    handler.write_text(handler.read_text() + "\n# changed\n")
    changed = build(options(workspace, "one"))
    assert not changed.cached
    assert changed.manifest["sha256"] != sha


def _checkout_copy(root: Path, workspace: Path) -> Path:
    """The builder and its inputs under another path, with a pip environment of its own there.

    rpy2's wheel is taken from this checkout's cache (building it from the sdist again costs a minute).
    """
    shutil.copytree(REPO / "packaging", root / "packaging", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(workspace / "lambda", root / "lambda")
    wheels = root / "build" / "cache" / "wheels"
    wheels.mkdir(parents=True)
    for wheel in (REPO / "build" / "cache" / "wheels").glob("rpy2-*.whl"):
        shutil.copyfile(wheel, wheels / wheel.name)
    (root / ".venv").symlink_to(REPO / ".venv")  # only precompiles, with paths stripped
    subprocess.run([sys.executable, "-m", "venv", str(root / "build" / "venv" / "uv")], check=True)
    return root


def test_two_fresh_builds_in_checkouts_at_different_paths_are_byte_identical(tmp_path: Path, workspace: Path) -> None:
    """Same inputs, another checkout path and build environment: Terraform's source_code_hash must not move."""
    here = build(options(workspace, "here", force=True))
    there = _checkout_copy(tmp_path / "somewhere" / "much" / "deeper" / "checkout", workspace)
    env = {**os.environ, "PYTHONPATH": str(there / "packaging")}
    cmd = [sys.executable, "-m", "lambda_zip", "build", "--models", str(workspace / "models"), "--no-smoke"]
    out = subprocess.run(cmd, cwd=there, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]

    built = there / "build" / "lambda.zip"
    with zipfile.ZipFile(built) as zf:
        holding_a_path = [n for n in zf.namelist() if str(tmp_path).encode() in zf.read(n)]
    assert holding_a_path == []
    assert json.loads(built.with_name("lambda.manifest.json").read_text())["sha256"] == here.manifest["sha256"]
    assert built.read_bytes() == (workspace / "here" / "lambda.zip").read_bytes()


def test_a_model_needing_an_uninstalled_r_package_fails_with_what_to_install(tmp_path: Path, workspace: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.json").write_text(json.dumps({"name": "m", "r_packages": {"notInstalledPkg": "1"}}))
    opts = options(workspace, "missing")
    opts.models = tmp_path
    with pytest.raises(
        BuildError,
        match=r"notInstalledPkg needed by the models are not installed in any of R.s libraries \(.*\); install them",
    ):
        build(opts)


@pytest.mark.skipif(
    os.geteuid() != 0 or not (BUILT_MODELS / "admission" / "model.rds").exists(),
    reason="the sandbox runs as root; needs `make model`",
)
def test_smoke_passes_the_zip_and_fails_a_zip_that_needs_the_host_r(first: Path, tmp_path: Path) -> None:
    models = {"admission": BUILT_MODELS / "admission"}
    [result] = smoke.run(first, models, tmp_path / "good", REPO)
    assert result["model"] == "admission"
    without_r = tmp_path / "no-r.zip"
    with zipfile.ZipFile(first) as src, zipfile.ZipFile(without_r, "w") as dst:
        for info in src.infolist():
            if not info.filename.startswith(("R/", "lib/")):
                dst.writestr(info, src.read(info))
    with pytest.raises(BuildError, match="smoke test failed for model admission with host R hidden"):
        smoke.run(without_r, models, tmp_path / "bad", REPO)


# Runs in the sandbox: stringi upper-cases and collates with ICU's data, and R itself still sorts in the C locale.
_STRINGI_PROGRAM = r"""
import json, r_runtime
r_runtime.start()
import rpy2.rinterface as ri
ev = lambda s: list(ri.baseenv["eval"](ri.parse(s)))
print(json.dumps({"upper": ev('stringi::stri_trans_toupper("straße")'),
                  "stri_sort": ev('stringi::stri_sort(c("b", "B", "a", "A"), locale = "en_US")'),
                  "sort": ev('sort(c("b", "B", "a", "A"))')}))
"""


@pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/usr/lib/R/site-library/stringi").is_dir(),
    reason="the sandbox runs as root; needs r-cran-stringi",
)
def test_a_model_needing_stringi_carries_the_real_icu_and_stringi_works_in_the_sandbox(
    tmp_path: Path, workspace: Path
) -> None:
    (tmp_path / "models" / "s").mkdir(parents=True)
    (tmp_path / "models" / "s" / "model.json").write_text(json.dumps({"name": "s", "r_packages": {"stringi": ""}}))
    opts = options(workspace, "stringi")
    opts.models = tmp_path / "models"
    manifest = build(opts).manifest
    icu = manifest["icu"]
    assert isinstance(icu, dict)
    assert icu["carried"] == "real"
    assert icu["linked_by"] == ["stringi.so"]
    assert icu["files"] == ["libicudata.so.72", "libicui18n.so.72", "libicuuc.so.72"]
    zip_path = workspace / "stringi" / "lambda.zip"
    with zipfile.ZipFile(zip_path) as zf:
        assert icu["bytes"] == sum(zf.getinfo(f"lib/{n}").file_size for n in icu["files"]) > 30_000_000
        zf.extractall(tmp_path / "task")
    cmd = [sys.executable, str(REPO / smoke.SANDBOX), "--task-root", str(tmp_path / "task")]
    cmd += ["--handler", "handler.lambda_handler", "--", "python3", "-c", _STRINGI_PROGRAM]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer == {"upper": ["STRASSE"], "stri_sort": ["a", "A", "b", "B"], "sort": ["A", "B", "a", "b"]}
