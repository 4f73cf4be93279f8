"""One function, every model: /models, /models/{name}/..., the default on the old routes, LRU within a budget."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import Context, example, model_json, rest_event
from openapi_spec_validator import validate
from r_reference import r_predict
from test_handler import assert_error

Call = Callable[..., tuple[int, dict[str, str], Any]]


@pytest.fixture
def models_root(model_copy: Callable[[str], Path]) -> Path:
    """A private models folder holding both example models (admission is the default)."""
    model_copy("admission")
    return model_copy("boston").parent


@pytest.fixture
def both(serve: Callable[..., ModuleType], models_root: Path) -> ModuleType:
    return serve(models_root / "admission", model_refresh_seconds=0)


def by_name(listing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in listing["models"]}


def test_models_lists_every_model_without_loading_it(both: ModuleType, call: Call, models_root: Path) -> None:
    status, headers, body = call("GET", "/models")
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert body["default"] == "admission"
    models = by_name(body)
    assert sorted(models) == ["admission", "boston"]
    for name in ("admission", "boston"):
        meta = model_json(models_root / name)
        assert {k: models[name][k] for k in ("version", "task", "output", "trained_at")} == {
            "version": meta["version"],
            "task": meta["task"],
            "output": meta["output"],
            "trained_at": meta["trained_at"],
        }
    assert (models["admission"]["loaded"], models["boston"]["loaded"]) == (True, False)  # boston: first use loads
    assert call("POST", "/models/boston/predict", example(models_root / "boston"))[0] == 200
    assert by_name(call("GET", "/models")[2])["boston"]["loaded"] is True


@pytest.mark.parametrize("name", ["admission", "boston"])
def test_named_predict_equals_r(both: ModuleType, call: Call, models_root: Path, name: str) -> None:
    model_dir = models_root / name
    first = example(model_dir)
    second = {**first, **{spec["name"]: spec["max"] for spec in model_json(model_dir)["inputs"] if "max" in spec}}
    status, headers, body = call("POST", f"/models/{name}/predict", {"instances": [first, second]})
    assert status == 200, body
    assert body["model"] == {"name": name, "version": model_json(model_dir)["version"]}
    assert headers["X-Model-Version"] == model_json(model_dir)["version"]
    key = "probability" if name == "admission" else "value"
    got = [prediction[key] for prediction in body["predictions"]]
    assert got == pytest.approx(r_predict(model_dir, [first, second]), rel=1e-12)


def test_default_routes_and_direct_invoke_still_serve_the_default(
    both: ModuleType, call: Call, models_root: Path
) -> None:
    record = example(models_root / "admission")
    named = call("POST", "/models/admission/predict", record)[2]
    assert call("POST", "/predict", record)[2] == named
    assert both.lambda_handler(record, Context()) == named
    assert call("GET", "/metadata")[2]["name"] == "admission"


def test_named_metadata_and_openapi(both: ModuleType, call: Call, models_root: Path) -> None:
    status, _, meta = call("GET", "/models/boston/metadata")
    assert (status, meta) == (200, model_json(models_root / "boston"))
    status, _, document = call("GET", "/models/boston/openapi.json")
    assert status == 200
    validate(document)
    assert sorted(document["paths"]) == [
        "/models/boston/metadata",
        "/models/boston/monitoring",
        "/models/boston/openapi.json",
        "/models/boston/predict",
    ]
    assert "crim" in document["components"]["schemas"]["Record"]["properties"]
    default_paths = call("GET", "/openapi.json")[2]["paths"]
    assert sorted(default_paths) == ["/health", "/metadata", "/models", "/monitoring", "/openapi.json", "/predict"]


@pytest.mark.parametrize("name", ["nosuch", "Bad%20Name", "..", "a" * 70])
def test_unknown_model_is_404_listing_the_known_names(both: ModuleType, call: Call, name: str) -> None:
    for method, route in [("POST", "predict"), ("GET", "metadata"), ("GET", "openapi.json")]:
        error = assert_error(call(method, f"/models/{name}/{route}", {"gre": 1}), 404, "unknown_model")
        assert error["details"] == {"known": ["admission", "boston"]}
        assert "admission, boston" in error["message"] or name != "nosuch"


def test_named_routes_validate_like_the_default(both: ModuleType, call: Call, models_root: Path) -> None:
    record = example(models_root / "boston")
    assert_error(call("POST", "/models/boston/predict", raw="{"), 400, "malformed_json")
    assert_error(call("POST", "/models/boston/predict", raw=""), 400, "empty_body")
    error = assert_error(call("POST", "/models/boston/predict", {**record, "rm": "many"}), 422, "invalid_input")
    assert [(d["field"], d["reason"]) for d in error["details"]] == [("rm", "type")]
    assert_error(call("POST", "/models/boston/predict", {"instances": [record] * 1001}), 413, "batch_too_large")
    status, headers, body = call("GET", "/models/boston/predict")
    assert (status, body["error"]["code"]) == (405, "method_not_allowed")
    assert headers["Allow"] == "POST, OPTIONS"
    assert call("OPTIONS", "/models/boston/predict")[0] == 200
    assert_error(call("GET", "/models/boston"), 404, "not_found")


def test_a_broken_model_degrades_only_itself(serve: Callable[..., ModuleType], call: Call, models_root: Path) -> None:
    broken = models_root / "broken"
    shutil.copytree(models_root / "admission", broken)
    (broken / "model.rds").write_bytes(b"not an rds")
    meta = {**model_json(broken), "rds_sha256": "0" * 64}  # model.json of another model.rds than the one there
    (broken / "model.json").write_text(json.dumps(meta))
    serve(models_root / "admission", model_refresh_seconds=0)
    error = assert_error(call("POST", "/models/broken/predict", {"gre": 1}), 503, "model_unavailable")
    assert "sha256" in json.dumps(error)
    assert call("POST", "/models/boston/predict", example(models_root / "boston"))[0] == 200
    assert call("POST", "/predict", example(models_root / "admission"))[0] == 200
    status, _, health = call("GET", "/health")
    assert (status, health["status"]) == (200, "ok")
    assert health["models"]["broken"]["status"] == "unavailable"
    assert "sha256" in health["models"]["broken"]["load_error"]["message"]
    assert (health["models"]["admission"]["status"], health["models"]["boston"]["status"]) == ("ok", "ok")
    listed = by_name(call("GET", "/models")[2])
    assert listed["broken"]["loaded"] is False
    assert listed["broken"]["load_error"]["message"]
    assert listed["boston"]["loaded"] is True


def test_a_model_published_later_is_listed_and_served(
    serve: Callable[..., ModuleType], call: Call, models_root: Path
) -> None:
    serve(models_root / "admission", model_refresh_seconds=0)
    assert "third" not in by_name(call("GET", "/models")[2])
    assert_error(call("GET", "/models/third/metadata"), 404, "unknown_model")
    third = models_root / "third"
    third.mkdir()
    for name in ("model.rds", "model.json"):  # the publishing order: model.json is the commit point
        shutil.copy(models_root / "boston" / name, third / name)
    assert "third" in by_name(call("GET", "/models")[2])
    status, _, body = call("POST", "/models/third/predict", example(models_root / "boston"))
    assert status == 200, body


def test_least_recently_used_model_is_unloaded_over_the_budget(
    serve: Callable[..., ModuleType], call: Call, models_root: Path, tmp_path: Path
) -> None:
    # Boston's forest alone is over 1 MB in R, so only one of the two fits.
    handler = serve(models_root / "admission", model_refresh_seconds=3600, model_memory_mb=1)
    assert handler.STORE.budget_bytes == 2**20
    loaded = lambda: {e["name"]: e["loaded"] for e in call("GET", "/models")[2]["models"]}  # noqa: E731
    assert loaded() == {"admission": True, "boston": False}
    boston = call("POST", "/models/boston/predict", example(models_root / "boston"))[2]
    assert loaded() == {"admission": False, "boston": True}
    cached = sorted(path.stem for path in (tmp_path / "model-cache").glob("*.rds"))
    assert cached == [model_json(models_root / "boston")["rds_sha256"]]  # the unloaded model's file left /tmp
    assert call("POST", "/predict", example(models_root / "admission"))[0] == 200
    assert loaded() == {"admission": True, "boston": False}
    assert call("POST", "/models/boston/predict", example(models_root / "boston"))[2] == boston  # reloaded, same


def test_memory_budget_follows_the_function_memory(
    serve: Callable[..., ModuleType], models_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048")
    assert serve(models_root / "admission").STORE.budget_bytes == 1024 * 2**20
    monkeypatch.setenv("MODEL_MEMORY_MB", "nonsense")  # a bad value falls back to the default
    assert serve(models_root / "admission").STORE.budget_bytes == 1024 * 2**20


def test_health_reports_every_model(both: ModuleType, call: Call, models_root: Path) -> None:
    status, _, health = call("GET", "/health")
    assert status == 200
    assert health["model"]["name"] == "admission"
    assert health["models"]["admission"]["status"] == "ok"
    assert health["models"]["boston"] == {
        "status": "not_loaded",
        "version": model_json(models_root / "boston")["version"],
        "loaded": False,
    }


def test_direct_invoke_event_with_a_model_path_is_routed(both: ModuleType, models_root: Path) -> None:
    event = rest_event("POST", "/models/boston/predict", example(models_root / "boston"))
    event["resource"] = "/models/{name}/predict"
    event["pathParameters"] = {"name": "boston"}
    response = both.lambda_handler(event, Context())
    assert json.loads(response["body"])["model"]["name"] == "boston"


@pytest.mark.parametrize(
    ("uri", "root", "name", "boston"),
    [
        ("s3://b/models/admission/", "s3://b/models/", "admission", "s3://b/models/boston/"),
        ("s3://b/models/admission", "s3://b/models/", "admission", "s3://b/models/boston/"),
        ("s3://b/admission/", "s3://b/", "admission", "s3://b/boston/"),
        ("/srv/models/admission", "/srv/models", "admission", "/srv/models/boston"),
    ],
)
def test_the_default_model_uri_names_the_folder_of_models(
    handler: ModuleType, uri: str, root: str, name: str, boston: str
) -> None:
    import model_store

    assert model_store.split_model_uri(uri) == (root, name)
    assert model_store.model_uri(root, "boston") == boston


def test_a_replaced_version_leaves_tmp(
    serve: Callable[..., ModuleType], call: Call, models_root: Path, admission_variant: Path, tmp_path: Path
) -> None:
    serve(models_root / "admission", model_refresh_seconds=0)
    for name in ("model.rds", "model.json"):  # publish the new version: model.rds, then model.json
        shutil.copy(admission_variant / name, models_root / "admission" / name)
    assert (
        call("POST", "/predict", example(models_root / "admission"))[2]["model"]["version"]
        == model_json(admission_variant)["version"]
    )
    cached = [path.stem for path in (tmp_path / "model-cache").glob("*.rds")]
    assert cached == [model_json(admission_variant)["rds_sha256"]]
