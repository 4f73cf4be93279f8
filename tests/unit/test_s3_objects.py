"""The handler's S3 reads: signatures equal botocore's (the reference SigV4 implementation), addressing as AWS's."""

from __future__ import annotations

import datetime

import botocore.auth
import pytest
import s3_objects
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

AMZ_DATE = "20261201T114500Z"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("token", [None, "session-token/with+chars="])
@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("127.0.0.1:4566", "/rmodel-models-000000000000/admission/model.json"),
        ("bucket.s3.eu-west-1.amazonaws.com", "/models/a model (v2)/model.rds"),
    ],
)
def test_signature_equals_botocores(
    monkeypatch: pytest.MonkeyPatch, method: str, token: str | None, host: str, path: str
) -> None:
    now = datetime.datetime.strptime(AMZ_DATE, "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now)
    credentials = s3_objects.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    ours = s3_objects.sign(method, host, path, "eu-west-1", credentials, AMZ_DATE)

    request = AWSRequest(method=method, url=f"http://{host}{s3_objects.quote(path, safe='/~')}")
    botocore.auth.S3SigV4Auth(
        BotoCredentials(credentials.access_key, credentials.secret_key, token), "s3", "eu-west-1"
    ).add_auth(request)
    assert ours["authorization"] == request.headers["Authorization"]
    assert ours["x-amz-content-sha256"] == request.headers["X-Amz-Content-SHA256"]
    assert ours.get("x-amz-security-token") == request.headers.get("X-Amz-Security-Token")


@pytest.mark.parametrize(
    ("bucket", "endpoint", "expected"),
    [
        ("models", None, (True, "models.s3.eu-west-1.amazonaws.com", "/")),
        ("my.models", None, (True, "s3.eu-west-1.amazonaws.com", "/my.models/")),
        ("models", "http://127.0.0.1:4566", (False, "127.0.0.1:4566", "/models/")),
    ],
)
def test_addressing(
    monkeypatch: pytest.MonkeyPatch, bucket: str, endpoint: str | None, expected: tuple[bool, str, str]
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    if endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    else:
        monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    reader = s3_objects.S3Reader(bucket)
    assert (reader.https, reader.host, reader.prefix) == expected


def test_missing_credentials_say_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    with pytest.raises(s3_objects.S3Error, match="AWS_ACCESS_KEY_ID is not set"):
        s3_objects.Credentials.from_env()
