"""A CSV of random rows for a built model: `python scripts/sample_csv.py admission 1000 out.csv`.

Values fall inside each input's training range (factor levels, min-max); a fraction of rows can be made invalid
(an unknown level, a word for a number, an empty field), so that batch scoring's per-row errors can be seen."""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "build" / "models"


def _valid(spec: dict[str, Any], rng: random.Random) -> str:
    if spec["type"] == "factor":
        return str(rng.choice(spec["levels"]))
    if spec["type"] == "logical":
        return rng.choice(["TRUE", "FALSE"])
    low, high = float(spec.get("min", 0)), float(spec.get("max", 1))
    if spec["type"] == "integer":
        return str(rng.randint(int(low), int(high)))
    return repr(round(rng.uniform(low, high), 4))


def _invalid(spec: dict[str, Any], rng: random.Random) -> str:
    if spec["type"] == "factor":
        return rng.choice(["", "unknown-level"])
    return rng.choice(["", "not-a-number"])


def write_sample(model: str, rows: int, target: Path, invalid_every: int = 0, seed: int = 7) -> list[int]:
    """Write the CSV (an `id` column first); return the 0-based rows made invalid."""
    inputs = json.loads((MODELS / model / "model.json").read_text())["inputs"]
    rng = random.Random(seed)
    invalid: list[int] = []
    with target.open("w", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["id", *(spec["name"] for spec in inputs)])
        for row in range(rows):
            values = [_valid(spec, rng) for spec in inputs]
            if invalid_every and row % invalid_every == invalid_every // 2:
                column = rng.randrange(len(inputs))
                values[column] = _invalid(inputs[column], rng)
                invalid.append(row)
            writer.writerow([f"r{row}", *values])
    return invalid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model")
    parser.add_argument("rows", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--invalid-every", type=int, default=0, help="make every Nth row invalid (100 = 1%%)")
    args = parser.parse_args(argv)
    if not (MODELS / args.model / "model.json").exists():
        print(f"sample_csv: no build/models/{args.model}/model.json; run `make model`", file=sys.stderr)
        return 1
    write_sample(args.model, args.rows, args.target, args.invalid_every)
    return 0


if __name__ == "__main__":
    sys.exit(main())
