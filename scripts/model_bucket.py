"""The model bucket as the function reads it: models/<name>/model.rds + model.json, every publish an object version.

Publishing writes model.rds before model.json (the function's commit point); so does a rollback, which copies
an earlier version of both back on top. Used by `make up`, `make publish-model`, `make model-versions`,
`make rollback-model` and the tests.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

# Object metadata written with each publish, so that listing and rollback need no download.
RDS_SHA256 = "rds-sha256"
MODEL_VERSION = "model-version"
RESTORED_FROM = "restored-from"


class ModelBucketError(RuntimeError):
    """Something the user must fix; the message says what."""


@dataclass(frozen=True)
class ModelVersion:
    """One publish of a model: one object version of its model.json."""

    model_version: str
    trained_at: str | None
    published_at: datetime
    s3_version_id: str
    serving: bool
    restored_from: str | None
    rds_sha256: str

    def row(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "trained_at": self.trained_at,
            "published_at": self.published_at.isoformat(timespec="seconds"),
            "s3_version_id": self.s3_version_id,
            "serving": self.serving,
            "restored_from": self.restored_from,
        }


def missing_r_packages(model_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """The R packages a built model needs that the zip of this manifest does not carry."""
    needed = json.loads((model_dir / "model.json").read_text()).get("r_packages") or {}
    return sorted(set(needed) - set(manifest.get("r_packages") or {}))


class ModelBucket:
    def __init__(self, s3: Any, default_model_uri: str) -> None:
        """default_model_uri: the function's MODEL_URI, s3://<bucket>/<folder>/<default>/; models are its siblings."""
        self.s3 = s3
        self.bucket, _, prefix = default_model_uri.removeprefix("s3://").partition("/")
        self.root = prefix.rstrip("/").rpartition("/")[0]
        self.root = f"{self.root}/" if self.root else ""

    def key(self, name: str, file: str) -> str:
        return f"{self.root}{name}/{file}"

    def uri(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.root}{name}/"

    def served_version(self, name: str) -> str | None:
        """The model version model.json names now, None when the model was never published."""
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key(name, "model.json"))["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        version: str | None = json.loads(body).get("version")
        return version

    def publish(self, name: str, model_dir: Path) -> str:
        """Upload a built model: model.rds first, then model.json. Returns its model version."""
        meta = json.loads((model_dir / "model.json").read_text())
        self.s3.upload_file(
            str(model_dir / "model.rds"),
            self.bucket,
            self.key(name, "model.rds"),
            ExtraArgs={"Metadata": {RDS_SHA256: meta["rds_sha256"]}},
        )
        self.s3.upload_file(
            str(model_dir / "model.json"),
            self.bucket,
            self.key(name, "model.json"),
            ExtraArgs={"Metadata": {MODEL_VERSION: meta["version"]}, "ContentType": "application/json"},
        )
        return str(meta["version"])

    def _object_versions(self, key: str) -> list[dict[str, Any]]:
        """Versions of one key, newest first, delete markers left out."""
        found: list[dict[str, Any]] = []
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=key):
            found.extend(v for v in page.get("Versions", []) if v["Key"] == key)
        return sorted(found, key=lambda v: (v["IsLatest"], v["LastModified"]), reverse=True)

    def versions(self, name: str) -> list[ModelVersion]:
        """Every kept publish of a model, newest first; the first is the one serving."""
        listed = []
        for entry in self._object_versions(self.key(name, "model.json")):
            answer = self.s3.get_object(Bucket=self.bucket, Key=entry["Key"], VersionId=entry["VersionId"])
            try:
                meta = json.loads(answer["Body"].read())
            except ValueError:
                meta = {}
            listed.append(
                ModelVersion(
                    model_version=str(meta.get("version", "(not a model.json)")),
                    trained_at=meta.get("trained_at"),
                    published_at=entry["LastModified"],
                    s3_version_id=entry["VersionId"],
                    serving=bool(entry["IsLatest"]),
                    restored_from=answer.get("Metadata", {}).get(RESTORED_FROM),
                    rds_sha256=str(meta.get("rds_sha256", "")),
                )
            )
        if not listed:
            raise ModelBucketError(f"no versions of {name!r} in s3://{self.bucket}/{self.root}: publish it first")
        return listed

    def _rds_version_id(self, name: str, sha256: str) -> str:
        """The object version of model.rds whose bytes hash to sha256 (metadata first, else by download)."""
        key = self.key(name, "model.rds")
        for entry in self._object_versions(key):
            head = self.s3.head_object(Bucket=self.bucket, Key=key, VersionId=entry["VersionId"])
            recorded = head.get("Metadata", {}).get(RDS_SHA256)
            if recorded is None:  # published before the metadata existed
                body = self.s3.get_object(Bucket=self.bucket, Key=key, VersionId=entry["VersionId"])["Body"].read()
                recorded = hashlib.sha256(body).hexdigest()
            if recorded == sha256:
                return str(entry["VersionId"])
        raise ModelBucketError(
            f"no kept version of {key} has sha256 {sha256[:12]}...: it expired (model_version_days); "
            "publish that model again from its build instead"
        )

    def rollback(self, name: str, model_version: str | None = None) -> ModelVersion:
        """Serve an earlier version again: the previous one, or the newest publish of model_version."""
        versions = self.versions(name)
        serving = versions[0]
        earlier = [v for v in versions[1:] if v.model_version != serving.model_version]
        if model_version is None:
            if not earlier:
                raise ModelBucketError(f"{name} has no earlier version than {serving.model_version} to roll back to")
            target = earlier[0]
        elif model_version == serving.model_version:
            raise ModelBucketError(f"{name} is already serving version {model_version}")
        else:
            matches = [v for v in earlier if v.model_version == model_version]
            if not matches:
                known = ", ".join(dict.fromkeys(v.model_version for v in versions))
                raise ModelBucketError(f"{name} has no version {model_version!r}; kept versions: {known}")
            target = matches[0]
        rds_version = self._rds_version_id(name, target.rds_sha256)
        if rds_version != self._object_versions(self.key(name, "model.rds"))[0]["VersionId"]:  # else already there
            self.s3.copy_object(
                Bucket=self.bucket,
                Key=self.key(name, "model.rds"),
                CopySource={"Bucket": self.bucket, "Key": self.key(name, "model.rds"), "VersionId": rds_version},
                Metadata={RDS_SHA256: target.rds_sha256},
                MetadataDirective="REPLACE",
            )
        self.s3.copy_object(  # the commit point, after its model.rds
            Bucket=self.bucket,
            Key=self.key(name, "model.json"),
            CopySource={"Bucket": self.bucket, "Key": self.key(name, "model.json"), "VersionId": target.s3_version_id},
            Metadata={MODEL_VERSION: target.model_version, RESTORED_FROM: target.s3_version_id},
            MetadataDirective="REPLACE",
            ContentType="application/json",
        )
        return target
