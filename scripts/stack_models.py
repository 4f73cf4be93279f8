"""`make publish-model`, `make model-versions`, `make rollback-model`, and the publishing step of `make up`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import stack_spec
from lambda_zip import versions
from model_bucket import ModelBucket, missing_r_packages
from stack_spec import StackError, StackSpec, log


def publish_model(model_dir: Path, model_uri: str, s3: Any) -> None:
    """Upload a built model next to the default model of model_uri, under its folder's name (rds, then json)."""
    ModelBucket(s3, model_uri).publish(model_dir.name, model_dir)


def _model_bucket(values: dict[str, Any]) -> ModelBucket:
    import boto3  # only the model commands talk to S3 directly

    endpoint = values.get("endpoint")
    # LocalStack takes any credentials; on AWS they come from the usual chain.
    key = "test" if endpoint else None
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, region_name=values["region"], aws_access_key_id=key, aws_secret_access_key=key
    )
    return ModelBucket(s3, values["model_uri"])


def _stack_values(stack_json: Path) -> dict[str, Any]:
    if not stack_json.exists():
        raise StackError(f"no {stack_json.name}: bring the stack up first with `make up`")
    values: dict[str, Any] = json.loads(stack_json.read_text())
    return values


def built_model(model_name: str) -> Path:
    model_dir: Path = stack_spec.BUILD / "models" / model_name
    if not (model_dir / "model.json").exists():
        names = sorted(p.parent.name for p in (stack_spec.BUILD / "models").glob("*/model.json"))
        raise StackError(f"no model {model_name!r} in build/models (have: {names}); run `make model`")
    return model_dir


def _fits_the_zip(model_dir: Path) -> bool:
    """A model whose R packages the zip lacks would only fail in the function: say which rebuild it needs.

    Versions are compared as `make package` compares them: raises BuildError for another major.minor of R or
    of a package than the zip carries, unless ALLOW_VERSION_MISMATCH=1.
    """
    manifest = json.loads((stack_spec.BUILD / "lambda.manifest.json").read_text())
    missing = missing_r_packages(model_dir, manifest)
    if missing:
        log(
            f"model {model_dir.name} needs R package(s) {', '.join(missing)} that build/lambda.zip lacks: "
            "run `make up` (or `make package`) to rebuild the zip with every model in build/models; not published"
        )
        return False
    model = json.loads((model_dir / "model.json").read_text())
    carried = manifest.get("r_packages") or {}
    versions.check(versions.compare({model_dir.name: model}, str(manifest.get("r_version", "")), carried), log)
    return True


def publish_models(values: dict[str, Any], names: list[str]) -> None:
    """Publish each named built model whose version is not the one serving; each publish is kept as a version."""
    bucket = _model_bucket(values)
    for name in names:
        model_dir = built_model(name)
        version = json.loads((model_dir / "model.json").read_text())["version"]
        if bucket.served_version(name) == version:
            continue
        if _fits_the_zip(model_dir):
            bucket.publish(name, model_dir)
            log(f"published {name} (version {version}) to {bucket.uri(name)}")


def publish(model_name: str, stack_json: Path = stack_spec.STACK_JSON) -> None:
    """`make publish-model`: publish a built model to the running stack, without apply."""
    values = _stack_values(stack_json)
    model_dir = built_model(model_name)
    if not _fits_the_zip(model_dir):
        raise StackError(f"{model_name} was not published")
    bucket = _model_bucket(values)
    version = bucket.publish(model_name, model_dir)
    log(
        f"uploaded {model_name} (version {version}) to {bucket.uri(model_name)}; the function serves it after its "
        f"next model check (MODEL_REFRESH_SECONDS); see {values['api_url']}/models/{model_name}/metadata"
    )


def model_versions(model_name: str, stack_json: Path = stack_spec.STACK_JSON) -> None:
    """`make model-versions`: every kept publish of a model, newest first, and which one serves."""
    versions = _model_bucket(_stack_values(stack_json)).versions(model_name)
    print(f"{'model version':<14} {'trained at':<21} {'published at':<26} {'S3 version id':<36} serving")
    for version in versions:
        row = version.row()
        note = "  <- serving" if version.serving else ""
        if version.restored_from:
            note += f"  (rollback to {version.restored_from})"
        print(
            f"{row['model_version']:<14} {row['trained_at'] or '-':<21} {row['published_at']:<26} "
            f"{row['s3_version_id']:<36}{note}"
        )


def rollback_model(model_name: str, version: str | None, stack_json: Path = stack_spec.STACK_JSON) -> None:
    """`make rollback-model`: serve the previous (or the given) version again, without apply."""
    values = _stack_values(stack_json)
    target = _model_bucket(values).rollback(model_name, version)
    log(
        f"{model_name} now serves version {target.model_version} (trained {target.trained_at}) again; the function "
        f"picks it up at its next model check; see {values['api_url']}/models"
    )


def model_names(spec: StackSpec, selected: str | None) -> list[str]:
    """MODELS=a,b, else every model built in build/models; the default model always among them."""
    if selected:
        names = [name.strip() for name in selected.split(",") if name.strip()]
    else:
        names = sorted(p.parent.name for p in (stack_spec.BUILD / "models").glob("*/model.json"))
    return sorted({*names, spec.model_name})
