"""Records every AWS request LocalStack answers, one JSON line each, for `make iam-check`.

LocalStack's free edition enforces no IAM, so the calls are written down and evaluated afterwards against the
policies Terraform applied. Each line names who called: the role whose `AssumeRole` answer issued the access key
(function code, function logs, Step Functions tasks), or the service principal of a service-to-service call
(API Gateway, S3 or Step Functions -> Lambda; Logs -> Firehose), or else the caller's access key (the test harness
and Terraform). Which calls the check leaves out, and why, is decided by the checker's written rules
(`iam/iam_check/rules.py`), not here: this file records everything that is an AWS request.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)

CALLS_FILE_VARIABLE = "IAM_CALLS_FILE"
# Request parameters that name things (bucket, key, function, state machine...); bodies and lists are left out.
MAX_PARAMETER_CHARS = 512
MAX_LIST_ITEMS = 100
ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


class CallRecorder:
    """A LocalStack response handler: appends one line per AWS request to `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.roles_by_key: dict[str, str] = {}
        self.lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")  # "everything recorded since LocalStack started"

    def __call__(self, chain: Any, context: Any, response: Any) -> None:
        try:
            line = self.record(context, response)
        except Exception:  # a recorder bug must never break the request it watches
            LOG.exception("IAM call recorder failed")
            return
        if line is not None:
            with self.lock, self.path.open("a") as out:
                out.write(json.dumps(line, sort_keys=True) + "\n")

    def record(self, context: Any, response: Any) -> dict[str, Any] | None:
        if context.service is None or context.operation is None:
            return None  # not an AWS API request: health checks, website hosts, the Lambda runtime API
        service = context.service.service_name
        operation = context.operation.name
        internal = context.internal_request_params or {}
        key = access_key(context.request.headers)
        parameters = scalar_parameters(context.service_request)
        if service == "sts" and operation == "AssumeRole":
            self.remember_role(context.service_response, parameters.get("RoleArn"))
        principal: dict[str, str]
        if key in self.roles_by_key and not (service == "sts" and operation == "AssumeRole"):
            principal = {"type": "role", "arn": self.roles_by_key[key]}
        elif internal.get("service_principal"):
            principal = {"type": "service", "name": f"{internal['service_principal']}.amazonaws.com"}
        else:
            principal = {"type": "caller", "access_key": key or ""}
        error = context.service_exception
        return {
            "time": round(time.time(), 3),
            "principal": principal,
            "service": service,
            "operation": operation,
            "region": context.region,
            "account": context.account_id,
            "parameters": parameters,
            "source_arn": internal.get("source_arn"),
            "internal": bool(context.internal_request_params is not None),
            "status": response.status_code,
            "error": getattr(error, "code", None) if error is not None else None,
        }

    def remember_role(self, answer: Any, role_arn: Any) -> None:
        credentials = (answer or {}).get("Credentials") or {}
        if credentials.get("AccessKeyId") and isinstance(role_arn, str):
            self.roles_by_key[credentials["AccessKeyId"]] = role_arn


def access_key(headers: Any) -> str | None:
    from localstack.utils.aws.request_context import extract_access_key_id_from_auth_header

    found: str | None = extract_access_key_id_from_auth_header(headers)
    return found


def scalar_parameters(request: Any) -> dict[str, Any]:
    if not isinstance(request, dict):
        return {}
    kept: dict[str, Any] = {}
    for name, value in request.items():
        # Scalars, and names given as a list of strings (DescribeAlarms' AlarmNames).
        if isinstance(value, bool | int | float) or _short_string(value) or _short_strings(value):
            kept[name] = value
        elif isinstance(value, dict):  # one level of a structure: Lambda's Code.S3Bucket, a log configuration
            kept.update(
                {f"{name}.{k}": v for k, v in value.items() if isinstance(v, bool | int | float) or _short_string(v)}
            )
    # S3's DeleteObjects is authorised per key (s3:DeleteObject on each): the keys are the one list kept.
    objects = (request.get("Delete") or {}).get("Objects") if isinstance(request.get("Delete"), dict) else None
    if isinstance(objects, list):
        kept["Keys"] = [o["Key"] for o in objects if isinstance(o, dict) and isinstance(o.get("Key"), str)]
    # Every role ARN in the request, whatever its shape (the checker decides which are passed, iam:PassRole),
    # and whether a create carries tags (authorised by the tagging action too).
    roles = sorted(set(_role_arns(request)))
    if roles:
        kept["RoleArns"] = roles
    if request.get("Tags") or request.get("tags"):
        kept["Tagged"] = True
    return kept


def _short_string(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_PARAMETER_CHARS


def _short_strings(value: Any) -> bool:
    return isinstance(value, list) and 0 < len(value) <= MAX_LIST_ITEMS and all(_short_string(v) for v in value)


def _role_arns(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if ROLE_ARN.match(value) else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [arn for item in items for arn in _role_arns(item)]


def calls_file() -> Path:
    configured = os.environ.get(CALLS_FILE_VARIABLE)
    # The executor is installed editable from <repo>/localstack/executor: <repo>/build/iam/calls.jsonl by default.
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "build" / "iam" / "calls.jsonl"


@hooks.on_infra_start()  # type: ignore[untyped-decorator]
def record_aws_calls() -> None:
    from localstack.aws.handlers import run_custom_response_handlers

    path = calls_file()
    run_custom_response_handlers.append(CallRecorder(path))
    LOG.info("recording AWS calls for the IAM check to %s", path)
