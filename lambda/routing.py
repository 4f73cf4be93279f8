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


def is_http(event: Any) -> bool:
    """An API Gateway or function URL event (answered as an HTTP response), not a direct invoke's body."""
    return isinstance(event, dict) and ("httpMethod" in event or "routeKey" in event)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ApiError(400, "malformed_event", f"the event's {name} must be a string, not {type(value).__name__}")
    return value


def from_event(event: Any) -> Request:
    """The request an event carries; an HTTP event that cannot be read is a 400 (ApiError), never a crash."""
    if is_http(event):
        context = event.get("requestContext") or {}
        if not isinstance(context, dict) or not isinstance(context.get("http") or {}, dict):
            raise ApiError(400, "malformed_event", "the event's requestContext must be an object")
        method = _text(event.get("httpMethod") or (context.get("http") or {}).get("method") or "GET", "method")
        resource = _text(event.get("resource") or "", "resource")
        # A fixed resource names the route; a {proxy+} one does not, so fall back to the path.
        fixed = bool(resource) and "{" not in resource
        path = _text(resource if fixed else event.get("path") or event.get("rawPath") or "/", "path")
        body = event.get("body")
        if body is not None:
            body = _text(body, "body")
            if event.get("isBase64Encoded"):
                try:
                    body = base64.b64decode(body, validate=True).decode("utf-8", errors="replace")
                except ValueError:
                    raise ApiError(400, "malformed_body", "the body is marked base64 but is not valid base64") from None
        stage = context.get("stage")
        return Request(
            method=method.upper(),
            path=_strip_stage(path, stage if isinstance(stage, str) else None),
            body=body,
            via_http=True,
        )
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
