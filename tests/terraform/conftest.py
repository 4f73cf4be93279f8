"""Running the terraform CLI against this repository's Terraform code."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
MODULES = sorted(p for p in (TERRAFORM / "modules").iterdir() if (p / "main.tf").is_file())
# Every folder that holds a tests/*.tftest.hcl: the modules, the stack that composes them, and the bootstrap root.
TESTED = [*MODULES, TERRAFORM / "stack", TERRAFORM / "bootstrap"]
ENVS = [TERRAFORM / "envs" / "localstack", TERRAFORM / "envs" / "aws"]


def terraform_env() -> dict[str, str]:
    env = dict(os.environ)
    env["TF_CLI_CONFIG_FILE"] = str(ROOT / "build" / "terraformrc")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    env["NO_COLOR"] = "1"
    return env


def run_terraform(
    cwd: Path, *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["terraform", *args, "-no-color"] if args[0] not in ("fmt",) else ["terraform", *args],
        cwd=cwd,
        env={**terraform_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def init(cwd: Path) -> None:
    # Env roots must install exactly what their committed lock file pins.
    lock = ["-lockfile=readonly"] if (cwd / ".terraform.lock.hcl").is_file() and "envs" in cwd.parts else []
    result = run_terraform(cwd, "init", "-backend=false", *lock)
    assert result.returncode == 0, f"terraform init failed in {cwd}:\n{result.stderr}{result.stdout}"


@pytest.fixture(scope="session", autouse=True)
def terraform_config_present() -> None:
    if not (ROOT / "build" / "terraformrc").is_file():
        pytest.exit("build/terraformrc is missing: run `make setup` first.", returncode=2)
