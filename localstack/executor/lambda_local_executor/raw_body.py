"""API Gateway hands the function the request body exactly as the client sent it, as AWS does.

LocalStack rebuilds the body of a REST API request with rolo's `restore_payload`, which parses a form
content type (curl's default for `-d`) and serialises the form back: `{"gre": 800}` reaches the function as
`%7B%22gre%22%3A+800%7D=`. This hook makes the REST API read the bytes as received instead.
"""

from __future__ import annotations

from typing import Any

from localstack.runtime import hooks
from rolo.request import restore_payload


def received_body(request: Any) -> bytes:
    """The body as the client sent it (read once and cached by werkzeug; the form is not parsed)."""
    if request.shallow:
        return b""
    if "form" in request.__dict__ and getattr(request, "_cached_data", None) is None:
        # An earlier handler parsed the form and the bytes are gone: rebuilding them is all that is left.
        rebuilt: bytes = restore_payload(request)
        return rebuilt
    body: bytes = request.get_data(cache=True, parse_form_data=False)
    return body


@hooks.on_infra_start()  # type: ignore[untyped-decorator]
def pass_api_gateway_bodies_through() -> None:
    from localstack.services.apigateway.next_gen.execute_api.handlers import parse

    parse.restore_payload = received_body
