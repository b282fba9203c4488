"""What every local fake vendor API shares: a threaded HTTP(S) server on 127.0.0.1 and its handler helpers.

- `LoopbackServer` serves a handler class on a free loopback port from a daemon thread; given a
  `ca_bundle` path it speaks TLS with a certificate from a throwaway `trustme` CA, whose PEM it writes
  there (clients trust it through `REQUESTS_CA_BUNDLE`, since some vendor clients only build https URLs).
- `ServedFake` gives a fake built on a `LoopbackServer` its lifecycle: `start()`, `stop()`, `with`, `base_url`.
- `FakeHandler` is the request handler base: quiet logging, the request body and headers, and a reply
  with `Content-Length`.
- `Canned` and `canned_handler` cover fakes whose routing lives in one `handle(method, path, headers,
  body) -> Canned` method: the handler only moves bytes.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import trustme

HOST = "127.0.0.1"
# A short poll interval makes `stop()` (which waits for the serving loop to notice) quick.
POLL_INTERVAL_S = 0.05


@dataclass
class Canned:
    """A response: status, body (JSON-able, str or bytes; None for none) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackServer:
    """A `ThreadingHTTPServer` bound to a free port of 127.0.0.1, served from a daemon thread.

    The socket is bound at construction, so `base_url` is known before `start()`.

    Args:
        handler: The request handler class.
        ca_bundle: When given, serve TLS with a certificate for 127.0.0.1 issued by a fresh `trustme` CA,
            and write that CA's PEM to this path.
    """

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, ca_bundle: Path | None = None) -> None:
        self.ca_bundle = ca_bundle
        self._httpd = ThreadingHTTPServer((HOST, 0), handler)
        if ca_bundle is not None:
            ca = trustme.CA()
            ca.cert_pem.write_to_path(str(ca_bundle))
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert(HOST).configure_cert(context)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(POLL_INTERVAL_S,), daemon=True)

    @property
    def base_url(self) -> str:
        """`http(s)://127.0.0.1:<port>`."""
        scheme = "http" if self.ca_bundle is None else "https"
        return f"{scheme}://{HOST}:{self._httpd.server_address[1]}"

    def start(self) -> None:
        """Serve in the background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (when started) and close the socket."""
        if self._thread.is_alive():
            # `shutdown()` waits for the serving loop, so it would block forever on a server never started.
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()


class ServedFake:
    """The lifecycle of a fake whose constructor sets `self._server` to a `LoopbackServer`."""

    _server: LoopbackServer

    @property
    def base_url(self) -> str:
        """`http(s)://127.0.0.1:<port>`: where every route of the fake is served."""
        return self._server.base_url

    def start(self) -> Self:
        """Serve in a background thread."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class FakeHandler(BaseHTTPRequestHandler):
    """A request handler base for the fakes: quiet, no Nagle delay, body and reply helpers."""

    def setup(self) -> None:
        """Disable Nagle: headers and body go out as separate writes, and Nagle plus delayed ACKs adds 40 ms."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; each fake's `requests` records what matters."""

    def read_body(self) -> bytes:
        """The request body, as announced by `Content-Length` (empty without one)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def lower_headers(self) -> dict[str, str]:
        """The request headers, names lower-cased."""
        return {key.lower(): value for key, value in self.headers.items()}

    def send_head(
        self, status: int, length: int, headers: Mapping[str, str] | None = None, content_type: str | None = None
    ) -> None:
        """Status line, `Content-Type` (when given), `Content-Length` and `headers`, in that order."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()

    def send_payload(
        self, status: int, payload: bytes, headers: Mapping[str, str] | None = None, content_type: str | None = None
    ) -> None:
        """A whole reply: `send_head`, then the payload."""
        self.send_head(status, len(payload), headers, content_type)
        self.wfile.write(payload)


def canned_handler(
    handle: Callable[[str, str, dict[str, str], bytes], Canned],
    *,
    json_text: Callable[[Any], str] = json.dumps,
    content_type: str = "application/json; charset=utf-8",
    methods: Iterable[str] = ("GET", "POST"),
    protocol_version: str = "HTTP/1.0",
) -> type[FakeHandler]:
    """A handler class that passes each request to `handle` and sends the `Canned` it returns.

    Args:
        handle: Called with the method, the raw path (with query), the lower-cased headers and the body.
        json_text: Turns a body that is neither str nor bytes into JSON text.
        content_type: Sent with a non-empty body, unless the reply sets its own `Content-Type`.
        methods: The HTTP methods served (others get the standard library's 501).
        protocol_version: `HTTP/1.1` keeps connections alive between requests.
    """

    def serve(self: FakeHandler) -> None:
        raw = self.read_body()
        reply = handle(self.command, self.path, self.lower_headers(), raw)
        if reply.body is None:
            payload = b""
        elif isinstance(reply.body, bytes):
            payload = reply.body
        elif isinstance(reply.body, str):
            payload = reply.body.encode("utf-8")
        else:
            payload = json_text(reply.body).encode("utf-8")
        own_type = payload and "Content-Type" not in reply.headers
        self.send_payload(reply.status, payload, reply.headers, content_type if own_type else None)

    attributes: dict[str, Any] = {f"do_{method}": serve for method in methods}
    attributes["protocol_version"] = protocol_version
    return type("CannedHandler", (FakeHandler,), attributes)
