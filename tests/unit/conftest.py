"""The real handler in this process on the host's R, serving models built by models/train_all.sh.

R can start only once per process, so the handler is imported once per session; each test points it at a
model folder through `serve`, which resets the model store the way a new execution environment would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "build" / "models"
sys.path.insert(0, str(ROOT / "lambda"))
sys.path.insert(1, str(ROOT / "tests" / "e2e"))  # r_reference: R's own predict(), shared with the e2e tests
sys.path.insert(2, str(ROOT / "tests" / "model_matrix"))  # model_matrix: one train.R per model type


def model_json(model_dir: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((model_dir / "model.json").read_text())
    return result


def example(model_dir: Path) -> dict[str, Any]:
    return {spec["name"]: spec["example"] for spec in model_json(model_dir)["inputs"]}


@pytest.fixture(scope="session")
def built_models() -> Path:
    if not all((MODELS / name / "model.json").is_file() for name in ("admission", "boston")):
        subprocess.run(["bash", str(ROOT / "models" / "train_all.sh")], check=True, cwd=ROOT)
    return MODELS


@pytest.fixture(scope="session")
def handler(built_models: Path, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The handler module, imported once (R starts at import), first serving the admission model."""
    os.environ["MODEL_URI"] = str(built_models / "admission")
    os.environ["MODEL_CACHE_DIR"] = str(tmp_path_factory.mktemp("model-cache"))
    import handler as handler_module

    return handler_module


@pytest.fixture
def serve(handler: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., ModuleType]]:
    """Point the handler at a model folder (or at nothing) with the given settings and an empty /tmp cache."""

    def point(model_uri: Path | str | None, **settings: Any) -> ModuleType:
        monkeypatch.setenv("MODEL_CACHE_DIR", str(tmp_path / "model-cache"))
        if model_uri is None:
            monkeypatch.delenv("MODEL_URI", raising=False)
        else:
            monkeypatch.setenv("MODEL_URI", str(model_uri))
        for name, value in settings.items():
            monkeypatch.setenv(name.upper(), str(value))
        handler.reset_model_store()
        return handler

    yield point
    monkeypatch.undo()
    handler.reset_model_store()


@pytest.fixture
def admission(serve: Callable[..., ModuleType], built_models: Path) -> ModuleType:
    return serve(built_models / "admission")


@pytest.fixture
def model_copy(tmp_path: Path, built_models: Path) -> Callable[[str], Path]:
    """A private copy of a built model folder, free to be overwritten."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(built_models / name, target)
        return target

    return copy


class Context:
    """What Lambda passes as context; the handler reads only the request id."""

    def __init__(self, request_id: str = "test-request") -> None:
        self.aws_request_id = request_id


def rest_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: str | None = None,
    stage: str = "prod",
    resource: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API Gateway proxy event as API Gateway sends it."""
    return {
        "resource": resource if resource is not None else path,
        "path": path,
        "httpMethod": method,
        "headers": headers or {"Content-Type": "application/json"},
        "body": raw if raw is not None else (None if body is None else json.dumps(body)),
        "isBase64Encoded": False,
        "requestContext": {"stage": stage, "requestId": "api-request", "resourcePath": path},
    }


@pytest.fixture
def call(handler: ModuleType) -> Callable[..., tuple[int, dict[str, str], Any]]:
    """Invoke lambda_handler with a REST event; returns status, headers and the parsed JSON body."""

    def invoke(method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
        response = handler.lambda_handler(rest_event(method, path, body, **kwargs), Context())
        assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}
        assert "Traceback" not in response["body"]
        return response["statusCode"], response["headers"], json.loads(response["body"])

    return invoke
