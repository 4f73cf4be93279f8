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
    return [
        ("Zip size", _mb(r.get("zip_bytes")),
         f"2017 zip: {_mb(r.get('zip_2017_bytes'))}; blog-style untrimmed copy (built in this run): {_mb(blog_zip)}"),
        ("Unzipped size", _mb(r.get("unzipped_bytes")),
         f"blog-style copy: {_mb(lookup(r, 'blog_style.unzipped_bytes'))}; Lambda limit 250 MB"),
        ("Cold start (process start to first prediction)",
         f"median {_fmt(lookup(r, 'cold_start_s.median'), ' s')}, p90 {_fmt(lookup(r, 'cold_start_s.p90'), ' s')}",
         f"{_fmt(lookup(r, 'cold_start_s.n'))} runs in the Lambda-like sandbox, host R hidden"),
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
         f"+ REST API; prices {lookup(cost, 'prices.region')} as of {lookup(cost, 'prices.as_of')}"),
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
    lines += batch_lines(r)
    lines += [
        "",
        "## How it was measured",
        "",
        "- Sizes: `build/lambda.manifest.json`. The blog-style copy is built in this run: all of R_HOME, "
        "R's share directory, every shared library they link (glibc excepted), rpy2/cffi and the handler, "
        "zipped at level 9. The 2017 figure (27 MB) is the one that write-up reported.",
        "- Cold start: wall time from spawning the Lambda-like sandbox (`localstack/executor/lambda_local_executor/"
        "sandbox.py`, host R hidden, the zip unzipped as a read-only task root) to the first `POST /predict` answer "
        "of the imported handler, each run a fresh process.",
        "- Warm latencies: `lambda_handler` called in the same sandboxed process with an API Gateway proxy event.",
        f"- Rscript per request: `{r.get('rscript_command', 'Rscript -e ...')}`, one process per request.",
        "- Through API Gateway: `requests` on loopback to the stack's REST API URL, keep-alive sessions.",
        "- Batch scoring (`bench/batch.py`): `make score`'s own code uploads the CSV and waits for the downloaded "
        "result; the map's MaxConcurrency is set with UpdateStateMachine between runs and Terraform's definition put "
        "back after. The AWS projection (`bench/cost.py`): split + ceil(chunks / concurrency) x one chunk's invoke + "
        "assemble, with the split and assemble times per row of the last run here.",
        "- Cost: billed duration = warm single-row p50 rounded up to 1 ms; free tier and data transfer excluded. "
        f"Prices: {', '.join(lookup(r, 'cost_per_million_usd.prices.sources') or [])}.",
    ]
    if r.get("errors"):
        lines += ["", "## Not measured in this run", ""]
        lines += [f"- {step}: {why}" for step, why in r["errors"].items()]
    return "\n".join(lines) + "\n"
