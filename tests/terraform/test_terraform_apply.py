"""Apply envs/localstack for real on LocalStack, plan again (no changes), destroy, and find nothing left."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest
import requests
import stack as stack_cli
from conftest import ROOT, TERRAFORM, terraform_env
from python_terraform import IsFlagged, IsNotFlagged, Terraform

pytestmark = [pytest.mark.terraform, pytest.mark.localstack, pytest.mark.slow]

ENV_DIR = TERRAFORM / "envs" / "localstack"
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


@dataclass
class Deployment:
    name: str
    tf: Terraform
    state: str
    variables: dict[str, Any]
    echo: bool
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, command: str, **options: Any) -> tuple[int, str, str]:
        method = getattr(self.tf, command)
        start = time.monotonic()
        code, out, err = method(state=self.state, var=self.variables, capture_output=True, **options)
        self.timings[command] = round(time.monotonic() - start, 1)
        if command == "apply" and code == 0:
            stack_cli.keep_applied_state(self.state)  # the calls its functions make are checked by make iam-check
        return int(code), out, err

    def outputs(self) -> dict[str, Any]:
        values = self.tf.output(state=self.state)
        assert values, "terraform output returned nothing"
        return {key: item["value"] for key, item in values.items()}


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


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    try:
        requests.get(f"{endpoint()}/_localstack/health", timeout=2).raise_for_status()
    except requests.RequestException:
        pytest.fail(f"LocalStack is not answering on {endpoint()}: run `make localstack-up` (port: LOCALSTACK_PORT).")
    for key, value in terraform_env().items():
        monkeypatch.setenv(key, value)
    # A private .terraform keeps this run apart from other inits of the same env root.
    monkeypatch.setenv("TF_DATA_DIR", str(tmp_path / ".terraform"))
    name = f"tft{uuid.uuid4().hex[:8]}"
    zip_path, manifest_path, echo = function_zip(tmp_path)
    variables = {
        "name": name,
        "localstack_endpoint": endpoint(),
        "lambda_zip": str(zip_path),
        "lambda_manifest": str(manifest_path),
        "models_dir": str(models_dir(tmp_path, "admission")),
        "frontend_dir": str(ROOT / "frontend"),
    }
    tf = Terraform(working_dir=str(ENV_DIR))
    code, out, err = tf.init(capture_output=True, lockfile="readonly", reconfigure=IsNotFlagged)
    assert code == 0, f"terraform init failed:\n{err}{out}"
    deployed = Deployment(name, tf, str(tmp_path / "stack.tfstate"), variables, echo)
    yield deployed
    # Whatever the test did, leave LocalStack clean.
    if Path(deployed.state).is_file() and json.loads(Path(deployed.state).read_text()).get("resources"):
        deployed.run("destroy", force=IsNotFlagged, auto_approve=IsFlagged)


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


def test_apply_plan_destroy(deployment: Deployment) -> None:
    code, out, err = deployment.run("apply", skip_plan=True)
    assert code == 0, f"apply failed:\n{err}\n{out[-4000:]}"
    outputs = deployment.outputs()
    assert outputs["function_name"].startswith(deployment.name)
    assert outputs["model_uri"] == f"s3://{outputs['model_bucket']}/models/admission/"
    assert outputs.get("api_key") is None  # null outputs are left out of `terraform output -json`

    function = aws_client("lambda").get_function_configuration(FunctionName=outputs["function_name"])
    assert function["Environment"]["Variables"]["MODEL_URI"] == outputs["model_uri"]
    assert function["Runtime"] == "python3.12"
    check_api(outputs, deployment.echo)
    check_site(outputs)

    # A model uploaded after apply (no Terraform) must survive the next plan and apply.
    s3 = aws_client("s3")
    key = "models/admission/model.json"
    newer = s3.get_object(Bucket=outputs["model_bucket"], Key=key)["Body"].read() + b"\n"
    s3.put_object(Bucket=outputs["model_bucket"], Key=key, Body=newer, ContentType="application/json")

    code, out, err = deployment.run("plan", detailed_exitcode=IsFlagged)
    assert code == 0, f"the second plan is not empty (exit {code}):\n{err}\n{out[-6000:]}"
    assert s3.get_object(Bucket=outputs["model_bucket"], Key=key)["Body"].read() == newer

    code, out, err = deployment.run("destroy", force=IsNotFlagged, auto_approve=IsFlagged)
    assert code == 0, f"destroy failed:\n{err}\n{out[-4000:]}"
    assert leftovers(deployment.name) == []
    print(f"\nLocalStack timings (s) for {deployment.name}: {deployment.timings}")
