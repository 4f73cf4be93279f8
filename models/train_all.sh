#!/usr/bin/env bash
# Trains every models/<name>/train.R into build/models/<name>/{model.rds,model.json}.
# A model is retrained only when its folder, the shared writer (models/*.R, lambda/predict_answer.R) or R changed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v Rscript >/dev/null; then
  echo "train_all: Rscript not found on PATH; install R (make setup) and rerun make model" >&2
  exit 1
fi
export LC_ALL=C.UTF-8  # the rds records the native encoding; fix it so every machine writes the same bytes
r_version=$(Rscript -e 'cat(R.version.string)')

for train in models/*/train.R; do
  name=$(basename "$(dirname "$train")")
  out="build/models/$name"
  inputs=$( { printf '%s\n' "$r_version"; find "models/$name" -type f -print0 | sort -z | xargs -0 sha256sum;
              sha256sum models/*.R lambda/predict_answer.R; } | sha256sum | cut -c1-64)
  if [[ -f "$out/model.json" && -f "$out/model.rds" && "$(cat "$out/.inputs.sha256" 2>/dev/null)" == "$inputs" ]]; then
    echo "model $name: up to date ($out)"
    continue
  fi
  # trained_at comes from the last commit of the model's inputs, so a rebuild writes identical files.
  epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct -- "models/$name" models/*.R lambda/predict_answer.R 2>/dev/null || true)}
  staging=$(mktemp -d "${TMPDIR:-/tmp}/model-$name.XXXXXX")
  if ! MODEL_OUTPUT_DIR="$staging" SOURCE_DATE_EPOCH="${epoch:-315532800}" Rscript "$train"; then
    rm -rf "$staging"
    echo "train_all: $train failed (R's message is above); fix it and rerun make model" >&2
    exit 1
  fi
  mkdir -p "$out"
  # model.json is the commit point: the rds goes first, as in S3.
  mv "$staging/model.rds" "$out/model.rds"
  mv "$staging/model.json" "$out/model.json"
  printf '%s\n' "$inputs" > "$out/.inputs.sha256"
  rm -rf "$staging"
done
