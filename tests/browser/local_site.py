"""The site and the API on loopback, without LocalStack: the page from frontend/, the real handler in-process.

Two servers on ephemeral 127.0.0.1 ports, so the page calls the API cross-origin as in production:
- the site serves frontend/ plus a config.json naming the API, and 404.html for anything else (S3 website),
  with the content security policy CloudFront adds on AWS;
- the API turns each HTTP request into an API Gateway (REST, proxy integration) event for
  `lambda/handler.py`, and answers preflights and unknown routes the way the Terraform REST API does.

Run `python tests/browser/local_site.py` (MODEL_URI defaults to build/models/admission): it prints one JSON
line `{"website_url": ..., "api_url": ...}` when ready and serves until interrupted.
"""

from __future__ import annotations

import argparse
import base64
import json
import mimetypes
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
CSP_FILE = ROOT / "terraform" / "modules" / "static_site" / "content-security-policy.json"
STAGE = "v1"
# The routes and CORS answer of terraform/modules/rest_api (its defaults).
ROUTES = {
    "predict": ["POST"],
    "health": ["GET"],
    "metadata": ["GET"],
    "openapi.json": ["GET"],
    "models": ["GET"],
    "models/{name}/predict": ["POST"],
    "models/{name}/metadata": ["GET"],
    "models/{name}/openapi.json": ["GET"],
}
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": ",".join(json.loads((ROOT / "lambda" / "cors.json").read_text())["allow_headers"]),
    "Access-Control-Allow-Methods": "OPTIONS,GET,POST",
}

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def log(message: str) -> None:
    print(f"[local_site] {message}", file=sys.stderr, flush=True)


class LambdaContext:
    """The attributes of the Lambda context object that a handler may read."""

    def __init__(self, timeout_s: float = 30.0) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = "local-site"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = "1024"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:local-site"
        self.log_group_name = "/aws/lambda/local-site"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resource_of(path: str) -> str:
    """models/boston/predict -> models/{name}/predict: the API resource a path matches."""
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "models" and parts[1]:
        return f"models/{{name}}/{parts[2]}"
    return path


def proxy_event(method: str, raw_path: str, headers: dict[str, str], body: bytes, route: str) -> dict[str, Any]:
    """An API Gateway REST proxy event, as the stage `v1` resource of `/<route>` would send it."""
    resource = resource_of(route)
    split = urlsplit(raw_path)
    query = parse_qs(split.query, keep_blank_values=True)
    request_id = str(uuid.uuid4())
    text = body.decode("utf-8", errors="surrogateescape") if body else None
    return {
        "resource": f"/{resource}",
        "path": f"/{route}",
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {key: [value] for key, value in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"name": route.split("/")[1]} if resource != route else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": f"/{resource}",
            "httpMethod": method,
            "path": f"/{STAGE}/{route}",
            "stage": STAGE,
            "requestId": request_id,
            "accountId": "000000000000",
            "apiId": "localsite",
            "protocol": "HTTP/1.1",
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
        },
        "body": text,
        "isBase64Encoded": False,
    }


def gateway_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"error": {"code": code, "message": message, "details": None}}).encode()
    return status, {"Content-Type": "application/json", **CORS}, body


class ApiGateway:
    """Routes requests to the handler one at a time: one Lambda execution environment, one R."""

    def __init__(self, handler: LambdaHandler) -> None:
        self.handler = handler
        self.lock = threading.Lock()

    def answer(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        path = urlsplit(raw_path).path
        prefix = f"/{STAGE}/"
        route = path[len(prefix) :] if path.startswith(prefix) else ""
        if resource_of(route) not in ROUTES:
            return gateway_error(404, "not_found", "No route for this path and method.")
        if method == "OPTIONS":
            return 200, {"Content-Type": "application/json", **CORS}, b"{}"
        if method not in ROUTES[resource_of(route)]:
            return gateway_error(404, "not_found", "No route for this path and method.")
        event = proxy_event(method, raw_path, headers, body, route)
        with self.lock:
            try:
                result = self.handler(event, LambdaContext())
            except Exception as error:  # noqa: BLE001  (a handler crash is API Gateway's 502, as in production)
                log(f"handler raised {type(error).__name__}: {error}")
                return gateway_error(502, "BAD_GATEWAY", "Internal server error")
        return self._response(result)

    @staticmethod
    def _response(result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        if not isinstance(result, dict) or "statusCode" not in result:
            return gateway_error(502, "BAD_GATEWAY", "Internal server error")
        out_headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        for key, values in (result.get("multiValueHeaders") or {}).items():
            out_headers[str(key)] = ",".join(str(v) for v in values)
        raw = result.get("body") or ""
        payload = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        return int(result["statusCode"]), out_headers, payload


def content_security_policy(api_url: str) -> str:
    """The policy CloudFront adds on AWS (terraform/modules/static_site), with this API's origin allowed."""
    directives: dict[str, list[str]] = json.loads(CSP_FILE.read_text())
    parts = urlsplit(api_url)
    directives["connect-src"] = [*directives["connect-src"], f"{parts.scheme}://{parts.netloc}"]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in sorted(directives.items()))


def static_file(raw_path: str, config: bytes, csp: str) -> tuple[int, dict[str, str], bytes]:
    """What the site serves: index.html, 404.html, the Terraform-written config.json, under CloudFront's CSP."""
    path = urlsplit(raw_path).path
    if path == "/config.json":
        return 200, {"Content-Type": "application/json", "Content-Security-Policy": csp}, config
    relative = "index.html" if path in ("", "/") else path.lstrip("/")
    candidate = (FRONTEND / relative).resolve()
    if candidate.is_relative_to(FRONTEND) and candidate.is_file():
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        return 200, {"Content-Type": content_type, "Content-Security-Policy": csp}, candidate.read_bytes()
    return 404, {"Content-Type": "text/html", "Content-Security-Policy": csp}, (FRONTEND / "404.html").read_bytes()


Answer = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


def make_server(answer: Answer, port: int = 0) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {key: value for key, value in self.headers.items()}
            status, out_headers, payload = answer(self.command, self.path, headers, body)
            self.send_response(status)
            for key, value in out_headers.items():
                if key.lower() not in ("content-length", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base class's name)
            log(f"{self.address_string()} {format % args}")

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def load_handler() -> LambdaHandler:
    """Import lambda/handler.py as the Lambda runtime would (MODEL_URI must be set before)."""
    lambda_dir = str(ROOT / "lambda")
    if not (ROOT / "lambda" / "handler.py").exists():
        raise SystemExit("local_site: lambda/handler.py does not exist yet; nothing can answer the API")
    sys.path.insert(0, lambda_dir)
    import handler  # noqa: PLC0415  (the import starts R: only when the API is served)

    result: LambdaHandler = handler.lambda_handler
    return result


class LocalSite:
    """Both servers, started in background threads; `stop()` shuts them down."""

    def __init__(self, handler: LambdaHandler, api_url: str | None = None) -> None:
        self.api_server: ThreadingHTTPServer | None = None
        if api_url is None:
            gateway = ApiGateway(handler)
            self.api_server = make_server(gateway.answer)
            api_url = f"http://127.0.0.1:{self.api_server.server_address[1]}/{STAGE}"
        self.api_url = api_url
        config = json.dumps({"api_url": api_url}).encode()
        csp = content_security_policy(api_url)
        self.site_server = make_server(lambda method, path, headers, body: static_file(path, config, csp))
        self.website_url = f"http://127.0.0.1:{self.site_server.server_address[1]}/"
        self.threads = [
            threading.Thread(target=server.serve_forever, daemon=True)
            for server in (self.site_server, self.api_server)
            if server is not None
        ]

    def start(self) -> LocalSite:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> None:
        for server in (self.site_server, self.api_server):
            if server is not None:
                server.shutdown()
                server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model-uri",
        default=os.environ.get("MODEL_URI", str(ROOT / "build" / "models" / "admission")),
        help="model folder or s3:// prefix for the handler (default: $MODEL_URI or build/models/admission)",
    )
    parser.add_argument("--api-url", help="serve only the site, pointed at this API (e.g. a deployed stack)")
    args = parser.parse_args(argv)
    # stdout carries only the ready line; the handler's JSON logs and anything R prints go to stderr.
    ready = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    if args.api_url:
        site = LocalSite(handler=lambda event, context: {}, api_url=args.api_url.rstrip("/"))
    else:
        os.environ["MODEL_URI"] = args.model_uri
        site = LocalSite(load_handler())
    site.start()
    print(json.dumps({"website_url": site.website_url, "api_url": site.api_url}), file=ready, flush=True)
    log(f"site {site.website_url}  api {site.api_url}  (Ctrl-C stops)")

    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stopped.wait()
    site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
