"""What a deployment is: which env root, under which name, serving which model; where the repository keeps it."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
STACK_JSON = BUILD / "stack.json"


def log(message: str) -> None:
    print(f"\033[1m[stack]\033[0m {message}", file=sys.stderr, flush=True)


def localstack_endpoint() -> str:
    return f"http://127.0.0.1:{os.environ.get('LOCALSTACK_PORT', '4566')}"


@dataclass
class StackSpec:
    """One deployment: which env root, under which name, serving which model."""

    env: str = "localstack"
    name: str = "rmodel"
    model_name: str = "admission"
    extra_vars: dict[str, Any] = field(default_factory=dict)

    @property
    def working_dir(self) -> Path:
        return ROOT / "terraform" / "envs" / self.env

    @property
    def state(self) -> str | None:
        # LocalStack stacks keep their state under build/ (one file per name); the aws env uses its own backend.
        if self.env != "localstack":
            return None
        return str(BUILD / "terraform" / f"{self.name}.tfstate")

    @property
    def inputs_record(self) -> Path | None:
        """Where the fingerprint of the last successful apply or plan is kept (LocalStack stacks only)."""
        return None if self.state is None else Path(self.state).with_suffix(".inputs")

    def variables(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": self.name,
            "model_name": self.model_name,
            "lambda_zip": str(BUILD / "lambda.zip"),
            "lambda_manifest": str(BUILD / "lambda.manifest.json"),
            "models_dir": str(BUILD / "models"),
            "frontend_dir": str(ROOT / "frontend"),
        }
        if self.env == "localstack":
            values["localstack_endpoint"] = localstack_endpoint()
        values.update(self.extra_vars)
        return values


class StackError(RuntimeError):
    pass


def teardown_command(spec: StackSpec) -> str:
    return "make destroy-aws" if spec.env == "aws" else "make down"
