"""`make up` skips Terraform only when nothing an apply reads has changed since the last apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stack as stack_cli  # scripts/, put on sys.path by tests/conftest.py
import stack_record
import stack_spec
import stack_terraform


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> stack_cli.StackSpec:
    """A stack whose repository, build folder and state live in tmp_path."""
    (tmp_path / "terraform" / "stack" / "tests").mkdir(parents=True)
    (tmp_path / "terraform" / "stack" / "main.tf").write_text("# v1\n")
    (tmp_path / "terraform" / "stack" / "tests" / "stack.tftest.hcl").write_text("# test v1\n")
    (tmp_path / "build" / "models" / "admission").mkdir(parents=True)
    for name in ("model.rds", "model.json"):
        (tmp_path / "build" / "models" / "admission" / name).write_text(name)
    (tmp_path / "build" / "lambda.manifest.json").write_text(json.dumps({"sha256": "1"}))
    (tmp_path / "frontend").mkdir()
    (tmp_path / "frontend" / "index.html").write_text("<p>v1</p>")
    (tmp_path / "build" / "terraform").mkdir()
    (tmp_path / "build" / "terraform" / "rmodel.tfstate").write_text('{"serial": 1}')
    monkeypatch.setattr(stack_spec, "ROOT", tmp_path)
    monkeypatch.setattr(stack_spec, "BUILD", tmp_path / "build")
    monkeypatch.setattr(stack_record, "localstack_session", lambda: "session-1")
    return stack_cli.StackSpec()


def test_an_unchanged_stack_is_recognised(spec: stack_cli.StackSpec) -> None:
    assert not stack_cli.unchanged_since_last_apply(spec)  # nothing recorded yet
    stack_cli.record_inputs(spec)
    assert spec.inputs_record is not None
    assert spec.inputs_record.is_file()
    assert stack_cli.unchanged_since_last_apply(spec)


@pytest.mark.parametrize(
    "change",
    [
        "terraform/stack/main.tf",
        "build/lambda.manifest.json",
        "build/models/admission/model.json",
        "frontend/index.html",
    ],
)
def test_any_input_file_changing_needs_terraform(spec: stack_cli.StackSpec, change: str) -> None:
    stack_cli.record_inputs(spec)
    path = stack_spec.ROOT / change
    path.write_text(path.read_text() + " changed")
    assert not stack_cli.unchanged_since_last_apply(spec)


def test_state_variables_and_localstack_session_changing_need_terraform(
    spec: stack_cli.StackSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_cli.record_inputs(spec)
    Path(str(spec.state)).write_text('{"serial": 2}')
    assert not stack_cli.unchanged_since_last_apply(spec)

    stack_cli.record_inputs(spec)
    spec.extra_vars["memory_mb"] = 2048
    assert not stack_cli.unchanged_since_last_apply(spec)

    stack_cli.record_inputs(spec)
    monkeypatch.setattr(stack_record, "localstack_session", lambda: "session-2")  # LocalStack restarted: all gone
    assert not stack_cli.unchanged_since_last_apply(spec)
    monkeypatch.setattr(stack_record, "localstack_session", lambda: None)  # LocalStack not answering
    assert not stack_cli.unchanged_since_last_apply(spec)


def test_terraform_tests_are_not_inputs(spec: stack_cli.StackSpec) -> None:
    stack_cli.record_inputs(spec)
    (stack_spec.ROOT / "terraform" / "stack" / "tests" / "stack.tftest.hcl").write_text("# test v2\n")
    assert stack_cli.unchanged_since_last_apply(spec)


def test_the_aws_env_is_never_skipped(spec: stack_cli.StackSpec) -> None:
    aws = stack_cli.StackSpec(env="aws")
    assert aws.inputs_record is None
    stack_cli.record_inputs(aws)
    assert not stack_cli.unchanged_since_last_apply(aws)


def test_a_stack_lost_with_a_localstack_restart_is_applied_afresh(
    spec: stack_cli.StackSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path(str(spec.state)).write_text(json.dumps({"outputs": {"model_bucket": {"value": "rmodel-models-1"}}}))
    stack_cli.record_inputs(spec)
    existing: set[str] = {"rmodel-models-1"}
    monkeypatch.setattr(stack_terraform, "bucket_exists", lambda bucket: bucket in existing)
    assert not stack_cli.gone_with_localstack(spec)  # same session

    monkeypatch.setattr(stack_record, "localstack_session", lambda: "session-2")
    assert not stack_cli.gone_with_localstack(spec)  # new session, but the bucket is there (a persisting LocalStack)
    existing.clear()
    assert stack_cli.gone_with_localstack(spec)
    monkeypatch.setattr(stack_record, "localstack_session", lambda: None)
    assert not stack_cli.gone_with_localstack(spec)  # no LocalStack answering: only a plan can tell
