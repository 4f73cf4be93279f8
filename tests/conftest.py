"""Session fixtures shared by every test folder: LocalStack and the one applied stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from localstack_client.session import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(1, str(ROOT / "tests" / "model_matrix"))  # model_matrix: one train.R per model type
sys.path.append(str(ROOT / "lambda"))  # the function's own stdlib-only readers (capture_reader), used to check S3

import stack as stack_cli  # noqa: E402  (scripts/ is not a package)
from model_matrix import r_reference, train_all  # noqa: E402

# Hot-swap tests wait for the function to re-check its model; keep that interval short.
TEST_REFRESH_SECONDS = 2
# Batch scoring's file-size limit, small enough that a test can upload a file over it.
TEST_BATCH_MAX_INPUT_MB = 4


@dataclass(frozen=True)
class LiveStack:
    """The outputs of one `terraform apply` of envs/localstack, plus clients for it."""

    outputs: dict[str, Any]
    endpoint: str
    spec: stack_cli.StackSpec

    def __getattr__(self, name: str) -> Any:
        try:
            return self.outputs[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def host_resolver_rules(self) -> str:
        """Chromium resolves the website's virtual host to LocalStack (there is no DNS for it here)."""
        return (
            f"MAP *.localstack.cloud 127.0.0.1, MAP *.localhost 127.0.0.1, EXCLUDE {urlparse(self.endpoint).hostname}"
        )

    def client(self, service_name: str) -> Any:
        host = urlparse(self.endpoint).netloc
        return Session(localstack_host=host, region_name=self.outputs.get("region", "us-east-1")).client(service_name)


def _require_localstack() -> str:
    endpoint = stack_cli.localstack_endpoint()
    try:
        health = requests.get(f"{endpoint}/_localstack/health", timeout=5)
        health.raise_for_status()
    except requests.RequestException as error:
        pytest.fail(f"LocalStack is not running at {endpoint} ({error}); start it with `make localstack-up`")
    return endpoint


@pytest.fixture(scope="session")
def localstack_endpoint() -> str:
    return _require_localstack()


@pytest.fixture(scope="session")
def stack(localstack_endpoint: str) -> Iterator[LiveStack]:
    """The whole stack applied once per test session under a unique name, destroyed at the end."""
    for needed in ("lambda.zip", "lambda.manifest.json", "models/admission/model.json"):
        if not (stack_cli.BUILD / needed).exists():
            pytest.fail(f"build/{needed} is missing; run `make package` first")
    spec = stack_cli.StackSpec(
        name=f"t{uuid.uuid4().hex[:8]}",
        model_name="admission",
        extra_vars={"model_refresh_seconds": TEST_REFRESH_SECONDS, "batch_max_input_mb": TEST_BATCH_MAX_INPUT_MB},
    )
    try:
        outputs = stack_cli.apply(spec)
        stack_cli.wait_for_health(outputs["api_url"])
        yield LiveStack(outputs=outputs, endpoint=localstack_endpoint, spec=spec)
    finally:
        if os.environ.get("LOCALSTACK_STOPPED_AFTER_TESTS") == "1":
            # `make test` stops the LocalStack it started, and the stack with it: a destroy first is wasted time.
            stack_cli.forget(spec)
        else:
            stack_cli.destroy(spec)


@pytest.fixture(scope="session")
def site(stack: LiveStack) -> LiveStack:
    return stack


@pytest.fixture(scope="session")
def admission_variant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The admission model refitted on half of its data: same inputs, another version (a second publish)."""
    out = tmp_path_factory.mktemp("admission") / "admission"
    out.mkdir()
    script = (
        'source("models/model_json.R"); source("models/admission/data.R"); d <- synthetic_admissions()[1:200, ];'
        " fit <- glm(admit ~ gre + gpa + rank, data = d, family = binomial);"
        ' write_model(fit, d, name = "admission", predict_args = list(type = "response"),'
        ' output = list(name = "admit", type = "probability", threshold = 0.5, labels = c("rejected", "admitted")))'
    )
    subprocess.run(
        ["Rscript", "-e", script], check=True, cwd=ROOT, env={"MODEL_OUTPUT_DIR": str(out), "PATH": "/usr/bin:/bin"}
    )
    built = json.loads((stack_cli.BUILD / "models" / "admission" / "model.json").read_text())
    assert json.loads((out / "model.json").read_text())["version"] != built["version"]
    return out


@pytest.fixture(scope="session")
def shifted_traffic(stack: LiveStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Real traffic for the monitor, shared by its e2e and browser tests: 2,000 requests to a refit of admission
    with gre shifted by +150, captured and filed, truth for 500 of them sent, the monitor run
    (tests/e2e/monitoring_traffic.py)."""
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from monitoring_traffic import traffic

    directory = tmp_path_factory.mktemp("shifted")
    with traffic(stack, directory, training_rows="1:300", seed=1, gre_shift=150, with_truth=True) as run:
        yield run


@pytest.fixture(scope="session")
def iris_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-class model whose output is every class's probability (randomForest on iris), in models/iris/."""
    out = tmp_path_factory.mktemp("models") / "iris"
    subprocess.run(
        ["Rscript", str(ROOT / "tests" / "fixtures" / "iris" / "train.R")],
        check=True,
        cwd=ROOT,
        env={"MODEL_OUTPUT_DIR": str(out), "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
    )
    return out


@dataclass(frozen=True)
class IrisSite:
    """Where the iris model is served: its API base (POST {api_url}/predict) and the page opened on it."""

    api_url: str
    page_url: str
    host_resolver_rules: str | None = None


@pytest.fixture(scope="session")
def live_iris(site: LiveStack, iris_model: Path) -> IrisSite:
    """The iris model published to the running stack as one of its models: /models/iris/... and ?model=iris."""
    from model_bucket import ModelBucket

    ModelBucket(site.client("s3"), site.model_uri).publish("iris", iris_model)
    version = json.loads((iris_model / "model.json").read_text())["version"]
    api = f"{site.api_url}/models/iris"
    deadline = time.monotonic() + 60
    while requests.get(f"{api}/metadata", timeout=60).json().get("version") != version:
        assert time.monotonic() < deadline, "the stack did not serve the published iris model within 60 s"
        time.sleep(0.5)
    return IrisSite(api, f"{site.website_url.rstrip('/')}/?model=iris", site.host_resolver_rules)


@pytest.fixture(scope="session")
def matrix_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every tests/model_matrix model trained by its train.R into one folder (<tmp>/models/<name>/)."""
    return train_all(tmp_path_factory.mktemp("model-matrix") / "models")


@pytest.fixture(scope="session")
def references(matrix_models: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """For each matrix model: its training rows as input columns and R's own predict() on them."""
    return r_reference(matrix_models)
