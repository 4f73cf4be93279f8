"""Bring the Terraform stack up or down and show it working: `make up`, `make down`, `make deploy-aws`, `make plan-aws`.

Also imported by the tests and the benchmark, so that every apply goes through the same code. The jobs live in
stack_spec (what a deployment is), stack_terraform (Terraform runs), stack_record (what the last apply read),
stack_aws (the AWS account and its plans) and stack_models (the model commands); this module re-exports them.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import requests
import stack_spec
from lambda_zip import BuildError
from model_bucket import ModelBucketError
from stack_aws import (
    AWS_PLAN,
    AWS_PLAN_TEXT,
    CREDENTIALS_HINT,
    account_logging_hint,
    apply_aws_plan,
    check_aws,
    confirm,
    plan_aws,
)
from stack_models import (
    built_model,
    model_names,
    model_versions,
    publish,
    publish_model,
    publish_models,
    rollback_model,
)
from stack_record import (
    inputs_fingerprint,
    keep_applied_state,
    localstack_session,
    record_inputs,
    unchanged_since_last_apply,
)
from stack_spec import BUILD, ROOT, STACK_JSON, StackError, StackSpec, localstack_endpoint, log, teardown_command
from stack_terraform import (
    BACKEND_HCL,
    _bring_up,
    answers,
    apply,
    apply_plan,
    bucket_exists,
    destroy,
    forget,
    gone_with_localstack,
    localstack_running,
    outputs,
    plan_has_changes,
)

__all__ = [
    "AWS_PLAN_TEXT",
    "BACKEND_HCL",
    "BUILD",
    "CREDENTIALS_HINT",
    "STACK_JSON",
    "StackError",
    "StackSpec",
    "account_logging_hint",
    "answers",
    "apply",
    "apply_aws_plan",
    "apply_plan",
    "bucket_exists",
    "check_aws",
    "confirm",
    "destroy",
    "example_record",
    "first_curl",
    "forget",
    "keep_applied_state",
    "gone_with_localstack",
    "inputs_fingerprint",
    "localstack_endpoint",
    "localstack_running",
    "localstack_session",
    "log",
    "model_names",
    "model_versions",
    "outputs",
    "plan_aws",
    "plan_has_changes",
    "predict",
    "publish",
    "publish_model",
    "publish_models",
    "record_inputs",
    "rollback_model",
    "teardown_command",
    "unchanged_since_last_apply",
    "up",
    "wait_for_health",
]


def example_record(model_name: str) -> dict[str, Any]:
    metadata = json.loads((stack_spec.BUILD / "models" / model_name / "model.json").read_text())
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


def up(
    spec: StackSpec, stack_json: Path = STACK_JSON, auto_approve: bool = False, models: str | None = None
) -> dict[str, Any]:
    """Apply when anything changed, publish every model, record the outputs in stack_json, show one prediction."""
    names = model_names(spec, models)
    for name in names:
        built_model(name)
    if spec.env == "aws":
        account = check_aws()["account"]
        if plan_aws(spec):
            apply_aws_plan(spec, auto_approve, account)
        else:
            log("the stack is up to date: nothing changed")
        values: dict[str, Any] = outputs(spec)
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
    except (StackError, ModelBucketError, BuildError) as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
