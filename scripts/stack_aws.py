"""`make deploy-aws`, `make plan-aws`, `make destroy-aws`: check the credentials, plan, apply exactly the plan shown."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import stack_spec
from stack_spec import StackError, StackSpec, log
from stack_terraform import _terraform

AWS_PLAN = stack_spec.BUILD / "aws.tfplan"
AWS_PLAN_TEXT = stack_spec.BUILD / "aws-plan.txt"
CREDENTIALS_HINT = (
    "give this shell AWS credentials: `aws sso login --profile <name>` then `export AWS_PROFILE=<name>`, "
    "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (CI assumes a role through GitHub OIDC)"
)


def check_aws() -> dict[str, str]:
    """Who and where the credentials of this shell are, before anything is built: one line on failure."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    try:
        identity = boto3.session.Session(region_name=region).client("sts").get_caller_identity()
    except NoCredentialsError:
        raise StackError(f"no AWS credentials found: {CREDENTIALS_HINT}") from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "refused")
        raise StackError(
            f"AWS refused these credentials ({code}): refresh or replace them; {CREDENTIALS_HINT}"
        ) from None
    except BotoCoreError as error:
        raise StackError(f"AWS credentials unusable ({error}): {CREDENTIALS_HINT}") from None
    log(f"AWS account {identity['Account']} as {identity['Arn']}, region {region}")
    stack_region = os.environ.get("TF_VAR_region") or region  # noqa: SIM112 (Terraform's variable name)
    account_logging_hint(boto3.session.Session(region_name=stack_region))
    return {"account": identity["Account"], "arn": identity["Arn"], "region": region}


def account_logging_hint(session: Any) -> None:
    """API Gateway refuses access logs until the account has its CloudWatch role: say so before a failed apply."""
    if os.environ.get("TF_VAR_manage_account_logging_role", "").lower() == "true":  # noqa: SIM112 (as above)
        return
    try:
        settings = session.client("apigateway").get_account()
    except Exception:  # a hint only: a role without apigateway:GET /account still deploys
        return
    if not settings.get("cloudwatchRoleArn"):
        log(
            f"this account has no API Gateway CloudWatch role in {session.region_name}; the first stack in it sets it: "
            "TF_VAR_manage_account_logging_role=true make deploy-aws (then keep it true in that stack only)"
        )


def confirm(question: str) -> bool:
    """Ask on the terminal; without one (CI, a pipe) refuse rather than apply unseen."""
    if not sys.stdin.isatty():
        raise StackError("no terminal to ask on: review the plan above, then run with AUTO_APPROVE=1 (as CI does)")
    return input(f"\n{question} Only 'yes' applies: ").strip() == "yes"


def plan_aws(spec: StackSpec, destroy: bool = False, lock: bool = True) -> bool:
    """Plan envs/aws into build/aws.tfplan, show it (also as build/aws-plan.txt); True when it changes anything."""
    _terraform(spec)
    args = ["terraform", "plan", "-input=false", "-detailed-exitcode", f"-out={AWS_PLAN}", f"-lock={str(lock).lower()}"]
    args += ["-destroy"] if destroy else []
    for key, value in spec.variables().items():
        args += ["-var", f"{key}={value}"]
    AWS_PLAN.parent.mkdir(parents=True, exist_ok=True)
    planned = subprocess.run(args, cwd=spec.working_dir, capture_output=True, text=True, check=False)
    if planned.returncode == 1:
        raise StackError(f"terraform plan failed:\n{planned.stderr or planned.stdout}")
    shown = subprocess.run(
        ["terraform", "show", "-no-color", str(AWS_PLAN)],
        cwd=spec.working_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    AWS_PLAN_TEXT.write_text(shown.stdout)
    print(shown.stdout, flush=True)
    return planned.returncode == 2


def apply_aws_plan(spec: StackSpec, auto_approve: bool, account: str, destroy: bool = False) -> None:
    """Apply build/aws.tfplan after a 'yes' (or AUTO_APPROVE=1): exactly what was shown, nothing re-planned."""
    verb = "Destroy the stack in" if destroy else "Apply this plan to"
    if not auto_approve and not confirm(f"{verb} AWS account {account}?"):
        raise StackError(f"nothing changed. Plan again with `make {'destroy' if destroy else 'deploy'}-aws`.")
    started = time.monotonic()
    applied = subprocess.run(["terraform", "apply", "-input=false", str(AWS_PLAN)], cwd=spec.working_dir, check=False)
    if applied.returncode != 0:
        raise StackError(
            "terraform apply failed (the state is in the S3 backend): fix the cause and re-run "
            "`make deploy-aws`, or `make destroy-aws` to remove what was created"
        )
    log(f"{'destroyed' if destroy else 'applied'} aws stack {spec.name!r} in {time.monotonic() - started:.1f} s")
