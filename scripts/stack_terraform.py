"""Terraform runs for a stack: init, plan, apply (only what changed), outputs, destroy."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import requests
import stack_record
import stack_spec
from python_terraform import IsFlagged, IsNotFlagged, Terraform
from stack_spec import StackError, StackSpec, localstack_endpoint, log, teardown_command

BACKEND_HCL = stack_spec.ROOT / "terraform" / "envs" / "aws" / "backend.hcl"


def _terraform(spec: StackSpec) -> Terraform:
    # The project's CLI config (written by setup) carries the provider mirror; a user's may point nowhere.
    os.environ["TF_CLI_CONFIG_FILE"] = str(stack_spec.BUILD / "terraformrc")
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    tf = Terraform(working_dir=str(spec.working_dir))
    if spec.env == "aws":
        # The S3 backend: init every time (cheap), so a changed backend.hcl is picked up.
        if not BACKEND_HCL.is_file():
            raise StackError(
                f"{os.path.relpath(BACKEND_HCL, stack_spec.ROOT)} is missing: create the state bucket first "
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
    code = (stack_spec.ROOT / "terraform").rglob("*.tf")
    newest: float = max(p.stat().st_mtime for p in code if ".terraform" not in p.parts)
    return newest > manifest.stat().st_mtime


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
    return _applied(spec, started, rc, out, err)


def apply_plan(spec: StackSpec, plan_file: Path) -> dict[str, Any]:
    """Apply a plan saved by plan_has_changes: no second validate and plan (each starts the AWS provider)."""
    tf = _terraform(spec)
    started = time.monotonic()
    try:
        rc, out, err = tf.apply(str(plan_file), skip_plan=True, capture_output=True, input=False, **_state_args(spec))
    finally:
        plan_file.unlink(missing_ok=True)
    return _applied(spec, started, rc, out, err)


def _applied(spec: StackSpec, started: float, rc: int, out: str, err: str) -> dict[str, Any]:
    """After an apply: fail with Terraform's reason, or record what was applied and return the outputs."""
    if rc != 0:
        raise _apply_failed(spec, err, out)
    log(f"applied {spec.env} stack {spec.name!r} in {time.monotonic() - started:.1f} s")
    stack_record.record_inputs(spec)
    stack_record.keep_applied_state(spec.state)
    return outputs(spec)


def outputs(spec: StackSpec) -> dict[str, Any]:
    if spec.state is not None:
        # A local state holds the outputs: reading it saves starting terraform.
        state = json.loads(Path(spec.state).read_text())
        return {key: value["value"] for key, value in state.get("outputs", {}).items()}
    tf = _terraform(spec)
    raw = tf.output(json=IsFlagged, **_state_args(spec))
    return {key: value["value"] for key, value in (raw or {}).items()}


def bucket_exists(bucket: str) -> bool:
    try:
        return requests.head(f"{localstack_endpoint()}/{bucket}", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def gone_with_localstack(spec: StackSpec) -> bool:
    """True when LocalStack restarted since the last apply and took the stack with it (it keeps resources in
    memory: ctl.py sets no PERSISTENCE); then the state describes nothing, and refreshing it is wasted time."""
    recorded = stack_record.recorded(spec).get("localstack_session")
    session = stack_record.localstack_session()
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
    if stack_record.unchanged_since_last_apply(spec):
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
    stack_record.record_inputs(spec)
    return outputs(spec)
