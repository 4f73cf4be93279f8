"""The policies Terraform applied, read from state: each role's identity policies and trust policy, each bucket's
policy and each function's permissions (its resource policy, rebuilt from `aws_lambda_permission` as Lambda does).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Document = dict[str, Any]


@dataclass
class Role:
    arn: str
    name: str
    trust: Document
    # (policy name, document): inline policies and customer-managed attachments.
    identity: list[tuple[str, Document]] = field(default_factory=list)
    # AWS-managed attachments, whose documents are not in state: a call that needs one is reported.
    managed_arns: list[str] = field(default_factory=list)


@dataclass
class Policies:
    roles: dict[str, Role] = field(default_factory=dict)
    bucket_policies: dict[str, Document] = field(default_factory=dict)
    function_policies: dict[str, Document] = field(default_factory=dict)  # unqualified function ARN -> policy

    def resource_policy(self, action: str, resource: str) -> Document | None:
        if action.startswith("s3:"):
            return self.bucket_policies.get(resource.split(":::", 1)[-1].split("/", 1)[0])
        if action.startswith("lambda:"):
            return self.function_policies.get(":".join(resource.split(":")[:7]))
        if action == "sts:AssumeRole":
            role = self.roles.get(resource)
            return role.trust if role else None
        return None


def instances(state: Document, resource_type: str) -> Iterator[Document]:
    for resource in state.get("resources", []):
        if resource.get("mode") == "managed" and resource.get("type") == resource_type:
            for instance in resource.get("instances", []):
                yield instance.get("attributes") or {}


def _document(value: Any) -> Document:
    return json.loads(value) if isinstance(value, str) and value else {}


def read_state(state: Document, into: Policies) -> None:
    roles_by_name: dict[str, Role] = {}
    for attrs in instances(state, "aws_iam_role"):
        role = Role(arn=attrs["arn"], name=attrs["name"], trust=_document(attrs.get("assume_role_policy")))
        into.roles[role.arn] = roles_by_name[role.name] = role
    for attrs in instances(state, "aws_iam_role_policy"):
        role_name = str(attrs.get("role", "")).split("/")[-1]
        if role_name in roles_by_name:
            roles_by_name[role_name].identity.append((attrs["name"], _document(attrs["policy"])))
    managed = {
        attrs["arn"]: (attrs["name"], _document(attrs["policy"])) for attrs in instances(state, "aws_iam_policy")
    }
    for attrs in instances(state, "aws_iam_role_policy_attachment"):
        attached = roles_by_name.get(str(attrs.get("role", "")))
        if attached is None:
            continue
        if attrs["policy_arn"] in managed:
            attached.identity.append(managed[attrs["policy_arn"]])
        else:
            attached.managed_arns.append(attrs["policy_arn"])
    for attrs in instances(state, "aws_s3_bucket_policy"):
        into.bucket_policies[attrs["bucket"]] = _document(attrs["policy"])
    functions: dict[str, str] = {
        attrs["function_name"]: attrs["arn"] for attrs in instances(state, "aws_lambda_function")
    }
    for attrs in instances(state, "aws_lambda_permission"):
        arn = functions.get(str(attrs["function_name"]), str(attrs["function_name"]))
        policy = into.function_policies.setdefault(arn, {"Version": "2012-10-17", "Statement": []})
        policy["Statement"].append(permission_statement(attrs, arn))


def permission_statement(attrs: Document, function_arn: str) -> Document:
    """The statement Lambda's AddPermission writes into the function's policy."""
    statement: Document = {
        "Sid": attrs.get("statement_id") or "permission",
        "Effect": "Allow",
        "Principal": {"Service": attrs["principal"]}
        if attrs["principal"].endswith(".amazonaws.com")
        else {"AWS": attrs["principal"]},
        "Action": attrs.get("action") or "lambda:InvokeFunction",
        "Resource": f"{function_arn}:{attrs['qualifier']}" if attrs.get("qualifier") else function_arn,
    }
    condition: Document = {}
    if attrs.get("source_arn"):
        condition["ArnLike"] = {"AWS:SourceArn": attrs["source_arn"]}
    if attrs.get("source_account"):
        condition["StringEquals"] = {"AWS:SourceAccount": attrs["source_account"]}
    if condition:
        statement["Condition"] = condition
    return statement


def load(paths: Iterable[Path]) -> Policies:
    policies = Policies()
    for path in sorted(paths):
        read_state(json.loads(path.read_text()), policies)
    return policies
