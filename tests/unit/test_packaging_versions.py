"""A model's R and package versions against the zip's: named, warned about, refused or let through."""

from __future__ import annotations

import pytest
from lambda_zip import BuildError, versions
from lambda_zip.versions import Difference

ZIP_R = "4.2.2"
ZIP_PACKAGES = {"stats": "4.2.2", "caret": "6.0-93", "glmnet": "4.1-6", "randomForest": "4.7-1.1"}


def _model(r_version: str = ZIP_R, **packages: str) -> dict[str, object]:
    return {"r_version": r_version, "r_packages": {"stats": r_version, **packages}}


def _check(models: dict[str, dict[str, object]], environ: dict[str, str] | None = None) -> list[str]:
    said: list[str] = []
    versions.check(versions.compare(models, ZIP_R, ZIP_PACKAGES), said.append, environ or {})
    return said


def test_the_same_versions_say_nothing() -> None:
    assert versions.compare({"m": _model(caret="6.0-93", glmnet="4.1-6")}, ZIP_R, ZIP_PACKAGES) == []
    assert _check({"m": _model(caret="6.0-93")}) == []


def test_a_patch_level_difference_is_named_and_warned_about() -> None:
    said = _check({"m": _model(r_version="4.2.3", caret="6.0-94")})
    assert said == [
        "warning: model m: saved with R 4.2.3, the zip carries 4.2.2 (a patch-level difference)",
        "warning: model m: saved with caret 6.0-94, the zip carries 6.0-93 (a patch-level difference)",
    ]


def test_another_minor_version_is_refused_in_one_line_naming_model_package_and_both_versions() -> None:
    models = {"a": _model(glmnet="4.2-0"), "b": _model(randomForest="4.7-1.2")}
    with pytest.raises(BuildError) as error:
        _check(models)
    message = str(error.value)
    assert message.startswith("model a: saved with glmnet 4.2-0, the zip carries 4.1-6 (major.minor differs")
    assert "ALLOW_VERSION_MISMATCH=1" in message
    assert "randomForest" not in message  # b's difference is patch level
    assert "\n" not in message


def test_another_r_minor_version_is_refused_and_its_base_packages_are_not_named_again() -> None:
    with pytest.raises(BuildError, match=r"^model m: saved with R 4\.3\.1, the zip carries 4\.2\.2 \(") as error:
        _check({"m": _model(r_version="4.3.1")})
    assert "stats" not in str(error.value)


def test_the_override_goes_on_and_still_names_every_difference() -> None:
    said = _check({"m": _model(r_version="4.3.1", glmnet="4.2-0")}, {"ALLOW_VERSION_MISMATCH": "1"})
    assert said == [
        "warning: model m: saved with R 4.3.1, the zip carries 4.2.2 (major.minor differs; going on because "
        "ALLOW_VERSION_MISMATCH=1)",
        "warning: model m: saved with glmnet 4.2-0, the zip carries 4.1-6 (major.minor differs; going on because "
        "ALLOW_VERSION_MISMATCH=1)",
    ]
    with pytest.raises(BuildError):
        _check({"m": _model(r_version="4.3.1")}, {"ALLOW_VERSION_MISMATCH": "yes"})  # only 1 says go on


@pytest.mark.parametrize(
    ("saved", "carried", "refused"),
    [("6.0-93", "6.0-94", False), ("6.0-93", "6.1-0", True), ("1.7.12", "1.8.0", True), ("2.0", "10.0", True)],
)
def test_major_minor_reads_r_version_strings(saved: str, carried: str, refused: bool) -> None:
    assert Difference("m", "p", saved, carried).refused is refused
