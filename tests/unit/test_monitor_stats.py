"""lambda/monitor_stats.R through monitor_r.py, against figures computed by hand or by R's own functions
(ks.test, wilcox.test) in a separate Rscript; and the baseline of models/baseline.R seen by the monitor."""

from __future__ import annotations

import json
import math
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, model_json

monitor_r = pytest.importorskip("monitor_r")


def rscript(code: str) -> Any:
    """Run R code that prints one JSON value (jsonlite); its value."""
    out = subprocess.run(
        ["Rscript", "-e", f"suppressPackageStartupMessages(library(jsonlite)); {code}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_psi_is_the_hand_computed_sum() -> None:
    expected, actual = [0.5, 0.3, 0.2], [0.25, 0.25, 0.5]
    by_hand = sum((a - e) * math.log(a / e) for e, a in zip(expected, actual, strict=True))
    assert monitor_r.call("monitor_psi", expected, actual) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(0.4573, abs=1e-4)  # 0.1733 + 0.0091 + 0.2749


def test_psi_of_an_empty_bin_is_large_but_finite() -> None:
    psi = monitor_r.call("monitor_psi", [0.5, 0.5, 0.0], [0.5, 0.0, 0.5])
    by_hand = (1e-4 - 0.5) * math.log(1e-4 / 0.5) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert psi == pytest.approx(by_hand, rel=1e-12)


def test_bins_are_open_at_both_ends_and_right_closed() -> None:
    # Edges 0, 10, 20, 30: (-Inf, 10], (10, 20], (20, Inf).
    values = [-5.0, 0.0, 10.0, 10.5, 20.0, 30.0, 99.0, None]
    assert monitor_r.call("monitor_bin_proportions", values, [0.0, 10.0, 20.0, 30.0]) == pytest.approx(
        [3 / 7, 2 / 7, 2 / 7]
    )


def test_ks_equals_r_ks_test_against_the_same_cdf() -> None:
    rng = random.Random(7)
    x = [rng.gauss(600, 90) for _ in range(300)]
    breaks, proportions = [200.0, 500.0, 600.0, 700.0, 800.0], [0.2, 0.3, 0.3, 0.2]
    reference = rscript(
        f"x <- c({','.join(map(repr, x))}); b <- c({','.join(map(repr, breaks))}); "
        f"cdf <- approxfun(b, c(0, cumsum(c({','.join(map(repr, proportions))}))), yleft = 0, yright = 1); "
        "cat(toJSON(unname(ks.test(x, cdf)$statistic), digits = NA, auto_unbox = TRUE))"
    )
    assert monitor_r.call("monitor_ks", x, breaks, proportions) == pytest.approx(reference, rel=1e-12)


def test_quality_of_a_probability_output_matches_r_and_hand_figures() -> None:
    rng = random.Random(3)
    p = [rng.random() for _ in range(200)]
    y = [1 if rng.random() < q else 0 for q in p]
    truth = [str(v) for v in y[:150]] + [None] * 50  # the last 50 rows have no truth yet
    output = {"name": "admit", "type": "probability", "threshold": 0.5, "labels": ["rejected", "admitted"]}
    labels = ["admitted" if q >= 0.5 else "rejected" for q in p]
    quality = monitor_r.call(
        "monitor_quality", {"value": p, "label": labels}, truth, output, {"rows": 400, "accuracy": 0.7}
    )
    joined = list(zip(p[:150], y[:150], strict=True))
    accuracy = sum((q >= 0.5) == (v == 1) for q, v in joined) / 150
    log_loss = -sum(math.log(q) if v else math.log(1 - q) for q, v in joined) / 150
    auc = rscript(
        f"p <- c({','.join(repr(q) for q, _ in joined)}); y <- c({','.join(str(v) for _, v in joined)}); "
        "w <- wilcox.test(p[y == 1], p[y == 0], exact = FALSE)$statistic; "
        "cat(toJSON(unname(w) / (sum(y == 1) * sum(y == 0)), digits = NA, auto_unbox = TRUE))"
    )
    assert quality["rows"] == 150
    assert quality["accuracy"] == pytest.approx(accuracy, rel=1e-12)
    assert quality["log_loss"] == pytest.approx(log_loss, rel=1e-12)
    assert quality["auc"] == pytest.approx(auc, rel=1e-12)
    assert quality["accuracy_drop"] == pytest.approx(0.7 - accuracy, rel=1e-12)


def test_quality_of_a_regression_output() -> None:
    values, truth = [10.0, 20.0, 30.0, 40.0], ["12", "18", None, "45"]
    quality = monitor_r.call(
        "monitor_quality", {"value": values, "label": [None] * 4}, truth, {"type": "number"}, {"rmse": 2.0}
    )
    errors = [-2.0, 2.0, -5.0]
    rmse = math.sqrt(sum(e * e for e in errors) / 3)
    assert quality == pytest.approx({"rows": 3, "rmse": rmse, "mae": 3.0, "rmse_increase": rmse / 2.0 - 1}, rel=1e-12)


def test_quality_of_a_multiclass_output_uses_the_true_class_probability() -> None:
    output = {"type": "probabilities", "labels": ["a", "b", "c"]}
    prediction = {
        "label": ["a", "b", "a"],
        "probabilities": {"a": [0.7, 0.2, 0.5], "b": [0.2, 0.7, 0.1], "c": [0.1, 0.1, 0.4]},
    }
    quality = monitor_r.call("monitor_quality", prediction, ["a", "c", "a"], output, None)
    assert quality["accuracy"] == pytest.approx(2 / 3)
    assert quality["log_loss"] == pytest.approx(-(math.log(0.7) + math.log(0.1) + math.log(0.5)) / 3)
    assert "auc" not in quality


def training_rows() -> dict[str, Any]:
    """The admission training data and the fitted model's predictions, from R."""
    return rscript(
        'source("models/admission/data.R"); d <- synthetic_admissions(); '
        "fit <- glm(admit ~ gre + gpa + rank, data = d, family = binomial); "
        "cat(toJSON(list(gre = d$gre, gpa = d$gpa, rank = as.character(d$rank), admit = d$admit, "
        'p = unname(predict(fit, d, type = "response"))), digits = NA))'
    )


def test_the_training_data_does_not_drift_from_its_own_baseline(built_models: Path) -> None:
    meta = model_json(built_models / "admission")
    data = training_rows()
    labels = ["admitted" if p >= 0.5 else "rejected" for p in data["p"]]
    group = {
        "status": [200] * 400,
        "handler_ms": [1.0] * 400,
        "rows": [1] * 400,
        "inputs": {"gre": data["gre"], "gpa": data["gpa"], "rank": data["rank"]},
        "prediction": {"value": data["p"], "label": labels},
        "truth": [str(v) for v in data["admit"]],
    }
    stats = monitor_r.group_statistics(group, meta, {"psi": 0.2, "min_rows": 100})
    for name in ("gre", "gpa", "rank"):
        assert stats["inputs"][name]["psi"] == pytest.approx(0, abs=1e-4), name
        assert stats["inputs"][name]["drift"] is False
        assert stats["inputs"][name]["out_of_range_rate"] == 0
    assert stats["prediction"]["psi"] == pytest.approx(0, abs=1e-4)
    assert stats["quality"]["accuracy"] == pytest.approx(meta["baseline"]["quality"]["accuracy"], abs=1e-6)
    assert stats["quality"]["accuracy_drop"] == pytest.approx(0, abs=1e-6)
    assert stats["traffic"] == {"requests": 400, "rows": 400, "errors": {}, "handler_ms": {"p50": 1.0, "p99": 1.0}}


def test_baseline_matches_r_quantiles_and_level_counts(built_models: Path) -> None:
    baseline = model_json(built_models / "admission")["baseline"]
    reference = rscript(
        'source("models/admission/data.R"); d <- synthetic_admissions(); '
        "cat(toJSON(list(gre = unname(quantile(d$gre, 0:10 / 10)), rank = as.list(table(d$rank) / 400)), digits = NA))"
    )
    assert baseline["rows"] == 400
    assert baseline["inputs"]["gre"]["breaks"] == pytest.approx(sorted(set(reference["gre"])))
    assert sum(baseline["inputs"]["gre"]["proportions"]) == pytest.approx(1)
    assert baseline["inputs"]["rank"] == {
        "type": "factor",
        "proportions": {k: v[0] for k, v in reference["rank"].items()},
    }
    assert baseline["prediction"]["type"] == "numeric"


@pytest.mark.parametrize(
    ("name", "version", "rds_sha256"),
    [
        ("admission", "6b21246f54cd", "729e8dc1198d40142930669916b202f7df9e795d7bf18c7a1d4a84a4a211879c"),
        ("boston", "a9ee304e2210", "7a438a0256bbe27099d7f433262491a1064524846f8ebfdfad4c3fb79c468010"),
    ],
)
def test_the_baseline_leaves_versions_and_model_bytes_as_they_were(
    built_models: Path, name: str, version: str, rds_sha256: str
) -> None:
    meta = model_json(built_models / name)
    assert (meta["version"], meta["rds_sha256"]) == (version, rds_sha256)
    assert "baseline" in meta
