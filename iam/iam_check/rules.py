"""Which recorded calls the check leaves out, each rule with the reason AWS would not authorise them as recorded.

Everything else is checked: a call by a role against the role's identity policies (and the resource's policy), a
call by a service principal (API Gateway, S3, Step Functions, Logs, Lambda) against the resource's policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Call = Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str
    applies: Callable[[Call], bool]


def _caller(call: Call) -> bool:
    return bool(call["principal"]["type"] == "caller")


RULES: tuple[Rule, ...] = (
    Rule(
        "localstack-bookkeeping",
        "LocalStack's own internal requests with its root credentials and no service principal (Lambda reading a "
        "function's code from S3, its event manager invoking, Terraform-facing look-ups): on AWS these are inside "
        "the service and authorised by no customer policy.",
        lambda call: _caller(call) and bool(call.get("internal")),
    ),
    Rule(
        "deployer-and-tests",
        "Requests signed with the account's root test credentials: Terraform's apply and destroy, `make up` and the "
        "tests' own set-up and assertions. They act as the account administrator, not as a role of the stack "
        "(tests/terraform/test_terraform_apply.py runs Terraform as the deploy and plan roles, and those calls are "
        "checked).",
        lambda call: _caller(call) and not call.get("internal"),
    ),
)


def _lambda_log_group_fallback(call: Call) -> bool:
    return (
        call["principal"]["type"] == "role"
        and bool(call.get("internal"))
        and (call["service"], call["operation"]) == ("logs", "CreateLogGroup")
        and call.get("error") == "ResourceAlreadyExistsException"
    )


RULES += (
    Rule(
        "lambda-log-group-fallback",
        "LocalStack's Lambda log writer, with the function's role, calls CreateLogGroup whenever PutLogEvents finds "
        "no log stream yet, and the group already exists (Terraform made it). AWS's Lambda writes into an existing "
        "group with logs:CreateLogStream and logs:PutLogEvents alone, which is all the function roles are given.",
        _lambda_log_group_fallback,
    ),
)


# The executor's own tests (tests/localstack/lambda_deploy.py) run bare functions as this role; no Terraform makes it.
EXECUTOR_TEST_ROLE = "arn:aws:iam::000000000000:role/lambda-test"

RULES += (
    Rule(
        "executor-test-role",
        f"Calls by (and Lambda assuming) {EXECUTOR_TEST_ROLE}, the role of the functions the executor tests deploy "
        "without Terraform (tests/localstack): no stack role, so no policy of the project to check them against.",
        lambda call: (
            EXECUTOR_TEST_ROLE in (call["principal"].get("arn"), (call.get("parameters") or {}).get("RoleArn"))
        ),
    ),
)


def _subscription_destination_check(call: Call) -> bool:
    return (
        call["principal"]["type"] == "role"
        and bool(call.get("internal"))
        and (call["service"], call["operation"]) == ("firehose", "DescribeDeliveryStream")
        and ":log-group:" in str(call.get("source_arn") or "")
    )


RULES += (
    Rule(
        "subscription-destination-check",
        "LocalStack's PutSubscriptionFilter checks that the Firehose stream exists by calling DescribeDeliveryStream "
        "with the subscription's role. AWS checks the destination itself, with no call by that role, which may only "
        "put records (firehose:PutRecord, firehose:PutRecordBatch).",
        _subscription_destination_check,
    ),
)


def _account_lookup_by_user_name(call: Call) -> bool:
    return (
        call["principal"]["type"] == "role"
        and (call["service"], call["operation"]) == ("iam", "GetUser")
        and not (call.get("parameters") or {}).get("UserName")
        and call.get("error") == "ValidationError"
    )


RULES += (
    Rule(
        "provider-account-lookup",
        "The AWS provider first asks iam:GetUser for the account, which only IAM users can answer: AWS refuses a "
        "role's session with ValidationError, as LocalStack does, and the provider goes on to "
        "sts:GetCallerIdentity, which needs no permission. The deploy and plan roles are not given iam:GetUser.",
        _account_lookup_by_user_name,
    ),
)


def excluded_by(call: Call) -> Rule | None:
    for rule in RULES:
        if rule.applies(call):
            return rule
    return None
