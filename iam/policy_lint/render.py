"""Every policy document of a Terraform root, rendered offline.

`terraform test -json -verbose` of the root's `tests/policies.tftest.hcl` prints the plan as JSON. That test mocks
the AWS provider with ARNs of the real format known at plan time (terraform/tests/policy_mocks), so each policy is
a complete document: no credentials, no account and no LocalStack are needed. A real `terraform plan` could not do
this: on a fresh account every policy built from a new resource's ARN is "known after apply".
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
ROOTS = [TERRAFORM / "envs" / "localstack", TERRAFORM / "envs" / "aws", TERRAFORM / "bootstrap"]
TEST_FILE = "tests/policies.tftest.hcl"
# The attributes that hold a policy document; other `policy` attributes (aws_s3_bucket's, the REST API's) are
# computed echoes of these, not set by the configuration.
POLICY_ATTRIBUTES = {
    "aws_iam_role": ("assume_role_policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_policy": ("policy",),
    "aws_s3_bucket_policy": ("policy",),
    "aws_kms_key": ("policy",),
    "aws_sqs_queue_policy": ("policy",),
    "aws_sns_topic_policy": ("policy",),
    "aws_api_gateway_rest_api_policy": ("policy",),
    "aws_cloudwatch_log_resource_policy": ("policy_document",),
}


class RenderError(Exception):
    """A root whose policies could not be rendered; the message says what to do."""


@dataclass(frozen=True)
class Policy:
    name: str  # the root, the resource address and the attribute
    document: dict[str, Any]


def _terraform(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "NO_COLOR": "1"}
    env["TF_CLI_CONFIG_FILE"] = str(ROOT / "build" / "terraformrc")  # the mirror config `make setup` writes
    return subprocess.run(
        ["terraform", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def label(root: Path) -> str:
    """The root as named under terraform/ (envs/aws), also for a copy of the tree elsewhere."""
    parts = root.parts
    return "/".join(parts[len(parts) - parts[::-1].index("terraform") :]) if "terraform" in parts else root.name


def plan_json(root: Path) -> dict[str, Any]:
    """The plan of the root's policies test, as `terraform show -json` would print it."""
    lock = ["-lockfile=readonly"] if (root / ".terraform.lock.hcl").is_file() else []
    init = _terraform(root, "init", "-backend=false", "-no-color", *lock)
    if init.returncode != 0:
        raise RenderError(f"{label(root)}: terraform init failed: {init.stderr.strip()}")
    test = _terraform(root, "test", f"-filter={TEST_FILE}", "-json", "-verbose", "-no-color")
    plans, errors = [], []
    for line in test.stdout.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("type") == "test_plan":
            plans.append(message["test_plan"])
        elif message.get("@level") == "error":
            errors.append(message.get("@message", ""))
    if test.returncode != 0 or len(plans) != 1:
        detail = "; ".join(errors) or test.stderr.strip() or f"{len(plans)} plans printed"
        raise RenderError(f"{label(root)}/{TEST_FILE}: expected one rendered plan: {detail}")
    plan: dict[str, Any] = plans[0]
    return plan


def policies(plan: dict[str, Any], label: str) -> list[Policy]:
    """The policy documents the plan would create; one still unknown at plan time is an error."""
    found = []
    for change in plan.get("resource_changes", []):
        after = change["change"].get("after") or {}
        unknown = change["change"].get("after_unknown") or {}
        for attribute in POLICY_ATTRIBUTES.get(change["type"], ()):
            name = f"{label}: {change['address']}.{attribute}"
            if unknown.get(attribute):
                raise RenderError(
                    f"{name} is unknown at plan time: give the ARN it is built from a mock in "
                    "terraform/tests/policy_mocks/aws.tfmock.hcl"
                )
            if after.get(attribute):
                found.append(Policy(name, json.loads(after[attribute])))
    return found


def render(roots: list[Path] = ROOTS) -> list[Policy]:
    return [p for root in roots for p in policies(plan_json(root), label(root))]
