"""What the last apply on LocalStack read: a fingerprint of its inputs and LocalStack's session, so that `make up`
can skip Terraform when nothing can have changed."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import requests
import stack_spec
from iam_check import record
from stack_spec import StackSpec, localstack_endpoint


def localstack_session() -> str | None:
    """LocalStack's id of its running process: it keeps resources in memory, so a new session has none of them."""
    try:
        info: dict[str, Any] = requests.get(f"{localstack_endpoint()}/_localstack/info", timeout=5).json()
    except (requests.RequestException, ValueError):
        return None
    session = info.get("session_id")
    return str(session) if session else None


def _input_files(spec: StackSpec) -> list[Path]:
    """Every file an apply reads: the Terraform code (not its tests), the zip's manifest, the model, the site."""
    variables = spec.variables()
    terraform = stack_spec.ROOT / "terraform"
    code = [
        p
        for p in terraform.rglob("*")
        if p.is_file() and not {"tests", ".terraform"} & set(p.relative_to(terraform).parts)
    ]
    model_dir = Path(variables["models_dir"]) / spec.model_name
    data = [Path(variables["lambda_manifest"]), model_dir / "model.rds", model_dir / "model.json"]
    site = [p for p in Path(variables["frontend_dir"]).rglob("*") if p.is_file()]
    return sorted(code) + data + sorted(site)


def inputs_fingerprint(spec: StackSpec, session: str | None) -> str | None:
    """sha256 over what decides the applied stack: input files, variables, the state, the LocalStack session.

    None when there is no local state or no LocalStack session to tie it to (then only a plan can tell).
    """
    if spec.state is None or session is None or not Path(spec.state).is_file():
        return None
    digest = hashlib.sha256()
    for path in [*_input_files(spec), Path(spec.state)]:
        digest.update(f"{path}\0".encode())
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
        digest.update(b"\0")
    digest.update(json.dumps([spec.variables(), session], sort_keys=True).encode())
    return digest.hexdigest()


def record_inputs(spec: StackSpec) -> None:
    """Remember the fingerprint of what was just applied (or planned with no changes), and the LocalStack session."""
    if spec.inputs_record is None:
        return
    session = localstack_session()
    fingerprint = inputs_fingerprint(spec, session)
    if fingerprint is None:
        spec.inputs_record.unlink(missing_ok=True)
    else:
        spec.inputs_record.write_text(json.dumps({"fingerprint": fingerprint, "localstack_session": session}) + "\n")


def recorded(spec: StackSpec) -> dict[str, Any]:
    record = spec.inputs_record
    try:
        value = json.loads(record.read_text()) if record is not None else {}
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def unchanged_since_last_apply(spec: StackSpec) -> bool:
    fingerprint = inputs_fingerprint(spec, localstack_session())
    return fingerprint is not None and recorded(spec).get("fingerprint") == fingerprint


def keep_applied_state(state: str | None) -> None:
    """Copy a LocalStack stack's state for `make iam-check` (the LocalStack of LOCALSTACK_PORT): the calls are
    checked after the stack is gone."""
    if state is not None:
        states = record.states_dir()
        states.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, states / Path(state).name)
