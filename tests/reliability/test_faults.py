"""Faults under the live stack, each followed by recovery; afterwards every uploaded object is intact.

Each test changes one thing (model objects, the function's configuration), checks the API's answer to it,
restores it, and checks that the API serves again.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from api_contract import Api, assert_answer, wait_for

pytestmark = [pytest.mark.reliability, pytest.mark.stack, pytest.mark.localstack, pytest.mark.slow]

TIMEOUT_S = 3


@dataclass
class Buckets:
    """Every object of the model and artifact buckets, by content, to prove none is lost or changed."""

    stack: Any
    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def snapshot(self) -> dict[tuple[str, str], bytes]:
        s3 = self.stack.client("s3")
        found = {}
        for bucket in (self.stack.model_bucket, self.stack.artifact_bucket):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    found[(bucket, item["Key"])] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        return found


@dataclass
class ModelObjects:
    """The served model's two objects (s3://bucket/prefix/model.rds + model.json)."""

    stack: Any

    @property
    def location(self) -> tuple[str, str]:
        bucket, prefix = self.stack.model_uri.removeprefix("s3://").split("/", 1)
        return bucket, prefix.rstrip("/")

    def key(self, name: str) -> str:
        return f"{self.location[1]}/{name}"

    def read(self, name: str) -> bytes:
        body: bytes = self.stack.client("s3").get_object(Bucket=self.location[0], Key=self.key(name))["Body"].read()
        return body

    def put(self, name: str, body: bytes) -> None:
        self.stack.client("s3").put_object(Bucket=self.location[0], Key=self.key(name), Body=body)

    def delete(self, name: str) -> None:
        self.stack.client("s3").delete_object(Bucket=self.location[0], Key=self.key(name))

    def holds(self, name: str, body: bytes) -> bool:
        try:
            return self.read(name) == body
        except self.stack.client("s3").exceptions.NoSuchKey:
            return False

    def upload(self, rds: bytes, model_json: bytes) -> None:
        """The upload order of a model: model.rds first, then model.json (the commit point)."""
        self.put("model.rds", rds)
        self.put("model.json", model_json)


@dataclass
class Function:
    """Changes to the function's configuration, each forcing a new execution environment; restorable."""

    stack: Any
    original: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        config = self.client.get_function_configuration(FunctionName=self.stack.function_name)
        self.original = {"Environment": {"Variables": dict(config["Environment"]["Variables"])},
                         "Timeout": config["Timeout"]}  # fmt: skip

    @property
    def client(self) -> Any:
        return self.stack.client("lambda")

    def configure(self, env: dict[str, str] | None = None, timeout_s: int | None = None) -> None:
        # A fresh variable every time: the update must replace the running environment even if nothing else changed.
        variables = {**self.original["Environment"]["Variables"], **(env or {}), "FAULT_RUN": uuid.uuid4().hex}
        self.client.update_function_configuration(
            FunctionName=self.stack.function_name,
            Environment={"Variables": variables},
            Timeout=timeout_s or self.original["Timeout"],
        )
        self.client.get_waiter("function_updated_v2").wait(FunctionName=self.stack.function_name)

    def restore(self) -> None:
        self.client.update_function_configuration(FunctionName=self.stack.function_name, **self.original)
        self.client.get_waiter("function_updated_v2").wait(FunctionName=self.stack.function_name)


def healthy_version(api: Api) -> str | None:
    response = api.request("GET", "/health")
    body = response.json()
    if response.status_code == 200 and body.get("status") == "ok":
        return str(body["model"]["version"])
    return None


@pytest.fixture
def served(api: Api, metadata: dict[str, Any]) -> str:
    """The stack serves its model before the fault; the version it serves."""
    wait_for("healthy before the fault", lambda: healthy_version(api) == metadata["version"])
    return str(metadata["version"])


@pytest.fixture
def nothing_lost(stack: Any, api: Api, served: str) -> Iterator[ModelObjects]:
    """After the test: every object of the buckets is back byte for byte, and the original model is served."""
    buckets = Buckets(stack)
    before = buckets.snapshot()
    model = ModelObjects(stack)
    try:
        yield model
    finally:
        bucket = model.location[0]
        originals = {name: before[(bucket, model.key(name))] for name in ("model.rds", "model.json")}
        if not all(model.holds(name, body) for name, body in originals.items()):
            model.upload(originals["model.rds"], originals["model.json"])
    assert buckets.snapshot() == before, "an uploaded object was lost or changed"
    wait_for("the original model served again", lambda: healthy_version(api) == served)


@pytest.fixture
def function(stack: Any, api: Api, served: str) -> Iterator[Function]:
    fn = Function(stack)
    try:
        yield fn
    finally:
        fn.restore()
    # The next request after the restore is answered, by a fresh environment.
    body = assert_answer(api.request("GET", "/health"))
    assert body["status"] == "ok", body


def assert_model_unavailable(api: Api, example: dict[str, Any]) -> None:
    for method, path, body in (("POST", "/predict", example), ("GET", "/health", None)):
        response = api.request(method, path, json=body)
        assert response.status_code == 503, f"{method} {path}: {response.status_code} {response.text[:300]}"
        answer = assert_answer_5xx(response)
        assert answer["error"]["message"], answer


def assert_answer_5xx(response: Any) -> dict[str, Any]:
    """A 5xx that is still a proper answer: JSON error shape with CORS headers."""
    assert response.headers.get("Access-Control-Allow-Origin"), dict(response.headers)
    body: dict[str, Any] = json.loads(response.text)
    assert isinstance(body.get("error"), dict), body
    assert body["error"].get("message"), body
    assert "Traceback" not in response.text
    return body


def test_deleted_model_gives_503_then_is_served_after_reupload(
    api: Api, example: dict[str, Any], nothing_lost: ModelObjects, function: Function, served: str
) -> None:
    model = nothing_lost
    rds, model_json = model.read("model.rds"), model.read("model.json")
    model.delete("model.json")
    model.delete("model.rds")
    function.configure()  # a cold start with nothing in the bucket
    assert_model_unavailable(api, example)
    message = api.request("POST", "/predict", json=example).json()["error"]["message"]
    assert "model.json" in message or model.location[0] in message, f"the 503 does not say what to upload: {message}"
    model.upload(rds, model_json)
    wait_for(
        "served again after the re-upload", lambda: api.request("POST", "/predict", json=example).status_code == 200
    )
    answer = assert_answer(api.request("POST", "/predict", json=example))
    assert answer["model"]["version"] == served


@pytest.mark.parametrize("corruption", ["truncated rds", "not an rds", "hash mismatch"])
def test_corrupted_model_keeps_the_previous_one_serving(
    api: Api, example: dict[str, Any], nothing_lost: ModelObjects, served: str, corruption: str
) -> None:
    model = nothing_lost
    rds, metadata = model.read("model.rds"), json.loads(model.read("model.json"))
    bad_rds = {"truncated rds": rds[: len(rds) // 2], "not an rds": b"not an R object\n" * 64, "hash mismatch": rds}[
        corruption
    ]
    bad_hash = hashlib.sha256(b"something else" if corruption == "hash mismatch" else bad_rds).hexdigest()
    bad_version = f"corrupt{uuid.uuid4().hex[:6]}"
    model.upload(bad_rds, json.dumps({**metadata, "version": bad_version, "rds_sha256": bad_hash}).encode())

    def failure_reported() -> Any:
        body = api.request("GET", "/health").json()
        return body.get("load_error") and body

    health = wait_for("/health reports the failed load", failure_reported, timeout_s=30)
    assert health["status"] == "degraded", health
    assert health["model"]["version"] == served, health
    answer = assert_answer(api.request("POST", "/predict", json=example))
    assert answer["model"]["version"] == served, answer


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.usefixtures("nothing_lost")
def test_s3_unreachable_at_cold_start_gives_503_not_a_crash(
    api: Api, example: dict[str, Any], function: Function, stack: Any
) -> None:
    function.configure(env={"AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{closed_port()}"})
    for _ in range(3):  # every request is answered: the environment does not crash and restart
        assert_model_unavailable(api, example)
    invoke = stack.client("lambda").invoke(FunctionName=stack.function_name, Payload=json.dumps(example))
    assert "FunctionError" not in invoke, invoke


class BlackHole:
    """A loopback TCP server that accepts connections and never answers."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port: int = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.mark.usefixtures("nothing_lost")
def test_function_timeout_is_a_clean_5xx_and_the_next_request_is_fine(
    api: Api, example: dict[str, Any], function: Function, black_hole: BlackHole
) -> None:
    function.configure(env={"AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{black_hole.port}"}, timeout_s=TIMEOUT_S)
    started = time.monotonic()
    response = api.request("POST", "/predict", json=example)
    elapsed = time.monotonic() - started
    assert black_hole.held, "the function never reached the unanswering S3 endpoint"
    assert 500 <= response.status_code < 600, f"{response.status_code} {response.text[:300]}"
    assert elapsed < TIMEOUT_S + 15, f"the timeout did not end the request: {elapsed:.1f} s"
    body = json.loads(response.text)
    assert body.get("error", body).get("message"), body
    assert "Traceback" not in response.text
    cors = response.headers.get("Access-Control-Allow-Origin")
    function.restore()
    assert_answer(api.request("POST", "/predict", json=example))
    if cors is None and gateway_responses_ignored(api):
        pytest.xfail(
            "LocalStack's API Gateway answers an integration failure with its built-in body and without the "
            "DEFAULT_5XX gateway response's CORS headers (not implemented there); real API Gateway applies it"
        )
    assert cors, dict(response.headers)


def gateway_responses_ignored(api: Api) -> bool:
    """Whether this API Gateway ignores the stack's gateway responses: a gateway-made 4xx lacks their CORS header."""
    response = api.request("GET", "/no-such-route/deeper")
    made_by_gateway = "error" not in response.text
    return made_by_gateway and response.headers.get("Access-Control-Allow-Origin") is None
