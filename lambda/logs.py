"""One JSON object per log line, carrying the request id of the invocation being served."""

import json
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def log(level: str, message: str, **fields: Any) -> None:
    record = {"time": round(time.time(), 3), "level": level, "message": message, "request_id": request_id.get()}
    record.update(fields)
    sys.stdout.write(json.dumps(record, default=str) + "\n")
    sys.stdout.flush()


@contextmanager
def invocation(context: Any, failure: str) -> Iterator[None]:
    """One invocation of a background function: its request id on every line, its traceback logged as `failure`
    before the error goes back to Lambda (which retries or fails the state machine's step)."""
    token = request_id.set(getattr(context, "aws_request_id", None))
    try:
        yield
    except Exception:
        log("error", failure, traceback=traceback.format_exc())
        raise
    finally:
        request_id.reset(token)
