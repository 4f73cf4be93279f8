"""What every answer of the API must look like, whatever was sent: the checks shared by fuzz, load and faults."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import requests

ORIGIN = "http://fuzz.example"


@dataclass
class Api:
    """The stack's REST API URL with one keep-alive session; every request says where it comes from."""

    url: str
    session: requests.Session

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Origin": ORIGIN, **kwargs.pop("headers", {})}
        return self.session.request(method, f"{self.url}{path}", headers=headers, timeout=120, **kwargs)


def strict_json(text: str) -> Any:
    """Parse as RFC 8259 JSON: NaN/Infinity tokens are not JSON, whatever Python's json accepts."""

    def refuse(token: str) -> Any:
        raise ValueError(f"non-JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def assert_answer(response: requests.Response, sent: str = "") -> Any:
    """2xx or 4xx, JSON, CORS; a 4xx carries {"error": {"code", "message", ...}}; never a stack trace."""
    where = f"{response.request.method} {response.request.path_url} {sent[:300]!r} -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.text[:500]}"
    assert response.status_code >= 200, where
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", ORIGIN), f"{where}: no CORS header"
    assert "Traceback" not in response.text, f"{where}: {response.text[:500]}"
    try:
        body = strict_json(response.text)
    except ValueError as error:
        raise AssertionError(f"{where}: body is not JSON ({error}): {response.text[:300]!r}") from None
    if response.status_code >= 400:
        error_body = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error_body, dict), f"{where}: no error object: {response.text[:300]}"
        assert isinstance(error_body.get("code"), str), f"{where}: error without code: {error_body}"
        assert isinstance(error_body.get("message"), str), f"{where}: error without message: {error_body}"
        assert error_body["message"], f"{where}: empty error message"
    return body


def wait_for(what: str, check: Any, timeout_s: float = 60.0, every_s: float = 0.5) -> Any:
    """Poll check() until it returns a truthy value; fail naming `what` and the last value seen."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except requests.RequestException as error:
            last = error
        else:
            if last:
                return last
        time.sleep(every_s)
    raise AssertionError(f"{what}: not within {timeout_s:.0f} s (last: {last!r})")
