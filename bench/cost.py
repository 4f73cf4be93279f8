"""What one million predictions cost: Lambda (x86) GB-seconds + requests, plus REST API Gateway requests."""

from __future__ import annotations

import math
from typing import Any

# AWS list prices, us-east-1, first pricing tier, free tier not applied. Lambda has billed per 1 ms at this
# GB-second price since 2020-12-01; REST API requests cost 3.50 USD per million for the first 333 million a month.
# As published on the two pages below (checked 2025-06); this run cannot fetch them (no internet).
LAMBDA_X86_USD_PER_GB_SECOND = 0.0000166667
LAMBDA_USD_PER_MILLION_REQUESTS = 0.20
REST_API_USD_PER_MILLION_REQUESTS = 3.50
PRICES: dict[str, Any] = {
    "region": "us-east-1",
    "as_of": "2025-06 (unchanged since 2020-12-01)",
    "lambda_x86_usd_per_gb_second": LAMBDA_X86_USD_PER_GB_SECOND,
    "lambda_usd_per_million_requests": LAMBDA_USD_PER_MILLION_REQUESTS,
    "rest_api_usd_per_million_requests": REST_API_USD_PER_MILLION_REQUESTS,
    "sources": ["https://aws.amazon.com/lambda/pricing/", "https://aws.amazon.com/api-gateway/pricing/"],
}


def cost_per_million(duration_ms: float, memory_mb: int) -> dict[str, Any]:
    """Cost of 1e6 warm predictions of `duration_ms` each (billed rounded up to the next 1 ms)."""
    billed_ms = max(1, math.ceil(duration_ms))
    compute = 1e6 * billed_ms / 1000 * memory_mb / 1024 * LAMBDA_X86_USD_PER_GB_SECOND
    return {
        "total": round(compute + LAMBDA_USD_PER_MILLION_REQUESTS + REST_API_USD_PER_MILLION_REQUESTS, 4),
        "lambda_compute": round(compute, 4),
        "lambda_requests": LAMBDA_USD_PER_MILLION_REQUESTS,
        "rest_api": REST_API_USD_PER_MILLION_REQUESTS,
        "billed_ms": billed_ms,
        "memory_mb": memory_mb,
        "prices": PRICES,
    }
