#!/usr/bin/env bash
# Installs what a fresh machine lacks: apt packages, the Python environments, the Terraform CLI config.
# Idempotent: each environment is rebuilt only when its lock file changes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
mkdir -p build/venv

APT_PACKAGES=(
  r-base-core r-cran-mass r-cran-randomforest r-cran-jsonlite  # R and the example models' packages
  chromium                                                    # the browser the page is tested in
  patchelf zip unzip util-linux curl gcc g++ libc6-dev        # ELF edits, the ICU data stub, ABI fixtures, zips
  bubblewrap                                                  # the Lambda sandbox (user namespace, read-only view)
)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# `setup.sh --test`: also the R packages of the test matrix (models of many packages); a user's stack needs none.
if [ "${1:-}" = "--test" ]; then
  mapfile -t matrix < <(grep -v '^#' tests/model_matrix/debian-packages.txt | awk 'NF {print $1}')
  APT_PACKAGES+=("${matrix[@]}")
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  [ "$(id -u)" = 0 ] || { echo "setup: installing apt packages needs root; run: sudo make setup" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pyenv ships the interpreters; a plain python3.X on PATH works too.
find_python() {
  local v=$1 c
  for c in "python$v" "$(pyenv root 2>/dev/null)/versions/$v"*/bin/"python$v" /root/.pyenv/versions/"$v"*/bin/"python$v"; do
    if [ -x "$(command -v "$c" 2>/dev/null)" ] && "$c" -c 'import sys' 2>/dev/null; then command -v "$c"; return; fi
  done
  echo "setup: Python $v not found; install it (e.g. pyenv install $v) and re-run make setup" >&2; exit 1
}
PY312=$(find_python 3.12)
PY313=$(find_python 3.13)

# uv resolves and installs from the lock files; it lives in its own small environment.
UV=build/venv/uv/bin/uv
if [ ! -x "$UV" ]; then
  log "bootstrapping uv"
  "$PY312" -m venv build/venv/uv && build/venv/uv/bin/pip install -q 'uv==0.13.9'
fi

# sync_venv DIR PYTHON LOCK [EXTRA_PIP_ARGS...]: (re)create DIR from LOCK when the lock or extras changed.
sync_venv() {
  local dir=$1 python=$2 lock=$3; shift 3
  local want; want=$({ cat "$lock"; [ $# -eq 0 ] || echo "$@"; } | sha256sum | cut -c1-16)
  [ "$(cat "$dir/.lock-sha" 2>/dev/null)" = "$want" ] && return
  log "syncing $dir from $lock"
  [ -x "$dir/bin/python" ] || "$UV" venv -q --python "$python" "$dir"
  RPY2_CFFI_MODE=ABI "$UV" pip sync -q --python "$dir/bin/python" "$lock" "$@"
  echo "$want" > "$dir/.lock-sha"
}

sync_venv .venv "$PY312" requirements/dev.lock
# The repository's own tools (the packager, the local Lambda's view) are importable from the developer environment.
printf '%s\n' "$ROOT/packaging" "$ROOT/localstack/executor" "$ROOT/iam" \
  > "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/r_lambda_serve.pth"

sync_venv build/venv/localstack "$PY313" localstack/requirements.lock
if [ -f localstack/executor/pyproject.toml ]; then
  # The Lambda executor plugin is registered through its entry point; editable so changes apply on restart.
  # Reinstalled only when its pyproject (the entry point) or the environment changed: it costs seconds.
  want=$({ cat localstack/executor/pyproject.toml build/venv/localstack/.lock-sha; echo "$ROOT"; } | sha256sum | cut -c1-16)
  if [ "$(cat build/venv/localstack/.executor-sha 2>/dev/null)" != "$want" ]; then
    "$UV" pip install -q --python build/venv/localstack/bin/python --no-deps -e localstack/executor
    echo "$want" > build/venv/localstack/.executor-sha
  fi
fi
# Compiled like Lambda's own runtime (its boto3 ships .pyc): compiling botocore at every cold start costs ~1 s.
sync_venv build/venv/lambda-python3.12 "$PY312" localstack/runtime.lock --compile-bytecode
sync_venv build/venv/checkov "$PY312" requirements/checkov.lock

# The IAM policy simulator `make iam-check` runs: a test tool only (@cloud-copilot/iam-simulate is AGPL-3.0; it is
# run here and never shipped). Reinstalled only when its lock changes.
command -v node >/dev/null || { echo "setup: node not found on PATH; install Node.js >= 20 (make iam-check needs it)" >&2; exit 1; }
want=$(sha256sum iam/simulate/package-lock.json | cut -c1-16)
if [ "$(cat iam/simulate/node_modules/.lock-sha 2>/dev/null)" != "$want" ]; then
  log "npm ci in iam/simulate"
  npm ci --prefix iam/simulate --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" > iam/simulate/node_modules/.lock-sha
fi

# Terraform reads providers from the machine's filesystem mirror when it has one, else from the registry.
mirror=$(find /opt -maxdepth 3 -type d -name registry.terraform.io 2>/dev/null | head -n1 || true)
{
  echo 'disable_checkpoint = true'
  if [ -n "$mirror" ]; then
    printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n' "$(dirname "$mirror")"
  fi
} > build/terraformrc
command -v terraform >/dev/null || { echo "setup: terraform not found on PATH; install Terraform >= 1.11" >&2; exit 1; }
log "ready"
