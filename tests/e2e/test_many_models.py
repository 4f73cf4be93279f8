"""One deployed stack serves every published model, keeps every version, and rolls back; all through the API."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from model_bucket import ModelBucket
from r_reference import r_predict

pytestmark = [pytest.mark.localstack, pytest.mark.stack]

MODELS = Path(__file__).resolve().parents[2] / "build" / "models"
ORIGIN = "http://example.test"
JSON = {"Content-Type": "application/json"}


def wait_for(what: str, check: Any, timeout_s: float = 60.0) -> None:
    """Poll check() until true: the function sees a change at its next model check (2 s in tests)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(0.5)


def meta(model_dir: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((model_dir / "model.json").read_text())
    return result


def records(model_dir: Path) -> list[dict[str, Any]]:
    """The model's example and the same record at every input's training maximum."""
    example = {spec["name"]: spec["example"] for spec in meta(model_dir)["inputs"]}
    return [example, {**example, **{s["name"]: s["max"] for s in meta(model_dir)["inputs"] if "max" in s}}]


def listed(stack: Any) -> dict[str, dict[str, Any]]:
    response = requests.get(f"{stack.api_url}/models", headers={"Origin": ORIGIN}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] in ("*", ORIGIN)
    return {entry["name"]: entry for entry in response.json()["models"]}


def serving(stack: Any, name: str, version: str) -> None:
    """Wait until /models and the model's own metadata both say it serves version."""
    wait_for(
        f"{name} serving {version}",
        lambda: (
            listed(stack).get(name, {}).get("version") == version
            and requests.get(f"{stack.api_url}/models/{name}/metadata", timeout=60).json().get("version") == version
        ),
    )


@pytest.fixture(scope="module")
def bucket(stack: Any) -> ModelBucket:
    return ModelBucket(stack.client("s3"), stack.model_uri)


@pytest.fixture(scope="module")
def boston_published(stack: Any, bucket: ModelBucket) -> None:
    bucket.publish("boston", MODELS / "boston")
    serving(stack, "boston", meta(MODELS / "boston")["version"])


@pytest.fixture
def temporary_name(stack: Any, bucket: ModelBucket) -> Iterator[str]:
    """A fresh model name; every object version under it is deleted afterwards."""
    name = f"m{uuid.uuid4().hex[:8]}"
    yield name
    s3 = stack.client("s3")
    for file in ("model.json", "model.rds"):
        key = bucket.key(name, file)
        for version in s3.list_object_versions(Bucket=bucket.bucket, Prefix=key).get("Versions", []):
            s3.delete_object(Bucket=bucket.bucket, Key=key, VersionId=version["VersionId"])


@pytest.mark.usefixtures("boston_published")
@pytest.mark.parametrize("name", ["admission", "boston"])
def test_both_models_served_at_once_each_equal_to_r(stack: Any, name: str) -> None:
    sent = records(MODELS / name)
    response = requests.post(f"{stack.api_url}/models/{name}/predict", json={"instances": sent}, timeout=60)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == {"name": name, "version": meta(MODELS / name)["version"]}
    key = "probability" if name == "admission" else "value"
    assert [p[key] for p in body["predictions"]] == pytest.approx(r_predict(MODELS / name, sent), rel=1e-12)
    models = listed(stack)
    assert {"admission", "boston"} <= set(models)
    assert models[name]["loaded"] is True
    assert models[name]["task"] == meta(MODELS / name)["task"]


@pytest.mark.usefixtures("boston_published")
def test_default_routes_stay_on_the_default_model(stack: Any) -> None:
    record = records(MODELS / "admission")[0]
    default = requests.post(f"{stack.api_url}/predict", json=record, timeout=60).json()
    named = requests.post(f"{stack.api_url}/models/admission/predict", json=record, timeout=60).json()
    # Each answer names its own request (for ground truth later); everything else is the same.
    assert default.pop("request_id") != named.pop("request_id")
    assert default == named
    assert default["model"]["name"] == "admission"
    document = requests.get(f"{stack.api_url}/models/boston/openapi.json", timeout=60).json()
    assert "/models/boston/predict" in document["paths"]
    invoked = stack.client("lambda").invoke(FunctionName=stack.function_name, Payload=json.dumps(record).encode())
    assert json.loads(invoked["Payload"].read())["model"]["name"] == "admission"


@pytest.mark.usefixtures("boston_published")
def test_unknown_model_is_404_naming_the_known_ones(stack: Any) -> None:
    response = requests.post(
        f"{stack.api_url}/models/nosuchmodel/predict", json={"a": 1}, headers={"Origin": ORIGIN}, timeout=60
    )
    assert response.status_code == 404, response.text
    assert response.headers["Access-Control-Allow-Origin"] in ("*", ORIGIN)
    error = response.json()["error"]
    assert error["code"] == "unknown_model"
    assert {"admission", "boston"} <= set(error["details"]["known"])
    preflight = requests.options(
        f"{stack.api_url}/models/boston/predict",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        timeout=60,
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_a_model_published_while_running_is_listed_and_served(
    stack: Any, bucket: ModelBucket, temporary_name: str
) -> None:
    assert temporary_name not in listed(stack)
    bucket.publish(temporary_name, MODELS / "boston")
    serving(stack, temporary_name, meta(MODELS / "boston")["version"])
    sent = records(MODELS / "boston")
    response = requests.post(f"{stack.api_url}/models/{temporary_name}/predict", json={"instances": sent}, timeout=60)
    assert response.status_code == 200, response.text
    assert [p["value"] for p in response.json()["predictions"]] == pytest.approx(r_predict(MODELS / "boston", sent))


def test_publish_twice_roll_back_and_roll_back_to_a_named_version(
    stack: Any, bucket: ModelBucket, temporary_name: str, admission_variant: Path
) -> None:
    first, second = meta(MODELS / "admission")["version"], meta(admission_variant)["version"]
    bucket.publish(temporary_name, MODELS / "admission")
    serving(stack, temporary_name, first)
    bucket.publish(temporary_name, admission_variant)
    serving(stack, temporary_name, second)
    versions = bucket.versions(temporary_name)
    assert [(v.model_version, v.serving) for v in versions] == [(second, True), (first, False)]

    assert bucket.rollback(temporary_name).model_version == first  # the previous one
    serving(stack, temporary_name, first)
    record = records(MODELS / "admission")[0]
    answer = requests.post(f"{stack.api_url}/models/{temporary_name}/predict", json=record, timeout=60).json()
    assert answer["predictions"][0]["probability"] == pytest.approx(r_predict(MODELS / "admission", [record])[0])

    assert bucket.rollback(temporary_name, second).model_version == second  # a named one
    serving(stack, temporary_name, second)
    answer = requests.post(f"{stack.api_url}/models/{temporary_name}/predict", json=record, timeout=60).json()
    assert answer["predictions"][0]["probability"] == pytest.approx(r_predict(admission_variant, [record])[0])
    versions = bucket.versions(temporary_name)
    assert [(v.model_version, v.serving) for v in versions] == [
        (second, True),
        (first, False),
        (second, False),
        (first, False),
    ]
    assert versions[0].restored_from == versions[2].s3_version_id


@pytest.mark.usefixtures("boston_published")
def test_a_broken_model_leaves_the_others_serving(stack: Any, bucket: ModelBucket, temporary_name: str) -> None:
    s3 = stack.client("s3")
    broken = {**meta(MODELS / "admission"), "rds_sha256": "0" * 64}  # names a model.rds that is not there
    s3.upload_file(str(MODELS / "admission" / "model.rds"), bucket.bucket, bucket.key(temporary_name, "model.rds"))
    s3.put_object(Bucket=bucket.bucket, Key=bucket.key(temporary_name, "model.json"), Body=json.dumps(broken))
    wait_for(f"{temporary_name} listed", lambda: temporary_name in listed(stack))
    response = requests.post(
        f"{stack.api_url}/models/{temporary_name}/predict", json=records(MODELS / "admission")[0], timeout=60
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "model_unavailable"
    for path, name in [("/predict", "admission"), ("/models/boston/predict", "boston")]:
        answer = requests.post(f"{stack.api_url}{path}", json=records(MODELS / name)[0], timeout=60)
        assert answer.status_code == 200, answer.text
    health = requests.get(f"{stack.api_url}/health", timeout=60)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["models"][temporary_name]["status"] == "unavailable"
    assert health.json()["models"]["boston"]["status"] == "ok"


@pytest.mark.usefixtures("boston_published")
@pytest.mark.parametrize("path", ["/predict", "/models/boston/predict"])
def test_a_top_level_array_of_records_is_a_batch(stack: Any, path: str) -> None:
    """What R's httr::POST(url, body = jsonlite::toJSON(df)) sends: an array of records, no "instances"."""
    name = "boston" if "boston" in path else "admission"
    sent = records(MODELS / name)
    response = requests.post(f"{stack.api_url}{path}", data=json.dumps(sent), timeout=60, headers=JSON)
    assert response.status_code == 200, response.text
    key = "probability" if name == "admission" else "value"
    assert [p[key] for p in response.json()["predictions"]] == pytest.approx(r_predict(MODELS / name, sent), rel=1e-12)
    too_many = requests.post(f"{stack.api_url}{path}", data=json.dumps(sent * 501), timeout=60, headers=JSON)
    assert too_many.status_code == 413, too_many.text


def test_every_class_probability_served_live_equals_r(stack: Any, live_iris: Any, iris_model: Path) -> None:
    """A three-class model through API Gateway and the function on LocalStack: R's own probabilities, to 1e-9."""
    output = meta(iris_model)["output"]
    rows = records(iris_model) + [{**records(iris_model)[0], "Petal.Length": 1.4, "Petal.Width": 0.2}]
    response = requests.post(f"{live_iris.api_url}/predict", json={"instances": rows}, headers=JSON, timeout=60)
    assert response.status_code == 200, response.text
    expected = r_predict(iris_model, rows)
    for got, want in zip(response.json()["predictions"], expected, strict=True):
        assert list(got["probabilities"]) == output["labels"]
        assert [got["probabilities"][label] for label in output["labels"]] == pytest.approx(want, abs=1e-9)
        assert got["label"] == output["labels"][want.index(max(want))]
    assert response.json()["predictions"][2]["label"] == "setosa"
    assert listed(stack)["iris"]["output"] == output
