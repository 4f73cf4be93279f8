"""Lambda entry point monitor.lambda_handler: the monitor of every served model version (same zip as the API).

Event (all optional): {"model": "<name>", "date": "YYYY-MM-DD" or "yesterday" (default: today, UTC), "window_days": 7}.
For each model version with capture records in the window it writes monitoring/<model>/<version>/<date>.json,
then monitoring/<model>/latest.json (every version's report, for the page and `make monitor`), and publishes
CloudWatch metrics with the dimensions model and version (drift and quality also without dimensions: the alarms)."""

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from logs import invocation, log
from model_store import MODEL_NAME
from monitor_report import version_report, window_days
from monitor_store import MonitorStore
from settings import env_number

NAMESPACE_DEFAULT = "ModelMonitoring"
# Figures the alarms watch, published once more without dimensions (the worst across models and versions).
ALARM_METRICS = ("InputPSIMax", "AccuracyDrop", "RMSEIncrease")


def thresholds() -> dict[str, float]:
    return {"psi": env_number("DRIFT_PSI_THRESHOLD", 0.2, minimum=0), "min_rows": env_number("DRIFT_MIN_ROWS", 100, 1)}


def _client(service: str) -> Any:
    import boto3  # ships with the Lambda runtime
    from botocore.config import Config

    custom_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    style: Any = "path" if custom_endpoint else "auto"
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": style})
    make: Any = boto3.client  # the service is a variable: one call serves S3 and CloudWatch
    return make(service, config=config)


def _model_bucket() -> tuple[str, str]:
    """MODEL_URI (s3://bucket/models/<default>/) -> (bucket, models/)."""
    uri = os.environ.get("MODEL_URI", "")
    bucket, _, path = uri.removeprefix("s3://").partition("/")
    prefix = path.rstrip("/").rpartition("/")[0]
    return bucket, f"{prefix}/" if prefix else ""


def metrics(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's figures as CloudWatch metric data: today's traffic, the window's drift and quality."""
    today = next((d for d in report["days"] if d["date"] == report["date"]), None)
    traffic = (today or {}).get("traffic") or {"requests": 0, "rows": 0, "errors": {}, "handler_ms": {}}
    window = report["window"]
    figures: dict[str, tuple[float | None, str]] = {
        "Requests": (traffic["requests"], "Count"),
        "Rows": (traffic["rows"], "Count"),
        "Errors": (sum(traffic["errors"].values()), "Count"),
        "HandlerP50": (traffic["handler_ms"].get("p50"), "Milliseconds"),
        "HandlerP99": (traffic["handler_ms"].get("p99"), "Milliseconds"),
    }
    psis = [f["psi"] for f in (window.get("inputs") or {}).values() if f.get("psi") is not None]
    if psis:
        figures["InputPSIMax"] = (max(psis), "None")
        figures["DriftedInputs"] = (len(report["drifted_inputs"]), "Count")
    if (window.get("prediction") or {}).get("psi") is not None:
        figures["PredictionPSI"] = (window["prediction"]["psi"], "None")
    quality = window.get("quality") or {}
    names = {"accuracy": "Accuracy", "log_loss": "LogLoss", "auc": "AUC", "rmse": "RMSE", "mae": "MAE"}
    names |= {"accuracy_drop": "AccuracyDrop", "rmse_increase": "RMSEIncrease", "rows": "JoinedRows"}
    if quality.get("rows"):
        for field, metric in names.items():
            figures[metric] = (quality.get(field), "Count" if field == "rows" else "None")
    version = [{"Name": "model", "Value": report["model"]}, {"Name": "version", "Value": report["version"]}]
    data = []
    for metric, (value, unit) in figures.items():
        if value is None:
            continue
        data.append({"MetricName": metric, "Dimensions": version, "Value": float(value), "Unit": unit})
        if metric in ALARM_METRICS:
            data.append({"MetricName": metric, "Dimensions": [], "Value": float(value), "Unit": unit})
    for name, of_input in (window.get("inputs") or {}).items():
        if of_input.get("psi") is not None:
            dims = [*version, {"Name": "input", "Value": name}]
            data.append({"MetricName": "InputPSI", "Dimensions": dims, "Value": of_input["psi"], "Unit": "None"})
    return data


def _publish(cloudwatch: Any, data: list[dict[str, Any]]) -> None:
    namespace = os.environ.get("METRICS_NAMESPACE") or NAMESPACE_DEFAULT
    for start in range(0, len(data), 500):  # PutMetricData takes up to 1,000 data points per call
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 500])


def run(event: dict[str, Any], store: MonitorStore, cloudwatch: Any | None) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    day = event.get("date") or today.isoformat()
    if day == "yesterday":  # the daily schedule reports the last complete day
        day = (today - timedelta(days=1)).isoformat()
    days = window_days(day, int(event.get("window_days") or env_number("MONITOR_WINDOW_DAYS", 7, minimum=1)))
    models = [event["model"]] if event.get("model") else store.models()
    for name in models:
        if not MODEL_NAME.match(str(name)):
            raise ValueError(f"{str(name)[:80]!r} is not a model name (lower case letters, digits, - and _)")
    summary = []
    for model in models:
        reports = []
        for version in store.versions(model):
            by_day = {d: store.records(model, version, d) for d in days}
            if not any(by_day.values()):
                continue
            meta = store.model_json(model, version)
            truth = store.truth(model, (meta or {}).get("output", {}).get("name", ""))
            report = version_report(model, version, day, by_day, meta, truth, thresholds())
            key = f"monitoring/{model}/{version}/{day}.json"
            store.put_json(key, report)
            if cloudwatch is not None:
                _publish(cloudwatch, metrics(report))
            reports.append(report)
            summary.append(
                {
                    "model": model,
                    "version": version,
                    "key": key,
                    "requests": report["window"]["traffic"]["requests"],
                    "drifted_inputs": report["drifted_inputs"],
                    "prediction_drift": report["prediction_drift"],
                    "quality": report["window"].get("quality"),
                    "notes": report["notes"],
                }
            )
        if reports:
            store.put_json(f"monitoring/{model}/latest.json", {"model": model, "date": day, "reports": reports})
    return {"date": day, "window": [days[0], days[-1]], "reports": summary}


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    with invocation(context, "monitor failed"):
        event = event if isinstance(event, dict) else {}
        model_bucket, models_prefix = _model_bucket()
        store = MonitorStore(_client("s3"), os.environ["MONITORING_BUCKET"], model_bucket, models_prefix)
        result = run(event, store, _client("cloudwatch"))
        log("info", "monitor", reports=len(result["reports"]), ms=round((time.perf_counter() - started) * 1000, 3))
        return result
