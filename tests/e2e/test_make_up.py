"""`make up` on a stack that is up to date answers from the live stack without running Terraform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import stack as stack_cli  # scripts/, put on sys.path by tests/conftest.py
import stack_terraform

pytestmark = [pytest.mark.localstack, pytest.mark.stack]


class TerraformRan(AssertionError):
    pass


def no_terraform(spec: Any) -> Any:
    raise TerraformRan(f"terraform was started for {spec.name}")


def test_an_unchanged_stack_comes_up_without_terraform(
    stack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack_terraform, "_terraform", no_terraform)
    values = stack_cli.up(stack.spec, tmp_path / "stack.json")
    assert values["api_url"] == stack.api_url
    assert values["function_name"] == stack.function_name


def test_a_stack_that_does_not_answer_as_recorded_is_planned(
    stack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack_terraform, "_terraform", no_terraform)
    monkeypatch.setattr(stack_terraform, "answers", lambda values: False)
    with pytest.raises(TerraformRan):
        stack_cli.up(stack.spec, tmp_path / "stack.json")


def test_a_changed_input_is_planned(stack: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack_terraform, "_terraform", no_terraform)
    changed = stack_cli.StackSpec(
        name=stack.spec.name,
        model_name=stack.spec.model_name,
        extra_vars={**stack.spec.extra_vars, "memory_mb": 2048},
    )
    with pytest.raises(TerraformRan):
        stack_cli.up(changed, tmp_path / "stack.json")
