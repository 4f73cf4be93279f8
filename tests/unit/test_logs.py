"""lambda/logs.py: one JSON line per log call, and the invocation wrapper of the background functions."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from logs import invocation, log, request_id


def test_a_failed_invocation_logs_its_traceback_with_its_request_id_and_raises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def work() -> None:
        with invocation(SimpleNamespace(aws_request_id="r-1"), "x failed"):
            log("info", "working")
            raise KeyError("MONITORING_BUCKET")

    with pytest.raises(KeyError, match="MONITORING_BUCKET"):
        work()
    working, failed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (working["message"], working["request_id"]) == ("working", "r-1")
    assert (failed["level"], failed["message"], failed["request_id"]) == ("error", "x failed", "r-1")
    assert failed["traceback"].rstrip().endswith("KeyError: 'MONITORING_BUCKET'")
    assert request_id.get() is None  # the next invocation starts without it


def test_a_successful_invocation_logs_nothing_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    with invocation(SimpleNamespace(aws_request_id="r-2"), "x failed"):
        assert request_id.get() == "r-2"
    assert capsys.readouterr().out == ""
    assert request_id.get() is None
