"""GET /monitoring and GET /models/{name}/monitoring: the monitor's latest report of a model, as it wrote it to
s3://$MONITORING_BUCKET/monitoring/<name>/latest.json (the page's Monitoring view draws it)."""

import json
import os
from typing import Any

from responses import ApiError
from s3_objects import S3Error, S3Reader

_readers: dict[str, S3Reader] = {}


def latest_report(name: str) -> dict[str, Any]:
    bucket = os.environ.get("MONITORING_BUCKET")
    if not bucket:
        raise ApiError(404, "monitoring_off", "monitoring is not set up for this API (no MONITORING_BUCKET)")
    reader = _readers.setdefault(bucket, S3Reader(bucket))
    try:
        body, _ = reader.get(f"monitoring/{name}/latest.json")
    except S3Error as error:
        if error.status in (403, 404):  # 403: S3's answer for a missing key to a role without ListBucket
            raise ApiError(
                404, "no_report", f"no monitoring report for {name!r} yet: run the monitor (make monitor)"
            ) from None
        raise
    report: dict[str, Any] = json.loads(body)
    return report
