"""The `local_site` fixture: frontend/ and the real handler on loopback (tests/browser/local_site.py)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "build" / "models" / "admission"
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LocalSiteUrls:
    """The same interface as the stack's `site` fixture."""

    website_url: str
    api_url: str
    host_resolver_rules: str | None = None

    @property
    def page_url(self) -> str:
        """The page opened on the model the harness serves (its only one)."""
        return self.website_url


def _wait_for_ready_line(process: subprocess.Popen[str]) -> dict[str, str]:
    assert process.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if line:
                result: dict[str, str] = json.loads(line)
                return result
        if process.poll() is not None:
            pytest.fail(f"tests/browser/local_site.py exited with {process.returncode}; see its stderr above")
    pytest.fail(f"tests/browser/local_site.py did not start within {READY_TIMEOUT_S:.0f} s")


@contextmanager
def running_local_site(model_uri: Path) -> Iterator[LocalSiteUrls]:
    """A separate process, so that its embedded R is not shared with other tests' handler imports."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("local_site.py")), "--model-uri", str(model_uri)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "MODEL_REFRESH_SECONDS": "60"},
    )
    try:
        urls = _wait_for_ready_line(process)
        yield LocalSiteUrls(website_url=urls["website_url"], api_url=urls["api_url"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def local_site() -> Iterator[LocalSiteUrls]:
    if not (MODEL_DIR / "model.json").exists():
        pytest.fail("build/models/admission/model.json is missing; run `make model` first")
    with running_local_site(MODEL_DIR) as urls:
        yield urls


@pytest.fixture
def local_site_without_model(tmp_path: Path) -> Iterator[LocalSiteUrls]:
    """The handler pointed at an empty model folder: the API answers 503 until a model is uploaded."""
    with running_local_site(tmp_path) as urls:
        yield urls


@pytest.fixture(scope="session")
def local_site_iris(iris_model: Path) -> Iterator[LocalSiteUrls]:
    """The handler serving only the three-class iris model (output type probabilities, tests/fixtures/iris)."""
    with running_local_site(iris_model) as urls:
        yield urls
