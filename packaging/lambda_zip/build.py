"""`make package`: stage, check and zip the Lambda deployment package; skip all of it when no input changed."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lambda_zip import BuildError, abi, archive, cache, elf, icu_stub, python_deps, r_tree, smoke, versions
from lambda_zip.lambda_os import LIBRARIES
from lambda_zip.progress import Progress

HANDLER = "handler.lambda_handler"
PYTHON_TARGET = f"cp312-{python_deps.PLATFORM}"
BUILDER_DIR = Path(__file__).resolve().parent


@dataclass
class Options:
    repo: Path
    models: Path
    lambda_dir: Path
    out: Path
    manifest: Path
    work: Path
    cache: Path
    force: bool = False
    run_smoke: bool = True
    zip_limit: int = archive.ZIP_LIMIT
    unzipped_limit: int = archive.UNZIPPED_LIMIT

    @classmethod
    def for_repo(cls, repo: Path, **overrides: object) -> Options:
        build = repo / "build"
        defaults: dict[str, object] = {
            "repo": repo,
            "models": build / "models",
            "lambda_dir": repo / "lambda",
            "out": build / "lambda.zip",
            "manifest": build / "lambda.manifest.json",
            "work": build / "lambda-build",
            "cache": build / "cache",
        }
        defaults.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**defaults)  # type: ignore[arg-type]


@dataclass
class Result:
    manifest: dict[str, object]
    cached: bool
    saved: Counter[str] = field(default_factory=Counter)


def read_models(models: Path) -> dict[str, dict[str, object]]:
    """model.json of every model folder under `models`."""
    found = {}
    for path in sorted(models.glob("*/model.json")):
        try:
            found[path.parent.name] = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise BuildError(f"{path} is not valid JSON ({error}); re-run make model") from error
    if not found:
        raise BuildError(f"no model.json under {models}; run `make model` (or pass --models DIR)")
    return found


def wanted_packages(models: dict[str, dict[str, object]]) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for model in models.values():
        packages = model.get("r_packages") or {}
        if not isinstance(packages, dict):
            raise BuildError(f"model {model.get('name')}: r_packages must be an object {{name: version}}")
        wanted.update({str(k): str(v) for k, v in packages.items()})
    return wanted


def _inputs_hash(opts: Options, install: r_tree.RInstall, previous: dict[str, object]) -> str:
    lib_sources = [Path(p) for p in previous.get("lib_sources", []) if Path(p).exists()]  # type: ignore[attr-defined]
    parts: dict[str, tuple[Path, list[Path]]] = {
        "builder": (BUILDER_DIR, cache.source_files(BUILDER_DIR)),
        "lambda": (opts.lambda_dir, cache.source_files(opts.lambda_dir)),
        "R_HOME": (
            install.home,
            [install.home / "lib" / "libR.so"] + [install.home / "modules" / m for m in r_tree.MODULES_KEEP],
        ),
        "libs": (Path("/"), lib_sources),
    }
    for package in install.packages:
        parts[f"R:{package.name}"] = (package.path, cache.tree_files(package.path))
    settings = {
        "python_target": PYTHON_TARGET,
        "packages": [(p.name, p.version) for p in install.packages],
        "limits": [opts.zip_limit, opts.unzipped_limit],
        "smoke": opts.run_smoke,
        "lib_source_paths": [str(p) for p in lib_sources],
    }
    return str(cache.input_hash(parts, settings))


def _file_sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.digest()


def build(opts: Options) -> Result:
    progress = Progress(total=9)
    cache_record = opts.out.with_suffix(".cache.json")
    with progress.step("reading models and asking R for their packages"):
        models = read_models(opts.models)
        wanted = wanted_packages(models)
        install = r_tree.discover(sorted(wanted), opts.repo)
        carried = {p.name: p.version for p in install.packages}
        versions.check(versions.compare(models, install.version, carried), progress.say)
    with progress.step("hashing the inputs"):
        previous = json.loads(cache_record.read_text()) if cache_record.exists() else {}
        key = _inputs_hash(opts, install, previous)
        unchanged = (
            not opts.force
            and previous.get("input_hash") == key
            and opts.out.exists()
            and opts.manifest.exists()
            and base64.b64encode(_file_sha256(opts.out)).decode() == previous.get("base64sha256")
        )
    if unchanged:
        kept: dict[str, object] = json.loads(opts.manifest.read_text())
        progress.say(
            f"unchanged: {opts.out} ({archive.mb(opts.out.stat().st_size)}, sha256 {str(kept['sha256'])[:12]})"
        )
        return Result(kept, cached=True)

    stage = opts.work / "stage"
    if opts.work.exists():
        shutil.rmtree(opts.work)
    stage.mkdir(parents=True)
    saved: Counter[str] = Counter()

    with progress.step(f"copying R {install.version} and {len(install.packages)} R packages (trimmed)"):
        r_tree.stage(install, stage / "R", saved)
        _set_soname(stage / "R" / "lib" / "libR.so", "libR.so")

    with progress.step("resolving the shared-library closure"):
        roots = [p for p in (stage / "R").rglob("*.so") if elf.is_elf(p)]
        closure = elf.closure(roots, [stage / "R" / "lib"], skip=["libR.so"])
        lib = stage / "lib"
        lib.mkdir()
        icu = {n: p for n, p in closure.bundle.items() if icu_stub.is_icu(n)}
        others = [p for p in [*roots, *closure.bundle.values()] if p not in icu.values()]
        icu_carried = icu_stub.choose(icu, others) if icu else None
        for name, source in sorted(closure.bundle.items()):
            if icu_stub.is_icu_data(name) and icu_carried == icu_stub.STAND_INS:
                saved["ICU data (left out: the ICU stand-ins need none)"] += source.stat().st_size
            elif icu_stub.is_icu_data(name) and icu_carried == icu_stub.EMPTY_DATA:
                icu_stub.write_stub(name, lib / name)
                saved["ICU data (replaced by an empty stub; R collates with LC_COLLATE=C)"] += (
                    source.stat().st_size - (lib / name).stat().st_size
                )
            elif icu_stub.icu_code_library(name) and icu_carried == icu_stub.STAND_INS:
                icu_stub.write_code_stub(name, source, lib / name)
                saved["ICU code (replaced by stand-ins that fail as ICU does without its data)"] += (
                    source.stat().st_size - (lib / name).stat().st_size
                )
            else:
                shutil.copyfile(source, lib / name)
        icu_files = sorted(name for name in icu if (lib / name).exists())
        icu_linked_by = sorted(p.name for p in icu_stub.icu_users(others))
        if icu_carried is not None:
            why = f"linked by {', '.join(icu_linked_by)}" if icu_linked_by else "only R links it"
            progress.say(
                f"ICU: {icu_carried} ({archive.mb(sum((lib / n).stat().st_size for n in icu_files))} unzipped; {why})"
            )
        order = [name for name in closure.load_order() if (lib / name).exists()]
        lib_sources = sorted(str(p) for n, p in closure.bundle.items() if (lib / n).exists())
        # The key the next build compares with must cover the libraries this build actually copied.
        key = _inputs_hash(opts, install, {"lib_sources": lib_sources})
        (lib / "preload.txt").write_text("".join(f"{n}\n" for n in order))

    with progress.step("installing rpy2, cffi and the handler for python3.12 manylinux x86_64"):
        pins = python_deps.install(stage, opts.cache, saved)
        for path in cache.source_files(opts.lambda_dir):
            target = stage / path.relative_to(opts.lambda_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        if not (stage / "handler.py").exists():
            raise BuildError(f"{opts.lambda_dir}/handler.py is missing; the zip's entry point is {HANDLER}")
        python_deps.precompile(stage, python_deps.target_python(opts.repo))

    with progress.step("ABI gate: symbol versions against Amazon Linux 2023"):
        relaxations = abi.relax_tree(stage)
        report = abi.gate(stage)

    with progress.step("zipping (sorted entries, fixed times, deflate -9)"):
        opts.out.parent.mkdir(parents=True, exist_ok=True)
        stats = archive.write_zip(stage, opts.out)
        upload = archive.size_gate(stats, opts.zip_limit, opts.unzipped_limit)
        digest = _file_sha256(opts.out)

    icu_parts = [(u, c) for part, u, c in stats.contributors if part.removeprefix("lib/") in icu_files]
    icu_report = {
        "carried": icu_carried or "none (nothing links ICU)",
        "files": icu_files,
        "bytes": sum(u for u, _ in icu_parts),
        "zip_bytes": sum(c for _, c in icu_parts),
        "linked_by": icu_linked_by,
    }
    manifest: dict[str, object] = {
        "zip_bytes": stats.zip_bytes,
        "unzipped_bytes": stats.unzipped_bytes,
        "limits": {"zip_bytes": opts.zip_limit, "unzipped_bytes": opts.unzipped_limit},
        # Lambda takes a zip over the direct-upload limit only from S3, as this stack deploys it.
        "upload": upload,
        "glibc_max": report.max_versions.get("GLIBC", "").removeprefix("GLIBC_"),
        "glibcxx_max": report.max_versions.get("GLIBCXX", "").removeprefix("GLIBCXX_"),
        "cxxabi_max": report.max_versions.get("CXXABI", "").removeprefix("CXXABI_"),
        "relaxations": relaxations,
        "python_target": PYTHON_TARGET,
        "python_packages": pins,
        "handler": HANDLER,
        "r_version": install.version,
        "r_packages": {p.name: p.version for p in install.packages},
        "models": sorted(models),
        "bundled_libs": order,
        "icu": icu_report,
        "lambda_os_libs": {n: f"{LIBRARIES[n].package}: {LIBRARIES[n].source}" for n in sorted(closure.provided)},
        "files": stats.files,
        "largest_parts": [{"part": n, "bytes": u, "zip_bytes": c} for n, u, c in stats.contributors[:10]],
        "trimmed_bytes": dict(sorted(saved.items(), key=lambda kv: -kv[1])),
        "input_hash": key,
        "sha256": digest.hex(),
        "base64sha256": base64.b64encode(digest).decode(),
    }

    with progress.step("smoke test: predict with each model in the Lambda sandbox, host R hidden"):
        if opts.run_smoke:
            model_dirs = {name: opts.models / name for name in models}
            try:
                results = smoke.run(opts.out, model_dirs, opts.work / "smoke", opts.repo)
            except BuildError:
                opts.out.replace(opts.out.with_suffix(".failed.zip"))
                raise
            manifest["smoke"] = results
        else:
            progress.say("smoke test skipped (--no-smoke): this zip is not proven to load on Lambda")

    with progress.step("writing the manifest"):
        opts.manifest.write_text(json.dumps(manifest, indent=2) + "\n")
        record = {
            "input_hash": key,
            "base64sha256": manifest["base64sha256"],
            "lib_sources": lib_sources,
        }
        cache_record.write_text(json.dumps(record, indent=2) + "\n")
        shutil.rmtree(opts.work / "stage")
        opts.out.with_suffix(".failed.zip").unlink(missing_ok=True)
    progress.say(
        f"built {opts.out}: {archive.mb(stats.zip_bytes)} zipped, {archive.mb(stats.unzipped_bytes)} unzipped, "
        f"{stats.files} files, ICU {icu_report['carried']} ({archive.mb(icu_report['zip_bytes'])} zipped), "
        f"GLIBC {manifest['glibc_max']}, GLIBCXX {manifest['glibcxx_max'] or 'none (no C++ library)'} "
        f"in {progress.elapsed():.1f} s"
    )
    if upload == archive.S3_ONLY:
        progress.say(
            f"the zip is over Lambda's {archive.mb(opts.zip_limit)} direct-upload limit: it deploys only from S3, "
            "as this stack does (the artifact bucket); the 250 MB unzipped limit is what holds"
        )
    return Result(manifest, cached=False, saved=saved)


def _set_soname(path: Path, soname: str) -> None:
    """Debian's libR.so has no SONAME, so a package's NEEDED libR.so would load a second copy of R."""
    patchelf = shutil.which("patchelf")
    if patchelf is None:
        raise BuildError("patchelf is not installed; run `make setup` (apt-get install patchelf) and re-run")
    out = subprocess.run([patchelf, "--set-soname", soname, str(path)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise BuildError(f"patchelf --set-soname on {path} failed: {out.stderr.strip()[:200]}")
    os.chmod(path, 0o644)
