"""The custom-runtime style: one `Rscript` process per request doing readRDS + predict on the same model."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.stats import summary


def _r_value(field: dict[str, Any], value: Any) -> str:
    if field["type"] == "factor":
        levels = ", ".join(json.dumps(str(level)) for level in field["levels"])
        return f"factor({json.dumps(str(value))}, levels = c({levels}))"
    if field["type"] == "logical":
        return "TRUE" if value else "FALSE"
    if field["type"] == "integer":
        return f"{int(value)}L"
    return repr(float(value))


def predict_expression(model_dir: Path) -> str:
    """R code that loads model.rds and predicts the example record of model.json, printing the result."""
    metadata = json.loads((model_dir / "model.json").read_text())
    columns = ", ".join(f"{f['name']} = {_r_value(f, f['example'])}" for f in metadata["inputs"])
    args = "".join(f", {k} = {json.dumps(v)}" for k, v in metadata.get("predict_args", {}).items())
    packages = "".join(f"suppressMessages(library({name})); " for name in metadata.get("r_packages", {}))
    rds = json.dumps(str(model_dir / "model.rds"))
    return f"{packages}m <- readRDS({rds}); cat(predict(m, data.frame({columns}){args}), '\\n')"


def rscript_per_request(model_dir: Path, runs: int) -> dict[str, Any]:
    expression = predict_expression(model_dir)
    latencies = []
    output = ""
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(["Rscript", "-e", expression], check=True, capture_output=True, text=True)
        latencies.append((time.perf_counter() - started) * 1000)
        output = done.stdout.strip()
    return {"ms": summary(latencies, 1), "prediction": output, "command": f"Rscript -e '{expression}'"}
