"""Runs inside the Lambda-like sandbox (stdlib only): import the handler, answer one request, then time warm calls.

Usage: python probe.py EVENTS_JSON WARM_SINGLE WARM_BATCH
Prints one JSON line: wall-clock time of the first answer, its status, and warm latencies in ms.
"""

import contextlib
import io
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any


class Context:
    """The attributes of the Lambda context object that a handler reads."""

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "bench")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def timed(handler: Callable[[Any, Any], Any], event: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = handler(event, Context())
    return (time.perf_counter() - started) * 1000, answer


def main() -> None:
    events_path, warm_single, warm_batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()))
    with open(events_path) as f:
        events = json.load(f)
    import handler  # the import is what a cold start measures

    imported = time.time()
    answer = handler.lambda_handler(events["single"], Context())
    first = time.time()
    result: dict[str, Any] = {
        "imported_at": imported,
        "first_answer_at": first,
        "first_status": answer.get("statusCode"),
        "first_body": answer.get("body", "")[:300],
        "single_ms": [],
        "batch_ms": [],
        "batch_status": None,
        "warm_errors": 0,
        "capture_on_ms": [],
        "capture_off_ms": [],
        "capture_bytes": {},
    }
    for _ in range(warm_single):
        ms, answer = timed(handler.lambda_handler, events["single"])
        result["single_ms"].append(ms)
        result["warm_errors"] += answer.get("statusCode") != 200
    for _ in range(warm_batch):
        ms, answer = timed(handler.lambda_handler, events["batch"])
        result["batch_ms"].append(ms)
        result["batch_status"] = answer.get("statusCode")
    # Capture on and off in turn, in the same process: the difference of the medians is what capture adds.
    for i in range(2 * warm_single):
        os.environ["CAPTURE"] = "off" if i % 2 else "on"
        ms, _ = timed(handler.lambda_handler, events["single"])
        result["capture_off_ms" if i % 2 else "capture_on_ms"].append(ms)
    os.environ.pop("CAPTURE", None)
    for name in ("single", "batch"):
        written = io.StringIO()
        with contextlib.redirect_stdout(written):
            handler.lambda_handler(events[name], Context())
        lines = [line for line in written.getvalue().splitlines() if line.startswith('{"capture":1')]
        result["capture_bytes"][name] = sum(len(line.encode()) + 1 for line in lines)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
