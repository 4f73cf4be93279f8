"""report.json -> report.md: the results table (the README's table comes from it) and how it was measured."""

from __future__ import annotations

from typing import Any

MB = 1024 * 1024


def lookup(report: dict[str, Any], dotted: str) -> Any:
    value: Any = report
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _fmt(value: Any, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def _mb(value: Any) -> str:
    return "not measured" if value is None else f"{value / MB:.1f} MB"


def results_rows(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(measure, value, comparison) rows of the results table."""
    blog_zip = lookup(r, "blog_style.zip_bytes")
    rscript = lookup(r, "rscript_per_request_ms.p50")
    cost = r.get("cost_per_million_usd") or {}
    capture = r.get("capture_cost_per_million_usd") or {}
    cold, split = r.get("deployed_cold_start") or {}, r.get("predict_split_ms") or {}
    phases = ", ".join(f"{name} {value:.0f} ms" for name, value in (cold.get("init_phases_ms") or {}).items())
    log_bytes = cost.get("log_bytes_per_request") or {}
    return [
        ("Zip size", _mb(r.get("zip_bytes")),
         f"2017 zip: {_mb(r.get('zip_2017_bytes'))}; blog-style untrimmed copy (built in this run): {_mb(blog_zip)}"),
        ("Unzipped size", _mb(r.get("unzipped_bytes")),
         f"blog-style copy: {_mb(lookup(r, 'blog_style.unzipped_bytes'))}; Lambda limit 250 MB"),
        ("Cold start in-process (process start to first prediction)",
         f"median {_fmt(lookup(r, 'cold_start_s.median'), ' s')}, p90 {_fmt(lookup(r, 'cold_start_s.p90'), ' s')}",
         f"{_fmt(lookup(r, 'cold_start_s.n'))} runs: the handler imported by a probe in the Lambda-like sandbox, "
         "local model file, no Runtime API, the CPU share of its memory from the start (no init burst)"),
        ("Cold start on the deployed path (new environment to first answer)",
         f"median {_fmt(lookup(cold, 'first_answer_ms.p50'), ' ms', 0)}, "
         f"Init Duration {_fmt(lookup(cold, 'init_duration_ms.p50'), ' ms', 0)}",
         f"{_fmt(cold.get('runs'))} runs through LocalStack, model from S3, awslambdaric, "
         f"{cold.get('memory_mb', '?')} MB, {cold.get('cpu', '?')}; init: {phases}; the runtime process's age when "
         f"the handler was ready {_fmt(cold.get('runtime_until_handler_ready_ms'), ' ms', 0)} (the rest of Init "
         "Duration is the sandbox's setup)"),
        ("Invoke overhead (REPORT Duration minus handler time)",
         f"p50 {_fmt(lookup(r, 'warm_split.invoke_overhead_ms.p50'), ' ms')}",
         f"warm; handler p50 {_fmt(lookup(r, 'warm_split.handler_ms.p50'), ' ms')}, "
         f"Duration p50 {_fmt(lookup(r, 'warm_split.duration_ms.p50'), ' ms')}"),
        ("Split of one POST /predict (p50)", f"{_fmt(split.get('total'), ' ms')}",
         f"LocalStack API Gateway {_fmt(split.get('localstack_api_gateway'), ' ms')}, "
         f"LocalStack Lambda service {_fmt(split.get('localstack_lambda_service'), ' ms')}, "
         f"invoke overhead {_fmt(split.get('invoke_overhead'), ' ms')}, handler {_fmt(split.get('handler'), ' ms')}"),
        ("Warm single-row prediction (handler)",
         f"p50 {_fmt(lookup(r, 'warm_single_ms.p50'), ' ms')}, p99 {_fmt(lookup(r, 'warm_single_ms.p99'), ' ms')}",
         f"one Rscript per request: p50 {_fmt(rscript, ' ms', 1)}"),
        ("Speed-up vs one Rscript per request", _fmt(r.get("speedup_vs_rscript_single"), "x", 0),
         "same model, same record, same machine"),
        ("Warm 1,000-row batch (handler)", f"p50 {_fmt(lookup(r, 'warm_batch1000_ms.p50'), ' ms')}",
         "one R call for the whole batch"),
        ("POST /predict through API Gateway (LocalStack)",
         f"p50 {_fmt(lookup(r, 'e2e_predict_ms.p50'), ' ms')}, p99 {_fmt(lookup(r, 'e2e_predict_ms.p99'), ' ms')}",
         f"sequential; {_fmt(lookup(r, 'load_gateway.clients'))} clients: "
         f"p50 {_fmt(lookup(r, 'load_gateway.latency_ms.p50'), ' ms')}, "
         f"{_fmt(lookup(r, 'load_gateway.throughput_rps'), ' req/s', 0)}, "
         f"{_fmt(lookup(r, 'load_gateway.errors'))} errors"),
        ("Package build", f"fresh {_fmt(lookup(r, 'package_build_s.fresh'), ' s', 1)}, "
         f"cached {_fmt(lookup(r, 'package_build_s.cached'), ' s', 2)}", "python -m lambda_zip build"),
        ("Cost per million predictions", _fmt(cost.get("total"), " USD"),
         f"Lambda {cost.get('memory_mb', '?')} MB x {cost.get('billed_ms', '?')} ms billed + requests "
         f"+ REST API + CloudWatch Logs ingestion {_fmt(cost.get('cloudwatch_logs'), ' USD')} "
         f"({_fmt(log_bytes.get('function'))} B function log + {_fmt(log_bytes.get('access_log'))} B access log "
         f"per request); prices {lookup(cost, 'prices.region')} as of {lookup(cost, 'prices.as_of')}"),
        ("Capture: added to the warm single-row p50", _fmt(lookup(r, "capture_latency_ms.added_p50"), " ms", 3),
         f"capture on p50 {_fmt(lookup(r, 'capture_latency_ms.on.p50'), ' ms')}, off "
         f"{_fmt(lookup(r, 'capture_latency_ms.off.p50'), ' ms')}, interleaved in one sandboxed run "
         f"({_fmt(lookup(r, 'capture_latency_ms.on.n'))} calls each)"),
        ("Capture: cost per million requests at 1 M a day", _fmt(capture.get("usd_per_day"), " USD"),
         f"{_fmt(lookup(r, 'capture_bytes.single'))} B per single-row request "
         f"({_fmt(lookup(r, 'capture_bytes.batch'))} B for 1,000 rows), already in the function log bytes above; "
         f"CloudWatch Logs {_fmt(capture.get('cloudwatch_logs'), ' USD')}, Firehose "
         f"{_fmt(capture.get('firehose'), ' USD')} (5 KB minimum per record), S3 requests and filing "
         f"{_fmt((capture.get('s3_requests') or 0) + (capture.get('filing_lambda') or 0), ' USD', 4)}; "
         f"S3 storage {_fmt(capture.get('s3_storage_usd_per_month_of_captures'), ' USD')} per month of captures"),
    ]  # fmt: skip


def batch_lines(r: dict[str, Any]) -> list[str]:
    """Batch scoring: measured rates here, and the AWS projection computed from them."""
    b = r.get("batch")
    if not b:
        return []
    api = b.get("predict_api", {})
    lines = [
        "",
        f"## Batch scoring: {b['rows']:,} rows (deployed path on LocalStack, upload to downloaded result)",
        "",
        "| Path | Seconds | Rows/s |",
        "|---|---|---|",
    ]
    for run in b["runs"]:
        path = f"Step Functions, MaxConcurrency {run['max_concurrency']}"
        lines.append(f"| {path} | {run['seconds']} | {run['rows_per_s']:,} |")
    path = "POST /predict, 1,000 rows per request, sequential"
    lines.append(f"| {path} | {api.get('seconds')} | {api.get('rows_per_s', 0):,} |")
    projection = b.get("projection") or []
    if projection:
        prices = projection[0]["prices"]
        lines += [
            "",
            f"Projection for AWS, {projection[0]['rows']:,} rows in chunks of {b['rows_per_chunk']:,}, "
            f"from one chunk's measured invoke ({b['chunk_invoke_s']} s here) and the split/assemble time per row; "
            f"prices {prices['region']} as of {prices['as_of']}:",
            "",
            "| Concurrency | Time | Lambda | Step Functions | S3 requests | Total |",
            "|---|---|---|---|---|---|",
        ]
        for p in projection:
            lines.append(
                f"| {p['concurrency']:,} | {p['seconds']:.0f} s (split {p['split_s']:.0f}, chunks {p['chunks_s']:.1f}, "
                f"assemble {p['assemble_s']:.0f}) | {p['lambda_usd']:.2f} USD | {p['step_functions_usd']:.2f} USD | "
                f"{p['s3_usd']:.2f} USD | {p['usd']:.2f} USD |"
            )
    return lines


def render(r: dict[str, Any]) -> str:
    m = r.get("machine", {})
    lines = [
        "# Benchmark report",
        "",
        f"Model `{lookup(r, 'model.name')}` version `{lookup(r, 'model.version')}`, measured {r.get('started_at')} "
        f"on {m.get('cpu_model')} ({m.get('cores')} cores, load {m.get('load_average')}, {m.get('memory_gb')} GB).",
        "",
        "## Results",
        "",
        "| Measure | Value | Compared with |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in results_rows(r)]
    lines += ["", "## Targets", "", "| Target | Measured | Met |", "|---|---|---|"]
    for t in r.get("targets", []):
        met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        lines.append(f"| {t['target']} | {_fmt(t['value'])} | {met} |")
    load_ip, load_gw = r.get("load_in_process") or {}, r.get("load_gateway") or {}
    lines += [
        "",
        "## Load: the same request in-process and through API Gateway",
        "",
        "| Path | Clients | Requests | Errors | p50 ms | p95 ms | p99 ms | req/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, run in (("handler in-process (host R)", load_ip), ("API Gateway on LocalStack", load_gw)):
        lat = run.get("latency_ms", {})
        cells = [name, *(run.get(k, "-") for k in ("clients", "requests", "errors"))]
        cells += [*(lat.get(k, "-") for k in ("p50", "p95", "p99")), run.get("throughput_rps", "-")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    many = r.get("many_models") or {}
    if many:
        lines += [
            "",
            "## Many models in one function (handler in-process, host R)",
            "",
            "| Measure | Value |",
            "|---|---|",
            f"| Warm p50, POST /predict (default) | {_fmt(lookup(r, 'many_models.default_route_ms.p50'), ' ms')} |",
            f"| Warm p50, POST /models/{{name}}/predict | {_fmt(lookup(r, 'many_models.named_route_ms.p50'), ' ms')} |",
            f"| Routing cost of the named route (p50) | {_fmt(many.get('routing_overhead_p50_ms'), ' ms', 4)} |",
            *(
                f"| First use of {name} (load from the model folder + predict) | {_fmt(ms, ' ms')} |"
                for name, ms in (many.get("first_use_ms") or {}).items()
            ),
            f"| Process memory (RSS) with every model loaded | {_fmt(many.get('rss_all_loaded_mb'), ' MB')} |",
            f"| The loaded models in R (object.size) | {_fmt(many.get('models_in_r_mb'), ' MB')} |",
        ]
    lines += batch_lines(r)
    lines += [
        "",
        "## How it was measured",
        "",
        "- Sizes: `build/lambda.manifest.json`. The blog-style copy is built in this run: all of R_HOME, "
        "R's share directory, every shared library they link (glibc excepted), rpy2/cffi and the handler, "
        "zipped at level 9. The 2017 figure (27 MB) is the one that write-up reported.",
        "- Cold start on the deployed path: the function's configuration is changed (one environment variable) so "
        "that LocalStack retires its environments, then one direct invoke of the `POST /predict` proxy event starts "
        "a new one: first answer = that invoke's wall time at the client, Init Duration from its REPORT line, "
        "init phases from the handler's `init` log line (the model read runs in a thread while R starts).",
        "- Split of one `POST /predict`: warm `POST /predict` requests, each followed by a direct invoke of the same "
        "proxy event (LocalStack's invoke API, log tail on); invoke overhead = REPORT "
        "Duration minus the handler's own time (its `request` log line); LocalStack's Lambda service = the direct "
        "invoke's wall time minus Duration; API Gateway = `POST /predict` p50 minus the direct invoke's p50, the two "
        "sent in turn so that both see the same machine load.",
        "- Cold start in-process: wall time from spawning the Lambda-like sandbox "
        "(`localstack/executor/lambda_local_executor/sandbox.py`, host R hidden, the zip unzipped as a read-only "
        "task root) to the first `POST /predict` answer of the imported handler, each run a fresh process.",
        "- Warm latencies: `lambda_handler` called in the same sandboxed process with an API Gateway proxy event.",
        f"- Rscript per request: `{r.get('rscript_command', 'Rscript -e ...')}`, one process per request.",
        "- Through API Gateway: `requests` on loopback to the stack's REST API URL, keep-alive sessions.",
        "- Batch scoring (`bench/batch.py`): `make score`'s own code uploads the CSV and waits for the downloaded "
        "result; the map's MaxConcurrency is set with UpdateStateMachine between runs and Terraform's definition put "
        "back after. The AWS projection (`bench/cost.py`): split + ceil(chunks / concurrency) x one chunk's invoke + "
        "assemble, with the split and assemble times per row of the last run here.",
        "- Cost: billed duration = warm single-row p50 rounded up to 1 ms; free tier, data transfer and log storage "
        "excluded. Log bytes per request: the function's START, request, END and REPORT lines of a warm invoke, and "
        "the stage's access log format filled with one real request's values (LocalStack writes no access logs), "
        "each event counted with CloudWatch Logs' 26 bytes per event. "
        f"Prices: {', '.join(lookup(r, 'cost_per_million_usd.prices.sources') or [])}.",
    ]
    if r.get("errors"):
        lines += ["", "## Not measured in this run", ""]
        lines += [f"- {step}: {why}" for step, why in r["errors"].items()]
    return "\n".join(lines) + "\n"
