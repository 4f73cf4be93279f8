"""`make deploy-aws` as a person meets it: credentials checked first, the plan shown, a question before applying."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import stack as stack_cli  # noqa: E402  (scripts/ is not a package)
import stack_aws  # noqa: E402
import stack_terraform  # noqa: E402


def without_aws_credentials() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE="/nonexistent/config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def test_without_credentials_the_check_fails_at_once_with_one_line_saying_how() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/stack.py", "check-aws"],
        cwd=ROOT,
        env=without_aws_credentials(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stack: no AWS credentials found: ")
    assert "export AWS_PROFILE=" in lines[0]
    assert "AWS_ACCESS_KEY_ID" in lines[0]
    assert "Traceback" not in result.stderr


def test_deploy_checks_credentials_before_building_anything() -> None:
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "deploy-aws"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    check = next(i for i, line in enumerate(lines) if "scripts/stack.py check-aws" in line)
    build = next(i for i, line in enumerate(lines) if "lambda_zip build" in line)
    apply = next(i for i, line in enumerate(lines) if "scripts/stack.py up --env aws" in line)
    assert check < build < apply
    assert "--auto-approve" not in lines[apply]  # a person is asked
    ci = subprocess.run(
        ["make", "-n", "--no-print-directory", "deploy-aws", "AUTO_APPROVE=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "scripts/stack.py up --env aws --auto-approve" in ci.stdout


def test_without_a_terminal_nothing_is_applied_unasked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))  # not a TTY, even though it says yes
    with pytest.raises(stack_cli.StackError, match=r"AUTO_APPROVE=1"):
        stack_cli.confirm("Apply this plan?")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "applies"), [("yes\n", True), ("y\n", False), ("\n", False), ("no\n", False)])
def test_only_yes_applies(monkeypatch: pytest.MonkeyPatch, answer: str, applies: bool) -> None:
    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    assert stack_cli.confirm("Apply this plan?") is applies


def test_a_refused_plan_is_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[Any] = []
    monkeypatch.setattr(stack_aws.subprocess, "run", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(sys, "stdin", Terminal("no\n"))
    with pytest.raises(stack_cli.StackError, match=r"nothing changed\. Plan again with `make deploy-aws`"):
        stack_cli.apply_aws_plan(stack_cli.StackSpec(env="aws"), auto_approve=False, account="123456789012")
    assert ran == []


def test_hints_name_the_aws_teardown() -> None:
    assert stack_cli.teardown_command(stack_cli.StackSpec(env="aws")) == "make destroy-aws"
    assert stack_cli.teardown_command(stack_cli.StackSpec(env="localstack")) == "make down"


def test_without_backend_config_the_state_bucket_comes_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(stack_terraform, "BACKEND_HCL", tmp_path / "backend.hcl")
    with pytest.raises(stack_cli.StackError, match=r"backend\.hcl is missing: create the state bucket first"):
        stack_terraform._terraform(stack_cli.StackSpec(env="aws"))


class StubSession:
    """Stands in for a boto3 session whose API Gateway answers GetAccount with the given settings (a mock)."""

    region_name = "eu-west-1"

    def __init__(self, settings: dict[str, str]) -> None:
        self.settings = settings

    def client(self, service: str) -> Any:
        assert service == "apigateway"
        settings = self.settings
        return type("Client", (), {"get_account": staticmethod(lambda: settings)})()


@pytest.mark.parametrize(
    ("settings", "variable", "hinted"),
    [
        ({}, "", True),
        ({"cloudwatchRoleArn": "arn:aws:iam::123456789012:role/logs"}, "", False),
        ({}, "true", False),
    ],
)
def test_a_fresh_account_is_told_how_to_set_the_logging_role(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    settings: dict[str, str],
    variable: str,
    hinted: bool,
) -> None:
    monkeypatch.setenv("TF_VAR_manage_account_logging_role", variable)
    stack_cli.account_logging_hint(StubSession(settings))
    err = capsys.readouterr().err
    if hinted:
        assert "no API Gateway CloudWatch role in eu-west-1" in err
        assert "TF_VAR_manage_account_logging_role=true make deploy-aws" in err
    else:
        assert err == ""
