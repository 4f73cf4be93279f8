"""Finds the host R and copies into the zip only what loading R, the models' packages and predict() need."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lambda_zip import BuildError

# R's JIT loads `compiler` on the first loop it compiles, so a running R needs it although nothing imports it.
ALWAYS_PACKAGES = ("base", "compiler")
# The top-level entries of an installed package that loading and calling it use; the rest is help and docs.
PACKAGE_KEEP = frozenset({"DESCRIPTION", "NAMESPACE", "Meta", "R", "libs"})
# Entries of other packages' installed trees that nothing reads at run time. Anything else a package installs may
# be read when it loads (tzdb's .onLoad needs its tzdata/), so only R's own packages get PACKAGE_KEEP alone.
PACKAGE_DROP = frozenset(
    {"help", "html", "doc", "demo", "examples", "NEWS", "NEWS.Rd", "NEWS.md", "CITATION", "INDEX", "COPYRIGHTS"}
    | {"README", "README.md", "AUTHORS", "LICENSE", "LICENCE", "pkgdown", "po", "include", "data"}
    | {"tests", "unitTests", "tinytest", "slowtests"}
)
# R_HOME/modules loaded at run time: lapack.so serves solve(), qr(), chol() and friends.
MODULES_KEEP = ("lapack.so",)
# Replaces Debian's etc/Renviron, which points at /usr paths that do not exist on Lambda.
RENVIRON = """\
# R's environment inside the Lambda zip: R_HOME is set by the handler, nothing refers to /usr.
R_PLATFORM=x86_64-pc-linux-gnu
R_PAPERSIZE=letter
R_LIBS_USER=${R_HOME}/library
R_LIBS_SITE=${R_HOME}/library
EDITOR=vi
PAGER=cat
R_UNZIPCMD=unzip
R_ZIPCMD=zip
R_GZIPCMD=gzip -n
TZ=${TZ-UTC}
"""

_QUERY = r"""
need <- commandArgs(trailingOnly = TRUE)
need <- unique(c(need, getOption("defaultPackages")))
ip <- installed.packages()
missing <- setdiff(need, rownames(ip))
deps <- tools::package_dependencies(intersect(need, rownames(ip)), db = ip,
                                    which = c("Depends", "Imports"), recursive = TRUE)
all <- sort(unique(c(need, unlist(deps, use.names = FALSE))))
all <- setdiff(all, "R")
missing <- union(missing, setdiff(all, rownames(ip)))
found <- setdiff(all, missing)
pkg <- lapply(found, function(p) list(name = p, version = unname(ip[p, "Version"]),
                                      libpath = unname(ip[p, "LibPath"])))
esc <- function(x) paste0('"', gsub('"', '\\"', x, fixed = TRUE), '"')
obj <- function(p) sprintf('{"name": %s, "version": %s, "libpath": %s}', esc(p$name), esc(p$version), esc(p$libpath))
cat(sprintf('\n{"r_version": %s, "home": %s, "packages": [%s], "missing": [%s], "libpaths": [%s]}\n',
            esc(paste(R.version$major, R.version$minor, sep = ".")), esc(R.home()),
            paste(vapply(pkg, obj, ""), collapse = ", "),
            paste(vapply(missing, esc, ""), collapse = ", "),
            paste(vapply(.libPaths(), esc, ""), collapse = ", ")))
"""


@dataclass(frozen=True)
class RPackage:
    name: str
    version: str
    path: Path


@dataclass(frozen=True)
class RInstall:
    home: Path
    version: str
    packages: tuple[RPackage, ...]


def r_home() -> Path:
    """R_HOME of the R on PATH (`R RHOME`)."""
    r = shutil.which("R")
    if r is None:
        raise BuildError("R is not on PATH; run `make setup` (it installs r-base-core) and re-run make package")
    out = subprocess.run([r, "RHOME"], capture_output=True, text=True, check=False)
    if out.returncode != 0 or not out.stdout.strip():
        raise BuildError(f"`R RHOME` failed ({out.stderr.strip()[:200]}); check the R installation")
    return Path(out.stdout.strip())


def discover(wanted: list[str], project: Path | None = None) -> RInstall:
    """Ask the host R for the packages `wanted` needs (recursively, on top of R's defaults) and where they are.

    R is asked as `make model` runs it (plain Rscript in the project folder), so it searches the same libraries:
    R_LIBS, R_LIBS_USER (also when set in ~/.Renviron) and a project library that the project's .Rprofile
    activates (renv). --vanilla would skip ~/.Renviron and .Rprofile, and with them the user's own packages.
    """
    home = r_home()
    rscript = home / "bin" / "Rscript"
    cmd = [str(rscript if rscript.exists() else "Rscript"), "--no-save", "-e", _QUERY, *ALWAYS_PACKAGES, *wanted]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=project)
    if out.returncode != 0:
        raise BuildError(f"asking R for package dependencies failed: {out.stderr.strip()[-300:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if data["missing"]:
        names = ", ".join(data["missing"])
        raise BuildError(
            f"R package(s) {names} needed by the models are not installed in any of R's libraries "
            f"({', '.join(data['libpaths'])}); install them (e.g. apt-get install r-cran-{data['missing'][0].lower()}, "
            "or install.packages() into R_LIBS_USER) and re-run make package"
        )
    packages = tuple(RPackage(p["name"], p["version"], Path(p["libpath"]) / p["name"]) for p in data["packages"])
    return RInstall(Path(data["home"]), data["r_version"], packages)


def _dynlibs(package: Path) -> set[str]:
    """Shared objects a package's NAMESPACE loads (useDynLib), as file names."""
    namespace = package / "NAMESPACE"
    text = namespace.read_text(errors="replace") if namespace.exists() else ""
    return {f"{m}.so" for m in re.findall(r"useDynLib\(\s*['\"]?([A-Za-z0-9._]+)", text)}


def _tree_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def copy_package(package: RPackage, dest: Path, saved: Counter[str], r_own: bool = True) -> None:
    """Copy one installed package and only the .so files its NAMESPACE loads: PACKAGE_KEEP of R's own packages
    (r_own), all but PACKAGE_DROP of the others."""
    dynlibs = _dynlibs(package.path)
    for entry in sorted(package.path.iterdir()):
        if entry.name not in PACKAGE_KEEP and (r_own or entry.name in PACKAGE_DROP):
            saved[_category(entry.name)] += _tree_bytes(entry)
            continue
        if entry.name == "libs":
            for so in sorted(entry.iterdir()):
                if so.suffix == ".so" and so.name not in dynlibs:
                    saved["unused package shared objects"] += _tree_bytes(so)
                    continue
                target = dest / "libs" / so.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(so, target)
            continue
        if entry.is_dir():
            shutil.copytree(entry, dest / entry.name, symlinks=False)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(entry, dest / entry.name)


def _category(name: str) -> str:
    if name in PACKAGE_DROP - {"po", "include", "data", "tests", "unitTests", "tinytest", "slowtests"}:
        return "help, html and docs"
    if name == "po":
        return "translations"
    if name in {"tests", "unitTests", "tinytest", "slowtests"}:
        return "tests"
    if name in {"include"}:
        return "headers"
    if name == "data":
        return "package data sets"
    return "other package files"


def stage(install: RInstall, dest: Path, saved: Counter[str]) -> list[RPackage]:
    """Build dest (the zip's R/ = R_HOME) from the host R: libR.so, kept modules, Renviron, packages."""
    (dest / "lib").mkdir(parents=True)
    shutil.copyfile(install.home / "lib" / "libR.so", dest / "lib" / "libR.so")
    (dest / "modules").mkdir()
    for module in sorted((install.home / "modules").iterdir()):
        if module.name in MODULES_KEEP:
            shutil.copyfile(module, dest / "modules" / module.name)
        else:
            saved["unused R modules (X11, data editor, internet)"] += _tree_bytes(module)
    (dest / "etc").mkdir()
    (dest / "etc" / "Renviron").write_text(RENVIRON)
    saved["R/bin (scripts and executables)"] += _tree_bytes(install.home / "bin")
    bundled = {p.name for p in install.packages}
    for lib_dir in {p.path.parent for p in install.packages} | {install.home / "library"}:
        for other in lib_dir.iterdir():
            if other.name not in bundled and other.is_dir():
                key = "translations" if other.name == "translations" else "R packages no model needs"
                saved[key] += _tree_bytes(other)
    for package in install.packages:
        r_own = package.path.parent == install.home / "library"
        copy_package(package, dest / "library" / package.name, saved, r_own)
    return list(install.packages)
