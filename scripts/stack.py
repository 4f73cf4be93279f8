"""Bring the Terraform stack up or down and show it working: `make up`, `make down`, `make deploy-aws`, `make plan-aws`.

Also imported by the tests and the benchmark, so that every apply goes through the same code.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from python_terraform import IsFlagged, IsNotFlagged, Terraform

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
STACK_JSON = BUILD / "stack.json"
AWS_ENV = ROOT / "terraform" / "envs" / "aws"
BACKEND_HCL = AWS_ENV / "backend.hcl"
AWS_PLAN = BUILD / "aws.tfplan"
AWS_PLAN_TEXT = BUILD / "aws-plan.txt"
CREDENTIALS_HINT = (
    "give this shell AWS credentials: `aws sso login --profile <name>` then `export AWS_PROFILE=<name>`, "
    "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (CI assumes a role through GitHub OIDC)"
)


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


def _terraform(spec: StackSpec) -> Terraform:
    # The project's CLI config (written by setup) carries the provider mirror; a user's may point nowhere.
    os.environ["TF_CLI_CONFIG_FILE"] = str(BUILD / "terraformrc")
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    tf = Terraform(working_dir=str(spec.working_dir))
    if spec.env == "aws":
        # The S3 backend: init every time (cheap), so a changed backend.hcl is picked up.
        if not BACKEND_HCL.is_file():
            raise StackError(
                f"{os.path.relpath(BACKEND_HCL, ROOT)} is missing: create the state bucket first "
                "(README, Deploy to AWS, step 1: terraform -chdir=terraform/bootstrap apply)"
            )
        rc, _, err = tf.init(capture_output=True, input=False, backend_config=str(BACKEND_HCL))
        if rc != 0:
            raise StackError(f"terraform init failed in {spec.working_dir}:\n{err}")
    elif not (spec.working_dir / ".terraform").is_dir():
        rc, _, err = tf.init(capture_output=True, input=False)
        if rc != 0:
            raise StackError(f"terraform init failed in {spec.working_dir}:\n{err}")
    return tf


def teardown_command(spec: StackSpec) -> str:
    return "make destroy-aws" if spec.env == "aws" else "make down"


def _state_args(spec: StackSpec) -> dict[str, Any]:
    if spec.state is None:
        return {}
    Path(spec.state).parent.mkdir(parents=True, exist_ok=True)
    return {"state": spec.state}


def plan_has_changes(spec: StackSpec) -> bool:
    tf = _terraform(spec)
    rc, _, err = tf.plan(
        capture_output=True, input=False, detailed_exitcode=IsFlagged, var=spec.variables(), **_state_args(spec)
    )
    if rc == 1:
        raise StackError(f"terraform plan failed:\n{err}")
    return bool(rc == 2)


def apply(spec: StackSpec) -> dict[str, Any]:
    """Apply the stack and return its outputs (plain values)."""
    tf = _terraform(spec)
    started = time.monotonic()
    rc, out, err = tf.apply(skip_plan=True, capture_output=True, input=False, var=spec.variables(), **_state_args(spec))
    if rc != 0:
        raise StackError(
            f"terraform apply failed (state kept in {spec.state or spec.working_dir}; "
            f"fix the cause and re-run, or `{teardown_command(spec)}` to remove what was created):\n{err or out}"
        )
    log(f"applied {spec.env} stack {spec.name!r} in {time.monotonic() - started:.1f} s")
    return outputs(spec)


def outputs(spec: StackSpec) -> dict[str, Any]:
    tf = _terraform(spec)
    raw = tf.output(json=IsFlagged, **_state_args(spec))
    return {key: value["value"] for key, value in (raw or {}).items()}


def localstack_running() -> bool:
    try:
        return requests.get(f"{localstack_endpoint()}/_localstack/health", timeout=2).ok
    except requests.RequestException:
        return False


def destroy(spec: StackSpec) -> None:
    if spec.state is not None:
        if not Path(spec.state).exists():
            log(f"no stack {spec.name!r} to destroy")
            return
        if not localstack_running():
            # LocalStack keeps its resources in memory: they ended with it, only the state file is left.
            log(f"LocalStack is not running, so stack {spec.name!r} is already gone; removing its state")
            Path(spec.state).unlink()
            return
    tf = _terraform(spec)
    started = time.monotonic()
    # python-terraform adds -force by default, which Terraform >= 0.15 rejects.
    rc, out, err = tf.destroy(
        capture_output=True,
        input=False,
        force=IsNotFlagged,
        auto_approve=IsFlagged,
        var=spec.variables(),
        **_state_args(spec),
    )
    if rc != 0:
        raise StackError(f"terraform destroy failed:\n{err or out}")
    if spec.state is not None:
        Path(spec.state).unlink(missing_ok=True)
    log(f"destroyed {spec.env} stack {spec.name!r} in {time.monotonic() - started:.1f} s")


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


def example_record(model_name: str) -> dict[str, Any]:
    metadata = json.loads((BUILD / "models" / model_name / "model.json").read_text())
    return {field["name"]: field["example"] for field in metadata["inputs"]}


def wait_for_health(api_url: str, timeout_s: float = 60.0) -> dict[str, Any]:
    """Poll GET /health until the function has loaded its model; the first call starts R."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = requests.get(f"{api_url}/health", timeout=30)
            if response.status_code == 200:
                body: dict[str, Any] = response.json()
                return body
            last = f"{response.status_code} {response.text[:300]}"
        except requests.RequestException as error:
            last = str(error)
        time.sleep(1)
    raise StackError(f"the API at {api_url} did not become healthy in {timeout_s:.0f} s: {last}")


def predict(api_url: str, record: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{api_url}/predict", json=record, timeout=30)
    if response.status_code != 200:
        raise StackError(f"POST /predict answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def publish_model(model_dir: Path, model_uri: str, s3: Any) -> None:
    """Upload a built model to the serving prefix: model.rds first, then model.json (the function's commit point)."""
    bucket, _, prefix = model_uri.removeprefix("s3://").partition("/")
    for name in ("model.rds", "model.json"):
        s3.upload_file(str(model_dir / name), bucket, f"{prefix.rstrip('/')}/{name}")


def publish(model_name: str, stack_json: Path = STACK_JSON) -> None:
    """`make publish-model`: serve another built model from the running stack, without apply."""
    if not stack_json.exists():
        raise StackError(f"no {stack_json.name}: bring the stack up first with `make up`")
    values = json.loads(stack_json.read_text())
    model_dir = BUILD / "models" / model_name
    if not (model_dir / "model.json").exists():
        raise StackError(f"no model {model_name!r} in build/models; run `make model`")
    import boto3  # only this command talks to S3 directly

    endpoint = values.get("endpoint")
    # LocalStack takes any credentials; on AWS they come from the usual chain.
    key = "test" if endpoint else None
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, region_name=values["region"], aws_access_key_id=key, aws_secret_access_key=key
    )
    publish_model(model_dir, values["model_uri"], s3)
    version = json.loads((model_dir / "model.json").read_text())["version"]
    log(
        f"uploaded {model_name} (version {version}) to {values['model_uri']}; the function serves it after its "
        f"next model check (MODEL_REFRESH_SECONDS); see {values['api_url']}/metadata"
    )


def up(spec: StackSpec, stack_json: Path = STACK_JSON, auto_approve: bool = False) -> dict[str, Any]:
    """Apply when anything changed, record the outputs in stack_json, and show one live prediction."""
    if not (BUILD / "models" / spec.model_name / "model.json").exists():
        names = sorted(p.parent.name for p in (BUILD / "models").glob("*/model.json"))
        raise StackError(f"no model {spec.model_name!r} in build/models (have: {names}); run `make model`")
    if spec.env == "aws":
        account = check_aws()["account"]
        if plan_aws(spec):
            apply_aws_plan(spec, auto_approve, account)
        else:
            log("the stack is up to date: nothing changed")
        values = outputs(spec)
    elif spec.state is not None and Path(spec.state).exists() and not plan_has_changes(spec):
        log("the stack is up to date: nothing changed")
        values = outputs(spec)
    else:
        values = apply(spec)
    values.update(env=spec.env, name=spec.name, model_name=spec.model_name)
    if spec.env == "localstack":
        values["endpoint"] = localstack_endpoint()
        values["state"] = spec.state
    stack_json.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
    wait_for_health(values["api_url"])
    record = example_record(spec.model_name)
    answer = predict(values["api_url"], record)
    print(f"\n  Site:     {values['website_url']}")
    print(f"  API:      {values['api_url']}")
    print(f"  Request:  POST /predict {json.dumps(record)}")
    print(f"  Answer:   {json.dumps(answer)}")
    print(f"\n  Stack outputs: {stack_json}   Tear down: {teardown_command(spec)}\n")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["up", "down", "publish-model", "check-aws", "plan"])
    parser.add_argument("--env", default="localstack", choices=["localstack", "aws"])
    parser.add_argument("--name", default=os.environ.get("STACK_NAME", "rmodel"))
    parser.add_argument("--model", default=os.environ.get("MODEL", "admission"))
    parser.add_argument("--auto-approve", action="store_true", help="apply on AWS without asking (CI)")
    parser.add_argument("--no-lock", action="store_true", help="plan without taking the state lock (read-only CI)")
    args = parser.parse_args(argv)
    spec = StackSpec(env=args.env, name=args.name, model_name=args.model)
    try:
        if args.command == "check-aws":
            check_aws()
        elif args.command == "plan":
            if spec.env != "aws":
                raise StackError("plan is for --env aws (LocalStack: make up plans and applies)")
            check_aws()
            plan_aws(spec, lock=not args.no_lock)
            log(f"plan saved to {AWS_PLAN.relative_to(ROOT)} and {AWS_PLAN_TEXT.relative_to(ROOT)}")
        elif args.command == "up":
            up(spec, auto_approve=args.auto_approve)
        elif args.command == "publish-model":
            publish(args.model)
        elif spec.env == "aws":
            account = check_aws()["account"]
            if plan_aws(spec, destroy=True):
                apply_aws_plan(spec, args.auto_approve, account, destroy=True)
            STACK_JSON.unlink(missing_ok=True)
        else:
            destroy(spec)
            STACK_JSON.unlink(missing_ok=True)
    except StackError as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
