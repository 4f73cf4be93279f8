"""envs/localstack applied for real on LocalStack, the way the GitHub workflow applies envs/aws.

- The S3 backend with S3's own lock file (envs/aws's backend settings plus LocalStack's endpoint).
- The GitHub roles of modules/github_deploy_role: apply and destroy as the deploy role, plan as the plan role
  (without the lock, as pull-request plans run). LocalStack enforces no IAM, so every call is recorded and
  `make iam-check` checks it against that role's policy at the end of the test run.
- A second apply started while the first holds the lock fails with Terraform's lock error naming the holder; the
  state stays whole, the plan after it is empty, a later change applies in place, and destroy leaves nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
import requests
import stack as stack_cli
from conftest import ROOT, TERRAFORM, run_terraform, terraform_env

pytestmark = [pytest.mark.terraform, pytest.mark.localstack, pytest.mark.slow]

ENV_DIR = TERRAFORM / "envs" / "localstack"
ROLES_DIR = Path(__file__).parent / "deploy_roles"
ECHO_HANDLER = """import json


def lambda_handler(event, context):
    body = {"echo": event.get("body"), "path": event.get("path"), "method": event.get("httpMethod")}
    headers = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}
    return {"statusCode": 200, "headers": headers, "body": json.dumps(body)}
"""


def endpoint() -> str:
    return f"http://127.0.0.1:{os.environ.get('LOCALSTACK_PORT', '4566')}"


def aws_client(service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint(),
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def base64sha256(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def function_zip(workdir: Path) -> tuple[Path, Path, bool]:
    """(zip, manifest, is_echo): a consistent copy of build/lambda.zip, else a small echo handler."""
    built_zip, built_manifest = ROOT / "build" / "lambda.zip", ROOT / "build" / "lambda.manifest.json"
    zip_path, manifest_path = workdir / "lambda.zip", workdir / "lambda.manifest.json"
    if built_zip.is_file() and built_manifest.is_file():
        shutil.copyfile(built_manifest, manifest_path)
        shutil.copyfile(built_zip, zip_path)
        # A rebuild running meanwhile could pair a new zip with an old manifest.
        if json.loads(manifest_path.read_text())["base64sha256"] == base64sha256(zip_path):
            return zip_path, manifest_path, False
    info = zipfile.ZipInfo("handler.py", date_time=(1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr(info, ECHO_HANDLER)
    digest = hashlib.sha256(zip_path.read_bytes()).digest()
    manifest = {"sha256": digest.hex(), "base64sha256": base64.b64encode(digest).decode()}
    manifest_path.write_text(json.dumps({**manifest, "handler": "handler.lambda_handler"}))
    return zip_path, manifest_path, True


def models_dir(workdir: Path, model_name: str) -> Path:
    built = ROOT / "build" / "models"
    if (built / model_name / "model.json").is_file():
        return built
    model = workdir / "models" / model_name
    model.mkdir(parents=True)
    (model / "model.rds").write_bytes(b"not a real model")
    (model / "model.json").write_text(json.dumps({"name": model_name}))
    return workdir / "models"


def leftovers(name: str) -> list[str]:
    """Every bucket, function, API, role, log group and alarm of ours still in LocalStack."""
    s3, functions, apis = aws_client("s3"), aws_client("lambda"), aws_client("apigateway")
    found = [f"bucket {b['Name']}" for b in s3.list_buckets()["Buckets"]]
    found += [f"function {f['FunctionName']}" for f in functions.list_functions()["Functions"]]
    found += [f"api {a['name']}" for a in apis.get_rest_apis()["items"]]
    found += [f"role {r['RoleName']}" for r in aws_client("iam").list_roles()["Roles"]]
    alarms = aws_client("cloudwatch").describe_alarms(AlarmNamePrefix=name)["MetricAlarms"]
    found += [f"alarm {a['AlarmName']}" for a in alarms]
    found = [item for item in found if item.split(" ", 1)[1].startswith(name)]
    return found


def env_root_with_s3_backend(tmp_path: Path) -> Path:
    """envs/localstack as a root with `backend "s3" {}`: its files copied into a tree that links to the real one."""
    repo = tmp_path / "repo"
    (repo / "terraform" / "envs").mkdir(parents=True)
    for path in ROOT.iterdir():  # lambda/ (cors.json), build/, frontend/, ... as the stack finds them
        if path.name not in ("terraform", ".git"):
            (repo / path.name).symlink_to(path)
    for path in TERRAFORM.iterdir():
        if path.name != "envs":
            (repo / "terraform" / path.name).symlink_to(path)
    env = repo / "terraform" / "envs" / "localstack"
    env.mkdir()
    for path in ENV_DIR.iterdir():
        if path.suffix == ".tf" or path.name == ".terraform.lock.hcl":
            shutil.copyfile(path, env / path.name)  # follows the shared-file links
    (env / "backend.tf").write_text('terraform {\n  backend "s3" {}\n}\n')
    return env


def backend_config(bucket: str, key: str) -> str:
    # envs/aws's backend.hcl (bucket, key, region, encrypt, use_lockfile) plus what LocalStack needs; the
    # credentials are the caller's (the environment's), as on GitHub.
    return "\n".join(
        [
            f'bucket = "{bucket}"',
            f'key = "{key}"',
            'region = "us-east-1"',
            "encrypt = true",
            "use_lockfile = true",
            f'endpoints = {{ s3 = "{endpoint()}" }}',
            "use_path_style = true",
            "skip_credentials_validation = true",
            "skip_metadata_api_check = true",
            "skip_requesting_account_id = true",
            "skip_region_validation = true",
        ]
    )


def signed_as(role_arn: str | None) -> dict[str, str]:
    """Environment for a Terraform run as the role (AssumeRole; the recorder maps its key back to the role), or
    as the account's administrator: the S3 backend reads AWS_*, envs/localstack's provider its `credentials`."""
    if role_arn is None:
        return {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    answer = aws_client("sts").assume_role(RoleArn=role_arn, RoleSessionName="terraform")["Credentials"]
    keys = {"access_key": "AccessKeyId", "secret_key": "SecretAccessKey", "token": "SessionToken"}
    return {
        "AWS_ACCESS_KEY_ID": answer["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": answer["SecretAccessKey"],
        "AWS_SESSION_TOKEN": answer["SessionToken"],
        "TF_VAR_credentials": "{" + ", ".join(f'{k} = "{answer[v]}"' for k, v in keys.items()) + "}",
    }


@dataclass
class Stack:
    """envs/localstack on the S3 backend, run by Terraform as one role or another."""

    env: Path
    name: str
    bucket: str
    key: str
    var_file: Path
    echo: bool
    roles: dict[str, str]

    def command(self, *args: str) -> list[str]:
        return ["terraform", *args, "-no-color", "-input=false", f"-var-file={self.var_file}"]

    def environment(self, role: str | None) -> dict[str, str]:
        base = {k: v for k, v in terraform_env().items() if not k.startswith(("AWS_", "TF_VAR_"))}
        return {**base, **signed_as(self.roles[f"{role}_role_arn"] if role else None)}

    def run(self, role: str | None, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            cwd=self.env,
            env=self.environment(role),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def outputs(self) -> dict[str, Any]:
        done = subprocess.run(
            ["terraform", "output", "-json", "-no-color"],
            cwd=self.env,
            env=self.environment("plan"),
            capture_output=True,
            text=True,
            check=True,
        )
        return {key: item["value"] for key, item in json.loads(done.stdout).items()}

    def state(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(aws_client("s3").get_object(Bucket=self.bucket, Key=self.key)["Body"].read())
        return value

    def lock_info(self) -> dict[str, Any] | None:
        s3 = aws_client("s3")
        try:
            body = s3.get_object(Bucket=self.bucket, Key=f"{self.key}.tflock")["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        value: dict[str, Any] = json.loads(body)
        return value


def terraform(cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
    done = run_terraform(cwd, *args, "-input=false", timeout=600, env=env)
    assert done.returncode == 0, f"terraform {args[0]} in {cwd} failed:\n{done.stderr}{done.stdout[-3000:]}"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """The state bucket and the two GitHub roles (as the bootstrap makes them), then the stack's root, initialised."""
    try:
        requests.get(f"{endpoint()}/_localstack/health", timeout=2).raise_for_status()
    except requests.RequestException:
        pytest.fail(f"LocalStack is not answering on {endpoint()}: run `make localstack-up` (port: LOCALSTACK_PORT).")
    name = f"tft{uuid.uuid4().hex[:8]}"
    bucket, key = f"{name}-tfstate", f"{name}/terraform.tfstate"
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    roles_state = tmp_path / f"{name}-github-roles.tfstate"
    roles_vars = ["-var", f"stack_name={name}", "-var", f"localstack_endpoint={endpoint()}", f"-state={roles_state}"]
    roles_env = {"TF_DATA_DIR": str(tmp_path / ".terraform-roles")}
    terraform(ROLES_DIR, "init", "-lockfile=readonly", env=roles_env)
    terraform(ROLES_DIR, "apply", "-auto-approve", *roles_vars, env=roles_env)
    stack_cli.keep_applied_state(str(roles_state))  # make iam-check reads the roles' policies from here
    roles = {k: v["value"] for k, v in json.loads(roles_state.read_text())["outputs"].items()}

    zip_path, manifest_path, echo = function_zip(tmp_path)
    var_file = tmp_path / "vars.tfvars.json"
    variables = {
        "name": name,
        "localstack_endpoint": endpoint(),
        "lambda_zip": str(zip_path),
        "lambda_manifest": str(manifest_path),
        "models_dir": str(models_dir(tmp_path, "admission")),
        "frontend_dir": str(ROOT / "frontend"),
    }
    var_file.write_text(json.dumps(variables))
    (tmp_path / "backend.hcl").write_text(backend_config(bucket, key))
    root = Stack(env_root_with_s3_backend(tmp_path), name, bucket, key, var_file, echo, roles)
    init = root.run("deploy", "init", "-lockfile=readonly", f"-backend-config={tmp_path / 'backend.hcl'}", timeout=300)
    assert init.returncode == 0, f"terraform init with the S3 backend failed:\n{init.stderr}{init.stdout}"
    yield root
    # Whatever the test did, leave LocalStack clean: the stack, the state bucket and every version in it, the roles.
    try:
        left = root.state().get("resources")
    except s3.exceptions.NoSuchKey:
        left = None
    if left:
        root.run(None, "destroy", "-auto-approve")
    versions = s3.list_object_versions(Bucket=bucket)
    for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    terraform(ROLES_DIR, "destroy", "-auto-approve", *roles_vars, env=roles_env)


def check_api(outputs: dict[str, Any], echo: bool) -> None:
    api_url = outputs["api_url"]
    preflight = requests.options(
        f"{api_url}/predict",
        headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]

    record = {"gre": 800, "gpa": 4, "rank": "1"}
    answer = requests.post(f"{api_url}/predict", json=record, timeout=120)
    assert answer.status_code < 500, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    if echo:
        assert json.loads(answer.json()["echo"]) == record
        assert answer.json()["path"] == "/predict"

    # LocalStack applies a gateway response's status code but not its headers or template.
    unknown = requests.get(f"{api_url}/no-such-route", timeout=30)
    assert unknown.status_code == 404


def check_site(outputs: dict[str, Any]) -> None:
    # website_url's *.localhost name resolves in browsers, not in Python: address LocalStack and name the host.
    for name in (urlparse(outputs["website_url"]).netloc, outputs["website_host"]):
        page = requests.get(f"{endpoint()}/", headers={"Host": name}, timeout=30)
        assert page.status_code == 200, name
        assert page.headers["Content-Type"].startswith("text/html")
    host = {"Host": outputs["website_host"]}
    config = requests.get(f"{endpoint()}/config.json", headers=host, timeout=30)
    assert config.json() == {"api_url": outputs["api_url"]}
    missing = requests.get(f"{endpoint()}/no-such-page", headers=host, timeout=30)
    assert missing.status_code == 404
    not_found_page = ROOT / "frontend" / "404.html"
    if not_found_page.is_file():
        assert missing.text == not_found_page.read_text()


def wait_for_lock(stack: Stack, first: subprocess.Popen[str], timeout_s: float = 120) -> dict[str, Any]:
    """The lock file's content once the first apply has written it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        info = stack.lock_info()
        if info is not None:
            return info
        assert first.poll() is None, "the first apply ended before its lock file was seen"
        time.sleep(0.1)
    pytest.fail(f"no lock file s3://{stack.bucket}/{stack.key}.tflock within {timeout_s:.0f} s")


def apply_while_another_holds_the_lock(stack: Stack, tmp_path: Path) -> dict[str, Any]:
    """The first apply, and a second one started while it holds the lock: refused, naming the holder."""
    log = (tmp_path / "first-apply.log").open("w")
    first = subprocess.Popen(
        stack.command("apply", "-auto-approve"),
        cwd=stack.env,
        env=stack.environment("deploy"),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        holder = wait_for_lock(stack, first)
        assert holder["Operation"] == "OperationTypeApply"
        assert holder["Path"] == f"{stack.bucket}/{stack.key}"
        second = stack.run("deploy", "apply", "-auto-approve", "-lock-timeout=0s", timeout=300)
        assert first.poll() is None, "the first apply must still hold the lock while the second tries"
    finally:
        first_rc = first.wait(timeout=900)
        log.close()
    first_output = (tmp_path / "first-apply.log").read_text()

    assert second.returncode == 1, second.stdout + second.stderr
    assert "Error acquiring the state lock" in second.stderr, second.stderr
    assert re.search(rf"ID:\s+{re.escape(holder['ID'])}\n", second.stderr), second.stderr
    assert re.search(rf"Who:\s+{re.escape(holder['Who'])}\n", second.stderr), second.stderr
    assert re.search(r"Operation:\s+OperationTypeApply\n", second.stderr), second.stderr
    assert "Apply complete!" not in second.stdout

    # The first apply finished undisturbed, released its lock, and left a whole state behind.
    assert first_rc == 0, first_output[-4000:]
    assert "Apply complete!" in first_output
    assert stack.lock_info() is None, "the lock file must be gone after the first apply"
    return stack.state()


def test_apply_as_the_deploy_role_with_the_lock_plan_as_the_plan_role_destroy(stack: Stack, tmp_path: Path) -> None:
    state = apply_while_another_holds_the_lock(stack, tmp_path)
    addresses = {f"{r.get('module', '')}.{r['type']}.{r['name']}".lstrip(".") for r in state["resources"]}
    assert "module.stack.module.function.aws_lambda_function.this" in addresses
    assert "module.stack.module.api.aws_api_gateway_rest_api.this" in addresses

    outputs = stack.outputs()
    assert outputs["function_name"] == f"{stack.name}-predict"
    assert outputs["model_uri"] == f"s3://{outputs['model_bucket']}/models/admission/"
    assert outputs.get("api_key") is None  # null outputs are left out of `terraform output -json`
    function = aws_client("lambda").get_function_configuration(FunctionName=outputs["function_name"])
    assert function["Environment"]["Variables"]["MODEL_URI"] == outputs["model_uri"]
    assert function["Runtime"] == "python3.12"
    check_api(outputs, stack.echo)
    check_site(outputs)

    # A model uploaded after apply (no Terraform) survives the next plan: the plan role's, without the lock.
    s3 = aws_client("s3")
    key = "models/admission/model.json"
    newer = s3.get_object(Bucket=outputs["model_bucket"], Key=key)["Body"].read() + b"\n"
    s3.put_object(Bucket=outputs["model_bucket"], Key=key, Body=newer, ContentType="application/json")
    plan = stack.run("plan", "plan", "-lock=false", "-detailed-exitcode")
    assert plan.returncode == 0, (
        f"the plan after apply is not empty (exit {plan.returncode}):\n{plan.stderr}{plan.stdout[-6000:]}"
    )
    assert s3.get_object(Bucket=outputs["model_bucket"], Key=key)["Body"].read() == newer

    # With the lock released a later apply (a real change) succeeds in place and writes a newer state.
    third = stack.run("deploy", "apply", "-auto-approve", "-var", "model_refresh_seconds=61")
    assert third.returncode == 0, third.stderr + third.stdout[-4000:]
    # The API's function and the batch-scoring function both take the setting: changed in place, nothing replaced.
    assert "Resources: 0 added, 2 changed, 0 destroyed." in third.stdout, third.stdout[-2000:]
    newer_state = stack.state()
    # The state lives in the backend bucket: a copy lets make iam-check evaluate this stack's calls.
    kept = tmp_path / f"{stack.name}.tfstate"
    kept.write_text(json.dumps(newer_state))
    stack_cli.keep_applied_state(str(kept))
    assert newer_state["lineage"] == state["lineage"]
    assert newer_state["serial"] > state["serial"]
    assert stack.lock_info() is None
    function = aws_client("lambda").get_function_configuration(FunctionName=f"{stack.name}-predict")
    assert function["Environment"]["Variables"]["MODEL_REFRESH_SECONDS"] == "61"

    destroyed = stack.run("deploy", "destroy", "-auto-approve")
    assert destroyed.returncode == 0, destroyed.stderr + destroyed.stdout[-4000:]
    assert leftovers(stack.name) == [f"bucket {stack.bucket}"]  # the state bucket is the bootstrap's, kept
