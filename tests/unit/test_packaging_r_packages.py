"""R packages beyond R's own, packaged into one test zip and run in the Lambda sandbox with the host R hidden.

- Debian's nlme (via mgcv) and ranger need a symbol version above Amazon Linux 2023's: their rebound libraries pass
  the ABI gate and compute what the host R computes.
- A package from the user's own library (R_LIBS_USER), with compiled C code, built by this test: found, bundled,
  gated, and its predict method serves the right numbers.
- R's exit leaves no temp directory behind and prints nothing (`rm` is there, as on the python3.12 image).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from lambda_zip import BuildError, r_tree
from lambda_zip.build import Options, _inputs_hash, build
from lambda_zip.lambda_os import RELAXATIONS

REPO = Path(__file__).resolve().parents[2]
SANDBOX = REPO / "localstack" / "executor" / "lambda_local_executor" / "sandbox.py"
DEBIAN_PACKAGES = ("nlme", "mgcv", "ranger")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("R") is None, reason="needs the host R"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
]

# A user's package: a model class whose predict method is C code.
PACKAGE = {
    "DESCRIPTION": (
        "Package: scaledsum\nVersion: 0.1.2\nTitle: Weighted Sums in C\nDescription: A test model class.\n"
        "License: GPL-2\nAuthor: test\nMaintainer: test <test@example.org>\nEncoding: UTF-8\n"
    ),
    "NAMESPACE": "useDynLib(scaledsum, .registration = TRUE)\nS3method(predict, myclass)\n",
    "R/predict.R": (
        "predict.myclass <- function(object, newdata, ...) {\n"
        "  .Call(C_weighted_sum, as.double(newdata$x1), as.double(newdata$x2), as.double(object$coef))\n"
        "}\n"
    ),
    "src/weighted_sum.c": r"""
#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>
#include <math.h>

/* coef[0] + coef[1] * x1 + coef[2] * x2 + sin(x1 * x2): a value R's own arithmetic would not give by accident */
SEXP weighted_sum(SEXP x1, SEXP x2, SEXP coef) {
    R_xlen_t n = XLENGTH(x1);
    SEXP out = PROTECT(allocVector(REALSXP, n));
    const double *a = REAL(x1), *b = REAL(x2), *c = REAL(coef);
    for (R_xlen_t i = 0; i < n; i++) REAL(out)[i] = c[0] + c[1] * a[i] + c[2] * b[i] + sin(a[i] * b[i]);
    UNPROTECT(1);
    return out;
}

static const R_CallMethodDef calls[] = {{"C_weighted_sum", (DL_FUNC) &weighted_sum, 3}, {NULL, NULL, 0}};

void R_init_scaledsum(DllInfo *info) {
    R_registerRoutines(info, NULL, calls, NULL, NULL);
    R_useDynamicSymbols(info, FALSE);
    R_forceSymbols(info, TRUE);
}
""",
}

ROWS = [{"x1": 0.5, "x2": 2.0}, {"x1": -1.25, "x2": 3.5}, {"x1": 4.0, "x2": -0.75}]

TRAIN = r"""
source("models/model_json.R")
library(scaledsum)
d <- data.frame(x1 = c(0.5, 1, 2, 3), x2 = c(2, 1, 0, -1), y = c(1, 2, 3, 4))
fit <- structure(list(terms = terms(y ~ x1 + x2), coef = c(0.25, -1.5, 3.125)), class = "myclass")
write_model(fit, d, name = "scaled", output = list(type = "number"), packages = c("mgcv", "ranger"),
            dir = Sys.getenv("MODEL_DIR"))
rows <- data.frame(x1 = c(0.5, -1.25, 4), x2 = c(2, 3.5, -0.75))
cat("\n", paste(sprintf("%.17g", predict(fit, rows)), collapse = ","), "\n", sep = "")
"""

# Fit and predict with the Debian packages whose libraries were rebound, on made-up but fixed data.
FIT_DEBIAN = r"""
local({
  subject <- factor(rep(sprintf("s%02d", 1:12), each = 6))
  age <- rep(c(8, 9, 10, 11, 12, 14), 12)
  effect <- rep(sin(1:12) * 2, each = 6)
  d <- data.frame(subject = subject, age = age, distance = 17 + 0.66 * age + effect + cos(seq_along(age)) / 3)
  fm <- nlme::lme(distance ~ age, data = d, random = ~ 1 | subject)
  lme <- predict(fm, newdata = d[c(1, 8, 20, 33, 70), ])
  x <- seq(0, 6, length.out = 80)
  g <- data.frame(x = x, z = cos(3 * x), y = sin(x) + 0.4 * cos(3 * x) + sin(17 * x) / 10)
  gam <- predict(mgcv::gam(y ~ s(x) + z, data = g), newdata = g[c(3, 30, 61), ])
  r <- data.frame(a = sin(1:150), b = cos((1:150) / 7), c = ((1:150) %% 11) / 11)
  r$y <- 2 * r$a - r$b + r$c^2
  rf <- ranger::ranger(y ~ ., data = r, num.trees = 60, num.threads = 2, seed = 42)
  forest <- predict(rf, data = r[c(2, 50, 99), ], num.threads = 2)$predictions
  paste(sprintf("%.17g", c(lme, gam, forest)), collapse = ",")
})
"""

# Runs in the sandbox. A child process serves the user's model through the handler and fits the Debian packages'
# models, then exits as a Lambda process does; this parent then looks for what R's exit left behind.
PARENT = r"""
import json, os, subprocess, sys
child = subprocess.run([sys.executable, "-c", sys.argv[1]], capture_output=True, text=True, timeout=120)
if child.returncode != 0:
    sys.exit(f"child failed: {child.stderr[-2000:]}")
result = json.loads(child.stdout.strip().splitlines()[-1])
result["stderr"] = child.stderr
result["tempdir_left"] = os.path.exists(result["tempdir"])
print(json.dumps(result))
"""

CHILD = r"""
import json, os, sys
import handler
event = {"resource": "/predict", "path": "/predict", "httpMethod": "POST", "isBase64Encoded": False,
         "headers": {"content-type": "application/json"}, "queryStringParameters": None,
         "requestContext": {"resourcePath": "/predict", "httpMethod": "POST", "stage": "test"},
         "body": json.dumps({"instances": ROWS})}
class Context:
    function_name = "test"; aws_request_id = "test-1"; memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test"
    def get_remaining_time_in_millis(self): return 30000
response = handler.lambda_handler(event, Context())
import rpy2.rinterface as ri
fitted = ri.baseenv["eval"](ri.parse(FIT_DEBIAN))[0]
print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"]), "debian": fitted,
                  "tempdir": ri.baseenv["tempdir"]()[0]}))
""".replace("ROWS", repr(ROWS)).replace("FIT_DEBIAN", repr(FIT_DEBIAN))


def _numbers(text: str) -> list[float]:
    return [float(v) for v in text.strip().split(",")]


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def user_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's package, built from source and installed into a library of its own."""
    root = tmp_path_factory.mktemp("user-library")
    source = root / "src" / "scaledsum"
    for name, text in PACKAGE.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    library = root / "library"
    library.mkdir()
    subprocess.run(["R", "CMD", "INSTALL", f"--library={library}", str(source)], check=True, capture_output=True)
    return library


@pytest.fixture(scope="session")
def user_zip(tmp_path_factory: pytest.TempPathFactory, user_library: Path) -> dict[str, object]:
    """A model of the user's class, one zip with the Debian packages too (built with the smoke test), and the host
    R's own predictions for comparison. The user library is named where users name it: in their ~/.Renviron."""
    missing = [p for p in DEBIAN_PACKAGES if not Path(f"/usr/lib/R/library/{p}").exists()]
    missing = [p for p in missing if not Path(f"/usr/lib/R/site-library/{p}").exists()]
    if missing:
        pytest.skip(f"needs Debian's r-cran-{missing[0]}")
    root = tmp_path_factory.mktemp("user-zip")
    renviron = root / "Renviron"
    renviron.write_text(f"R_LIBS_USER={user_library}\n")
    model_dir = root / "models" / "scaled"
    env = {**os.environ, "R_ENVIRON_USER": str(renviron), "MODEL_DIR": str(model_dir)}
    trained = subprocess.run(["Rscript", "-e", TRAIN], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    host = subprocess.run(["Rscript", "-e", f"cat({FIT_DEBIAN})"], capture_output=True, text=True, check=True)
    out = root / "zip"
    opts = Options.for_repo(
        REPO,
        models=root / "models",
        lambda_dir=REPO / "lambda",
        out=out / "lambda.zip",
        manifest=out / "lambda.manifest.json",
        work=out / "work",
        force=True,
    )
    with _environ(R_ENVIRON_USER=str(renviron)):
        result = build(opts)
    task_root = root / "task"
    with zipfile.ZipFile(opts.out) as zf:
        zf.extractall(task_root)
    shutil.copytree(model_dir, task_root / "models" / "scaled")
    return {
        "manifest": result.manifest,
        "zip": opts.out,
        "task_root": task_root,
        "host_model": _numbers(trained.stdout.strip().splitlines()[-1]),
        "host_debian": _numbers(host.stdout),
        "model_json": json.loads((model_dir / "model.json").read_text()),
    }


@pytest.fixture(scope="session")
def sandboxed(user_zip: dict[str, object]) -> dict[str, object]:
    command = [
        sys.executable,
        str(SANDBOX),
        "--task-root",
        str(user_zip["task_root"]),
        "--handler",
        "handler.lambda_handler",
        "--env",
        "MODEL_URI=/var/task/models/scaled",
        "--",
        "python3",
        "-c",
        PARENT,
        CHILD,
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_users_package_is_found_through_r_libs_user_and_bundled_with_its_compiled_code(
    user_zip: dict[str, object],
) -> None:
    manifest = user_zip["manifest"]
    assert isinstance(manifest, dict)
    assert user_zip["model_json"]["r_packages"]["scaledsum"] == "0.1.2"  # type: ignore[index]
    assert manifest["r_packages"]["scaledsum"] == "0.1.2"
    with zipfile.ZipFile(user_zip["zip"]) as zf:  # type: ignore[arg-type]
        names = set(zf.namelist())
    assert {"R/library/scaledsum/libs/scaledsum.so", "R/library/scaledsum/R/scaledsum.rdb"} <= names
    [smoke] = manifest["smoke"]
    assert smoke["model"] == "scaled"


def test_debians_nlme_and_ranger_libraries_are_rebound_by_symbol_and_pass_the_gate(
    user_zip: dict[str, object],
) -> None:
    manifest = user_zip["manifest"]
    assert isinstance(manifest, dict)
    hypot, wait = RELAXATIONS
    relaxed = {line.split(": ", 1)[0]: line for line in manifest["relaxations"]}
    assert relaxed["R/library/nlme/libs/nlme.so"].endswith(
        f"{hypot.symbol}@{hypot.too_new} -> @{hypot.older} ({hypot.why})"
    )
    assert f"{wait.symbol}@{wait.too_new} -> @{wait.older}" in relaxed["R/library/ranger/libs/ranger.so"]
    assert manifest["glibc_max"] == "2.34"
    assert tuple(map(int, manifest["glibcxx_max"].split("."))) <= (3, 4, 29)


def test_the_users_c_code_predicts_in_the_sandbox_as_on_the_host(
    user_zip: dict[str, object], sandboxed: dict[str, object]
) -> None:
    assert sandboxed["status"] == 200, sandboxed["body"]
    served = [p["value"] for p in sandboxed["body"]["predictions"]]  # type: ignore[index]
    host = user_zip["host_model"]
    assert served == pytest.approx(host, rel=1e-12, abs=1e-12)
    # The numbers come from the C code: 0.25 - 1.5 x1 + 3.125 x2 + sin(x1 x2), not from an R fallback.
    import math

    assert served == pytest.approx([0.25 - 1.5 * r["x1"] + 3.125 * r["x2"] + math.sin(r["x1"] * r["x2"]) for r in ROWS])


def test_the_rebound_nlme_mgcv_and_ranger_fit_and_predict_in_the_sandbox_as_on_the_host(
    user_zip: dict[str, object], sandboxed: dict[str, object]
) -> None:
    served = _numbers(str(sandboxed["debian"]))
    host = user_zip["host_debian"]
    assert len(served) == len(host) == 11  # type: ignore[arg-type]
    assert served == pytest.approx(host, rel=1e-9, abs=1e-9)


def test_r_exits_in_the_sandbox_without_errors_and_removes_its_temp_directory(sandboxed: dict[str, object]) -> None:
    assert str(sandboxed["tempdir"]).startswith("/tmp/Rtmp")
    assert "not found" not in str(sandboxed["stderr"])
    assert sandboxed["tempdir_left"] is False


def test_a_project_library_activated_by_the_projects_rprofile_is_searched(tmp_path: Path, user_library: Path) -> None:
    """renv's activate.R, run from the project's .Rprofile, puts the project library first on .libPaths()."""
    (tmp_path / ".Rprofile").write_text(f'.libPaths(c("{user_library}", .libPaths()))\ncat("project loaded")\n')
    install = r_tree.discover(["scaledsum"], project=tmp_path)
    [package] = [p for p in install.packages if p.name == "scaledsum"]
    assert package.path == user_library / "scaledsum"
    assert package.version == "0.1.2"
    elsewhere = tmp_path / "elsewhere"  # no .Rprofile: R's default libraries only
    elsewhere.mkdir()
    with pytest.raises(BuildError, match=r"scaledsum needed by the models are not installed in any of R's libraries"):
        r_tree.discover(["scaledsum"], project=elsewhere)


def test_the_inputs_hash_covers_a_package_of_the_users_library(tmp_path: Path, user_library: Path) -> None:
    """A rebuilt user package (same name and version, new code) must not be answered by the previous zip."""
    library = tmp_path / "library"
    shutil.copytree(user_library, library)
    (tmp_path / ".Rprofile").write_text(f'.libPaths(c("{library}", .libPaths()))\n')
    opts = Options.for_repo(REPO, lambda_dir=REPO / "lambda")

    def key() -> str:
        return _inputs_hash(opts, r_tree.discover(["scaledsum"], project=tmp_path), {})

    before = key()
    assert key() == before
    so = library / "scaledsum" / "libs" / "scaledsum.so"
    so.write_bytes(so.read_bytes() + b"\0")
    assert key() != before
