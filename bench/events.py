"""API Gateway REST (v1) Lambda proxy events, for calling the handler in-process as the gateway would."""

from __future__ import annotations

import json
from typing import Any


def proxy_event(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, raw_body: str | None = None
) -> dict[str, Any]:
    """An event like the one API Gateway sends for `method path`; `body` is JSON-encoded unless raw_body is given."""
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    all_headers = {"Content-Type": "application/json", "Host": "localhost", **(headers or {})}
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/bench{path}",
            "stage": "bench",
            "requestId": "bench-request",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": text,
        "isBase64Encoded": False,
    }
