"""make monitor [MODEL=name]: run the monitor on the running stack, print a short table per model version and write
build/monitoring/<model>.html (charts and tables of the latest report)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from monitor_html import RenderError, write
from score import STACK_JSON, boto3_client

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "monitoring"


class MonitorError(Exception):
    """A failure the user can act on, printed as one line."""


def log(message: str) -> None:
    print(f"\033[1m[monitor]\033[0m {message}", file=sys.stderr, flush=True)


def invoke(values: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    if "monitor_function_name" not in values:
        raise MonitorError("the running stack has no monitor (no monitor_function_name output); run `make up` again")
    answer = boto3_client("lambda", values).invoke(
        FunctionName=values["monitor_function_name"], Payload=json.dumps(event).encode()
    )
    payload = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        message = payload.get("errorMessage") if isinstance(payload, dict) else payload
        raise MonitorError(
            f"the monitor failed: {message}; see its log group /aws/lambda/{values['monitor_function_name']}"
        )
    result: dict[str, Any] = payload
    return result


def _quality(quality: dict[str, Any] | None) -> str:
    if not quality or not quality.get("rows"):
        return "no truth"
    figures = [f"{k} {quality[k]:.3f}" for k in ("accuracy", "auc", "rmse", "mae") if quality.get(k) is not None]
    return f"{', '.join(figures)} (n={quality['rows']})"


def table(result: dict[str, Any]) -> str:
    rows = [("model", "version", "requests", "drifted inputs", "prediction drift", "quality")]
    for r in result["reports"]:
        drift = ", ".join(r["drifted_inputs"]) or "none"
        rows.append(
            (
                r["model"],
                r["version"],
                str(r["requests"]),
                drift,
                "yes" if r["prediction_drift"] else "no",
                _quality(r["quality"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", help="only this model (default: every model with captured traffic)")
    parser.add_argument("--date", help="the day to report, YYYY-MM-DD (default: today, UTC)")
    args = parser.parse_args(argv)
    try:
        if not STACK_JSON.exists():
            raise MonitorError("no build/stack.json: bring the stack up first with `make up`")
        values = json.loads(STACK_JSON.read_text())
        event = {key: value for key, value in (("model", args.model), ("date", args.date)) if value}
        result = invoke(values, event)
        if not result["reports"]:
            log(f"no captured traffic in {result['window'][0]}..{result['window'][1]}: send predictions first")
            return 0
        print(table(result))
        s3 = boto3_client("s3", values)
        for model in sorted({r["model"] for r in result["reports"]}):
            body = s3.get_object(Bucket=values["monitoring_bucket"], Key=f"monitoring/{model}/latest.json")["Body"]
            for note in {n for r in result["reports"] if r["model"] == model for n in r["notes"]}:
                log(f"{model}: {note}")
            log(f"wrote {write(json.loads(body.read()), OUT).relative_to(ROOT)}")
    except (MonitorError, RenderError) as error:
        log(str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
