"""The static site as LocalStack's S3 website endpoint serves it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

pytestmark = [pytest.mark.localstack, pytest.mark.stack]


def get(stack: Any, path: str) -> requests.Response:
    # No DNS here for the website's virtual host: address LocalStack and name the host.
    return requests.get(f"{stack.endpoint}{path}", headers={"Host": stack.website_host}, timeout=30)


def test_index_page_is_served_as_html(stack: Any) -> None:
    response = get(stack, "/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<form" in response.text or "app.js" in response.text


def test_config_points_the_page_at_this_api(stack: Any) -> None:
    response = get(stack, "/config.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["api_url"] == stack.api_url


@pytest.mark.parametrize(("path", "content_type"), [("/app.js", "javascript"), ("/style.css", "text/css")])
def test_assets_have_their_content_types(stack: Any, path: str, content_type: str) -> None:
    response = get(stack, path)
    assert response.status_code == 200
    assert content_type in response.headers["Content-Type"]


def test_missing_page_gets_the_404_page(stack: Any) -> None:
    response = get(stack, "/no/such/page.html")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "404" in response.text or "not found" in response.text.lower()
