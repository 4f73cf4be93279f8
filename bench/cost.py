"""What predictions cost on AWS: one million through the API (Lambda + REST API + CloudWatch Logs ingestion of the
function's log lines and the API's access log line), or a batch file through Step Functions (Lambda + state
transitions + S3 requests). The one table of prices."""

from __future__ import annotations

import math
from typing import Any

# AWS list prices, us-east-1, first pricing tier, free tier not applied, as published on the pages below (checked
# 2025-06; this run cannot fetch them). Lambda has billed per 1 ms at this GB-second price since 2020-12-01; REST API
# requests cost 3.50 USD per million for the first 333 million a month; CloudWatch Logs ingestion (Standard class, and
# Lambda's own logs in their first 10 TB tier) costs 0.50 USD per GB. Log storage (0.03 USD per GB-month, compressed)
# is left out: it depends on the retention chosen. Step Functions Standard workflows bill per state transition;
# S3 Standard per request (PUT/COPY/POST/LIST, GET).
LAMBDA_X86_USD_PER_GB_SECOND = 0.0000166667
LAMBDA_USD_PER_MILLION_REQUESTS = 0.20
REST_API_USD_PER_MILLION_REQUESTS = 3.50
CLOUDWATCH_LOGS_INGESTION_USD_PER_GB = 0.50
STEP_FUNCTIONS_USD_PER_1000_TRANSITIONS = 0.025
S3_PUT_USD_PER_1000 = 0.005
S3_GET_USD_PER_1000 = 0.0004
PRICES: dict[str, Any] = {
    "region": "us-east-1",
    "as_of": "2025-06 (Lambda's unchanged since 2020-12-01)",
    "lambda_x86_usd_per_gb_second": LAMBDA_X86_USD_PER_GB_SECOND,
    "lambda_usd_per_million_requests": LAMBDA_USD_PER_MILLION_REQUESTS,
    "rest_api_usd_per_million_requests": REST_API_USD_PER_MILLION_REQUESTS,
    "cloudwatch_logs_ingestion_usd_per_gb": CLOUDWATCH_LOGS_INGESTION_USD_PER_GB,
    "step_functions_usd_per_1000_transitions": STEP_FUNCTIONS_USD_PER_1000_TRANSITIONS,
    "s3_put_usd_per_1000": S3_PUT_USD_PER_1000,
    "s3_get_usd_per_1000": S3_GET_USD_PER_1000,
    "sources": [
        "https://aws.amazon.com/lambda/pricing/",
        "https://aws.amazon.com/api-gateway/pricing/",
        "https://aws.amazon.com/cloudwatch/pricing/",
        "https://aws.amazon.com/step-functions/pricing/",
        "https://aws.amazon.com/s3/pricing/",
    ],
}
GB = 1024**3
# Capture: Firehose ingestion (Direct PUT, which a CloudWatch Logs subscription is, first 500 TB a month) bills each
# record rounded up to 5 KB; S3 Standard storage per GB-month.
FIREHOSE_USD_PER_GB = 0.029
FIREHOSE_RECORD_ROUNDING_BYTES = 5 * 1024
S3_STANDARD_USD_PER_GB_MONTH = 0.023
PRICES.update(
    {
        "firehose_usd_per_gb": FIREHOSE_USD_PER_GB,
        "firehose_record_rounding_bytes": FIREHOSE_RECORD_ROUNDING_BYTES,
        "s3_standard_usd_per_gb_month": S3_STANDARD_USD_PER_GB_MONTH,
    }
)
PRICES["sources"].append("https://aws.amazon.com/firehose/pricing/")


def capture_cost(bytes_per_request: int, requests_per_day: float = 1e6, buffer_seconds: int = 60) -> dict[str, Any]:
    """What capturing costs a day at requests_per_day (so per million requests at 1 M a day), on top of serving.

    CloudWatch Logs ingests the capture line; the subscription hands Firehose one record per batch of log events,
    counted here as one per request (Lambda flushes each invocation's lines together), each billed as at least
    5 KB; Firehose writes one object per buffer interval, which the filing function reads, writes and deletes;
    S3 keeps the filed records (storage given per month, as they accumulate)."""
    logs = requests_per_day * bytes_per_request / GB * CLOUDWATCH_LOGS_INGESTION_USD_PER_GB
    billed = max(bytes_per_request, FIREHOSE_RECORD_ROUNDING_BYTES)
    firehose = requests_per_day * billed / GB * FIREHOSE_USD_PER_GB
    objects = 86400 / max(buffer_seconds, 1)
    s3_requests = objects * (2 * S3_PUT_USD_PER_1000 + S3_GET_USD_PER_1000) / 1000
    filing = objects * (LAMBDA_USD_PER_MILLION_REQUESTS / 1e6 + 0.1 * 0.25 * LAMBDA_X86_USD_PER_GB_SECOND)
    stored_gb_per_day = requests_per_day * bytes_per_request / GB
    return {
        "usd_per_day": round(logs + firehose + s3_requests + filing, 4),
        "cloudwatch_logs": round(logs, 4),
        "firehose": round(firehose, 4),
        "s3_requests": round(s3_requests, 4),
        "filing_lambda": round(filing, 4),
        "s3_storage_usd_per_month_of_captures": round(30 * stored_gb_per_day * S3_STANDARD_USD_PER_GB_MONTH, 4),
        "bytes_per_request": bytes_per_request,
        "requests_per_day": requests_per_day,
        "prices": PRICES,
    }


def cost_per_million(
    duration_ms: float, memory_mb: int, function_log_bytes: int | None = None, access_log_bytes: int | None = None
) -> dict[str, Any]:
    """Cost of 1e6 warm predictions of `duration_ms` each (billed rounded up to the next 1 ms), with the log bytes
    one request writes (None: not measured in this run, counted as 0 and said so)."""
    billed_ms = max(1, math.ceil(duration_ms))
    compute = 1e6 * billed_ms / 1000 * memory_mb / 1024 * PRICES["lambda_x86_usd_per_gb_second"]
    log_bytes = (function_log_bytes or 0) + (access_log_bytes or 0)
    logs = 1e6 * log_bytes / GB * PRICES["cloudwatch_logs_ingestion_usd_per_gb"]
    lambda_requests = PRICES["lambda_usd_per_million_requests"]
    rest_api = PRICES["rest_api_usd_per_million_requests"]
    return {
        "total": round(compute + lambda_requests + rest_api + logs, 4),
        "lambda_compute": round(compute, 4),
        "lambda_requests": lambda_requests,
        "rest_api": rest_api,
        "cloudwatch_logs": round(logs, 4),
        "log_bytes_per_request": {"function": function_log_bytes, "access_log": access_log_bytes},
        "billed_ms": billed_ms,
        "memory_mb": memory_mb,
        "prices": PRICES,
    }


# State transitions of one execution outside the map (Split, CheckFile, ScoreChunks, Assemble, CheckChunks, Scored)
# and per chunk (its child execution's ScoreChunk, plus the map's own transition for the item).
PARENT_TRANSITIONS = 6
TRANSITIONS_PER_CHUNK = 2


def batch_projection(
    rows: int,
    rows_per_chunk: int,
    concurrency: int,
    chunk_seconds: float,
    split_seconds_per_row: float,
    assemble_seconds_per_row: float,
    memory_mb: int,
    output_bytes_per_row: float,
) -> dict[str, Any]:
    """Time and cost of scoring `rows` with batch scoring on AWS, from durations measured here.

    Time: split and assemble read the whole file in one function each; the chunks run in waves of `concurrency`.
    Requests: the split writes each chunk (PUT), the task reads it (GET) and writes its part (PUT), the assemble
    reads every part (GET) and writes the output in 8 MiB parts (PUT); Step Functions reads the chunk list once."""
    chunks = math.ceil(rows / rows_per_chunk)
    waves = math.ceil(chunks / concurrency)
    split_s, assemble_s = rows * split_seconds_per_row, rows * assemble_seconds_per_row
    seconds = split_s + waves * chunk_seconds + assemble_s
    gb = memory_mb / 1024
    compute_s = split_s + assemble_s + chunks * chunk_seconds
    lambda_usd = compute_s * gb * LAMBDA_X86_USD_PER_GB_SECOND + (chunks + 3) / 1e6 * LAMBDA_USD_PER_MILLION_REQUESTS
    transitions = PARENT_TRANSITIONS + TRANSITIONS_PER_CHUNK * chunks
    states_usd = transitions / 1000 * STEP_FUNCTIONS_USD_PER_1000_TRANSITIONS
    output_parts = math.ceil(rows * output_bytes_per_row / (8 << 20))
    puts, gets = 2 * chunks + output_parts + 3, 2 * chunks + 2
    s3_usd = puts / 1000 * S3_PUT_USD_PER_1000 + gets / 1000 * S3_GET_USD_PER_1000
    return {
        "rows": rows,
        "concurrency": concurrency,
        "chunks": chunks,
        "seconds": round(seconds, 1),
        "split_s": round(split_s, 1),
        "chunks_s": round(waves * chunk_seconds, 1),
        "assemble_s": round(assemble_s, 1),
        "usd": round(lambda_usd + states_usd + s3_usd, 4),
        "lambda_usd": round(lambda_usd, 4),
        "step_functions_usd": round(states_usd, 4),
        "s3_usd": round(s3_usd, 4),
        "state_transitions": transitions,
        "s3_puts": puts,
        "s3_gets": gets,
        "memory_mb": memory_mb,
        "prices": PRICES,
    }
