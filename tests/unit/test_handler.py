"""The handler in-process on real R: routes, validation, batches, refresh, failures, and R-equal predictions."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest
from conftest import ROOT, Context, example, model_json, rest_event
from openapi_spec_validator import validate
from r_reference import r_predict

Call = Callable[..., tuple[int, dict[str, str], Any]]


def assert_cors_json(headers: dict[str, str]) -> None:
    assert headers["Content-Type"] == "application/json"
    assert headers["Access-Control-Allow-Origin"] == "*"


def assert_error(result: tuple[int, dict[str, str], Any], status: int, code: str) -> dict[str, Any]:
    got_status, headers, body = result
    assert got_status == status, body
    assert_cors_json(headers)
    assert set(body) >= {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


# Routes


def test_health_names_the_model(admission: ModuleType, call: Call, built_models: Path) -> None:
    status, headers, body = call("GET", "/health")
    assert status == 200
    assert_cors_json(headers)
    assert body["status"] == "ok"
    assert body["model"]["version"] == model_json(built_models / "admission")["version"]
    assert "load_error" not in body


@pytest.mark.parametrize("name", ["admission", "boston"])
def test_metadata_is_model_json(serve: Callable[..., ModuleType], call: Call, built_models: Path, name: str) -> None:
    serve(built_models / name)
    status, headers, body = call("GET", "/metadata")
    assert status == 200
    assert_cors_json(headers)
    assert body == model_json(built_models / name)


@pytest.mark.parametrize("name", ["admission", "boston"])
def test_openapi_document_is_valid_and_typed(
    serve: Callable[..., ModuleType], call: Call, built_models: Path, name: str
) -> None:
    serve(built_models / name, max_batch_rows=7)
    status, _, document = call("GET", "/openapi.json")
    assert status == 200
    validate(document)
    record = document["components"]["schemas"]["Record"]
    meta = model_json(built_models / name)
    assert record["required"] == [spec["name"] for spec in meta["inputs"]]
    for spec in meta["inputs"]:
        if spec["type"] == "factor":
            assert record["properties"][spec["name"]]["enum"] == spec["levels"]
    assert document["components"]["schemas"]["Batch"]["properties"]["instances"]["maxItems"] == 7
    assert document["info"]["version"] == meta["version"]


def test_preflight_allows_posting_json(admission: ModuleType, call: Call) -> None:
    status, headers, _ = call("OPTIONS", "/predict")
    assert status == 200
    assert "POST" in headers["Access-Control-Allow-Methods"]
    # The one declared list (lambda/cors.json), which the REST API's preflight and local_site also answer with.
    declared = json.loads((ROOT / "lambda" / "cors.json").read_text())["allow_headers"]
    assert headers["Access-Control-Allow-Headers"] == "Content-Type,X-Api-Key,Authorization" == ",".join(declared)


def test_cors_origin_is_configurable(serve: Callable[..., ModuleType], call: Call, built_models: Path) -> None:
    serve(built_models / "admission", cors_origin="https://site.example")
    for method, path in [("GET", "/health"), ("GET", "/nowhere"), ("POST", "/predict")]:
        _, headers, _ = call(method, path, raw="{")
        assert headers["Access-Control-Allow-Origin"] == "https://site.example"


@pytest.mark.parametrize(
    "event_shape",
    ["fixed resource", "proxy resource with stage in path", "http api v2", "base64 body"],
)
def test_event_shapes_reach_predict(admission: ModuleType, built_models: Path, event_shape: str) -> None:
    record = example(built_models / "admission")
    event = rest_event("POST", "/predict", record)
    if event_shape == "proxy resource with stage in path":
        event.update(resource="/{proxy+}", path="/prod/predict")
    elif event_shape == "http api v2":
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/predict",
            "body": json.dumps(record),
            "isBase64Encoded": False,
            "requestContext": {"stage": "$default", "http": {"method": "POST", "path": "/predict"}},
        }
    elif event_shape == "base64 body":
        event.update(body=base64.b64encode(json.dumps(record).encode()).decode(), isBase64Encoded=True)
    response = admission.lambda_handler(event, Context())
    assert response["statusCode"] == 200, response["body"]
    assert len(json.loads(response["body"])["predictions"]) == 1


# Predictions equal R's own predict()


def test_single_prediction_equals_r(admission: ModuleType, call: Call, built_models: Path) -> None:
    record = example(built_models / "admission")
    status, headers, body = call("POST", "/predict", record)
    assert status == 200
    assert headers["X-Model-Version"] == body["model"]["version"]
    assert body["model"] == {"name": "admission", "version": model_json(built_models / "admission")["version"]}
    [prediction] = body["predictions"]
    expected = r_predict(built_models / "admission", [record])[0]
    assert prediction["probability"] == pytest.approx(expected, abs=1e-9)
    assert prediction["label"] == ("admitted" if expected >= 0.5 else "rejected")
    assert body["warnings"] == []


def random_records(meta: dict[str, Any], count: int, seed: int) -> list[dict[str, Any]]:
    """Records spread over each input's training range and levels."""
    rng = random.Random(seed)
    records = []
    for _ in range(count):
        record: dict[str, Any] = {}
        for spec in meta["inputs"]:
            if spec["type"] == "factor":
                record[spec["name"]] = rng.choice(spec["levels"])
            elif spec["type"] == "integer":
                record[spec["name"]] = rng.randint(spec["min"], spec["max"])
            else:
                record[spec["name"]] = round(rng.uniform(spec["min"], spec["max"]), 4)
        records.append(record)
    return records


@pytest.mark.parametrize(("name", "key"), [("admission", "probability"), ("boston", "value")])
def test_batch_keeps_order_and_equals_r(
    serve: Callable[..., ModuleType], call: Call, built_models: Path, name: str, key: str
) -> None:
    serve(built_models / name)
    records = random_records(model_json(built_models / name), 200, seed=len(name))
    status, _, body = call("POST", "/predict", {"instances": records})
    assert status == 200
    got = [prediction[key] for prediction in body["predictions"]]
    expected = r_predict(built_models / name, records)
    assert len(set(expected)) > 100  # distinct values: an order mix-up cannot pass
    assert got == pytest.approx(expected, abs=1e-9)


def test_2017_direct_invoke_returns_the_predict_body(admission: ModuleType, built_models: Path) -> None:
    answer = admission.lambda_handler({"gre": "800", "gpa": "4", "rank": "1"}, Context())
    expected = r_predict(built_models / "admission", [{"gre": 800, "gpa": 4, "rank": "1"}])[0]
    assert answer["predictions"][0]["probability"] == pytest.approx(expected, abs=1e-9)
    assert answer["model"]["name"] == "admission"


def test_direct_invoke_of_a_bad_record_returns_the_error_body(admission: ModuleType) -> None:
    answer = admission.lambda_handler({"gre": "800", "gpa": "4"}, Context())
    assert set(answer) == {"error"}
    assert answer["error"]["code"] == "invalid_input"
    assert answer["error"]["details"][0]["field"] == "rank"


def test_direct_invoke_of_a_batch(admission: ModuleType, built_models: Path) -> None:
    records = [{"gre": 300, "gpa": 2.5, "rank": "4"}, example(built_models / "admission")]
    answer = admission.lambda_handler({"instances": records}, Context())
    expected = r_predict(built_models / "admission", records)
    assert [p["probability"] for p in answer["predictions"]] == pytest.approx(expected, abs=1e-9)


def test_out_of_range_value_is_served_with_a_warning(admission: ModuleType, call: Call, built_models: Path) -> None:
    records = [example(built_models / "admission"), {**example(built_models / "admission"), "gre": 2000}]
    status, _, body = call("POST", "/predict", {"instances": records})
    assert status == 200
    assert len(body["predictions"]) == 2
    [warning] = body["warnings"]
    assert warning["field"] == "gre"
    assert warning["row"] == 1
    assert warning["reason"] == "out_of_range"


@pytest.mark.parametrize("chas", [1, "1", 1.0, " 0 "])
def test_integer_inputs_accept_whole_numbers(
    serve: Callable[..., ModuleType], call: Call, built_models: Path, chas: Any
) -> None:
    serve(built_models / "boston")
    status, _, body = call("POST", "/predict", {**example(built_models / "boston"), "chas": chas})
    assert status == 200, body


# Errors: every class, field-level details, always JSON with CORS


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("{not json", "malformed_json", id="malformed JSON"),
        pytest.param("", "empty_body", id="empty body"),
        pytest.param("[]", "empty_batch", id="an empty array"),
        pytest.param('"gre"', "not_an_object", id="a string"),
        pytest.param("null", "not_an_object", id="null"),
        pytest.param('{"instances": []}', "empty_batch", id="empty batch"),
        pytest.param('{"instances": {"gre": 800}}', "wrong_shape", id="instances not an array"),
    ],
)
def test_malformed_bodies_get_400(admission: ModuleType, call: Call, raw: str, code: str) -> None:
    assert_error(call("POST", "/predict", raw=raw), 400, code)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        pytest.param({"gre": None}, "gre", "null", id="null"),
        pytest.param({"gpa": "four"}, "gpa", "type", id="word for a number"),
        pytest.param({"gpa": "NaN"}, "gpa", "type", id="NaN string"),
        pytest.param({"gpa": "1e999"}, "gpa", "type", id="infinite string"),
        pytest.param({"gpa": ".1E400"}, "gpa", "type", id="three-digit exponent string"),
        pytest.param({"gpa": "1" * 41}, "gpa", "type", id="over-long number string"),
        pytest.param({"gre": "0\x1f"}, "gre", "type", id="control character float() refuses"),
        pytest.param({"gre": "0\u00a0"}, "gre", "type", id="non-ASCII space"),
        pytest.param({"gre": "\u0663"}, "gre", "type", id="non-ASCII digit"),
        pytest.param({"gpa": 10**400}, "gpa", "type", id="integer beyond a double"),
        pytest.param({"gpa": -(17976931348623157 * 10**292 + 1)}, "gpa", "type", id="integer just beyond the bound"),
        pytest.param({"gpa": True}, "gpa", "type", id="boolean for a number"),
        pytest.param({"gpa": [4]}, "gpa", "type", id="array for a number"),
        pytest.param({"rank": "7"}, "rank", "unknown_level", id="unknown level"),
        pytest.param({"rank": 1}, "rank", "unknown_level", id="number for a factor"),
        pytest.param({"gre_score": 700}, "gre_score", "unknown_field", id="unknown field"),
    ],
)
def test_invalid_fields_get_422_with_details(
    admission: ModuleType, call: Call, built_models: Path, change: dict[str, Any], field: str, reason: str
) -> None:
    record = {**example(built_models / "admission"), **change}
    error = assert_error(call("POST", "/predict", record), 422, "invalid_input")
    assert {"field": field, "reason": reason} in [{k: d[k] for k in ("field", "reason")} for d in error["details"]]


def test_missing_field_is_named(admission: ModuleType, call: Call) -> None:
    error = assert_error(call("POST", "/predict", {"gre": 700, "gpa": 3.5}), 422, "invalid_input")
    assert [(d["field"], d["reason"]) for d in error["details"]] == [("rank", "missing")]


def test_batch_errors_name_the_row(admission: ModuleType, call: Call, built_models: Path) -> None:
    good = example(built_models / "admission")
    error = assert_error(call("POST", "/predict", {"instances": [good, {**good, "gpa": "x"}, 5]}), 422, "invalid_input")
    assert [(d.get("row"), d["field"]) for d in error["details"]] == [(1, "gpa"), (2, "instances[2]")]


def test_whole_numbers_only_for_integer_inputs(
    serve: Callable[..., ModuleType], call: Call, built_models: Path
) -> None:
    serve(built_models / "boston")
    error = assert_error(
        call("POST", "/predict", {**example(built_models / "boston"), "chas": 0.5}), 422, "invalid_input"
    )
    assert error["details"][0]["field"] == "chas"


def test_oversized_batch_gets_413(serve: Callable[..., ModuleType], call: Call, built_models: Path) -> None:
    serve(built_models / "admission", max_batch_rows=5)
    record = example(built_models / "admission")
    assert call("POST", "/predict", {"instances": [record] * 5})[0] == 200
    error = assert_error(call("POST", "/predict", {"instances": [record] * 6}), 413, "batch_too_large")
    assert error["details"] == {"limit": 5, "received": 6}


def test_default_batch_bound_is_1000(admission: ModuleType, call: Call, built_models: Path) -> None:
    record = example(built_models / "admission")
    assert call("POST", "/predict", {"instances": [record] * 1000})[0] == 200
    assert_error(call("POST", "/predict", {"instances": [record] * 1001}), 413, "batch_too_large")


def test_unknown_route_is_404_and_wrong_method_405(admission: ModuleType, call: Call) -> None:
    assert_error(call("GET", "/no-such-route"), 404, "not_found")
    for method, path in [("GET", "/predict"), ("DELETE", "/health"), ("POST", "/metadata")]:
        status, headers, body = call(method, path)
        assert (status, body["error"]["code"]) == (405, "method_not_allowed")
        assert_cors_json(headers)
        assert method not in headers["Allow"]


def test_unexpected_failure_is_500_without_a_trace(
    admission: ModuleType, call: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(admission.ROUTES["/health"], "GET", explode)
    error = assert_error(call("GET", "/health"), 500, "internal_error")
    assert "secret" not in json.dumps(error)


def test_logs_are_json_lines_with_the_request_id(
    admission: ModuleType, built_models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    admission.lambda_handler(rest_event("POST", "/predict", {"gre": 1}), Context("req-42"))
    admission.lambda_handler(example(built_models / "admission"), Context("req-43"))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["request_id"], line["status"]) for line in lines if line.get("message") == "request"] == [
        ("req-42", 422),
        ("req-43", 200),
    ]
    # Each request that reached the model also wrote its capture record (a 4xx one without rows).
    captures = [line for line in lines if line.get("capture") == 1]
    assert [(c["request_id"], c["status"], c["rows"], c["route"]) for c in captures] == [
        ("req-42", 422, 0, "api"),
        ("req-43", 200, 1, "invoke"),
    ]


# No model, refresh, broken models


def test_no_model_gives_503_saying_what_to_upload_where(
    serve: Callable[..., ModuleType], call: Call, tmp_path: Path
) -> None:
    serve(tmp_path)
    error = assert_error(call("POST", "/predict", {"gre": 800}), 503, "model_unavailable")
    assert "upload model.rds, then model.json" in error["message"]
    assert str(tmp_path) in error["message"]
    status, _, body = call("GET", "/health")
    assert status == 503
    assert body["status"] == "unavailable"
    assert_error(call("GET", "/metadata"), 503, "model_unavailable")
    assert_error(call("GET", "/openapi.json"), 503, "model_unavailable")
    assert call("GET", "/nowhere")[0] == 404  # routing does not need a model


def test_unset_model_uri_gives_503(serve: Callable[..., ModuleType], call: Call) -> None:
    serve(None)
    error = assert_error(call("GET", "/metadata"), 503, "model_unavailable")
    assert "MODEL_URI" in error["message"]


class RefusingS3(BaseHTTPRequestHandler):
    """A stand-in S3 (mock) that answers every object request the way AWS does for a missing key:
    404 when the caller may s3:ListBucket, 403 AccessDenied when it may not."""

    status = 403
    seen: ClassVar[list[str]] = []

    def answer(self, with_body: bool) -> None:
        self.seen.append(f"{self.command} {self.path}")
        code = "AccessDenied" if self.status == 403 else "NoSuchKey"
        body = f"<Error><Code>{code}</Code><Message>refused</Message></Error>".encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
        self.answer(with_body=False)

    def do_GET(self) -> None:  # noqa: N802
        self.answer(with_body=True)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[RefusingS3]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), RefusingS3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name, value in {
        "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{server.server_address[1]}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    RefusingS3.seen = []
    yield RefusingS3
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("status", [403, 404])
def test_s3_refusal_names_the_missing_permission_and_absence_says_upload(
    serve: Callable[..., ModuleType], call: Call, refusing_s3: type[RefusingS3], status: int
) -> None:
    refusing_s3.status = status
    serve("s3://models-bucket/admission/")
    error = assert_error(call("POST", "/predict", {"gre": 800}), 503, "model_unavailable")
    health_status, _, health = call("GET", "/health")
    assert health_status == 503
    assert refusing_s3.seen[0] == "HEAD /models-bucket/admission/model.json"
    if status == 403:
        assert health["load_error"]["message"].startswith("S3 denied access to s3://models-bucket/admission/model.json")
        assert "s3:ListBucket on arn:aws:s3:::models-bucket with s3:prefix admission/*" in error["message"]
        assert "upload" not in error["message"]
    else:
        assert health["load_error"]["message"] == "no model.json at s3://models-bucket/admission/"
        assert "upload model.rds, then model.json, to s3://models-bucket/admission/" in error["message"]
        assert "denied" not in error["message"]


def test_model_uploaded_later_is_served_without_waiting(
    serve: Callable[..., ModuleType], call: Call, tmp_path: Path, built_models: Path
) -> None:
    serve(tmp_path, model_refresh_seconds=3600)
    assert call("GET", "/health")[0] == 503
    for name in ("model.rds", "model.json"):
        shutil.copy(built_models / "admission" / name, tmp_path / name)
    assert call("GET", "/health")[0] == 200


def swap(model_dir: Path, replacement: Path) -> None:
    """Publish a new model the way S3 users must: model.rds first, then model.json."""
    shutil.copy(replacement / "model.rds", model_dir / "model.rds")
    shutil.copy(replacement / "model.json", model_dir / "model.json")


def served_version(call: Call) -> str:
    status, _, body = call("POST", "/predict", {"gre": 700, "gpa": 3.5, "rank": "2"})
    assert status == 200, body
    version: str = body["model"]["version"]
    return version


def test_new_model_is_served_after_the_refresh_interval(
    serve: Callable[..., ModuleType], call: Call, model_copy: Callable[[str], Path], admission_variant: Path
) -> None:
    folder = model_copy("admission")
    old, new = model_json(folder)["version"], model_json(admission_variant)["version"]
    serve(folder, model_refresh_seconds=1)
    assert served_version(call) == old
    swap(folder, admission_variant)
    assert served_version(call) == old  # within the interval: no re-check yet
    time.sleep(1.1)
    assert served_version(call) == new
    assert call("GET", "/metadata")[2]["version"] == new


@pytest.mark.parametrize("breakage", ["rds hash mismatch", "rds not an R object", "model.json not JSON", "fields"])
def test_broken_new_model_keeps_the_old_one_serving(
    serve: Callable[..., ModuleType],
    call: Call,
    model_copy: Callable[[str], Path],
    admission_variant: Path,
    breakage: str,
) -> None:
    folder = model_copy("admission")
    old = model_json(folder)["version"]
    serve(folder, model_refresh_seconds=0)
    assert served_version(call) == old
    if breakage == "rds hash mismatch":  # model.json uploaded before its model.rds
        shutil.copy(admission_variant / "model.json", folder / "model.json")
    elif breakage == "rds not an R object":
        (folder / "model.rds").write_bytes(b"not an rds")
        meta = {**model_json(admission_variant), "rds_sha256": hashlib.sha256(b"not an rds").hexdigest()}
        (folder / "model.json").write_text(json.dumps(meta))
    elif breakage == "model.json not JSON":
        (folder / "model.json").write_text("{")
    else:
        (folder / "model.json").write_text(json.dumps({"name": "admission"}))
    assert served_version(call) == old
    status, _, health = call("GET", "/health")
    assert status == 200
    assert health["status"] == "degraded"
    assert health["model"]["version"] == old
    assert health["load_error"]["message"]
    swap(folder, admission_variant)  # a good upload heals it
    assert served_version(call) == model_json(admission_variant)["version"]
    assert call("GET", "/health")[2]["status"] == "ok"


def test_model_needing_a_missing_r_package_is_refused(
    serve: Callable[..., ModuleType], call: Call, model_copy: Callable[[str], Path]
) -> None:
    folder = model_copy("admission")
    meta = model_json(folder)
    (folder / "model.json").write_text(json.dumps({**meta, "r_packages": {"noSuchPackage": "1.0"}}))
    serve(folder)
    error = assert_error(call("GET", "/health"), 503, "model_unavailable")
    assert "noSuchPackage" in json.dumps(error)


def test_cold_start_output_is_json_lines_even_with_a_missing_locale(built_models: Path) -> None:
    """Lambda sets LANG=en_US.UTF-8, which its OS may lack; R must still start without plain-text warnings."""
    program = (
        "import sys; sys.path.insert(0, 'lambda'); import handler;"
        " body = handler.lambda_handler({'gre': '800', 'gpa': '4', 'rank': '1'}, None);"
        " print(body['model']['name'], file=sys.stderr)"
    )
    env = {"PATH": "/usr/bin:/bin", "LANG": "xx_XX.UTF-8", "MODEL_URI": str(built_models / "admission")}
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stderr.strip() == "admission"
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(line["message"] for line in lines if line.get("capture") != 1)  # capture records have no message
    assert sum(line.get("capture") == 1 for line in lines) == 1
    # The init phase accounts for itself in one line (the benchmark reports it); the model read overlaps R's start.
    [init] = [line for line in lines if line.get("message") == "init"]
    assert set(init["phases_ms"]) == {"model_read", "r_start", "model_load"}
    assert init["process_age_ms"] > init["phases_ms"]["r_start"] > 0


@pytest.mark.parametrize("name", ["admission", "boston"])
def test_openapi_schemas_describe_real_requests_and_answers(
    serve: Callable[..., ModuleType], call: Call, built_models: Path, name: str
) -> None:
    from openapi_schema_validator import OAS30Validator

    serve(built_models / name)
    document = call("GET", "/openapi.json")[2]

    def validator(schema_name: str) -> OAS30Validator:
        return OAS30Validator({"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]})

    record = example(built_models / name)
    validator("Record").validate(record)
    validator("Batch").validate({"instances": [record, record]})
    assert not validator("Record").is_valid({**record, "unknown": 1})
    status, _, answer = call("POST", "/predict", {"instances": [record, record]})
    assert status == 200
    validator("Predictions").validate(answer)
    validator("Error").validate(call("POST", "/predict", {"instances": []})[2])


@pytest.mark.parametrize("text", ["9" * 37 + "e99", "-.5e-99", " 42 "])
def test_numeric_strings_the_document_allows_are_served(
    admission: ModuleType, call: Call, built_models: Path, text: str
) -> None:
    from openapi_schema_validator import OAS30Validator

    document = call("GET", "/openapi.json")[2]
    record = {**example(built_models / "admission"), "gpa": text}
    OAS30Validator({"$ref": "#/components/schemas/Record", "components": document["components"]}).validate(record)
    assert call("POST", "/predict", record)[0] == 200


@pytest.mark.parametrize("text", ["0\x1f", "1\u00a0", "\u0663", "1_000"])
def test_numeric_strings_the_document_refuses_get_422(
    admission: ModuleType, call: Call, built_models: Path, text: str
) -> None:
    from openapi_schema_validator import OAS30Validator

    document = call("GET", "/openapi.json")[2]
    record = {**example(built_models / "admission"), "gpa": text}
    assert not OAS30Validator({"$ref": "#/components/schemas/Record", "components": document["components"]}).is_valid(
        record
    )
    assert_error(call("POST", "/predict", record), 422, "invalid_input")


def test_bad_settings_fall_back_to_defaults(serve: Callable[..., ModuleType], call: Call, built_models: Path) -> None:
    handler = serve(built_models / "admission", max_batch_rows="many", model_refresh_seconds="-5")
    assert handler.STORE.refresh_seconds == 60
    record = example(built_models / "admission")
    assert call("POST", "/predict", {"instances": [record] * 1000})[0] == 200
    assert call("POST", "/predict", {"instances": [record] * 1001})[0] == 413


# A top-level array of records (R users: jsonlite::toJSON(df)), capped details, unreadable events


def test_top_level_array_of_records_is_a_batch(admission: ModuleType, call: Call, built_models: Path) -> None:
    good = example(built_models / "admission")
    records = [good, {**good, "gre": 300}]
    status, _, body = call("POST", "/predict", records)
    assert status == 200, body
    assert body == call("POST", "/predict", {"instances": records})[2]
    assert [p["probability"] for p in body["predictions"]] == pytest.approx(
        r_predict(built_models / "admission", records), rel=1e-12
    )
    error = assert_error(call("POST", "/predict", [good, {**good, "gpa": "x"}]), 422, "invalid_input")
    assert [(d["row"], d["field"]) for d in error["details"]] == [(1, "gpa")]
    assert_error(call("POST", "/predict", [good] * 1001), 413, "batch_too_large")
    assert_error(call("POST", "/predict", [1, 2]), 422, "invalid_input")  # rows must be records
    document = call("GET", "/openapi.json")[2]
    assert document["components"]["schemas"]["Records"]["maxItems"] == 1000


def test_warnings_and_errors_are_capped_saying_how_many_were_left_out(
    admission: ModuleType, call: Call, built_models: Path
) -> None:
    far = {**example(built_models / "admission"), "gre": 10_000, "gpa": 40}  # two warnings per row
    status, _, body = call("POST", "/predict", {"instances": [far] * 100})
    assert status == 200
    assert len(body["warnings"]) == 50
    assert body["warnings_left_out"] == 150
    assert "warnings_left_out" not in call("POST", "/predict", far)[2]
    error = assert_error(call("POST", "/predict", {"instances": [{"gre": "x"}] * 30}), 422, "invalid_input")
    assert len(error["details"]) == 50
    assert error["message"] == "90 invalid field(s); see details (the first 50; 40 more left out)"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        pytest.param({"isBase64Encoded": True, "body": "not base64!"}, "malformed_body", id="bad base64"),
        pytest.param({"requestContext": ["not", "an", "object"]}, "malformed_event", id="requestContext a list"),
        pytest.param({"requestContext": {"http": "GET"}}, "malformed_event", id="requestContext.http a string"),
        pytest.param({"path": 7, "resource": None}, "malformed_event", id="path a number"),
        pytest.param({"body": {"gre": 800}}, "malformed_event", id="body an object"),
    ],
)
def test_an_unreadable_event_gets_a_json_400(admission: ModuleType, change: dict[str, Any], code: str) -> None:
    event = {**rest_event("POST", "/predict", {"gre": 800}), **change}
    response = admission.lambda_handler(event, Context())
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["code"] == code
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"
