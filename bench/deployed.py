"""The deployed function through LocalStack: cold starts of new execution environments, where one warm
`POST /predict` spends its time, and the log bytes one request writes (the cost's CloudWatch Logs line)."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from lambda_zip import lambda_os

from bench import live
from bench.events import proxy_event
from bench.stats import summary

# A configuration change makes LocalStack (as AWS) retire the function's environments: the next invoke starts one.
COLD_VARIABLE = "BENCH_NEW_ENVIRONMENT"
# What CloudWatch Logs counts per log event on top of its message (PutLogEvents' batch size rule).
LOG_EVENT_OVERHEAD_BYTES = 26


def cpu_of(memory_mb: int) -> str:
    """The CPU a function had in the local Lambda, as the Lambda OS description sets it for its memory size."""
    return f"unthrottled init (Lambda's burst), then {lambda_os.cpu_share(memory_mb):.2f} of a core ({memory_mb} MB)"


def _report_value(logs: str, name: str) -> float | None:
    found = re.search(rf"\b{name}: ([\d.]+) ms", logs)
    return float(found.group(1)) if found else None


def _json_lines(logs: str) -> list[dict[str, Any]]:
    lines = []
    for line in logs.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def invoker(outputs: dict[str, Any]) -> Callable[[bytes], tuple[float, str]]:
    """Synchronous invokes of the function with LogType Tail, over a keep-alive session as the gateway load uses
    (the Lambda API without an SDK: LocalStack routes by path and checks no signature)."""
    import requests

    session = requests.Session()
    url = f"{outputs['endpoint']}/2015-03-31/functions/"
    url += f"{outputs['function_name']}/invocations"
    headers = {"X-Amz-Log-Type": "Tail", "Content-Type": "application/json"}

    def invoke(event: bytes) -> tuple[float, str]:
        """Wall ms of one invoke and its log tail; a failed invoke stops the measurement."""
        started = time.perf_counter()
        answer = session.post(url, data=event, headers=headers, timeout=60)
        wall_ms = (time.perf_counter() - started) * 1000
        error = answer.headers.get("X-Amz-Function-Error")
        if answer.status_code != 200 or error or answer.json().get("statusCode") != 200:
            raise RuntimeError(f"{outputs['function_name']} answered {answer.status_code} {error}: {answer.text[:500]}")
        return wall_ms, base64.b64decode(answer.headers.get("X-Amz-Log-Result", "")).decode(errors="replace")

    return invoke


def _settled(client: Any, name: str) -> None:
    for _ in range(600):
        config = client.get_function_configuration(FunctionName=name)
        if config["State"] == "Active" and config.get("LastUpdateStatus") in (None, "Successful"):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not settle after a configuration update")


def cold_starts(outputs: dict[str, Any], record: dict[str, Any], runs: int) -> dict[str, Any]:
    """`runs` new execution environments, each answering one POST /predict event (model read from S3)."""
    client, name, invoke = live.lambda_client(outputs), outputs["function_name"], invoker(outputs)
    config = client.get_function_configuration(FunctionName=name)
    variables = config.get("Environment", {}).get("Variables", {})
    event = json.dumps(proxy_event("POST", "/predict", record)).encode()
    samples: list[dict[str, Any]] = []
    try:
        for _ in range(runs):
            fresh = {**variables, COLD_VARIABLE: uuid.uuid4().hex}
            client.update_function_configuration(FunctionName=name, Environment={"Variables": fresh})
            _settled(client, name)
            wall_ms, logs = invoke(event)
            init = next((line for line in _json_lines(logs) if line.get("message") == "init"), {})
            samples.append(
                {
                    "first_answer_ms": wall_ms,
                    "init_duration_ms": _report_value(logs, "Init Duration"),
                    "duration_ms": _report_value(logs, "Duration"),
                    "phases_ms": init.get("phases_ms", {}),
                    "process_age_ms": init.get("process_age_ms"),
                }
            )
    finally:  # leave the function as Terraform wrote it
        client.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
        _settled(client, name)
    if any(s["init_duration_ms"] is None for s in samples):
        raise RuntimeError("a cold invoke's REPORT line has no Init Duration: the environment was not new")
    phase_names = sorted({phase for s in samples for phase in s["phases_ms"]})
    return {
        "runs": len(samples),
        "memory_mb": config["MemorySize"],
        "cpu": cpu_of(config["MemorySize"]),
        "first_answer_ms": summary([s["first_answer_ms"] for s in samples], 1),
        "init_duration_ms": summary([s["init_duration_ms"] for s in samples], 1),
        "first_duration_ms": summary([s["duration_ms"] for s in samples], 2),
        # The handler's own account of its init (one JSON line); phases in different threads overlap.
        "init_phases_ms": {
            phase: summary([s["phases_ms"][phase] for s in samples if phase in s["phases_ms"]], 1)["p50"]
            for phase in phase_names
        },
        "runtime_until_handler_ready_ms": summary(
            [s["process_age_ms"] for s in samples if s["process_age_ms"] is not None] or [0.0], 1
        )["p50"],
    }


def warm_split(outputs: dict[str, Any], record: dict[str, Any], total: int) -> dict[str, Any]:
    """Where one warm POST /predict goes, from `total` pairs of requests sent in turn (so that both see the same
    machine load): a POST /predict through API Gateway, then a direct invoke of its proxy event whose REPORT line
    and request log line give LocalStack's Lambda service, the invoke overhead (Duration minus the handler's own
    time) and the handler. Also the function's log bytes per request."""
    invoke, send = invoker(outputs), live.predict_sender(outputs["api_url"], record)()
    event = json.dumps(proxy_event("POST", "/predict", record)).encode()
    for _ in range(20):  # an environment that has answered before, as in the gateway figures
        invoke(event)
        send()
    gateway, wall, duration, handler, overhead, service = [], [], [], [], [], []
    log_bytes = log_events = 0
    for _ in range(total):
        started = time.perf_counter()
        if send() != 200:
            raise RuntimeError("POST /predict failed during the split measurement")
        gateway.append((time.perf_counter() - started) * 1000)
        wall_ms, logs = invoke(event)
        duration_ms = _report_value(logs, "Duration")
        handler_ms = next((line["ms"] for line in _json_lines(logs) if line.get("message") == "request"), None)
        if duration_ms is None or handler_ms is None:
            raise RuntimeError(f"no REPORT Duration or request log line in:\n{logs}")
        wall.append(wall_ms)
        duration.append(duration_ms)
        handler.append(handler_ms)
        overhead.append(duration_ms - handler_ms)
        service.append(wall_ms - duration_ms)
        lines = logs.splitlines()
        log_bytes, log_events = sum(len(line.encode()) for line in lines), len(lines)
    return {
        "requests": total,
        "post_predict_ms": summary(gateway, 2),
        "direct_invoke_ms": summary(wall, 2),
        "duration_ms": summary(duration, 2),
        "handler_ms": summary(handler, 3),
        "invoke_overhead_ms": summary(overhead, 2),
        "lambda_service_ms": summary(service, 2),
        # START, the handler's request line, END, REPORT of the last request (all requests log the same lines).
        "function_log": {"events": log_events, "bytes": log_bytes + LOG_EVENT_OVERHEAD_BYTES * log_events},
    }


def access_log_bytes(outputs: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The stage's access log line for one real POST /predict: its deployed format, filled with that request's
    values (LocalStack does not write access logs)."""
    import requests

    apigateway = live.lambda_client(outputs, service="apigateway")
    api_id, stage_name = outputs["api_id"], outputs["stage_name"]
    log_format = apigateway.get_stage(restApiId=api_id, stageName=stage_name)["accessLogSettings"]["format"]
    started = time.perf_counter()
    response = requests.post(f"{outputs['api_url']}/predict", json=record, timeout=60)
    latency_ms = round((time.perf_counter() - started) * 1000)
    values = {
        "requestId": str(uuid.uuid4()),
        "identity.sourceIp": "203.0.113.10",
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "httpMethod": "POST",
        "resourcePath": "/predict",
        "status": str(response.status_code),
        "responseLength": str(len(response.content)),
        "integrationLatency": str(latency_ms),
        "error.responseType": "-",
    }
    line = re.sub(r"\$context\.([\w.]+)", lambda m: values.get(m.group(1), "-"), log_format)
    return {"events": 1, "bytes": len(line.encode()) + LOG_EVENT_OVERHEAD_BYTES, "example": line}
