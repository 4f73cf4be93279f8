"""The Lambda Runtime API (2018-06-01) for one execution environment, served on loopback.

The runtime interface client (awslambdaric) inside the sandbox polls `invocation/next`, posts a
`response` or an `error` per request, or `init/error` when the handler cannot be loaded.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


@dataclass
class Event:
    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str


@dataclass
class Outcome:
    """What the runtime posted for a request: its response or its error document."""

    payload: bytes
    is_error: bool


@dataclass
class RuntimeApi:
    """State shared by the HTTP handlers; one in-flight request at a time, as in a Lambda environment."""

    pending: Event | None = None
    # Bumped when a runtime process is replaced, so a poll of the dead one cannot take the next event.
    generation: int = 0
    ready: threading.Event = field(default_factory=threading.Event)
    init_error: bytes | None = None
    changed: threading.Condition = field(default_factory=threading.Condition)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    closed: bool = False
    server: ThreadingHTTPServer | None = None

    def start(self) -> int:
        api = self

        class Handler(_Handler):
            state = api

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="lambda-runtime-api", daemon=True).start()
        return int(self.server.server_address[1])

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def reset(self) -> None:
        """Forget the state of a runtime process that is gone (a new one is about to start)."""
        with self.changed:
            self.generation += 1
            self.ready.clear()
            self.init_error = None
            self.outcomes.clear()
            self.pending = None
            self.changed.notify_all()

    def send(self, event: Event) -> None:
        with self.changed:
            self.pending = event
            self.changed.notify_all()

    def take(self) -> Event | None:
        """The next event for a poll, or None when the environment closed or its process was replaced."""
        with self.changed:
            generation = self.generation
            self.ready.set()
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.pending is not None or self.closed or self.generation != generation)
            if self.closed or self.generation != generation:
                return None
            event, self.pending = self.pending, None
            return event

    def post(self, key: str, outcome: Outcome) -> None:
        with self.changed:
            self.outcomes[key] = outcome
            self.changed.notify_all()

    def post_init_error(self, payload: bytes) -> None:
        with self.changed:
            self.init_error = payload
            self.changed.notify_all()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        # A runtime killed on timeout or stop drops its open connection: expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    state: RuntimeApi
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: with Nagle on, a reply's last segment waits for the client's delayed ACK (~40 ms per call).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass  # the runtime's own output is the log

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: HTTPStatus, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        fields = {**(headers or {}), "Content-Type": "application/json", "Content-Length": str(len(body))}
        head = f"{self.protocol_version} {status.value} {status.phrase}\r\n"
        head += "".join(f"{key}: {value}\r\n" for key, value in fields.items()) + "\r\n"
        # Status, headers and body in one write: sent apart, the body would wait for the client's ACK.
        self.wfile.write(head.encode("latin-1") + body)

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._reply(HTTPStatus.NOT_FOUND, b'{"errorType":"InvalidRequest"}')
            return
        event = self.state.take()
        if event is None:
            return
        self._reply(
            HTTPStatus.OK,
            event.payload,
            {
                "Lambda-Runtime-Aws-Request-Id": event.request_id,
                "Lambda-Runtime-Deadline-Ms": str(event.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": event.function_arn,
                "Lambda-Runtime-Trace-Id": event.trace_id,
            },
        )

    def do_POST(self) -> None:
        body = self._body()
        parts = self.path[len(PREFIX) :].strip("/").split("/")
        if parts == ["init", "error"]:
            self.state.post_init_error(body)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            self.state.post(parts[1], Outcome(body, is_error=parts[2] == "error"))
        else:
            self._reply(HTTPStatus.NOT_FOUND, b'{"errorType":"InvalidRequest"}')
            return
        self._reply(HTTPStatus.ACCEPTED, json.dumps({"status": "OK"}).encode())
