"""The least-privilege report: per role, each statement's granted actions and whether any recorded call used them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .evaluate import Outcome
from .policies import Policies


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


def unused_grants(outcome: Outcome, policies: Policies) -> dict[str, dict[str, Any]]:
    """role name -> {statement: {granted, used, unused}} for the roles whose calls were checked."""
    report: dict[str, dict[str, Any]] = {}
    checked_roles = {check.principal for check in outcome.checks if check.kind == "role"}
    for arn in sorted(checked_roles):
        role = policies.roles.get(arn)
        if role is None:
            continue
        used_by_statement = outcome.used.get(arn, {})
        statements: dict[str, Any] = {}
        for policy_name, document in role.identity:
            for index, statement in enumerate(document.get("Statement", []), start=1):
                if statement.get("Effect") != "Allow":
                    continue
                sid = str(statement.get("Sid") or f"statement {index}")
                used = sorted(used_by_statement.get((policy_name, sid), set()))
                granted = _actions(statement)
                statements[f"{policy_name}/{sid}"] = {
                    "granted": granted,
                    "used": used,
                    "unused": [a for a in granted if a not in used],
                }
        report[role.name] = statements
    return report


def write(outcome: Outcome, policies: Policies, directory: Path) -> Path:
    """Writes least-privilege.json and least-privilege.md into `directory`; returns the Markdown's path."""
    report = unused_grants(outcome, policies)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "least-privilege.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    lines = [
        "# Least privilege: granted actions no recorded call used",
        "",
        f"From {outcome.recorded} recorded AWS calls ({sum(outcome.checks.values())} checked, "
        f"{len(outcome.checks)} distinct requests); written by `make iam-check`.",
        "An unused action is a candidate for removal, or a path no test exercises yet.",
        "",
    ]
    for role_name, statements in sorted(report.items()):
        lines += [f"## {role_name}", "", "| statement | used | granted, never used |", "|---|---|---|"]
        for name, entry in sorted(statements.items()):
            used = ", ".join(entry["used"]) or "-"
            unused = ", ".join(entry["unused"]) or "-"
            lines.append(f"| {name} | {used} | {unused} |")
        lines.append("")
    path = directory / "least-privilege.md"
    path.write_text("\n".join(lines))
    return path
