"""State locking for real: envs/localstack on the S3 backend in LocalStack with S3's own lock file.

A second apply started while the first holds the lock must fail with Terraform's lock error naming the holder;
the state must be intact afterwards, and a third apply must then succeed. The backend settings are the ones
envs/aws uses (use_lockfile = true), plus LocalStack's endpoint.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import stack as stack_cli
from conftest import ROOT, TERRAFORM, terraform_env
from test_terraform_apply import aws_client, endpoint, function_zip, leftovers, models_dir

pytestmark = [pytest.mark.terraform, pytest.mark.localstack, pytest.mark.slow]

ENV_DIR = TERRAFORM / "envs" / "localstack"
STATE_KEY = "stack/terraform.tfstate"


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


def backend_config(bucket: str) -> str:
    # envs/aws's backend.hcl (bucket, key, region, use_lockfile) plus what LocalStack needs.
    return "\n".join(
        [
            f'bucket = "{bucket}"',
            f'key = "{STATE_KEY}"',
            'region = "us-east-1"',
            "use_lockfile = true",
            f'endpoints = {{ s3 = "{endpoint()}" }}',
            "use_path_style = true",
            "skip_credentials_validation = true",
            "skip_metadata_api_check = true",
            "skip_requesting_account_id = true",
            "skip_region_validation = true",
            'access_key = "test"',
            'secret_key = "test"',
        ]
    )


@dataclass
class LockedRoot:
    env: Path
    bucket: str
    name: str
    var_file: Path

    def command(self, *args: str) -> list[str]:
        return ["terraform", *args, "-no-color", "-input=false", f"-var-file={self.var_file}"]

    def run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), cwd=self.env, env=terraform_env(), capture_output=True, text=True, timeout=timeout
        )

    def state(self) -> dict[str, Any]:
        body = aws_client("s3").get_object(Bucket=self.bucket, Key=STATE_KEY)["Body"].read()
        value: dict[str, Any] = json.loads(body)
        return value

    def lock_info(self) -> dict[str, Any] | None:
        s3 = aws_client("s3")
        try:
            body = s3.get_object(Bucket=self.bucket, Key=f"{STATE_KEY}.tflock")["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        value: dict[str, Any] = json.loads(body)
        return value


@pytest.fixture
def locked_root(tmp_path: Path) -> Iterator[LockedRoot]:
    try:
        requests.get(f"{endpoint()}/_localstack/health", timeout=2).raise_for_status()
    except requests.RequestException:
        pytest.fail(f"LocalStack is not answering on {endpoint()}: run `make localstack-up` (port: LOCALSTACK_PORT).")
    env = env_root_with_s3_backend(tmp_path)
    suffix = uuid.uuid4().hex[:8]
    bucket, name = f"tfstate-{suffix}", f"tfl{suffix}"
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    (tmp_path / "backend.hcl").write_text(backend_config(bucket))
    zip_path, manifest_path, _ = function_zip(tmp_path)
    var_file = tmp_path / "vars.tfvars.json"
    var_file.write_text(
        json.dumps(
            {
                "name": name,
                "localstack_endpoint": endpoint(),
                "lambda_zip": str(zip_path),
                "lambda_manifest": str(manifest_path),
                "models_dir": str(models_dir(tmp_path, "admission")),
                "frontend_dir": str(ROOT / "frontend"),
            }
        )
    )
    init = subprocess.run(
        [
            "terraform",
            "init",
            "-no-color",
            "-input=false",
            "-lockfile=readonly",
            f"-backend-config={tmp_path / 'backend.hcl'}",
        ],
        cwd=env,
        env=terraform_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert init.returncode == 0, f"terraform init with the S3 backend failed:\n{init.stderr}{init.stdout}"
    root = LockedRoot(env, bucket, name, var_file)
    yield root
    # Whatever the test did, leave LocalStack clean: the stack, then the state bucket and every version in it.
    root.run("destroy", "-auto-approve")
    versions = s3.list_object_versions(Bucket=bucket)
    for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)


def wait_for_lock(root: LockedRoot, first: subprocess.Popen[str], timeout_s: float = 120) -> dict[str, Any]:
    """The lock file's content once the first apply has written it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        info = root.lock_info()
        if info is not None:
            return info
        assert first.poll() is None, "the first apply ended before its lock file was seen"
        time.sleep(0.1)
    pytest.fail(f"no lock file s3://{root.bucket}/{STATE_KEY}.tflock within {timeout_s:.0f} s")


def test_second_apply_fails_on_the_lock_and_the_state_stays_intact(locked_root: LockedRoot, tmp_path: Path) -> None:
    log = (tmp_path / "first-apply.log").open("w")
    first = subprocess.Popen(
        locked_root.command("apply", "-auto-approve"),
        cwd=locked_root.env,
        env=terraform_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        holder = wait_for_lock(locked_root, first)
        assert holder["Operation"] == "OperationTypeApply"
        assert holder["Path"] == f"{locked_root.bucket}/{STATE_KEY}"

        second = locked_root.run("apply", "-auto-approve", "-lock-timeout=0s", timeout=300)
        assert first.poll() is None, "the first apply must still hold the lock while the second tries"
    finally:
        first_rc = first.wait(timeout=900)
        log.close()
    first_output = (tmp_path / "first-apply.log").read_text()

    # The second apply is refused with Terraform's lock error, which names the holder.
    assert second.returncode == 1, second.stdout + second.stderr
    assert "Error acquiring the state lock" in second.stderr, second.stderr
    assert re.search(rf"ID:\s+{re.escape(holder['ID'])}\n", second.stderr), second.stderr
    assert re.search(rf"Who:\s+{re.escape(holder['Who'])}\n", second.stderr), second.stderr
    assert re.search(r"Operation:\s+OperationTypeApply\n", second.stderr), second.stderr
    assert "Apply complete!" not in second.stdout

    # The first apply finished undisturbed, released its lock, and left a whole state behind.
    assert first_rc == 0, first_output[-4000:]
    assert "Apply complete!" in first_output
    assert locked_root.lock_info() is None, "the lock file must be gone after the first apply"
    state = locked_root.state()
    addresses = {f"{r.get('module', '')}.{r['type']}.{r['name']}".lstrip(".") for r in state["resources"]}
    assert "module.stack.module.function.aws_lambda_function.this" in addresses
    assert "module.stack.module.api.aws_api_gateway_rest_api.this" in addresses
    assert state["outputs"]["function_name"]["value"] == f"{locked_root.name}-predict"
    plan = locked_root.run("plan", "-detailed-exitcode")
    assert plan.returncode == 0, (
        f"the state no longer matches what was built (exit {plan.returncode}):\n{plan.stdout[-4000:]}"
    )

    # With the lock released a third apply (a real change) succeeds and writes a newer state.
    third = locked_root.run("apply", "-auto-approve", "-var", "model_refresh_seconds=61")
    assert third.returncode == 0, third.stderr + third.stdout[-4000:]
    # The API's function and the batch-scoring function both take the setting: changed in place, nothing replaced.
    assert "Resources: 0 added, 2 changed, 0 destroyed." in third.stdout, third.stdout[-2000:]
    newer = locked_root.state()
    # The state lives in the backend bucket: a copy lets make iam-check evaluate this stack's calls.
    kept = tmp_path / f"{locked_root.name}.tfstate"
    kept.write_text(json.dumps(newer))
    stack_cli.keep_applied_state(str(kept))
    assert newer["lineage"] == state["lineage"]
    assert newer["serial"] > state["serial"]
    assert locked_root.lock_info() is None
    function = aws_client("lambda").get_function_configuration(FunctionName=f"{locked_root.name}-predict")
    assert function["Environment"]["Variables"]["MODEL_REFRESH_SECONDS"] == "61"

    destroyed = locked_root.run("destroy", "-auto-approve")
    assert destroyed.returncode == 0, destroyed.stderr + destroyed.stdout[-4000:]
    assert leftovers(locked_root.name) == []
