"""After every build: unzip into a fresh task root and predict with each model inside the Lambda-like sandbox."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from lambda_local_executor import lambda_view

from lambda_zip import BuildError

SANDBOX = Path("localstack/executor/lambda_local_executor/sandbox.py")
SANDBOX_TASK_ROOT = "/var/task"

# Runs inside the sandbox with the sandbox's python3.12: one prediction through the handler, then proof that
# R and every bundled library came from the task root and that R sorts in the C locale (no ICU data needed).
_PROGRAM = r"""
import json, os, sys
model = json.load(open(os.path.join(os.environ["MODEL_URI"], "model.json")))
record = {i["name"]: i["example"] for i in model["inputs"]}
import handler
event = {"resource": "/predict", "path": "/predict", "httpMethod": "POST", "isBase64Encoded": False,
         "headers": {"content-type": "application/json"}, "queryStringParameters": None,
         "requestContext": {"resourcePath": "/predict", "httpMethod": "POST", "stage": "smoke"},
         "body": json.dumps(record)}
class Context:
    function_name = "smoke"; aws_request_id = "smoke-1"; memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:smoke"
    def get_remaining_time_in_millis(self): return 30000
response = handler.lambda_handler(event, Context())
body = json.loads(response["body"])
if response["statusCode"] != 200 or len(body.get("predictions", [])) != 1:
    sys.exit(f"predict answered {response['statusCode']}: {response['body'][:300]}")
root = os.environ["LAMBDA_TASK_ROOT"]
bundled = set(open(os.path.join(root, "lib", "preload.txt")).read().split()) | {"libR.so"}
maps = {line.split()[-1] for line in open("/proc/self/maps") if line.rstrip().endswith(".so") or ".so." in line}
foreign = sorted(p for p in maps if os.path.basename(p) in bundled and not p.startswith(root + "/"))
if foreign:
    sys.exit(f"bundled libraries were loaded from outside the task root: {foreign}")
if not any(p == os.path.join(root, "R", "lib", "libR.so") for p in maps):
    sys.exit("libR.so was not loaded from the task root")
import rpy2.rinterface as ri
collated = "".join(ri.baseenv["eval"](ri.parse('sort(c("b", "B", "a", "A"))')))
if collated != "ABab":
    sys.exit(f"R does not sort in the C locale ({collated}); ICU data would be needed")
print(json.dumps({"model": model["name"], "prediction": body["predictions"][0], "mapped": sorted(maps)}))
"""


def run(zip_path: Path, models: dict[str, Path], work: Path, repo: Path) -> list[dict[str, object]]:
    """Predict with every model from a fresh unzip of zip_path; raise BuildError naming what failed."""
    sandbox = repo / SANDBOX
    if not sandbox.exists():
        raise BuildError(f"smoke test: the Lambda sandbox {SANDBOX} is missing; restore it, or build with --no-smoke")
    if not models:
        raise BuildError("smoke test: no model to predict with; run `make model` first")
    if work.exists():
        shutil.rmtree(work)
    task_root = work / "task"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(task_root)
    results: list[dict[str, object]] = []
    for name, model_dir in sorted(models.items()):
        # The sandbox shows the host's files only through the task root (mounted at /var/task).
        local = task_root / "smoke-models" / name
        local.mkdir(parents=True)
        for file in ("model.json", "model.rds"):
            shutil.copyfile(model_dir / file, local / file)
        cmd = [
            sys.executable,
            str(sandbox),
            "--task-root",
            str(task_root),
            "--handler",
            "handler.lambda_handler",
            "--env",
            f"MODEL_URI={SANDBOX_TASK_ROOT}/smoke-models/{name}",
            "--",
            "python3",
            "-c",
            _PROGRAM,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
        if out.returncode != 0:
            detail = (out.stderr.strip().splitlines() or ["no output"])[-1][:400]
            raise BuildError(
                f"smoke test failed for model {name} with host R hidden: {detail} "
                f"(full output: rerun `{' '.join(cmd[:-1])} <program>`; the unzipped zip is in {task_root})"
            )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if foreign := lambda_view.foreign_objects(result.pop("mapped")):
            raise BuildError(f"smoke test: model {name} loaded libraries the Lambda OS does not have: {foreign}")
        results.append(result)
    shutil.rmtree(work)
    return results
