"""One model version's report: its capture records grouped per day and over the window, the statistics from R
(monitor_stats.R), and what the report flags. The report is monitoring/<model>/<version>/<date>.json."""

import time
from datetime import date, timedelta
from typing import Any

import monitor_r
from monitor_store import Truth

REPORT_FORMAT = 1
NO_BASELINE = (
    "model.json of this version has no training baseline (written before monitoring): traffic only, "
    "no drift or quality figures; retrain it with the current models/model_json.R to monitor drift"
)
NO_MODEL_JSON = "this version's model.json is no longer in the model bucket: traffic only"


def window_days(day: str, days: int) -> list[str]:
    """The days of the window that ends on day, oldest first."""
    end = date.fromisoformat(day)
    return [(end - timedelta(days=back)).isoformat() for back in range(days - 1, -1, -1)]


def _input_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "factor":
        return str(value)
    if kind == "logical":
        return "TRUE" if value is True or str(value).lower() == "true" else "FALSE"
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def group_columns(records: list[dict[str, Any]], meta: dict[str, Any] | None, truth: Truth) -> dict[str, Any]:
    """The columns R reads for one group of records: every request's status and time, every answered row's inputs
    (an input no record carries, e.g. one excluded from capture, is left out), prediction and truth."""
    specs = (meta or {}).get("inputs", [])
    output_type = (meta or {}).get("output", {}).get("type")
    answered = [r for r in records if r.get("status") == 200 and r.get("inputs") is not None]
    columns: dict[str, list[Any]] = {spec["name"]: [] for spec in specs}
    seen: set[str] = set()
    value: list[Any] = []
    label: list[Any] = []
    probabilities: dict[str, list[Any]] = {}
    known: list[Any] = []
    for record in answered:
        for index, (row, prediction) in enumerate(zip(record["inputs"], record.get("outputs") or [], strict=False)):
            seen.update(row)
            for spec in specs:
                columns[spec["name"]].append(_input_value(row.get(spec["name"]), spec["type"]))
            value.append(prediction.get("probability", prediction.get("value")))
            label.append(prediction.get("label"))
            for name, p in (prediction.get("probabilities") or {}).items():
                probabilities.setdefault(name, []).append(p)
            known.append(truth.lookup(record, index))
    prediction_columns: dict[str, Any] = {"value": value, "label": label}
    if output_type == "probabilities":
        prediction_columns["probabilities"] = probabilities
    requests = [r for r in records if not r.get("part")]  # a request written in parts counts once (part 0)
    return {
        "status": [int(r.get("status") or 0) for r in requests],
        "handler_ms": [r.get("handler_ms") for r in requests],
        "rows": [int(r.get("rows") or 0) if r.get("status") == 200 else 0 for r in records],
        "inputs": {name: column for name, column in columns.items() if name in seen},
        "prediction": prediction_columns,
        "truth": known,
    }


def _statistics(records: list[dict[str, Any]], meta: dict[str, Any] | None, truth: Truth, th: dict[str, float]) -> Any:
    monitored = meta if meta is not None and meta.get("baseline") else None
    # Without a baseline only traffic is computed: no inputs to describe, no truth to join.
    model = monitored or {"inputs": [], "output": {"type": "none"}}
    group = group_columns(records, monitored, truth if monitored else Truth())
    stats = monitor_r.group_statistics(group, model, th)
    if monitored is None:
        return {"traffic": stats["traffic"]}
    return stats


def version_report(
    model: str,
    version: str,
    day: str,
    records_by_day: dict[str, list[dict[str, Any]]],
    meta: dict[str, Any] | None,
    truth: Truth,
    thresholds: dict[str, float],
) -> dict[str, Any]:
    notes: list[str] = []
    if meta is None:
        notes.append(NO_MODEL_JSON)
    elif not meta.get("baseline"):
        notes.append(NO_BASELINE)
    days = []
    for name in sorted(records_by_day):
        if records_by_day[name]:
            days.append({"date": name, **_statistics(records_by_day[name], meta, truth, thresholds)})
    everything = [record for name in sorted(records_by_day) for record in records_by_day[name]]
    window = _statistics(everything, meta, truth, thresholds)
    inputs = window.get("inputs") or {}
    drifted = sorted(name for name, figures in inputs.items() if figures.get("drift"))
    not_captured = sorted(name for name, figures in inputs.items() if figures.get("captured") is False)
    if not_captured:
        notes.append(f"not captured (excluded from capture): {', '.join(not_captured)}")
    if meta is not None and meta.get("baseline") and not (window.get("quality") or {}).get("rows"):
        notes.append("no truth joined yet: send labels with make truth to get quality figures")
    return {
        "format": REPORT_FORMAT,
        "model": model,
        "version": version,
        "date": day,
        "window": {"days": len(records_by_day), "from": min(records_by_day), "to": day, **window},
        "days": days,
        "baseline": bool(meta and meta.get("baseline")),
        "training": (meta or {}).get("baseline", {}).get("quality"),
        "task": (meta or {}).get("task"),
        "output": (meta or {}).get("output"),
        "thresholds": thresholds,
        "drifted_inputs": drifted,
        "prediction_drift": bool((window.get("prediction") or {}).get("drift")),
        "notes": notes,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
