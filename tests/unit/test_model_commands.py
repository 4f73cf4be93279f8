"""What `make up`, `make publish-model` and `make rollback-model` decide before they touch S3."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import stack as stack_cli  # noqa: E402  (scripts/ is not a package)
import stack_models  # noqa: E402
import stack_spec  # noqa: E402
from lambda_zip import BuildError  # noqa: E402
from model_bucket import ModelBucket, missing_r_packages  # noqa: E402


def test_a_model_needing_packages_the_zip_lacks_is_named(built_models: Path) -> None:
    manifest = {"r_packages": {"stats": "4.2.2", "randomForest": "4.7-1.1"}}
    assert missing_r_packages(built_models / "boston", manifest) == []
    assert missing_r_packages(built_models / "boston", {"r_packages": {"stats": "4.2.2"}}) == ["randomForest"]
    assert missing_r_packages(built_models / "admission", {"r_packages": {}}) == []  # a glm needs base R only


def test_up_refuses_to_publish_a_model_the_zip_cannot_serve(
    built_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "lambda.manifest.json").write_text(json.dumps({"r_packages": {"stats": "4.2.2"}}))
    monkeypatch.setattr(stack_spec, "BUILD", tmp_path)
    assert stack_models._fits_the_zip(built_models / "admission") is True
    assert stack_models._fits_the_zip(built_models / "boston") is False
    said = capsys.readouterr().err
    assert "model boston needs R package(s) randomForest" in said
    assert "make up" in said


def test_models_published_by_up(built_models: Path) -> None:
    spec = stack_cli.StackSpec(model_name="boston")
    assert stack_cli.model_names(spec, None) == ["admission", "boston"]  # every model built in build/models
    assert stack_cli.model_names(spec, "admission") == ["admission", "boston"]  # the default always among them
    assert stack_cli.model_names(stack_cli.StackSpec(), " admission , ") == ["admission"]


@pytest.mark.parametrize(
    ("model_uri", "key", "uri"),
    [
        ("s3://b/models/admission/", "models/boston/model.json", "s3://b/models/boston/"),
        ("s3://b/admission/", "boston/model.json", "s3://b/boston/"),
        ("s3://b/a/b/admission", "a/b/boston/model.json", "s3://b/a/b/boston/"),
    ],
)
def test_other_models_are_siblings_of_the_default(model_uri: str, key: str, uri: str) -> None:
    bucket = ModelBucket(None, model_uri)
    assert (bucket.bucket, bucket.key("boston", "model.json"), bucket.uri("boston")) == ("b", key, uri)


def _model_and_zip(tmp_path: Path, r_version: str, glmnet: str) -> Path:
    model_dir = tmp_path / "models" / "prices"
    model_dir.mkdir(parents=True)
    packages = {"stats": r_version, "glmnet": glmnet}
    (model_dir / "model.json").write_text(json.dumps({"r_version": r_version, "r_packages": packages}))
    manifest = {"r_version": "4.2.2", "r_packages": {"stats": "4.2.2", "glmnet": "4.1-6"}}
    (tmp_path / "lambda.manifest.json").write_text(json.dumps(manifest))
    return model_dir


def test_publish_refuses_a_model_saved_with_another_minor_version_than_the_zip_carries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(stack_spec, "BUILD", tmp_path)
    monkeypatch.delenv("ALLOW_VERSION_MISMATCH", raising=False)
    model_dir = _model_and_zip(tmp_path, r_version="4.3.0", glmnet="4.1-8")
    with pytest.raises(BuildError) as error:
        stack_models._fits_the_zip(model_dir)
    assert str(error.value).startswith("model prices: saved with R 4.3.0, the zip carries 4.2.2 (major.minor differs")
    assert "ALLOW_VERSION_MISMATCH=1" in str(error.value)
    assert "model prices: saved with glmnet 4.1-8, the zip carries 4.1-6 (a patch-level difference)" in (
        capsys.readouterr().err
    )
    monkeypatch.setenv("ALLOW_VERSION_MISMATCH", "1")
    assert stack_models._fits_the_zip(model_dir) is True
    assert "going on because ALLOW_VERSION_MISMATCH=1" in capsys.readouterr().err


def test_publish_model_says_the_refusal_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(stack_spec, "BUILD", tmp_path)
    monkeypatch.delenv("ALLOW_VERSION_MISMATCH", raising=False)
    _model_and_zip(tmp_path, r_version="4.2.2", glmnet="5.0")
    (tmp_path / "stack.json").write_text("{}")
    monkeypatch.setattr(stack_cli, "publish", lambda name: stack_models.publish(name, tmp_path / "stack.json"))
    assert stack_cli.main(["publish-model", "--model", "prices"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("stack: model prices: saved with glmnet 5.0, the zip carries 4.1-6 (major.minor differs")
