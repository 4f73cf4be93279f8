"""The page's Monitoring tab on the stack: the monitor's latest report drawn as charts, its numbers in tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright
from test_page import DESKTOP, TIMEOUT_MS, launch, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.localstack, pytest.mark.slow]


@pytest.fixture(scope="module")
def latest(site: Any, shifted_traffic: Any) -> dict[str, Any]:
    """The report the page will show (GET /models/admission/monitoring) after the monitor ran over real shifted
    traffic (the shifted_traffic fixture, shared with tests/e2e/test_monitoring.py)."""
    response = requests.get(f"{site.api_url}/models/admission/monitoring", timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def page(site: Any) -> Iterator[Page]:
    with sync_playwright() as driver:
        browser = launch(driver, site.host_resolver_rules)
        opened = browser.new_context(viewport=DESKTOP).new_page()
        opened.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        opened.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        opened.goto(site.page_url if hasattr(site, "page_url") else site.website_url)
        expect(opened.locator("#predict")).to_be_enabled()
        yield opened
        browser.close()
        assert errors == [], f"JavaScript errors or CSP violations on the page: {errors}"


def test_the_monitoring_tab_draws_the_report_with_its_numbers(
    page: Page, site: Any, latest: dict[str, Any], shifted_traffic: Any
) -> None:
    [report] = [r for r in latest["reports"] if r["version"] == shifted_traffic.version]
    page.get_by_role("tab", name="Monitoring").click()
    # Every admission version with traffic today has its section; the shifted run's is checked.
    expect(page.locator("#monitoring section.monitoring-version")).to_have_count(len(latest["reports"]))
    heading = page.locator("h3", has_text=f"Version {report['version']}")
    view = page.locator("#monitoring section.monitoring-version", has=heading)
    expect(view).to_be_visible()
    # Charts: drift over time, today's distributions (three inputs + prediction), quality (truth was sent).
    assert report["window"]["quality"]["rows"] > 0
    expect(view.locator("svg[role=img]")).to_have_count(1 + 4 + 1)
    expect(view.locator('svg[aria-label="Drift (PSI) per input over time"]')).to_be_visible()
    table = view.locator("table", has=page.locator("caption", has_text="Inputs over the window"))
    for name, figures in report["window"]["inputs"].items():
        row = table.locator("tr", has=page.locator(f'th[scope=row]:text-is("{name}")'))
        expect(row.locator("td").nth(0)).to_have_text(f"{figures['psi']:.3f}")
        expect(row.locator("td").nth(5)).to_have_text("yes" if figures["drift"] else "no")
    expect(view.get_by_text("Drifted inputs: gre;")).to_be_visible()
    screenshot(page, site, "monitoring")
