"""What the monitor reads and writes in S3: capture records, truth files, each version's model.json, reports.

Monitoring bucket: capture/<model>/<version>/date=YYYY-MM-DD/* (records), truth/<model>/*.csv (labels),
monitoring/<model>/<version>/<date>.json and monitoring/<model>/latest.json (reports). Model bucket:
<models_prefix><model>/model.json, whose object versions hold the model.json of every published model version."""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from capture_reader import read_records

# Versions of a model.json looked through for an older model version (the bucket keeps model_version_days).
MAX_MODEL_JSON_VERSIONS = 50
# Object versions (model.rds and model.json of every name) looked through for a version published under another name.
MAX_OTHER_OBJECT_VERSIONS = 1000


@dataclass
class Truth:
    """Known outcomes: by (request_id, row in the request) and by (file, row in the file)."""

    by_request: dict[tuple[str, int], str] = field(default_factory=dict)
    by_file_row: dict[tuple[str, int], str] = field(default_factory=dict)

    def add_csv(self, text: str, output_name: str) -> None:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = reader.fieldnames or []
        value_column = output_name if output_name in columns else columns[-1] if columns else ""
        for row in reader:
            value = (row.get(value_column) or "").strip()
            if not value:
                continue
            index = int(row.get("row") or 0)
            if row.get("request_id"):
                self.by_request[(row["request_id"].strip(), index)] = value
            elif row.get("file"):
                self.by_file_row[(row["file"].strip(), index)] = value

    def lookup(self, record: dict[str, Any], index: int) -> str | None:
        """The truth of the index-th row of a capture record (first_row: where a part's rows start), if known."""
        row = int(record.get("first_row") or 0) + index
        if record.get("file") is not None:
            return self.by_file_row.get((str(record["file"]), row))
        return self.by_request.get((str(record.get("request_id")), row))

    def __len__(self) -> int:
        return len(self.by_request) + len(self.by_file_row)


class MonitorStore:
    def __init__(self, s3: Any, monitoring_bucket: str, model_bucket: str, models_prefix: str = "models/") -> None:
        self.s3 = s3
        self.bucket = monitoring_bucket
        self.model_bucket = model_bucket
        self.models_prefix = models_prefix
        self._model_json: dict[tuple[str, str], dict[str, Any] | None] = {}

    def _keys(self, prefix: str) -> Iterator[dict[str, Any]]:
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def _folders(self, prefix: str) -> list[str]:
        names: list[str] = []
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/")
        for page in pages:
            names += [p["Prefix"][len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", [])]
        return sorted(names)

    def _read(self, bucket: str, key: str, **extra: str) -> bytes:
        body: bytes = self.s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
        return body

    def models(self) -> list[str]:
        return self._folders("capture/")

    def versions(self, model: str) -> list[str]:
        return self._folders(f"capture/{model}/")

    def records(self, model: str, version: str, day: str) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for item in sorted(self._keys(f"capture/{model}/{version}/date={day}/"), key=lambda i: i["Key"]):
            records += read_records(self._read(self.bucket, item["Key"]))
        return records

    def truth(self, model: str, output_name: str) -> Truth:
        truth = Truth()
        # Oldest first: a later upload corrects an earlier one.
        for item in sorted(self._keys(f"truth/{model}/"), key=lambda i: (i["LastModified"], i["Key"])):
            if item["Key"].endswith(".csv"):
                truth.add_csv(self._read(self.bucket, item["Key"]).decode("utf-8-sig", errors="replace"), output_name)
        return truth

    def model_json(self, model: str, version: str) -> dict[str, Any] | None:
        """The model.json of a model version: the current one, else an older object version; None if not kept."""
        if (model, version) not in self._model_json:
            self._model_json[(model, version)] = self._find_model_json(model, version)
        return self._model_json[(model, version)]

    def _find_model_json(self, model: str, version: str) -> dict[str, Any] | None:
        """Under the model's own name first; else under another published name (a model.json's name is the model
        it captures as, so admission published as admission-challenger is captured, and reported, as admission)."""
        key = f"{self.models_prefix}{model}/model.json"
        answer = self.s3.list_object_versions(Bucket=self.model_bucket, Prefix=key, MaxKeys=MAX_MODEL_JSON_VERSIONS)
        found = self._matching(answer, {key}, model, version)
        if found is not None:
            return found
        answer = self.s3.list_object_versions(
            Bucket=self.model_bucket, Prefix=self.models_prefix, MaxKeys=MAX_OTHER_OBJECT_VERSIONS
        )
        others = {
            item["Key"]
            for item in answer.get("Versions", [])
            if item["Key"].endswith("/model.json")
            and item["Key"] != key
            and item["Key"].count("/") == self.models_prefix.count("/") + 1
        }
        return self._matching(answer, others, model, version)

    def _matching(self, listed: dict[str, Any], keys: set[str], model: str, version: str) -> dict[str, Any] | None:
        """The first listed model.json (object version) among keys that names this model and version."""
        for item in listed.get("Versions", []):
            if item["Key"] not in keys:
                continue
            extra = {} if item.get("VersionId") in (None, "null") else {"VersionId": item["VersionId"]}
            meta: dict[str, Any] = json.loads(self._read(self.model_bucket, item["Key"], **extra))
            if meta.get("version") == version and meta.get("name", model) == model:
                return meta
        return None

    def put_json(self, key: str, body: Any) -> None:
        data = json.dumps(body, indent=1, allow_nan=False).encode()
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="application/json")
