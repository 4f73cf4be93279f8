"""Read S3 objects with the standard library: SigV4-signed HEAD, GET and ListObjectsV2 requests.

The function reads two small objects at init, one HEAD a minute per loaded model and one listing a minute;
importing botocore and building its S3 client for that costs ~0.3 s of every cold start (more under a small CPU
share). Credentials and region come from the variables Lambda sets; AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
(LocalStack, a VPC endpoint) switch to path style.
"""

import hashlib
import hmac
import http.client
import os
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote, urlsplit

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ATTEMPTS = 2  # a dropped keep-alive connection or a 5xx gets one more try
CONNECT_TIMEOUT_S = 2.0  # init has 10 s in all; an unreachable S3 must not use them up
READ_TIMEOUT_S = 30.0


class S3Error(Exception):
    """S3 answered with an error (status and S3's error code, e.g. 404 NoSuchKey)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"S3 {status} {code}: {message}")
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None

    @classmethod
    def from_env(cls) -> "Credentials":
        try:
            environ = os.environ
            return cls(environ["AWS_ACCESS_KEY_ID"], environ["AWS_SECRET_ACCESS_KEY"], environ.get("AWS_SESSION_TOKEN"))
        except KeyError as missing:
            raise S3Error(0, "NoCredentials", f"{missing.args[0]} is not set (Lambda sets it from the role)") from None


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def canonical_query(params: dict[str, str]) -> str:
    """SigV4's canonical query string, also sent as is: sorted, every reserved character percent-encoded."""
    return "&".join(f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}" for name, value in sorted(params.items()))


def sign(
    method: str, host: str, path: str, region: str, credentials: Credentials, amz_date: str, query: str = ""
) -> dict[str, str]:
    """The headers of a SigV4-signed S3 request without a body; query is canonical_query's string."""
    headers = {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
    if credentials.token:
        headers["x-amz-security-token"] = credentials.token
    names = sorted(headers)
    signed_headers = ";".join(names)
    header_lines = [f"{name}:{headers[name]}" for name in names]
    canonical = "\n".join([method, quote(path, safe="/~"), query, *header_lines, "", signed_headers, EMPTY_SHA256])
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = ("AWS4" + credentials.secret_key).encode()
    for part in (amz_date[:8], region, "s3", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return headers


@dataclass(frozen=True)
class Listing:
    """One ListObjectsV2 answer, every page joined: current objects' keys and the common prefixes (delimiter)."""

    keys: list[str]
    common_prefixes: list[str]


S3_XML = "{http://s3.amazonaws.com/doc/2006-03-01/}"


class S3Reader:
    """HEAD, GET and listing of one bucket's objects over one keep-alive connection."""

    def __init__(self, bucket: str) -> None:
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:  # no per-bucket DNS names behind an endpoint override: path style
            url = urlsplit(endpoint)
            self.https, self.host, self.prefix = url.scheme == "https", url.netloc, f"/{bucket}/"
        elif "." in bucket:  # a dotted bucket name breaks the wildcard certificate of virtual-hosted names
            self.https, self.host, self.prefix = True, f"s3.{self.region}.amazonaws.com", f"/{bucket}/"
        else:
            self.https, self.host, self.prefix = True, f"{bucket}.s3.{self.region}.amazonaws.com", "/"
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self._connection = kind(self.host, timeout=CONNECT_TIMEOUT_S)
            self._connection.connect()
            assert self._connection.sock is not None
            self._connection.sock.settimeout(READ_TIMEOUT_S)
        return self._connection

    def _request(
        self,
        method: str,
        key: str,
        read: Callable[[http.client.HTTPResponse], object],
        params: dict[str, str] | None = None,
    ) -> dict[str, str]:
        # The bucket itself (a listing) is /bucket in path style, / with a virtual-hosted name.
        path = self.prefix + key if key else self.prefix.rstrip("/") or "/"
        query = canonical_query(params or {})
        for attempt in range(ATTEMPTS):
            amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            headers = sign(method, self.host, path, self.region, Credentials.from_env(), amz_date, query)
            try:
                connection = self._connect()
                target = quote(path, safe="/~") + (f"?{query}" if query else "")
                connection.request(method, target, headers=headers)
                response = connection.getresponse()
                if response.status >= 300:
                    body = response.read().decode(errors="replace")
                    code = re.search(r"<Code>(.*?)</Code>", body)
                    message = re.search(r"<Message>(.*?)</Message>", body)
                    error = S3Error(
                        response.status,
                        code.group(1) if code else str(response.status),
                        f"{method} s3://{path.removeprefix('/')}: {message.group(1) if message else response.reason}",
                    )
                    if response.status < 500 or attempt + 1 == ATTEMPTS:
                        raise error
                    continue
                read(response)
                return {name.lower(): value for name, value in response.getheaders()}
            except (OSError, http.client.HTTPException):
                self.close()  # a stale keep-alive connection or a network error: a new connection
                if attempt + 1 == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def head(self, key: str) -> dict[str, str]:
        return self._request("HEAD", key, lambda response: response.read())

    def get(self, key: str) -> tuple[bytes, dict[str, str]]:
        chunks: list[bytes] = []
        headers = self._request("GET", key, lambda response: chunks.append(response.read()))
        return b"".join(chunks), headers

    def download(self, key: str, out: BinaryIO) -> None:
        def copy(response: http.client.HTTPResponse) -> None:
            out.seek(0)
            out.truncate()  # a retried download starts over
            while chunk := response.read(1 << 20):
                out.write(chunk)

        self._request("GET", key, copy)

    def list(self, prefix: str, delimiter: str = "") -> Listing:
        """ListObjectsV2 of the keys under prefix (grouped at delimiter when given), following continuation tokens."""
        listing = Listing([], [])
        params = {"list-type": "2", "prefix": prefix, **({"delimiter": delimiter} if delimiter else {})}
        chunks: list[bytes] = []
        while True:
            chunks.clear()
            self._request("GET", "", lambda response: chunks.append(response.read()), params)
            page = ElementTree.fromstring(b"".join(chunks))
            listing.keys.extend(key.text or "" for key in page.iterfind(f"{S3_XML}Contents/{S3_XML}Key"))
            common = page.iterfind(f"{S3_XML}CommonPrefixes/{S3_XML}Prefix")
            listing.common_prefixes.extend(prefix.text or "" for prefix in common)
            token = page.findtext(f"{S3_XML}NextContinuationToken")
            if page.findtext(f"{S3_XML}IsTruncated") != "true" or not token:
                return listing
            params["continuation-token"] = token

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
