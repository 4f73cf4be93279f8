"""One model: where it is published (MODEL_URI style: s3://bucket/<name>/ or a local folder <root>/<name>), its
current version loaded on demand, cached in /tmp, re-checked at most every MODEL_REFRESH_SECONDS. model.json is the
commit point; a model that fails to load leaves its previous version serving and is reported. S3 is read with
s3_objects (the standard library), so that the cold start imports no boto3; the default model is read ahead while
R starts. The set of models (listing, the default, the memory budget) is model_set.py."""

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from init_phases import phase
from logs import log
from s3_objects import S3Error, S3Reader
from validation import RequestSchema

if TYPE_CHECKING:  # imported in _load: importing r_bridge starts R, which prefetch() overlaps with the S3 reads
    from r_bridge import RModel

REQUIRED_FIELDS = ("name", "version", "task", "inputs", "output", "predict_args", "r_packages", "rds_sha256")


class ModelUnavailable(Exception):
    """No model can be served; the message says what to upload where."""


class ModelMissing(Exception):
    """The model.json object does not exist (yet)."""


class ModelAccessDenied(Exception):
    """S3 refused the read: the function's role lacks a permission (the message names it)."""


class UnknownModel(Exception):
    """No model of that name is published; known names the ones that are."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known


# A model's name is its folder: models/README.md's rule (lower case, digits, - and _).
MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class LoadedModel:
    meta: dict[str, Any]
    r_model: "RModel"
    schema: RequestSchema
    tag: str
    loaded_at: float

    @property
    def ref(self) -> dict[str, str]:
        return {"name": self.meta["name"], "version": self.meta["version"]}


class Source(Protocol):
    uri: str

    def tag(self) -> str:
        """Changes whenever model.json changes (ETag or mtime); raises ModelMissing when absent."""

    def read_json(self) -> tuple[bytes, str]:
        """model.json's bytes and the tag of exactly those bytes."""

    def fetch_rds(self, target: Path) -> None:
        """Write model.rds to target."""


class LocalSource:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.uri = str(self.folder)

    def tag(self) -> str:
        try:
            stat = (self.folder / "model.json").stat()
        except FileNotFoundError:
            raise ModelMissing(self.uri) from None
        return f"{stat.st_mtime_ns}-{stat.st_size}"

    def read_json(self) -> tuple[bytes, str]:
        tag = self.tag()
        return (self.folder / "model.json").read_bytes(), tag

    def fetch_rds(self, target: Path) -> None:
        target.write_bytes((self.folder / "model.rds").read_bytes())


def _split_s3(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix if not prefix or prefix.endswith("/") else prefix + "/"


# The S3 reader of a bucket; a ModelSet passes one shared by all its models (one keep-alive connection).
ReaderFor = Callable[[str], S3Reader]


class S3Source:
    def __init__(self, uri: str, reader: S3Reader) -> None:
        self.bucket, self.prefix = _split_s3(uri)
        self.uri = f"s3://{self.bucket}/{self.prefix}"
        self._reader = reader

    def _classified(self, error: Exception, key: str) -> Exception:
        """A missing object becomes ModelMissing, a refusal ModelAccessDenied; anything else stays itself."""
        if not isinstance(error, S3Error):
            return error
        if error.status == 404 or error.code in ("NoSuchKey", "NoSuchBucket", "NotFound"):
            return ModelMissing(self.uri)
        if error.status == 403 or error.code in ("AccessDenied", "Forbidden"):
            # Without s3:ListBucket, AWS also answers 403 for a key that does not exist.
            return ModelAccessDenied(
                f"S3 denied access to s3://{self.bucket}/{self.prefix}{key}: the function's role needs"
                f" s3:GetObject on arn:aws:s3:::{self.bucket}/{self.prefix}* and s3:ListBucket on"
                f" arn:aws:s3:::{self.bucket} with s3:prefix {self.prefix}* (terraform/modules/function grants both)"
            )
        return error

    def tag(self) -> str:
        try:
            return self._reader.head(self.prefix + "model.json")["etag"]
        except Exception as error:
            raise self._classified(error, "model.json") from None

    def read_json(self) -> tuple[bytes, str]:
        try:
            body, headers = self._reader.get(self.prefix + "model.json")
        except Exception as error:
            raise self._classified(error, "model.json") from None
        return body, headers["etag"]

    def fetch_rds(self, target: Path) -> None:
        try:
            with target.open("wb") as out:
                self._reader.download(self.prefix + "model.rds", out)
        except Exception as error:
            raise self._classified(error, "model.rds") from None


def source_for(uri: str, reader_for: ReaderFor = S3Reader) -> Source:
    if uri.startswith("s3://"):
        return S3Source(uri, reader_for(_split_s3(uri)[0]))
    return LocalSource(uri.removeprefix("file://"))


def split_model_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/admission/ -> (s3://bucket/, admission); build/models/admission -> (build/models, admission)."""
    if uri.startswith("s3://"):
        bucket, prefix = _split_s3(uri)
        parent, _, name = prefix.rstrip("/").rpartition("/")
        return f"s3://{bucket}/{parent + '/' if parent else ''}", name
    folder = Path(uri.removeprefix("file://"))
    return str(folder.parent), folder.name


def model_uri(root: str, name: str) -> str:
    return f"{root}{name}/" if root.startswith("s3://") else str(Path(root) / name)


def list_model_names(root: str, reader_for: ReaderFor = S3Reader) -> list[str]:
    """The names under root that hold a model.json (current objects only)."""
    names: set[str] = set()
    if root.startswith("s3://"):
        bucket, prefix = _split_s3(root)
        for key in reader_for(bucket).list(prefix).keys:
            name, _, rest = key[len(prefix) :].partition("/")
            if rest == "model.json":
                names.add(name)
    else:
        folder = Path(root.removeprefix("file://"))
        names = {path.parent.name for path in folder.glob("*/model.json")} if folder.is_dir() else set()
    return sorted(name for name in names if MODEL_NAME.match(name))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class ModelStore:
    """One model name: its current version loaded on demand, re-checked, and kept serving through bad uploads."""

    def __init__(
        self, uri: str | None, refresh_seconds: float, cache_dir: Path, reader_for: ReaderFor = S3Reader
    ) -> None:
        self.uri = uri
        self._source: Source | None = None
        self._reader_for = reader_for
        self.refresh_seconds = refresh_seconds
        self.cache_dir = cache_dir
        self.model: LoadedModel | None = None
        self.last_error: dict[str, Any] | None = None
        self._failed_tag: str | None = None
        self._checked_at = -float("inf")
        self._peeked: tuple[float, dict[str, Any] | None] = (-float("inf"), None)
        self._prefetch: threading.Thread | None = None
        self._prefetched: tuple[bytes, str] | None = None

    @property
    def source(self) -> Source:
        """Made on first use, inside refresh's error handling."""
        if self._source is None:
            assert self.uri
            self._source = source_for(self.uri, self._reader_for)
        return self._source

    def current(self) -> LoadedModel:
        """The model to serve now, after a re-check if the interval has passed."""
        if self.model is None or time.monotonic() - self._checked_at >= self.refresh_seconds:
            self.refresh()
        if self.model is None:
            raise ModelUnavailable(self.unavailable_message())
        return self.model

    def prefetch(self) -> None:
        """Start reading model.json and model.rds in a thread (the S3 I/O overlaps R's start);
        the next refresh() waits for it and uses what it read."""
        if self.uri:
            self._prefetch = threading.Thread(target=self._read_ahead, name="model-prefetch", daemon=True)
            self._prefetch.start()

    def _read_ahead(self) -> None:
        try:
            with phase("model_read"):
                raw, tag = self.source.read_json()
                self._cached_rds(json.loads(raw)["rds_sha256"])
            self._prefetched = raw, tag
        except Exception:  # refresh() reads again and records what went wrong
            pass

    def refresh(self) -> None:
        """Load model.json's current object if it is new; never raises, records what went wrong."""
        if self._prefetch is not None:
            self._prefetch.join()
            self._prefetch = None
        prefetched, self._prefetched = self._prefetched, None
        self._checked_at = time.monotonic()
        if not self.uri:
            self._record_error("MODEL_URI is not set")
            return
        tag = None
        try:
            tag = prefetched[1] if prefetched else self.source.tag()
            if self.model is not None and tag == self.model.tag:
                self.last_error = self._failed_tag = None  # e.g. the previous model.json was put back
                return
            if tag == self._failed_tag:
                return
            replaced, self.model = self.model, self._load(prefetched)
            if replaced is not None and replaced.meta["rds_sha256"] != self.model.meta["rds_sha256"]:
                self._forget_rds(replaced)  # /tmp is small and shared by every model
            self.last_error = None
            self._failed_tag = None
            log("info", "model loaded", model=self.model.ref, uri=self.source.uri)
        except ModelMissing:
            self._record_error(f"no model.json at {self.uri}")
        except ModelAccessDenied as error:  # retried every interval: fixing the role changes no tag
            self._record_error(str(error))
        except Exception as error:  # a broken model or an unreachable store must not take the service down
            self._failed_tag = tag
            self._record_error(f"{type(error).__name__}: {error}")

    def _record_error(self, message: str) -> None:
        at = time.time()
        if self.last_error is None or self.last_error["message"] != message:
            log("error", "model not loaded", reason=message, serving=self.model.ref if self.model else None)
        self.last_error = {"message": message, "at": round(at, 3), "uri": self.uri}

    def _load(self, prefetched: tuple[bytes, str] | None = None) -> LoadedModel:
        from r_bridge import RModel

        raw, tag = prefetched or self.source.read_json()
        meta = json.loads(raw)
        missing = [name for name in REQUIRED_FIELDS if name not in meta]
        if missing:
            raise ValueError(f"model.json lacks {', '.join(missing)}: write it with models/model_json.R")
        rds = self._cached_rds(meta["rds_sha256"])
        with phase("model_load"):
            r_model = RModel(rds, meta["inputs"], sorted(meta["r_packages"]), meta["predict_args"], meta["output"])
            schema = RequestSchema(meta["inputs"])
            # A model that cannot predict its own example is broken: find out now, not on a user's request.
            example = schema.rows({spec["name"]: spec["example"] for spec in meta["inputs"]}, 1)
            r_model.predict(example.columns)
        return LoadedModel(meta=meta, r_model=r_model, schema=schema, tag=tag, loaded_at=time.time())

    def _cached_rds(self, expected_sha256: str) -> Path:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        target = self.cache_dir / f"{expected_sha256}.rds"
        if target.is_file():
            return target  # named by its verified hash: the bytes are right
        partial = self.cache_dir / f"{expected_sha256}.part"
        self.source.fetch_rds(partial)
        actual = sha256_of(partial)
        if actual != expected_sha256:
            partial.unlink(missing_ok=True)
            raise ValueError(
                f"model.rds has sha256 {actual[:12]}..., model.json expects {expected_sha256[:12]}...:"
                " upload model.rds first, then its model.json"
            )
        partial.rename(target)
        return target

    def unload(self) -> None:
        """Forget the loaded model (R frees it at its next collection) and its cached model.rds in /tmp."""
        if self.model is not None:
            self._forget_rds(self.model)
            log("info", "model unloaded", model=self.model.ref)
        self.model = None
        self._checked_at = -float("inf")

    def _forget_rds(self, model: LoadedModel) -> None:
        (self.cache_dir / f"{model.meta['rds_sha256']}.rds").unlink(missing_ok=True)

    def describe(self) -> dict[str, Any] | None:
        """model.json of the loaded model (after its re-check), else as published, read at most every interval."""
        if self.model is not None:
            try:
                return self.current().meta
            except ModelUnavailable:
                return None
        at, meta = self._peeked
        if time.monotonic() - at >= self.refresh_seconds:
            meta = None
            try:
                meta = json.loads(self.source.read_json()[0])
                if not isinstance(meta, dict):
                    raise ValueError("model.json is not a JSON object")
            except ModelMissing:
                self._record_error(f"no model.json at {self.uri}")
            except Exception as error:
                self._record_error(f"{type(error).__name__}: {error}")
                meta = None
            self._peeked = (time.monotonic(), meta)
        return meta

    def unavailable_message(self) -> str:
        reason = self.last_error["message"] if self.last_error else "no model loaded"
        if not self.uri:
            where = "set MODEL_URI to s3://<bucket>/<prefix>/ or a local folder"
        elif reason.startswith("S3 denied access"):
            return f"no model can be served: {reason}"
        else:
            where = f"upload model.rds, then model.json, to {self.uri}"
        return f"no model can be served ({reason}): {where} (make model builds them in build/models/<name>/)"

    def health(self) -> dict[str, Any]:
        if self.model is None:
            return {"status": "unavailable", "load_error": self.last_error}
        health: dict[str, Any] = {
            "status": "degraded" if self.last_error else "ok",
            "model": {
                **self.model.ref,
                "trained_at": self.model.meta.get("trained_at"),
                "loaded_at": round(self.model.loaded_at, 3),
            },
        }
        if self.last_error:
            health["load_error"] = self.last_error
        return health
