"""Start the embedded R once per process: the R bundled in the zip (R/) when present, else the host's R.

Imported before rpy2: rpy2 reads R_HOME and opens libR.so when it is imported.
"""

import ctypes
import locale
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

TASK_ROOT = Path(os.environ.get("LAMBDA_TASK_ROOT") or Path(__file__).resolve().parent)

# Amazon Linux 2023 has no /usr/bin/which, which base::Sys.which runs (utils and stats call it when they
# load): a PATH search in R replaces it before any default package is attached.
_SYS_WHICH_IN_R = r"""
local({
  which <- function(names) {
    dirs <- strsplit(Sys.getenv("PATH"), .Platform$path.sep, fixed = TRUE)[[1]]
    found <- vapply(names, function(name) {
      if (!nzchar(name)) return("")
      candidates <- if (grepl("/", name, fixed = TRUE)) name else file.path(dirs[nzchar(dirs)], name)
      hits <- candidates[file.access(candidates, 1L) == 0L & !dir.exists(candidates)]
      if (length(hits)) hits[[1]] else ""
    }, "")
    names(found) <- names
    found
  }
  for (env in list(baseenv(), .BaseNamespaceEnv)) {
    unlockBinding("Sys.which", env)
    assign("Sys.which", which, envir = env)
    lockBinding("Sys.which", env)
  }
})
for (pkg in c("datasets", "utils", "grDevices", "graphics", "stats", "methods")) {
  library(pkg, character.only = TRUE, quietly = TRUE, warn.conflicts = FALSE)
}
"""


@dataclass(frozen=True)
class RRuntime:
    r_home: str
    bundled: bool


_started: RRuntime | None = None


def _bundled_r_home() -> Path | None:
    r_home = TASK_ROOT / "R"
    return r_home if (r_home / "lib" / "libR.so").is_file() else None


def _preload_bundled_libraries(r_home: Path) -> None:
    """Load lib/ in the listed order: Lambda's LD_LIBRARY_PATH would find /lib64 copies first otherwise."""
    lib_dir = TASK_ROOT / "lib"
    preload = lib_dir / "preload.txt"
    names = preload.read_text().split() if preload.is_file() else []
    for name in names:
        ctypes.CDLL(str(lib_dir / name), mode=ctypes.RTLD_GLOBAL)
    ctypes.CDLL(str(r_home / "lib" / "libR.so"), mode=ctypes.RTLD_GLOBAL)


def _locale_exists(name: str) -> bool:
    saved = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, name)
        return True
    except locale.Error:
        return False
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)


def _use_existing_locale() -> None:
    """Lambda sets LANG=en_US.UTF-8, which its OS may lack: R would print a warning per category at start."""
    for variable in ("LC_ALL", "LANG"):
        name = os.environ.get(variable)
        if name and not _locale_exists(name):
            os.environ[variable] = "C.UTF-8" if _locale_exists("C.UTF-8") else "C"


def _host_r_home() -> str:
    if os.environ.get("R_HOME"):
        return os.environ["R_HOME"]
    try:
        out = subprocess.run(["R", "RHOME"], capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        message = f"no bundled R in {TASK_ROOT}/R and no R on PATH ({error}): install R or set R_HOME"
        raise RuntimeError(message) from error
    return out.stdout.strip()


def start() -> RRuntime:
    """Initialise R (idempotent) and return where it came from."""
    global _started
    if _started is not None:
        return _started
    bundled = _bundled_r_home()
    r_home = str(bundled) if bundled else _host_r_home()
    os.environ["R_HOME"] = r_home
    os.environ["RPY2_CFFI_MODE"] = "ABI"
    _use_existing_locale()
    os.environ["LC_COLLATE"] = "C"
    os.environ["TMPDIR"] = "/tmp"
    default_packages = os.environ.get("R_DEFAULT_PACKAGES")
    os.environ["R_DEFAULT_PACKAGES"] = "NULL"
    if bundled:
        _preload_bundled_libraries(bundled)

    import rpy2.situation

    # rpy2 runs Rscript at import only to learn R's LD_LIBRARY_PATH (0.1 s, and no Rscript is bundled);
    # libR.so and its libraries are already resolvable, so R's own lib/ is all it needs to know.
    rpy2.situation.r_ld_library_path_from_subprocess = lambda home: os.path.join(home, "lib")

    import rpy2.rinterface as ri

    ri.initr_simple()
    # R has read it; child processes (an Rscript) must get their usual default packages.
    if default_packages is None:
        del os.environ["R_DEFAULT_PACKAGES"]
    else:
        os.environ["R_DEFAULT_PACKAGES"] = default_packages
    ri.baseenv["eval"](ri.parse(_SYS_WHICH_IN_R))
    _started = RRuntime(r_home=r_home, bundled=bundled is not None)
    return _started
