"""Evaluates recorded calls against the applied policies with @cloud-copilot/iam-simulate (iam/simulate/)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .operations import Request, Unmapped, requests_for
from .policies import Policies
from .rules import excluded_by

SIMULATOR = Path(__file__).resolve().parents[1] / "simulate"


class SimulatorMissing(Exception):
    pass


@dataclass(frozen=True)
class Check:
    """One distinct IAM request a principal made (identical calls are evaluated once)."""

    principal: str  # a role ARN or a service principal
    kind: str  # "role" | "service"
    request: Request
    source_arn: str | None
    account: str

    @property
    def label(self) -> str:
        who = f"role {self.principal.split('/')[-1]}" if self.kind == "role" else f"service {self.principal}"
        context = "".join(f", {k}={v!r}" for k, v in self.request.context)
        source = f", aws:SourceArn={self.source_arn!r}" if self.source_arn else ""
        return f"{who}: {self.request.action} on {self.request.resource}{context}{source}"


@dataclass
class Outcome:
    recorded: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)
    checks: dict[Check, int] = field(default_factory=dict)  # distinct request -> how many calls
    denials: list[str] = field(default_factory=list)
    # role ARN -> (policy name, statement id or index) -> actions allowed through that statement
    used: dict[str, dict[tuple[str, str], set[str]]] = field(default_factory=dict)

    @property
    def principals(self) -> set[str]:
        return {check.principal for check in self.checks}


def collect(calls: Iterable[Mapping[str, Any]]) -> Outcome:
    outcome = Outcome()
    for call in calls:
        outcome.recorded += 1
        rule = excluded_by(call)
        if rule is not None:
            outcome.excluded[rule.name] = outcome.excluded.get(rule.name, 0) + 1
            continue
        principal = call["principal"]
        try:
            requests = requests_for(call)
        except Unmapped as missing:
            outcome.unmapped[str(missing)] = outcome.unmapped.get(str(missing), 0) + 1
            continue
        for request in requests:
            check = Check(
                principal=principal.get("arn") or principal["name"],
                kind=principal["type"],
                request=request,
                source_arn=call.get("source_arn"),
                account=call.get("account") or "000000000000",
            )
            outcome.checks[check] = outcome.checks.get(check, 0) + 1
    return outcome


def simulation(check: Check, policies: Policies) -> dict[str, Any]:
    identity: list[dict[str, Any]] = []
    if check.kind == "role" and check.principal in policies.roles:
        identity = [{"name": name, "policy": doc} for name, doc in policies.roles[check.principal].identity]
    context = dict(check.request.context)
    if check.kind == "service":
        # AWS adds these to a service principal's request on a customer's behalf (the confused-deputy keys).
        context["aws:SourceAccount"] = check.account
        if check.source_arn:
            context["aws:SourceArn"] = check.source_arn
    found: dict[str, Any] = {
        "identityPolicies": identity,
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
        "request": {
            "action": check.request.action,
            "principal": check.principal,
            "resource": {"accountId": check.account, "resource": check.request.resource},
            "contextVariables": context,
        },
    }
    resource_policy = policies.resource_policy(check.request.action, check.request.resource)
    if resource_policy:
        found["resourcePolicy"] = resource_policy
    return found


def run_simulator(simulations: list[dict[str, Any]], simulator: Path = SIMULATOR) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (simulator / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        raise SimulatorMissing(f"the IAM simulator is not installed: run `npm ci --prefix {simulator}` (or make setup)")
    done = subprocess.run(
        [node, str(simulator / "evaluate.mjs")],
        input=json.dumps(simulations),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SimulatorMissing(f"the IAM simulator failed: {done.stderr.strip()[-2000:]}")
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def evaluate(outcome: Outcome, policies: Policies) -> None:
    checks = list(outcome.checks)
    results = run_simulator([simulation(check, policies) for check in checks])
    for check, result in zip(checks, results, strict=True):
        if result["decision"] == "Allowed":
            for grant in result.get("grants", []):
                statement = str(grant.get("statementId") or f"statement {grant.get('statementIndex')}")
                policy = str(grant.get("policyIdentifier") or f"{grant['policyType']} policy")
                outcome.used.setdefault(check.principal, {}).setdefault((policy, statement), set()).add(
                    check.request.action
                )
            continue
        outcome.denials.append(explain_denial(check, result, policies, outcome.checks[check]))


def explain_denial(check: Check, result: Mapping[str, Any], policies: Policies, count: int) -> str:
    times = f" ({count} calls)" if count > 1 else ""
    if result["decision"] == "Error":
        return f"NOT EVALUATED {check.label}{times}: {json.dumps(result.get('errors'))}"
    explicit = [d for d in result.get("denials", []) if d.get("denialType") == "Explicit"]
    if explicit:
        by = ", ".join(
            f"{d['policyType']} policy {d.get('policyIdentifier') or ''} statement "
            f"{d.get('statementId') or d.get('statementIndex')}".replace("  ", " ")
            for d in explicit
        )
        return f"DENIED {check.label}{times}: explicitly denied by {by}"
    if check.kind == "role":
        role = policies.roles.get(check.principal)
        if role is None:
            where = "the role is in no applied Terraform state (build/iam/states/)"
        else:
            names = ", ".join(name for name, _ in role.identity) or "none"
            where = f"no statement of its identity policies ({names}) allows it"
            if role.managed_arns:
                where += f"; AWS-managed policies not evaluated: {', '.join(role.managed_arns)}"
    else:
        has_policy = policies.resource_policy(check.request.action, check.request.resource) is not None
        where = (
            "no statement of the resource's policy allows this principal"
            if has_policy
            else "the resource has no policy that lets this service call it"
        )
    missing = f"Allow {check.request.action} on {check.request.resource}"
    return f"DENIED {check.label}{times}: {where}; missing statement: {missing}"
