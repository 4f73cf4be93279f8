"""The handler's S3 reads: signatures equal botocore's (the reference SigV4 implementation), addressing as AWS's."""

from __future__ import annotations

import datetime
import http.server
import threading
from urllib.parse import parse_qs, urlsplit

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


@pytest.mark.parametrize(
    "params",
    [
        {"list-type": "2", "prefix": "models/"},
        {"list-type": "2", "prefix": "models/a model (v2)+x/", "delimiter": "/", "continuation-token": "1/ab+c=="},
    ],
)
@pytest.mark.parametrize(
    ("host", "path"), [("127.0.0.1:4566", "/rmodel-models-000000000000"), ("bucket.s3.eu-west-1.amazonaws.com", "/")]
)
def test_listing_signature_equals_botocores(
    monkeypatch: pytest.MonkeyPatch, params: dict[str, str], host: str, path: str
) -> None:
    now = datetime.datetime.strptime(AMZ_DATE, "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: now)
    credentials = s3_objects.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token")
    query = s3_objects.canonical_query(params)
    ours = s3_objects.sign("GET", host, path, "eu-west-1", credentials, AMZ_DATE, query)

    # botocore signs the query of the URL as the request sends it: the same string our reader sends.
    request = AWSRequest(method="GET", url=f"http://{host}{path}?{query}")
    botocore.auth.S3SigV4Auth(
        BotoCredentials(credentials.access_key, credentials.secret_key, "token"), "s3", "eu-west-1"
    ).add_auth(request)
    assert ours["authorization"] == request.headers["Authorization"]


def _listing_page(keys: list[str], prefixes: list[str], token: str | None) -> bytes:
    contents = "".join(f"<Contents><Key>{key}</Key></Contents>" for key in keys)
    common = "".join(f"<CommonPrefixes><Prefix>{prefix}</Prefix></CommonPrefixes>" for prefix in prefixes)
    more = f"<IsTruncated>true</IsTruncated><NextContinuationToken>{token}</NextContinuationToken>" if token else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{more}{contents}{common}</ListBucketResult>'
    ).encode()


def test_listing_follows_continuation_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mock S3 (a local HTTP server) answering in two pages, as S3 does beyond 1,000 keys."""
    seen: list[tuple[str, dict[str, list[str]]]] = []
    pages = {
        None: _listing_page(["models/admission/model.json"], ["models/admission/"], "next/token=="),
        "next/token==": _listing_page(["models/boston/model.json"], ["models/boston/"], None),
    }

    class FakeS3(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            seen.append((url.path, query))
            body = pages[query.get("continuation-token", [None])[0]]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), FakeS3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        listing = s3_objects.S3Reader("models-bucket").list("models/", "/")
    finally:
        server.shutdown()
        server.server_close()
    assert listing.keys == ["models/admission/model.json", "models/boston/model.json"]
    assert listing.common_prefixes == ["models/admission/", "models/boston/"]
    assert [path for path, _ in seen] == ["/models-bucket", "/models-bucket"]
    assert seen[0][1] == {"list-type": ["2"], "prefix": ["models/"], "delimiter": ["/"]}
    assert seen[1][1]["continuation-token"] == ["next/token=="]
