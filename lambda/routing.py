"""Lambda events into requests: REST API proxy (v1), HTTP API/function URL (v2), or a bare record."""

import base64
import json
from dataclasses import dataclass
from typing import Any

from responses import ApiError


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: str | None
    via_http: bool  # False: a direct invoke whose event is the body itself


def _strip_stage(path: str, stage: str | None) -> str:
    """API Gateway may pass the stage in the path (custom domains, LocalStack's URL forms)."""
    path = "/" + path.strip("/")
    if stage and stage != "$default" and (path == f"/{stage}" or path.startswith(f"/{stage}/")):
        path = path[len(stage) + 1 :] or "/"
    return path


def from_event(event: Any) -> Request:
    if isinstance(event, dict) and ("httpMethod" in event or "routeKey" in event):
        context = event.get("requestContext") or {}
        method = event.get("httpMethod") or (context.get("http") or {}).get("method") or "GET"
        resource = event.get("resource") or ""
        # A fixed resource names the route; a {proxy+} one does not, so fall back to the path.
        fixed = bool(resource) and "{" not in resource
        path = resource if fixed else event.get("path") or event.get("rawPath") or "/"
        body = event.get("body")
        if body is not None and event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        return Request(method=method.upper(), path=_strip_stage(path, context.get("stage")), body=body, via_http=True)
    # A direct invoke: the event is the request body (the 2017 client sent {"gre": "800", ...}).
    return Request(method="POST", path="/predict", body=None, via_http=False)


def json_body(request: Request, event: Any) -> Any:
    if not request.via_http:
        return event
    if request.body is None or not request.body.strip():
        raise ApiError(400, "empty_body", 'the body is empty: send a JSON record or {"instances": [...]}')
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {error}") from None
