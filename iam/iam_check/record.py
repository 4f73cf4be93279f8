"""Where the AWS calls of one LocalStack and the states of the stacks applied to it are kept for `make iam-check`.

One folder per LocalStack port: a second LocalStack (a test's own instance) never empties the first one's record.
Standard library only: localstack/ctl.py and scripts/ import it too.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORT = 4566


def record_dir(port: int | None = None) -> Path:
    """build/iam for the default LocalStack (the README's paths), build/iam/port-<port> for any other."""
    chosen = port if port is not None else int(os.environ.get("LOCALSTACK_PORT", DEFAULT_PORT))
    base = ROOT / "build" / "iam"
    return base if chosen == DEFAULT_PORT else base / f"port-{chosen}"


def calls_file(port: int | None = None) -> Path:
    """The recorder's file; IAM_CALLS_FILE overrides it."""
    return Path(os.environ.get("IAM_CALLS_FILE") or record_dir(port) / "calls.jsonl")


def states_dir(port: int | None = None) -> Path:
    """Copies of the Terraform states applied to that LocalStack: the policies its calls are checked against."""
    return calls_file(port).parent / "states"
