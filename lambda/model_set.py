"""Every published model: MODEL_URI names the default one, its siblings under the same parent are the others.

Each model is a model_store.ModelStore, made on first use; the set lists the names (at most every
MODEL_REFRESH_SECONDS), shares one S3 reader per bucket, and unloads the least recently used model when the
loaded models outgrow the memory budget."""

import os
import tempfile
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from logs import log
from model_store import LoadedModel, ModelStore, UnknownModel, list_model_names, model_uri, split_model_uri
from s3_objects import S3Reader
from settings import env_number


def memory_budget_bytes() -> int:
    """MODEL_MEMORY_MB, else half the function's memory: the rest holds Python, R itself and a request's data."""
    function_mb = env_number("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 1024, minimum=128)
    return int(env_number("MODEL_MEMORY_MB", function_mb / 2, minimum=1) * 2**20)


class ModelSet:
    """Every published model: MODEL_URI is the default one, its siblings the others, loaded on first use (LRU)."""

    def __init__(self, uri: str | None, refresh_seconds: float, cache_dir: Path, budget_bytes: int) -> None:
        self.uri = uri
        self.root, self.default = split_model_uri(uri) if uri else ("", "")
        self.refresh_seconds = refresh_seconds
        self.cache_dir = cache_dir
        self.budget_bytes = budget_bytes
        self._readers: dict[str, S3Reader] = {}
        self._stores: dict[str, ModelStore] = {}
        self._names: list[str] = []
        self._listed_at = -float("inf")
        self._recent: OrderedDict[str, None] = OrderedDict()  # loaded names, least recently used first

    @classmethod
    def from_env(cls) -> "ModelSet":
        return cls(
            os.environ.get("MODEL_URI"),
            env_number("MODEL_REFRESH_SECONDS", 60, minimum=0),
            Path(os.environ.get("MODEL_CACHE_DIR") or Path(tempfile.gettempdir()) / "model-cache"),
            memory_budget_bytes(),
        )

    def _shared_reader(self, bucket: str) -> S3Reader:
        """One S3 reader (one keep-alive connection) per bucket for every model, made on first use."""
        if bucket not in self._readers:
            self._readers[bucket] = S3Reader(bucket)
        return self._readers[bucket]

    def store(self, name: str | None = None) -> ModelStore:
        """The store of a model by name (None: the default); UnknownModel when none is published under it."""
        name = name or self.default
        if name not in self._stores:
            if name != self.default and name not in self.names():
                raise UnknownModel(name, self.names())
            # The default keeps MODEL_URI exactly as given, so that messages name what the user set.
            uri = self.uri if name == self.default else model_uri(self.root, name)
            self._stores[name] = ModelStore(uri, self.refresh_seconds, self.cache_dir, self._shared_reader)
        return self._stores[name]

    def names(self) -> list[str]:
        """Published model names, re-listed at most every MODEL_REFRESH_SECONDS; the default always among them."""
        if self.uri and time.monotonic() - self._listed_at >= self.refresh_seconds:
            try:
                self._names = list_model_names(self.root, self._shared_reader)
            except Exception as error:  # an unreachable store keeps the last listing
                log("error", "models not listed", reason=f"{type(error).__name__}: {error}", root=self.root)
            self._listed_at = time.monotonic()
        return sorted({*self._names, self.default} - {""})

    def current(self, name: str | None = None) -> LoadedModel:
        """The model to serve for name now; loading it may unload the least recently used others."""
        name = name or self.default
        store = self.store(name)
        model = store.current()
        self._recent[name] = None
        self._recent.move_to_end(name)
        self._keep_within_budget(keep=name)
        return model

    def loaded_bytes(self) -> int:
        return sum(store.model.r_model.size_bytes for store in self._stores.values() if store.model is not None)

    def _keep_within_budget(self, keep: str) -> None:
        for name in list(self._recent):
            if self.loaded_bytes() <= self.budget_bytes:
                return
            if name != keep:
                self._stores[name].unload()
                del self._recent[name]

    def prefetch(self) -> None:
        """Start reading the default model in a thread, while R starts (the init phase)."""
        self.store().prefetch()

    def refresh(self) -> None:
        """Load the default model now (the init phase), so the first request only predicts."""
        store = self.store()
        store.refresh()
        if store.model is not None:
            self._recent[self.default] = None

    def describe(self) -> list[dict[str, Any]]:
        """GET /models: every published model with what its model.json says and whether it is loaded."""
        described = []
        for name in self.names():
            store = self.store(name)
            meta = store.describe() or {}
            entry: dict[str, Any] = {
                "name": name,
                "version": meta.get("version"),
                "task": meta.get("task"),
                "output": meta.get("output"),  # name, type and, for classifiers, the labels
                "trained_at": meta.get("trained_at"),
                "loaded": store.model is not None,
                "default": name == self.default,
            }
            if store.last_error:
                entry["load_error"] = store.last_error
            described.append(entry)
        return described

    def health(self) -> dict[str, Any]:
        """The default model's health (the route's contract), plus every model's own status."""
        body = self.store().health()
        models: dict[str, Any] = {}
        for name in self.names():
            store = self.store(name)
            if store.model is None:
                meta = store.describe() or {}
                status = "unavailable" if store.last_error else "not_loaded"
                models[name] = {"status": status, "version": meta.get("version"), "loaded": False}
            else:
                own = store.health()
                models[name] = {**own["model"], "status": own["status"], "loaded": True}
            if store.last_error:
                models[name]["load_error"] = store.last_error
        body["models"] = models
        return body
