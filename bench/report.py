"""`make bench`: measure everything in one run on this machine; write build/bench/report.json and report.md."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import batch, buildtime, coldstart, cost, deployed, inprocess, live, machine, rscript, sizes
from bench.markdown import lookup, render

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
OUT = BUILD / "bench"
MB = 1024 * 1024

TARGETS = [
    # (key in the report, comparison, bound, what the target is)
    ("cold_start_s.median", "<=", 0.30, "cold start in-process median <= 0.30 s"),
    ("deployed_cold_start.first_answer_ms.p50", "<=", 500.0, "deployed-path cold start, first answer <= 500 ms"),
    ("warm_split.invoke_overhead_ms.p50", "<=", 2.0, "invoke overhead (Duration minus handler) p50 <= 2 ms"),
    ("e2e_predict_ms.p50", "<=", 15.0, "POST /predict through LocalStack's API Gateway p50 <= 15 ms"),
    ("warm_single_ms.p50", "<=", 1.5, "warm single-row p50 <= 1.5 ms"),
    ("capture_latency_ms.added_p50", "<=", 0.2, "capture adds <= 0.2 ms to the warm single-row p50"),
    ("speedup_vs_rscript_single", ">=", 100.0, ">= 100x faster than one Rscript per request"),
    ("zip_mb", "<=", 20.0, "zip <= 20 MB"),
    ("batch.best_seconds", "<=", 30.0, "100,000-row CSV scored end to end (upload to download) <= 30 s"),
]


def log(message: str) -> None:
    print(f"\033[1m[bench]\033[0m {message}", file=sys.stderr, flush=True)


def judge(report: dict[str, Any]) -> list[dict[str, Any]]:
    verdicts = []
    for key, op, bound, text in TARGETS:
        value = lookup(report, key)
        met = None if value is None else (value <= bound if op == "<=" else value >= bound)
        verdicts.append({"target": text, "key": key, "value": value, "bound": bound, "met": met})
    return verdicts


def predict_split(split: dict[str, Any]) -> dict[str, float]:
    """Where one warm POST /predict's time goes (p50s): what the direct invoke does not cover is the gateway."""
    total, direct = split["post_predict_ms"]["p50"], split["direct_invoke_ms"]["p50"]
    return {
        "total": total,
        "localstack_api_gateway": round(total - direct, 2),
        "localstack_lambda_service": split["lambda_service_ms"]["p50"],
        "invoke_overhead": split["invoke_overhead_ms"]["p50"],
        "handler": split["handler_ms"]["p50"],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--model", default="admission", help="model under build/models to measure")
    parser.add_argument("--cold-runs", type=int, default=15, help="fresh sandboxed processes for cold start")
    parser.add_argument(
        "--deployed-cold-runs", type=int, default=10, help="new execution environments of the deployed function"
    )
    parser.add_argument("--split", type=int, default=200, help="warm direct invokes for the split of one request")
    parser.add_argument("--warm", type=int, default=2000, help="warm single-row calls in the handler")
    parser.add_argument("--batch", type=int, default=50, help="warm 1,000-row batch calls in the handler")
    parser.add_argument("--rscript-runs", type=int, default=20, help="Rscript processes (one per request)")
    parser.add_argument("--e2e", type=int, default=300, help="sequential POST /predict through API Gateway")
    parser.add_argument("--load", type=int, default=2000, help="requests of the 8-client closed loop")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch-rows", type=int, default=100_000, help="rows of the batch-scoring CSV")
    parser.add_argument(
        "--stack-json", type=Path, default=BUILD / "stack.json", help="outputs of a running stack to measure"
    )
    parser.add_argument("--skip", action="append", default=[], help="skip a step (repeatable), e.g. --skip stack")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model_dir = BUILD / "models" / args.model
    zip_path, manifest_path = BUILD / "lambda.zip", BUILD / "lambda.manifest.json"
    for needed in (zip_path, manifest_path, model_dir / "model.json"):
        if not needed.exists():
            print(f"bench: {needed.relative_to(ROOT)} is missing; run `make package` first", file=sys.stderr)
            return 1
    record = coldstart.example_record(model_dir)
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": json.loads((model_dir / "model.json").read_text()),
        "machine": machine.describe(),
        "errors": {},
        "durations_s": {},
    }

    def step(name: str, work: Callable[[], None]) -> None:
        if name in args.skip:
            log(f"{name}: skipped")
            report["errors"][name] = "skipped (--skip)"
            return
        log(f"{name} ...")
        started = time.monotonic()
        try:
            work()
        except Exception as error:  # one failed measurement must not lose the others; the report says which
            traceback.print_exc()
            report["errors"][name] = f"{type(error).__name__}: {error}"[:2000]
        report["durations_s"][name] = round(time.monotonic() - started, 1)

    def measure_sizes() -> None:
        report.update(sizes.package_sizes(manifest_path))
        report["zip_mb"] = round(report["zip_bytes"] / MB, 2)
        report["unzipped_mb"] = round(report["unzipped_bytes"] / MB, 2)
        report["zip_2017_bytes"] = sizes.ZIP_2017_BYTES
        blog = sizes.blog_style_sizes()
        report["blog_style"] = blog
        report["zip_vs_2017"] = round(report["zip_bytes"] / sizes.ZIP_2017_BYTES, 3)
        report["zip_vs_blog_style"] = round(report["zip_bytes"] / blog["zip_bytes"], 3)

    def measure_build() -> None:
        report["package_build_s"] = buildtime.measure()

    def measure_sandbox() -> None:
        result = coldstart.measure(zip_path, model_dir, args.cold_runs, args.warm, args.batch, memory_mb=1024)
        report.update(result)

    def measure_rscript() -> None:
        result = rscript.rscript_per_request(model_dir, args.rscript_runs)
        report["rscript_per_request_ms"] = result["ms"]
        report["rscript_command"] = result["command"]

    def measure_in_process() -> None:
        # The handler logs a JSON line per request to stdout; the report is what this run prints.
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            handler = inprocess.import_handler(f"{model_dir}/")
            inprocess.handler_load(handler, record, total=50)  # warm R and the model before timing
            report["load_in_process"] = inprocess.handler_load(handler, record, total=args.load).as_dict()
            report["many_models"] = inprocess.many_models(handler, BUILD / "models", args.model, record, args.load)

    def measure_stack() -> None:
        with live.live_stack(args.model, args.stack_json) as outputs:
            report["stack"] = {k: outputs.get(k) for k in ("api_url", "function_name", "applied_by_bench")}
            report["function_memory_mb"] = live.function_memory_mb(outputs)
            step("gateway", lambda: measure_gateway(outputs))
            step("warm_split", lambda: report.update(warm_split=deployed.warm_split(outputs, record, args.split)))
            step("access_log", lambda: report.update(access_log=deployed.access_log_bytes(outputs, record)))
            # Last: every run retires the warm environments.
            step(
                "deployed_cold_start",
                lambda: report.update(
                    deployed_cold_start=deployed.cold_starts(outputs, record, args.deployed_cold_runs)
                ),
            )

    def measure_gateway(outputs: dict[str, Any]) -> None:
        live.gateway_load(outputs["api_url"], record, clients=1, total=20)  # warm the environment
        sequential = live.gateway_load(outputs["api_url"], record, clients=1, total=args.e2e)
        report["e2e_predict_ms"] = sequential.as_dict()["latency_ms"]
        report["e2e_sequential"] = sequential.as_dict()
        # Concurrency starts more execution environments; let their cold starts happen before timing.
        warmup = live.gateway_load(outputs["api_url"], record, clients=args.clients, total=4 * args.clients)
        report["load_gateway_warmup"] = warmup.as_dict()
        report["load_gateway"] = live.gateway_load(
            outputs["api_url"], record, clients=args.clients, total=args.load
        ).as_dict()

    def measure_batch() -> None:
        if args.model != "admission":
            raise ValueError("batch scoring is measured with the admission model")
        with live.live_stack(args.model, args.stack_json) as outputs:
            report["batch"] = batch.measure(outputs, args.batch_rows)

    step("sizes", measure_sizes)
    step("package_build", measure_build)
    step("sandbox", measure_sandbox)
    step("rscript", measure_rscript)
    step("in_process", measure_in_process)
    step("stack", measure_stack)
    step("batch", measure_batch)

    warm_p50 = lookup(report, "warm_single_ms.p50")
    rscript_p50 = lookup(report, "rscript_per_request_ms.p50")
    if warm_p50 and rscript_p50:
        report["speedup_vs_rscript_single"] = round(rscript_p50 / warm_p50, 1)
    if warm_p50:
        memory = report.get("function_memory_mb") or 1024
        report["cost_per_million_usd"] = cost.cost_per_million(
            warm_p50, memory, lookup(report, "warm_split.function_log.bytes"), lookup(report, "access_log.bytes")
        )
    capture_bytes = lookup(report, "capture_bytes.single")
    if capture_bytes:
        report["capture_cost_per_million_usd"] = cost.capture_cost(capture_bytes)
    if report.get("warm_split"):
        report["predict_split_ms"] = predict_split(report["warm_split"])
    report["targets"] = judge(report)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    (OUT / "report.md").write_text(render(report))
    log(f"wrote {(OUT / 'report.json').relative_to(ROOT)} and report.md")
    print((OUT / "report.md").read_text())
    failed = {k: v for k, v in report["errors"].items() if not v.startswith("skipped")}
    if failed:
        print(f"bench: {len(failed)} step(s) failed: {', '.join(failed)}; see build/bench/report.md", file=sys.stderr)
        return 1
    return 0
