"""What one million predictions cost: Lambda (x86) GB-seconds + requests, REST API Gateway requests, and
CloudWatch Logs ingestion of the function's log lines and the API's access log line."""

from __future__ import annotations

import math
from typing import Any

# AWS list prices, us-east-1, first pricing tier, free tier not applied, as published on the pages below (checked
# 2025-06; this run cannot fetch them). Lambda has billed per 1 ms at this GB-second price since 2020-12-01; REST API
# requests cost 3.50 USD per million for the first 333 million a month; CloudWatch Logs ingestion (Standard class, and
# Lambda's own logs in their first 10 TB tier) costs 0.50 USD per GB. Log storage (0.03 USD per GB-month, compressed)
# is left out: it depends on the retention chosen.
PRICES: dict[str, Any] = {
    "region": "us-east-1",
    "as_of": "2025-06 (Lambda's unchanged since 2020-12-01)",
    "lambda_x86_usd_per_gb_second": 0.0000166667,
    "lambda_usd_per_million_requests": 0.20,
    "rest_api_usd_per_million_requests": 3.50,
    "cloudwatch_logs_ingestion_usd_per_gb": 0.50,
    "sources": [
        "https://aws.amazon.com/lambda/pricing/",
        "https://aws.amazon.com/api-gateway/pricing/",
        "https://aws.amazon.com/cloudwatch/pricing/",
    ],
}
GB = 1024**3


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
