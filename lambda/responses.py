"""API Gateway proxy responses: always JSON, always with CORS headers, errors in one shape."""

import json
import math
import os
from pathlib import Path
from typing import Any

from logs import request_id

ALLOWED_METHODS = "GET,POST,OPTIONS"
# cors.json is the one list of allowed request headers; Terraform's REST API reads it too.
_CORS = json.loads((Path(__file__).parent / "cors.json").read_text())
ALLOWED_HEADERS = ",".join(_CORS["allow_headers"])
# Response headers a page on another origin may read (the request id, to send ground truth for it later).
EXPOSED_HEADERS = ",".join(_CORS["expose_headers"])


class ApiError(Exception):
    """A client-facing failure: its status, code and message are safe to show."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def cors_headers() -> dict[str, str]:
    origin = os.environ.get("CORS_ORIGIN") or "*"
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
        "Access-Control-Max-Age": "600",
    }
    if origin != "*":
        headers["Vary"] = "Origin"
    return headers


def finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: R's NA/NaN/Inf become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    current = request_id.get()
    own = {"X-Request-Id": current} if current else {}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **cors_headers(), **own, **(headers or {})},
        "body": json.dumps(body, allow_nan=False, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def error_response(error: ApiError) -> dict[str, Any]:
    return json_response(error.status, error.body(), error.headers)
