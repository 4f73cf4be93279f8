"""Static checks of the Terraform code: format, validate, module tests with a mocked provider, checkov."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ENVS, MODULES, ROOT, TERRAFORM, TESTED, init, run_terraform

pytestmark = pytest.mark.terraform

CHECKOV = ROOT / "build" / "venv" / "checkov" / "bin" / "checkov"


def _id(path: Path) -> str:
    return str(path.relative_to(TERRAFORM))


def test_every_module_has_the_standard_files() -> None:
    assert {m.name for m in MODULES} >= {"private_bucket", "function", "rest_api", "static_site", "monitoring"}
    for folder in [*TESTED, *ENVS]:
        expected = {"main.tf", "variables.tf", "outputs.tf", "versions.tf"}
        missing = sorted(name for name in expected if not (folder / name).is_file())
        assert not missing, f"{_id(folder)} lacks {missing}"
    for folder in TESTED:
        assert (folder / "README.md").is_file(), f"{_id(folder)} has no README"
    for folder in [*TESTED, *ENVS]:
        assert list((folder / "tests").glob("*.tftest.hcl")), f"{_id(folder)} has no terraform test"


def test_env_roots_commit_their_lock_file() -> None:
    for env in ENVS:
        lock = env / ".terraform.lock.hcl"
        assert lock.is_file(), f"{_id(env)} has no .terraform.lock.hcl"
        tracked = subprocess.run(
            ["git", "ls-files", "--error-unmatch", str(lock)], cwd=ROOT, capture_output=True, check=False
        )
        assert tracked.returncode == 0, f"{_id(lock)} is not committed"


def test_fmt() -> None:
    result = run_terraform(TERRAFORM, "fmt", "-check", "-recursive", "-diff")
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}"


# `terraform test` plans every run, and each plan validates the whole configuration first, so the tested modules
# need no separate validate; the env roots do, as their tests mock the provider whose settings validate checks.
@pytest.mark.parametrize("folder", ENVS, ids=_id)
def test_validate(folder: Path) -> None:
    init(folder)
    result = run_terraform(folder, "validate")
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("folder", [*TESTED, *ENVS], ids=_id)
def test_terraform_test(folder: Path) -> None:
    init(folder)
    result = run_terraform(folder, "test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 failed." in result.stdout, result.stdout


def _checkov() -> dict[str, Any]:
    if not CHECKOV.is_file():
        pytest.fail("checkov is not installed in build/venv/checkov: run `make setup`.")
    result = subprocess.run(
        [str(CHECKOV), "-d", str(TERRAFORM), "--framework", "terraform", "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout.strip(), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_checkov_has_no_failed_checks_and_every_skip_has_a_reason() -> None:
    report = _checkov()
    summary = report["summary"]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in report["results"]["failed_checks"]]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 50, summary
    skips = report["results"]["skipped_checks"]
    without_reason = [c["check_id"] for c in skips if len(c["check_result"].get("suppress_comment", "")) < 20]
    assert not without_reason, f"checkov skips need a reason: {without_reason}"
