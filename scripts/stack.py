"""Bring the Terraform stack up or down and show it working: `make up`, `make down`, `make deploy-aws`, `make plan-aws`.

Also imported by the tests and the benchmark, so that every apply goes through the same code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from model_bucket import ModelBucket, ModelBucketError, missing_r_packages
from python_terraform import IsFlagged, IsNotFlagged, Terraform

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
STACK_JSON = BUILD / "stack.json"
AWS_ENV = ROOT / "terraform" / "envs" / "aws"
BACKEND_HCL = AWS_ENV / "backend.hcl"
AWS_PLAN = BUILD / "aws.tfplan"
AWS_PLAN_TEXT = BUILD / "aws-plan.txt"
# The states of the stacks applied since LocalStack started: the policies `make iam-check` evaluates calls against.
IAM_STATES = BUILD / "iam" / "states"
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
    elif _needs_init(spec.working_dir):
        rc, _, err = tf.init(capture_output=True, input=False)
        if rc != 0:
            raise StackError(f"terraform init failed in {spec.working_dir}:\n{err}")
        (spec.working_dir / ".terraform" / "modules" / "modules.json").touch()  # init leaves it as it was
    return tf


def _needs_init(working_dir: Path) -> bool:
    """No .terraform yet, or Terraform code changed since it was made (a module added after a pull, say)."""
    manifest = working_dir / ".terraform" / "modules" / "modules.json"
    if not manifest.exists():
        return True
    newest = max(p.stat().st_mtime for p in (ROOT / "terraform").rglob("*.tf") if ".terraform" not in p.parts)
    return newest > manifest.stat().st_mtime


def teardown_command(spec: StackSpec) -> str:
    return "make destroy-aws" if spec.env == "aws" else "make down"


def _state_args(spec: StackSpec) -> dict[str, Any]:
    if spec.state is None:
        return {}
    Path(spec.state).parent.mkdir(parents=True, exist_ok=True)
    return {"state": spec.state}


def plan_has_changes(spec: StackSpec, plan_file: Path | None = None) -> bool:
    """Plan (refreshing every resource); with plan_file, save the plan there for apply_plan."""
    tf = _terraform(spec)
    saved = {"out": str(plan_file)} if plan_file else {}
    rc, _, err = tf.plan(
        capture_output=True,
        input=False,
        detailed_exitcode=IsFlagged,
        var=spec.variables(),
        **saved,
        **_state_args(spec),
    )
    if rc == 1:
        raise StackError(f"terraform plan failed:\n{err}")
    return bool(rc == 2)


def _apply_failed(spec: StackSpec, err: str, out: str) -> StackError:
    return StackError(
        f"terraform apply failed (state kept in {spec.state or spec.working_dir}; "
        f"fix the cause and re-run, or `{teardown_command(spec)}` to remove what was created):\n{err or out}"
    )


def apply(spec: StackSpec) -> dict[str, Any]:
    """Apply the stack and return its outputs (plain values)."""
    tf = _terraform(spec)
    started = time.monotonic()
    rc, out, err = tf.apply(skip_plan=True, capture_output=True, input=False, var=spec.variables(), **_state_args(spec))
    if rc != 0:
        raise _apply_failed(spec, err, out)
    log(f"applied {spec.env} stack {spec.name!r} in {time.monotonic() - started:.1f} s")
    record_inputs(spec)
    keep_applied_state(spec.state)
    return outputs(spec)


def apply_plan(spec: StackSpec, plan_file: Path) -> dict[str, Any]:
    """Apply a plan saved by plan_has_changes: no second validate and plan (each starts the AWS provider)."""
    tf = _terraform(spec)
    started = time.monotonic()
    try:
        rc, out, err = tf.apply(str(plan_file), skip_plan=True, capture_output=True, input=False, **_state_args(spec))
    finally:
        plan_file.unlink(missing_ok=True)
    if rc != 0:
        raise _apply_failed(spec, err, out)
    log(f"applied {spec.env} stack {spec.name!r} in {time.monotonic() - started:.1f} s")
    record_inputs(spec)
    keep_applied_state(spec.state)
    return outputs(spec)


def keep_applied_state(state: str | None) -> None:
    """Copy a LocalStack stack's state for `make iam-check`: the calls are checked after the stack is gone."""
    if state is not None:
        IAM_STATES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, IAM_STATES / Path(state).name)


def outputs(spec: StackSpec) -> dict[str, Any]:
    if spec.state is not None:
        # A local state holds the outputs: reading it saves starting terraform.
        state = json.loads(Path(spec.state).read_text())
        return {key: value["value"] for key, value in state.get("outputs", {}).items()}
    tf = _terraform(spec)
    raw = tf.output(json=IsFlagged, **_state_args(spec))
    return {key: value["value"] for key, value in (raw or {}).items()}


def localstack_session() -> str | None:
    """LocalStack's id of its running process: it keeps resources in memory, so a new session has none of them."""
    try:
        info: dict[str, Any] = requests.get(f"{localstack_endpoint()}/_localstack/info", timeout=5).json()
    except (requests.RequestException, ValueError):
        return None
    session = info.get("session_id")
    return str(session) if session else None


def _input_files(spec: StackSpec) -> list[Path]:
    """Every file an apply reads: the Terraform code (not its tests), the zip's manifest, the model, the site."""
    variables = spec.variables()
    terraform = ROOT / "terraform"
    code = [
        p
        for p in terraform.rglob("*")
        if p.is_file() and not {"tests", ".terraform"} & set(p.relative_to(terraform).parts)
    ]
    model_dir = Path(variables["models_dir"]) / spec.model_name
    data = [Path(variables["lambda_manifest"]), model_dir / "model.rds", model_dir / "model.json"]
    site = [p for p in Path(variables["frontend_dir"]).rglob("*") if p.is_file()]
    return sorted(code) + data + sorted(site)


def inputs_fingerprint(spec: StackSpec, session: str | None) -> str | None:
    """sha256 over what decides the applied stack: input files, variables, the state, the LocalStack session.

    None when there is no local state or no LocalStack session to tie it to (then only a plan can tell).
    """
    if spec.state is None or session is None or not Path(spec.state).is_file():
        return None
    digest = hashlib.sha256()
    for path in [*_input_files(spec), Path(spec.state)]:
        digest.update(f"{path}\0".encode())
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
        digest.update(b"\0")
    digest.update(json.dumps([spec.variables(), session], sort_keys=True).encode())
    return digest.hexdigest()


def record_inputs(spec: StackSpec) -> None:
    """Remember the fingerprint of what was just applied (or planned with no changes), and the LocalStack session."""
    if spec.inputs_record is None:
        return
    session = localstack_session()
    fingerprint = inputs_fingerprint(spec, session)
    if fingerprint is None:
        spec.inputs_record.unlink(missing_ok=True)
    else:
        spec.inputs_record.write_text(json.dumps({"fingerprint": fingerprint, "localstack_session": session}) + "\n")


def _recorded(spec: StackSpec) -> dict[str, Any]:
    record = spec.inputs_record
    try:
        value = json.loads(record.read_text()) if record is not None else {}
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def unchanged_since_last_apply(spec: StackSpec) -> bool:
    fingerprint = inputs_fingerprint(spec, localstack_session())
    return fingerprint is not None and _recorded(spec).get("fingerprint") == fingerprint


def bucket_exists(bucket: str) -> bool:
    try:
        return requests.head(f"{localstack_endpoint()}/{bucket}", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def gone_with_localstack(spec: StackSpec) -> bool:
    """True when LocalStack restarted since the last apply and took the stack with it (it keeps resources in
    memory: ctl.py sets no PERSISTENCE); then the state describes nothing, and refreshing it is wasted time."""
    recorded = _recorded(spec).get("localstack_session")
    session = localstack_session()
    if recorded is None or session is None or recorded == session or spec.state is None:
        return False
    bucket = outputs(spec).get("model_bucket")
    return bucket is not None and not bucket_exists(str(bucket))


def answers(values: dict[str, Any]) -> bool:
    """One look at the live stack: the API's /health and the site's config.json as the last apply left them."""
    try:
        health = requests.get(f"{values['api_url']}/health", timeout=30)
        host = values.get("website_host")
        site = (
            requests.get(f"{localstack_endpoint()}/config.json", headers={"Host": host}, timeout=10) if host else None
        )
    except requests.RequestException:
        return False
    site_ok = site is None or (site.status_code == 200 and site.json().get("api_url") == values["api_url"])
    return health.status_code == 200 and site_ok


def localstack_running() -> bool:
    try:
        return requests.get(f"{localstack_endpoint()}/_localstack/health", timeout=2).ok
    except requests.RequestException:
        return False


def forget(spec: StackSpec) -> None:
    """Remove a LocalStack stack's state and inputs record (its resources are gone, or about to be)."""
    for path in (spec.state, spec.inputs_record):
        if path is not None:
            Path(path).unlink(missing_ok=True)


def destroy(spec: StackSpec) -> None:
    if spec.state is not None:
        if not Path(spec.state).exists():
            log(f"no stack {spec.name!r} to destroy")
            return
        if not localstack_running():
            # LocalStack keeps its resources in memory: they ended with it, only the state file is left.
            log(f"LocalStack is not running, so stack {spec.name!r} is already gone; removing its state")
            forget(spec)
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
    forget(spec)
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


def first_curl(api_url: str, record: dict[str, Any]) -> list[str]:
    """The request a newcomer types first: no Content-Type, so curl sends a form body (the API takes it as JSON)."""
    return ["curl", "-X", "POST", f"{api_url}/predict", "-d", json.dumps(record)]


def predict(api_url: str, record: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{api_url}/predict", json=record, timeout=30)
    if response.status_code != 200:
        raise StackError(f"POST /predict answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def publish_model(model_dir: Path, model_uri: str, s3: Any) -> None:
    """Upload a built model next to the default model of model_uri, under its folder's name (rds, then json)."""
    ModelBucket(s3, model_uri).publish(model_dir.name, model_dir)


def _model_bucket(values: dict[str, Any]) -> ModelBucket:
    import boto3  # only the model commands talk to S3 directly

    endpoint = values.get("endpoint")
    # LocalStack takes any credentials; on AWS they come from the usual chain.
    key = "test" if endpoint else None
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, region_name=values["region"], aws_access_key_id=key, aws_secret_access_key=key
    )
    return ModelBucket(s3, values["model_uri"])


def _stack_values(stack_json: Path) -> dict[str, Any]:
    if not stack_json.exists():
        raise StackError(f"no {stack_json.name}: bring the stack up first with `make up`")
    values: dict[str, Any] = json.loads(stack_json.read_text())
    return values


def _built_model(model_name: str) -> Path:
    model_dir = BUILD / "models" / model_name
    if not (model_dir / "model.json").exists():
        names = sorted(p.parent.name for p in (BUILD / "models").glob("*/model.json"))
        raise StackError(f"no model {model_name!r} in build/models (have: {names}); run `make model`")
    return model_dir


def _fits_the_zip(model_dir: Path) -> bool:
    """A model whose R packages the zip lacks would only fail in the function: say which rebuild it needs."""
    manifest = json.loads((BUILD / "lambda.manifest.json").read_text())
    missing = missing_r_packages(model_dir, manifest)
    if missing:
        log(
            f"model {model_dir.name} needs R package(s) {', '.join(missing)} that build/lambda.zip lacks: "
            "run `make up` (or `make package`) to rebuild the zip with every model in build/models; not published"
        )
    return not missing


def publish_models(values: dict[str, Any], names: list[str]) -> None:
    """Publish each named built model whose version is not the one serving; each publish is kept as a version."""
    bucket = _model_bucket(values)
    for name in names:
        model_dir = _built_model(name)
        version = json.loads((model_dir / "model.json").read_text())["version"]
        if bucket.served_version(name) == version:
            continue
        if _fits_the_zip(model_dir):
            bucket.publish(name, model_dir)
            log(f"published {name} (version {version}) to {bucket.uri(name)}")


def publish(model_name: str, stack_json: Path = STACK_JSON) -> None:
    """`make publish-model`: publish a built model to the running stack, without apply."""
    values = _stack_values(stack_json)
    model_dir = _built_model(model_name)
    if not _fits_the_zip(model_dir):
        raise StackError(f"{model_name} was not published")
    bucket = _model_bucket(values)
    version = bucket.publish(model_name, model_dir)
    log(
        f"uploaded {model_name} (version {version}) to {bucket.uri(model_name)}; the function serves it after its "
        f"next model check (MODEL_REFRESH_SECONDS); see {values['api_url']}/models/{model_name}/metadata"
    )


def _bring_up(spec: StackSpec) -> dict[str, Any]:
    """Apply only what changed; skip Terraform altogether when nothing can have changed and the stack answers."""
    if spec.state is None or not Path(spec.state).exists():
        return apply(spec)
    if gone_with_localstack(spec):
        log("LocalStack restarted since the last apply and the stack went with it: applying afresh")
        forget(spec)
        return apply(spec)
    # LocalStack is ours alone and in memory: with the same inputs, state and LocalStack session as the last
    # apply, only a hand edit could differ, and the request path is checked live. Anything else plans.
    if unchanged_since_last_apply(spec):
        values = outputs(spec)
        if answers(values):
            log("the stack is up to date: inputs, state and LocalStack unchanged since the last apply, and it answers")
            return values
        log("the stack does not answer as the last apply left it: planning")
    plan_file = Path(spec.state).with_suffix(".tfplan")
    if plan_has_changes(spec, plan_file):
        return apply_plan(spec, plan_file)
    plan_file.unlink(missing_ok=True)
    log("the stack is up to date: nothing changed")
    record_inputs(spec)
    return outputs(spec)


def model_versions(model_name: str, stack_json: Path = STACK_JSON) -> None:
    """`make model-versions`: every kept publish of a model, newest first, and which one serves."""
    versions = _model_bucket(_stack_values(stack_json)).versions(model_name)
    print(f"{'model version':<14} {'trained at':<21} {'published at':<26} {'S3 version id':<36} serving")
    for version in versions:
        row = version.row()
        note = "  <- serving" if version.serving else ""
        if version.restored_from:
            note += f"  (rollback to {version.restored_from})"
        print(
            f"{row['model_version']:<14} {row['trained_at'] or '-':<21} {row['published_at']:<26} "
            f"{row['s3_version_id']:<36}{note}"
        )


def rollback_model(model_name: str, version: str | None, stack_json: Path = STACK_JSON) -> None:
    """`make rollback-model`: serve the previous (or the given) version again, without apply."""
    values = _stack_values(stack_json)
    target = _model_bucket(values).rollback(model_name, version)
    log(
        f"{model_name} now serves version {target.model_version} (trained {target.trained_at}) again; the function "
        f"picks it up at its next model check; see {values['api_url']}/models"
    )


def model_names(spec: StackSpec, selected: str | None) -> list[str]:
    """MODELS=a,b, else every model built in build/models; the default model always among them."""
    if selected:
        names = [name.strip() for name in selected.split(",") if name.strip()]
    else:
        names = sorted(p.parent.name for p in (BUILD / "models").glob("*/model.json"))
    return sorted({*names, spec.model_name})


def up(
    spec: StackSpec, stack_json: Path = STACK_JSON, auto_approve: bool = False, models: str | None = None
) -> dict[str, Any]:
    """Apply when anything changed, publish every model, record the outputs in stack_json, show one prediction."""
    names = model_names(spec, models)
    for name in names:
        _built_model(name)
    if spec.env == "aws":
        account = check_aws()["account"]
        if plan_aws(spec):
            apply_aws_plan(spec, auto_approve, account)
        else:
            log("the stack is up to date: nothing changed")
        values = outputs(spec)
    else:
        values = _bring_up(spec)
    values.update(env=spec.env, name=spec.name, model_name=spec.model_name)
    if spec.env == "localstack":
        values["endpoint"] = localstack_endpoint()
        values["state"] = spec.state
    stack_json.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
    publish_models(values, names)
    wait_for_health(values["api_url"])
    record = example_record(spec.model_name)
    answer = predict(values["api_url"], record)
    print(f"\n  Site:     {values['website_url']}")
    print(f"  API:      {values['api_url']}")
    print(f"  Models:   {values['api_url']}/models   ({', '.join(names)}; default {spec.model_name})")
    print(f"  Request:  POST /predict {json.dumps(record)}")
    print(f"  Answer:   {json.dumps(answer)}")
    print(f"  Try it:   {shlex.join(first_curl(values['api_url'], record))}")
    print(f"\n  Stack outputs: {stack_json}   Tear down: {teardown_command(spec)}\n")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "command", choices=["up", "down", "publish-model", "model-versions", "rollback-model", "check-aws", "plan"]
    )
    parser.add_argument("--env", default="localstack", choices=["localstack", "aws"])
    parser.add_argument("--name", default=os.environ.get("STACK_NAME", "rmodel"))
    parser.add_argument("--model", default=os.environ.get("MODEL", "admission"))
    parser.add_argument("--models", default=os.environ.get("MODELS"), help="a,b: the models `up` publishes")
    parser.add_argument("--version", default=os.environ.get("VERSION") or None, help="model version to roll back to")
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
            up(spec, auto_approve=args.auto_approve, models=args.models)
        elif args.command == "publish-model":
            publish(args.model)
        elif args.command == "model-versions":
            model_versions(args.model)
        elif args.command == "rollback-model":
            rollback_model(args.model, args.version)
        elif spec.env == "aws":
            account = check_aws()["account"]
            if plan_aws(spec, destroy=True):
                apply_aws_plan(spec, args.auto_approve, account, destroy=True)
            STACK_JSON.unlink(missing_ok=True)
        else:
            destroy(spec)
            STACK_JSON.unlink(missing_ok=True)
    except (StackError, ModelBucketError) as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
