"""The GitHub workflows' security rules, read from the files: pinned actions, OIDC only, one deployment at a time.

actionlint (in `make lint`) checks that they are valid workflows; these tests check the project's own policy."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
FILES = sorted([*(GITHUB / "workflows").glob("*.yml"), *(GITHUB / "actions").glob("*/action.yml")])


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    if True in document:
        document["on"] = document.pop(True)
    return document


def steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_there_are_workflows_for_pull_requests_and_the_default_branch() -> None:
    triggers = {path.name: load(path)["on"] for path in (GITHUB / "workflows").glob("*.yml")}
    assert any("pull_request" in on for on in triggers.values()), triggers
    assert any(on.get("push", {}).get("branches") == ["main"] for on in triggers.values() if isinstance(on, dict))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_action_is_pinned_by_a_full_commit_sha(path: Path) -> None:
    for step in steps(load(path)):
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), f"{path.name}: {uses} is not pinned by commit SHA"
    # The version each SHA stands for is written next to it, for people and for update tools.
    for line in path.read_text().splitlines():
        if re.search(r"uses: [\w.-]+/[\w.-]+@", line):
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_long_lived_aws_keys(path: Path) -> None:
    text = path.read_text()
    assert "aws-access-key-id" not in text
    assert "aws-secret-access-key" not in text
    assert not re.search(r"secrets\.\w*AWS", text, re.IGNORECASE)
    for step in steps(load(path)):
        if str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"):
            assert set(step["with"]) >= {"role-to-assume", "aws-region"}, step


def test_only_jobs_that_assume_a_role_get_an_oidc_token() -> None:
    for path in (GITHUB / "workflows").glob("*.yml"):
        document = load(path)
        assert document["permissions"] == {"contents": "read"}, f"{path.name}: the default token must be read-only"
        for name, job in document["jobs"].items():
            assumes = any("configure-aws-credentials" in str(s.get("uses", "")) for s in job.get("steps", []))
            wants_token = job.get("permissions", {}).get("id-token") == "write"
            assert assumes == wants_token, f"{path.name}:{name}: id-token: write exactly where a role is assumed"


def test_apply_runs_in_the_protected_environment_one_at_a_time() -> None:
    document = load(GITHUB / "workflows" / "deploy.yml")
    assert document["concurrency"] == {"group": "deploy-aws-production", "cancel-in-progress": False}
    deploy = document["jobs"]["deploy"]
    assert deploy["environment"] == "production"  # the deploy role trusts only this environment's jobs
    assert deploy["needs"] == "test"
    commands = [s.get("run", "") for s in deploy["steps"]]
    assert commands.index("make package") < commands.index("make deploy-aws AUTO_APPROVE=1")
    role = next(s for s in deploy["steps"] if "configure-aws-credentials" in str(s.get("uses")))
    assert role["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def test_pull_requests_plan_with_the_read_only_role_and_keep_the_plan() -> None:
    plan = load(GITHUB / "workflows" / "pull-request.yml")["jobs"]["plan"]
    role = next(s for s in plan["steps"] if "configure-aws-credentials" in str(s.get("uses")))
    assert role["with"]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"
    assert "make plan-aws" in [s.get("run") for s in plan["steps"]]
    upload = next(s for s in plan["steps"] if "upload-artifact" in str(s.get("uses")))
    assert upload["with"]["path"] == "build/aws-plan.txt"


def test_the_test_job_gives_the_sandbox_what_its_preflight_checks() -> None:
    from lambda_local_executor.preflight import HOW

    job = load(GITHUB / "workflows" / "test.yml")["jobs"]["test"]
    assert job["runs-on"] == "ubuntu-24.04"
    options = job["container"]["options"].split()
    assert {"--privileged", "--cgroupns=host"} <= set(options)
    assert f"`options: {job['container']['options']}` (.github/workflows/test.yml)" in HOW  # the line names them
    runs = [s.get("run") for s in job["steps"]]
    preflight = runs.index(".venv/bin/python -m lambda_local_executor.preflight")
    assert runs.index("make setup") < preflight < runs.index("make test")


def test_actionlint_finds_nothing() -> None:
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "actionlint")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
