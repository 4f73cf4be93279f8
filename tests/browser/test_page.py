"""A real headless Chromium uses the page: the shown predictions are the API's, errors land next to their field.

Runs against the loopback harness (`local_site`: frontend/ + the real handler on host R) and against the
stack applied on LocalStack (`site`). Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 60_000


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("local_site", id="local"),
        pytest.param("site", id="stack", marks=[pytest.mark.stack, pytest.mark.localstack]),
    ],
)
def target(request: pytest.FixtureRequest) -> Any:
    """Where the page lives: an object with website_url, api_url and host_resolver_rules."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, target: Any) -> Iterator[Browser]:
    launched = launch(playwright, getattr(target, "host_resolver_rules", None))
    yield launched
    launched.close()


def launch(playwright: Playwright, host_resolver_rules: str | None = None) -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; run `make setup` (it installs Debian's chromium)")
    args = CHROMIUM_ARGS + ([f"--host-resolver-rules={host_resolver_rules}"] if host_resolver_rules else [])
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args)


@pytest.fixture
def page(browser: Browser, target: Any) -> Iterator[Page]:
    """The site opened at desktop size, with the form built from /metadata."""
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    script_errors: list[str] = []
    opened.on("pageerror", lambda error: script_errors.append(str(error)))
    # A content security policy violation is reported on the console, not as a page error.
    opened.on(
        "console",
        lambda message: script_errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    opened.goto(target.website_url)
    expect(opened.locator("#predict")).to_be_enabled()
    yield opened
    context.close()
    assert script_errors == [], f"JavaScript errors on the page: {script_errors}"


@pytest.fixture(scope="module")
def metadata(target: Any) -> dict[str, Any]:
    response = requests.get(f"{target.api_url}/metadata", timeout=60)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def screenshot(page: Page, target: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kind = "stack" if getattr(target, "host_resolver_rules", None) else "local"
    page.screenshot(path=str(SCREENSHOTS / f"{kind}-{name}.png"), full_page=True)


def api_predict(target: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{target.api_url}/predict", json=body, timeout=60)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def predicted_value(prediction: Any) -> float:
    """The number a prediction carries: a probability for a classifier, the value for a regression."""
    if isinstance(prediction, int | float):
        return float(prediction)
    for key in ("probability", "value", "prediction"):
        if isinstance(prediction.get(key), int | float):
            return float(prediction[key])
    raise AssertionError(f"no number in the API's prediction {prediction!r}")


def assert_no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: content {width[0]} px in a {width[1]} px window"


def first_input(metadata: dict[str, Any], *types: str) -> tuple[int, dict[str, Any]]:
    for index, field in enumerate(metadata["inputs"]):
        if field["type"] in types:
            return index, field
    pytest.skip(f"the model has no input of type {types}")


def test_form_shows_the_prediction_the_api_gives(page: Page, target: Any, metadata: dict[str, Any]) -> None:
    example = {field["name"]: field["example"] for field in metadata["inputs"]}
    assert page.locator("#fields .field").count() == len(metadata["inputs"])

    with page.expect_request(lambda r: r.url.endswith("/predict") and r.method == "POST") as sent:
        page.locator("#field-0").press("Enter")  # keyboard submit from the first field
    assert json.loads(sent.value.post_data or "{}") == example, "the form was not filled with the example values"

    shown = page.locator("#result .prediction")
    expect(shown).to_be_visible()
    answer = api_predict(target, example)
    [expected] = answer["predictions"]
    assert float(shown.get_attribute("data-value") or "nan") == pytest.approx(predicted_value(expected), rel=1e-12)
    if isinstance(expected, dict) and "label" in expected:
        assert shown.get_attribute("data-label") == expected["label"]
        expect(page.locator("#result .prediction-label")).to_have_text(expected["label"])
    if isinstance(expected, dict) and "probability" in expected:
        # The bar is sized through the CSSOM (the content security policy refuses style attributes).
        width = page.locator("#result .bar-fill").evaluate("node => node.style.width")
        assert float(width.removesuffix("%")) == pytest.approx(expected["probability"] * 100, abs=1e-3)
    answered = page.locator("#result .answered-by")
    assert answered.get_attribute("data-model-name") == answer["model"]["name"]
    assert answered.get_attribute("data-model-version") == answer["model"]["version"]
    expect(page.locator("#api-status")).to_have_attribute("data-state", "ok")
    screenshot(page, target, "prediction-desktop")

    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    screenshot(page, target, "prediction-360px")


def test_empty_number_shows_the_api_error_next_to_the_field(page: Page, target: Any, metadata: dict[str, Any]) -> None:
    index, field = first_input(metadata, "numeric", "integer")
    control = page.locator(f"#field-{index}")
    control.fill("")
    page.locator("#predict").click()

    error = page.locator(f"#field-{index}-error")
    expect(error).to_be_visible()
    expect(control).to_have_attribute("aria-invalid", "true")
    assert f"field-{index}-error" in (control.get_attribute("aria-describedby") or "").split()
    assert error.inner_text().strip() != ""
    expect(page.locator("#form-alert")).to_be_visible()
    expect(page.locator("#result")).to_be_hidden()
    # The message came from the API, which refuses the same record with 422.
    record = {f["name"]: f["example"] for f in metadata["inputs"] if f["name"] != field["name"]}
    assert requests.post(f"{target.api_url}/predict", json=record, timeout=60).status_code == 422
    screenshot(page, target, "field-error-desktop")


def test_unknown_factor_level_shows_the_error_next_to_the_select(page: Page, metadata: dict[str, Any]) -> None:
    index, field = first_input(metadata, "factor")
    select = page.locator(f"#field-{index}")
    # A select offers only valid levels: add one the model never saw, as a hand-edited page would.
    select.evaluate("(s) => { s.add(new Option('no-such-level', 'no-such-level')); s.value = 'no-such-level'; }")
    page.locator("#predict").click()

    expect(page.locator(f"#field-{index}-error")).to_be_visible()
    expect(select).to_have_attribute("aria-invalid", "true")
    for other in range(len(metadata["inputs"])):
        if other != index:
            expect(page.locator(f"#field-{other}")).not_to_have_attribute("aria-invalid", "true")
    # Fixing the value clears the error on the next submit.
    select.select_option(field["example"])
    page.locator("#predict").click()
    expect(page.locator("#result .prediction")).to_be_visible()
    expect(page.locator(f"#field-{index}-error")).to_be_hidden()


def three_rows(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """Three distinct records: the example, then numbers at the low and high end of the training range."""
    rows = []
    for position in range(3):
        record: dict[str, Any] = {}
        for field in metadata["inputs"]:
            if field["type"] == "factor":
                levels = field["levels"]
                record[field["name"]] = levels[(levels.index(field["example"]) + position) % len(levels)]
            elif field["type"] in ("numeric", "integer") and position:
                record[field["name"]] = field["min"] if position == 1 else field["max"]
            else:
                record[field["name"]] = field["example"]
        rows.append(record)
    return rows


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows([{k: str(v).upper() if isinstance(v, bool) else v for k, v in row.items()} for row in rows])
    return out.getvalue().encode()


def test_batch_tab_shows_csv_predictions_in_order(page: Page, target: Any, metadata: dict[str, Any]) -> None:
    page.locator("#tab-single").focus()
    page.keyboard.press("ArrowRight")  # the tabs follow the ARIA pattern: arrows move and select
    expect(page.locator("#tab-batch")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-batch")).to_be_focused()
    expect(page.locator("#panel-batch")).to_be_visible()
    expect(page.locator("#panel-single")).to_be_hidden()

    rows = three_rows(metadata)
    page.locator("#csv-file").set_input_files(
        files=[{"name": "three.csv", "mimeType": "text/csv", "buffer": as_csv(rows)}]
    )
    expect(page.locator("#csv-text")).to_have_value(as_csv(rows).decode())  # the file is read into the box
    page.locator("#predict-batch").click()
    table_rows = page.locator("#batch-result tbody tr")
    expect(table_rows).to_have_count(3)

    expected = [predicted_value(p) for p in api_predict(target, {"instances": rows})["predictions"]]
    assert len(set(expected)) == 3, "the three rows should give three different predictions"
    shown = [float(table_rows.nth(i).get_attribute("data-value") or "nan") for i in range(3)]
    assert shown == pytest.approx(expected, rel=1e-12)
    screenshot(page, target, "batch-desktop")

    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    screenshot(page, target, "batch-360px")


def test_batch_row_errors_are_shown_on_their_row(page: Page, metadata: dict[str, Any]) -> None:
    index, field = first_input(metadata, "numeric", "integer", "factor")
    rows = three_rows(metadata)
    rows[1][field["name"]] = "not-a-value"
    page.locator("#tab-batch").click()
    page.locator("#csv-text").fill(as_csv(rows).decode())
    page.locator("#predict-batch").click()

    table_rows = page.locator("#batch-result tbody tr")
    expect(table_rows).to_have_count(3)
    expect(table_rows.nth(1)).to_have_class("row-error")
    expect(table_rows.nth(1).locator(".note-error")).to_contain_text(field["name"])
    expect(page.locator("#batch-result .row-error")).to_have_count(1)
    expect(page.locator("#batch-result [role=alert]")).to_be_visible()


def test_unreachable_api_is_explained(browser: Browser, target: Any) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    # The site's config names an API where nothing listens (port 9, discard): the page must say so.
    page.route("**/config.json", lambda route: route.fulfill(json={"api_url": "http://127.0.0.1:9/v1"}))
    page.goto(target.website_url)
    alert = page.locator("#alert")
    expect(alert).to_be_visible(timeout=TIMEOUT_MS)
    expect(alert).to_contain_text("Cannot reach the API")
    expect(page.locator("#api-status")).to_have_attribute("data-state", "error")
    expect(page.locator("#retry")).to_be_visible()
    expect(page.locator("#predict")).to_be_hidden()
    screenshot(page, target, "unreachable")
    context.close()


def test_missing_model_is_explained(playwright: Playwright, local_site_without_model: Any) -> None:
    answer = requests.get(f"{local_site_without_model.api_url}/metadata", timeout=60)
    assert answer.status_code == 503, answer.text
    browser = launch(playwright)
    try:
        page = browser.new_page(viewport=PHONE)
        page.goto(local_site_without_model.website_url)
        expect(page.locator("#api-status")).to_have_attribute("data-state", "error", timeout=TIMEOUT_MS)
        expect(page.locator("#api-status")).to_contain_text("not loaded")
        expect(page.locator("#alert")).to_have_text(answer.json()["error"]["message"])  # the API's own words
        expect(page.locator("#retry")).to_be_visible()
        expect(page.locator("#app")).to_be_hidden()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "local-model-missing-360px.png"), full_page=True)
    finally:
        browser.close()


def test_local_site_serves_the_page_under_the_cloudfront_policy(local_site: Any) -> None:
    """The page tests above ran under the content security policy CloudFront adds on AWS."""
    answer = requests.get(local_site.website_url, timeout=30)
    assert answer.status_code == 200
    policy = dict(item.split(" ", 1) for item in answer.headers["Content-Security-Policy"].split("; "))
    api = urlparse(local_site.api_url)
    assert policy["default-src"] == "'self'"
    assert policy["connect-src"] == f"'self' {api.scheme}://{api.netloc}"
    assert policy["object-src"] == "'none'"


@pytest.fixture(scope="module")
def both_models(target: Any) -> dict[str, dict[str, Any]]:
    """Admission and boston both served by the target (the stack gets boston published); their model.json."""
    built = ROOT / "build" / "models"
    if hasattr(target, "model_uri"):  # the LocalStack stack: publish boston next to the default model
        import time

        from model_bucket import ModelBucket  # scripts/, put on sys.path by tests/conftest.py

        version = ModelBucket(target.client("s3"), target.model_uri).publish("boston", built / "boston")
        deadline = time.monotonic() + 60
        while requests.get(f"{target.api_url}/models/boston/metadata", timeout=60).json().get("version") != version:
            assert time.monotonic() < deadline, "boston was not served within 60 s"
            time.sleep(0.5)
    return {name: json.loads((built / name / "model.json").read_text()) for name in ("admission", "boston")}


def predict_in_form(page: Page) -> Any:
    with page.expect_response(lambda r: r.url.endswith("/predict") and r.request.method == "POST") as answered:
        page.locator("#predict").click()
    expect(page.locator("#result .prediction")).to_be_visible()
    return answered.value


def test_picker_switches_models_and_predicts_with_each(
    page: Page, target: Any, both_models: dict[str, dict[str, Any]]
) -> None:
    picker = page.locator("#model-picker")
    expect(picker).to_be_visible()
    expect(picker).to_have_value("admission")
    assert {"admission", "boston"} <= set(picker.locator("option").evaluate_all("(os) => os.map((o) => o.value)"))

    for name in ("boston", "admission"):
        meta = both_models[name]
        picker.select_option(name)
        expect(page.locator("#model-title")).to_have_text(f"Predict with {name}")
        assert f"model={name}" in page.url  # a link to this page opens this model
        expect(page.locator("#fields .field")).to_have_count(len(meta["inputs"]))
        expect(page.locator("#result")).to_be_hidden()  # the other model's answer went away
        response = predict_in_form(page)
        assert response.url.endswith(f"/models/{name}/predict")
        example = {field["name"]: field["example"] for field in meta["inputs"]}
        api = requests.post(f"{target.api_url}/models/{name}/predict", json=example, timeout=60).json()
        shown = page.locator("#result .prediction").get_attribute("data-value") or "nan"
        assert float(shown) == pytest.approx(predicted_value(api["predictions"][0]), rel=1e-12)
        expect(page.locator("#result .answered-by")).to_have_attribute("data-model-name", name)

        page.locator("#tab-batch").click()
        expect(page.locator("#batch-columns")).to_have_text(", ".join(f["name"] for f in meta["inputs"]))
        page.locator("#fill-example-csv").click()
        page.locator("#predict-batch").click()
        expect(page.locator("#batch-result tbody tr")).to_have_count(3)
        expect(page.locator("#batch-result .answered-by")).to_have_attribute("data-model-name", name)
        page.locator("#tab-single").click()
    screenshot(page, target, "picker-desktop")


def test_the_url_opens_its_model(browser: Browser, target: Any, both_models: dict[str, dict[str, Any]]) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{target.website_url.rstrip('/')}/?model=boston")
    expect(page.locator("#model-title")).to_have_text("Predict with boston", timeout=TIMEOUT_MS)
    expect(page.locator("#model-picker")).to_have_value("boston")
    page.goto(f"{target.website_url.rstrip('/')}/?model=nosuch")
    expect(page.locator("#alert")).to_contain_text('"nosuch"', timeout=TIMEOUT_MS)
    expect(page.locator("#model-title")).to_have_text("Predict with admission")
    context.close()


@pytest.fixture(
    params=[
        pytest.param("local_site_iris", id="local"),
        pytest.param("live_iris", id="stack", marks=[pytest.mark.stack, pytest.mark.localstack]),
    ],
)
def iris(request: pytest.FixtureRequest) -> Any:
    """The three-class iris model on the loopback harness (its only model) or on the stack (one of its models)."""
    return request.getfixturevalue(request.param)


def test_every_class_gets_a_bar_with_its_label_and_percent(playwright: Playwright, iris: Any) -> None:
    meta = requests.get(f"{iris.api_url}/metadata", timeout=60)
    assert meta.status_code == 200, meta.text
    labels = meta.json()["output"]["labels"]
    assert labels == ["setosa", "versicolor", "virginica"]
    example = {field["name"]: field["example"] for field in meta.json()["inputs"]}
    [expected] = api_predict(iris, example)["predictions"]
    where = "stack" if iris.host_resolver_rules else "local"

    browser = launch(playwright, iris.host_resolver_rules)
    try:
        page = browser.new_page(viewport=DESKTOP)
        page.set_default_timeout(TIMEOUT_MS)
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(iris.page_url)
        expect(page.locator("#model-title")).to_have_text("Predict with iris")
        predict_in_form(page)

        bars = page.locator("#result .class-bar")
        expect(bars).to_have_count(3)
        for index, label in enumerate(labels):
            bar = bars.nth(index)
            probability = expected["probabilities"][label]
            expect(bar.locator(".class-name")).to_contain_text(label)
            assert bar.get_attribute("data-label") == label
            assert float(bar.get_attribute("data-probability") or "nan") == pytest.approx(probability, rel=1e-12)
            # The number is text (a screen reader reads it), rounded to 0.1 %; the bar is only its picture.
            shown = bar.locator(".class-percent").inner_text()
            assert float(shown.removesuffix("%")) == pytest.approx(probability * 100, abs=0.05)
            assert bar.locator(".bar").get_attribute("aria-hidden") == "true"
            width = bar.locator(".bar-fill").evaluate("node => node.style.width")
            assert float(width.removesuffix("%")) == pytest.approx(probability * 100, abs=1e-3)
        assert expected["label"] == "versicolor"  # the example is a close call: both bars are visible
        top = page.locator("#result .class-bar.is-top")
        expect(top).to_have_count(1)
        expect(top).to_have_attribute("data-label", expected["label"])
        expect(top.locator(".top-mark")).to_have_text("most probable")
        expect(page.locator("#result .prediction-label")).to_have_text(expected["label"])
        expect(page.locator("#result")).to_have_attribute("aria-live", "polite")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{where}-probabilities-desktop.png"), full_page=True)
        page.set_viewport_size(PHONE)
        assert_no_horizontal_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"{where}-probabilities-360px.png"), full_page=True)

        # The batch table: the most probable class, then one column per class.
        page.set_viewport_size(DESKTOP)
        page.locator("#tab-batch").click()
        page.locator("#fill-example-csv").click()
        rows = list(csv.DictReader(io.StringIO(page.locator("#csv-text").input_value())))
        records = [{name: float(value) for name, value in row.items()} for row in rows]
        page.locator("#predict-batch").click()
        table_rows = page.locator("#batch-result tbody tr")
        expect(table_rows).to_have_count(len(records))
        headers = [" ".join(text.split()) for text in page.locator("#batch-result thead th").all_inner_texts()]
        # Each class's column is headed by its label; "Probability of" is there for screen readers only.
        assert headers[:5] == ["Row", "Species", *[f"Probability of {label}" for label in labels]], headers
        answers = api_predict(iris, {"instances": records})["predictions"]
        for index, answer in enumerate(answers):
            row = table_rows.nth(index)
            assert row.get_attribute("data-label") == answer["label"]
            assert row.locator("td").first.inner_text() == answer["label"]
            cells = row.locator("td[data-probability]")
            expect(cells).to_have_count(3)
            got = [float(cells.nth(i).get_attribute("data-probability") or "nan") for i in range(3)]
            assert got == pytest.approx([answer["probabilities"][label] for label in labels], rel=1e-12)
            expect(row.locator("td.is-top")).to_have_attribute("data-label", answer["label"])
        page.screenshot(path=str(SCREENSHOTS / f"{where}-probabilities-batch.png"), full_page=True)
        # The download has batch scoring's columns (lambda/batch_rows.py): label, then probability_<class>.
        with page.expect_download() as download:
            page.locator("#batch-result a[download]").click()
        saved = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        assert saved[0] == [*records[0], "label", *[f"probability_{label}" for label in labels]]
        for line, answer in zip(saved[1:], answers, strict=True):
            assert line[4] == answer["label"]
            assert [float(v) for v in line[5:]] == [answer["probabilities"][label] for label in labels]
        assert violations == []
    finally:
        browser.close()
