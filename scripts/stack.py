"""Bring the Terraform stack up or down and show it working: `make up`, `make down`, `make deploy-aws`.

Also imported by the tests and the benchmark, so that every apply goes through the same code.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
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
    if not (spec.working_dir / ".terraform").is_dir():
        rc, _, err = tf.init(capture_output=True, input=False)
        if rc != 0:
            raise StackError(f"terraform init failed in {spec.working_dir}:\n{err}")
    return tf


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
            f"fix the cause and re-run, or `make down` to remove what was created):\n{err or out}"
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


def up(spec: StackSpec, stack_json: Path = STACK_JSON, models: str | None = None) -> dict[str, Any]:
    """Apply when anything changed, publish every model, record the outputs in stack_json, show one prediction."""
    names = model_names(spec, models)
    for name in names:
        _built_model(name)
    if spec.state is not None and Path(spec.state).exists() and not plan_has_changes(spec):
        log("the stack is up to date: nothing changed")
        values = outputs(spec)
    else:
        values = apply(spec)
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
    print(f"\n  Stack outputs: {stack_json}   Tear down: make down\n")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["up", "down", "publish-model", "model-versions", "rollback-model"])
    parser.add_argument("--env", default="localstack", choices=["localstack", "aws"])
    parser.add_argument("--name", default=os.environ.get("STACK_NAME", "rmodel"))
    parser.add_argument("--model", default=os.environ.get("MODEL", "admission"))
    parser.add_argument("--models", default=os.environ.get("MODELS"), help="a,b: the models `up` publishes")
    parser.add_argument("--version", default=os.environ.get("VERSION") or None, help="model version to roll back to")
    args = parser.parse_args(argv)
    spec = StackSpec(env=args.env, name=args.name, model_name=args.model)
    try:
        if args.command == "up":
            up(spec, models=args.models)
        elif args.command == "publish-model":
            publish(args.model)
        elif args.command == "model-versions":
            model_versions(args.model)
        elif args.command == "rollback-model":
            rollback_model(args.model, args.version)
        else:
            destroy(spec)
            STACK_JSON.unlink(missing_ok=True)
    except (StackError, ModelBucketError) as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
