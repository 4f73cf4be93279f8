"""One JSON object per log line, carrying the request id of the invocation being served."""

import json
import sys
import time
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def log(level: str, message: str, **fields: Any) -> None:
    record = {"time": round(time.time(), 3), "level": level, "message": message, "request_id": request_id.get()}
    record.update(fields)
    sys.stdout.write(json.dumps(record, default=str) + "\n")
    sys.stdout.flush()
