"""Loopback serving: a threaded HTTP/1.1 server in front of every mounted simulated API.

``/tenantcore/...`` goes to TenantCore and ``/smartlead/...`` to Smartlead, prefix stripped, so
the base URLs are ``http://127.0.0.1:<port>/tenantcore/v1`` and
``http://127.0.0.1:<port>/smartlead/api/v1`` (key rotation: ``/tenantcore/api-key/rotate``).

It behaves as the real servers' HTTP layer does for any client, in any language:

* request bodies framed by ``Content-Length`` or ``Transfer-Encoding: chunked`` (chunk
  extensions and trailers accepted); ``Expect: 100-continue`` is answered;
* keep-alive and pipelining: each request's body is read exactly, so the next request on the
  connection starts where it should; a request whose framing cannot be trusted (a bad
  ``Content-Length``, broken chunks, an unsupported transfer coding, a bad request line) gets
  400 and the connection is closed instead of being read out of step;
* every method token reaches the API, which answers as its framework does (Smartlead:
  Express's ``Cannot <METHOD> <path>`` 404, ``HEAD`` served like ``GET`` without a body,
  ``OPTIONS`` 200 with ``Allow``; TenantCore: FastAPI's 405 with ``Allow``);
* a listen backlog of 1,024, so bursts of concurrent clients do not stall on SYN retries.

It cannot pass for production: every answer carries ``X-Tenantlead-Sandbox`` (the
``tenantlead`` command reads it and says "sandbox" in its output), and a 401 for a key shaped like
a real TenantCore or Smartlead key says that this is the sandbox, where real keys do not work -
without repeating the key.

The server is quiet: it never logs requests, because Smartlead's query strings carry API keys.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tenantlead._core.config import KEY_SHAPES

from ._http import SimResponse, parse_query
from .faults import Hang

if TYPE_CHECKING:
    from .world import Sandbox

__all__ = ["SANDBOX_HEADER", "SANDBOX_HEADER_VALUE", "SandboxServer", "real_key_hint"]

#: The header on every answer of the loopback server (lower-case, as the worlds' headers are).
SANDBOX_HEADER = "x-tenantlead-sandbox"
#: Its value: what a person reading the headers (curl -i, a proxy log) needs to know.
SANDBOX_HEADER_VALUE = "simulated TenantCore and Smartlead; not production"

#: Largest request body accepted (bodies are held in memory); larger ones get 413.
MAX_BODY = 32 * 1024 * 1024
#: ``METHOD SP request-target SP HTTP/x.y`` with the method a token (RFC 9110 §9.1).
_REQUEST_LINE = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ \r\n]+ HTTP/\d\.\d\r?\n$")
_CHUNK_SIZE = re.compile(rb"^([0-9A-Fa-f]{1,8})[ \t]*(?:;[^\r\n]*)?\r?\n$")


def _presented_key(api: str, query: Mapping[str, list[str]], headers: Mapping[str, str], body: bytes) -> str:
    """The API key a request presents to ``api`` (``""`` when none)."""
    if api == "TenantCore":
        return headers.get("authorization", "").removeprefix("Bearer ").strip()
    key = (query.get("api_key") or [""])[0]
    if not key and body.lstrip()[:1] == b"{":
        try:
            found = json.loads(body).get("api_key")
        except ValueError:
            found = None
        key = found if isinstance(found, str) else ""
    return key


def real_key_hint(
    path: str, query: Mapping[str, list[str]], headers: Mapping[str, str], body: bytes
) -> str | None:
    """The sentence a 401 adds when the request presented a key shaped like a real one, else None.

    ``path`` is the server path (``/tenantcore/...``, ``/smartlead/...``). A key of the real
    format (``tc_live_...``; Smartlead's ``<uuid>_<suffix>``) that the sandbox does not know is
    almost always a production key sent to the sandbox by a misconfigured base URL. The hint
    never contains the key.
    """
    if path.startswith("/tenantcore/"):
        api, env = "TenantCore", "TENANTCORE"
    elif path.startswith("/smartlead/"):
        api, env = "Smartlead", "SMARTLEAD"
    else:
        return None
    if not KEY_SHAPES[api].match(_presented_key(api, query, headers, body)):
        return None
    return (
        f"this is the tenantlead sandbox, not {api}: a real {api} key does not work here and nothing "
        f"reached {api}; use the {env}_API_KEY that `tenantlead sandbox serve` printed, or unset "
        f"{env}_BASE_URL to reach the real API"
    )


def _with_hint(response: SimResponse, hint: str) -> SimResponse:
    """``response`` (a 401) with ``hint`` appended to its documented message field."""
    try:
        payload = json.loads(response.body)
    except ValueError:
        payload = None
    detail = payload.get("detail") if isinstance(payload, dict) else None
    if isinstance(detail, dict) and isinstance(detail.get("message"), str):  # TenantCore
        detail["message"] = f"{detail['message']} ({hint})"
    elif isinstance(payload, dict) and isinstance(payload.get("message"), str):  # Smartlead
        payload["message"] = f"{payload['message']} ({hint})"
    else:
        return response
    return SimResponse(response.status, json.dumps(payload).encode(), dict(response.headers))


class _BadRequest(Exception):
    """The request's framing cannot be trusted: answer ``status`` and close the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Handler(BaseHTTPRequestHandler):
    """Translates one HTTP exchange to a sandbox request and back."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each keep-alive request then
    # stalls ~40 ms on the client's delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: request lines contain Smartlead API keys."""

    def version_string(self) -> str:
        """No ``Server`` product token worth advertising; Express sends ``X-Powered-By`` instead."""
        return "tenantlead-sandbox"

    def send_response(self, code: int, message: str | None = None) -> None:
        """Every answer (the APIs', refusals, ``parse_request``'s own errors) says it is the sandbox."""
        super().send_response(code, message)
        self.send_header(SANDBOX_HEADER, SANDBOX_HEADER_VALUE)

    def handle_one_request(self) -> None:
        """Read one request line and headers, then serve it whatever its method."""
        self.raw_requestline = self.rfile.readline(65537)
        if self.raw_requestline in (b"\r\n", b"\n"):
            # An empty line before a request line is ignored (RFC 9112 §2.2): some clients
            # send a CRLF after a body.
            self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.command = ""
            self.request_version = "HTTP/1.1"
            self._refuse(414, "URI Too Long")
            return
        if not _REQUEST_LINE.match(self.raw_requestline):
            # Not "METHOD target HTTP/x.y": an HTTP/0.9 line, or bytes left over from a badly
            # framed request. No client of these APIs speaks 0.9; Node answers 400 at once too.
            self.requestline = self.command = ""
            self.request_version = "HTTP/1.1"
            self._refuse(400, "Bad Request")
            return
        if not self.parse_request():  # answers 400/431/505 itself and closes
            return
        self._serve()
        self.wfile.flush()

    def _read_body(self) -> bytes:
        encoding = self.headers.get("transfer-encoding")
        if encoding is not None:
            codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
            if codings != ["chunked"]:
                # Only chunked is understood; anything else cannot be framed (RFC 9112 §6.1).
                raise _BadRequest(400 if codings[-1:] != ["chunked"] else 501, "Unsupported transfer coding")
            if self.headers.get("content-length") is not None:
                # Both framings: chunked wins, and the connection is not reused (RFC 9112 §6.3).
                self.close_connection = True
            return self._read_chunked()
        raw = self.headers.get_all("content-length") or []
        if not raw:
            return b""
        values = {v.strip() for value in raw for v in value.split(",")}
        if len(values) != 1 or not next(iter(values)).isdigit():
            raise _BadRequest(400, "Bad Content-Length")
        length = int(next(iter(values)))
        if length > MAX_BODY:
            raise _BadRequest(413, "Payload Too Large")
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise _BadRequest(400, "Body shorter than Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            match = _CHUNK_SIZE.match(line)
            if match is None:
                raise _BadRequest(400, "Bad chunk size line")
            size = int(match.group(1), 16)
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                raise _BadRequest(413, "Payload Too Large")
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _BadRequest(400, "Bad chunk")
            parts.append(chunk)
        for _ in range(100):  # trailer fields, ignored, up to the empty line
            trailer = self.rfile.readline(65537)
            if trailer in (b"\r\n", b"\n"):
                return b"".join(parts)
            if not trailer or len(trailer) > 65536:
                break
        raise _BadRequest(400, "Bad chunked trailer")

    def _serve(self) -> None:
        target = self.path
        if target.startswith(("http://", "https://")):
            # Absolute form (a client configured with a proxy): keep the path.
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        raw_path, _, query = target.partition("?")
        try:
            body = self._read_body()
        except _BadRequest as bad:
            self._refuse(bad.status, bad.message)
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            # Only path-prefix routing here: the Host header is the loopback address.
            response = self.server.sandbox.request(
                self.command, "", raw_path, parse_query(query), headers, body
            )
        except Hang as hang:
            # Stall without holding the world lock, then drop the connection.
            time.sleep(hang.seconds)
            self.close_connection = True
            return
        except Exception:  # a sandbox bug must not take the connection's framing with it
            self._reply(500, {"content-type": "text/plain; charset=utf-8"}, b"Internal Server Error")
            return
        if response.status == 401:
            hint = real_key_hint(raw_path, parse_query(query), headers, body)
            if hint is not None:
                response = _with_hint(response, hint)
        self._reply(response.status, response.headers, response.body)

    def _refuse(self, status: int, message: str) -> None:
        self.close_connection = True
        self._reply(
            status, {"content-type": "text/plain; charset=utf-8", "connection": "close"}, message.encode()
        )

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status >= 200 and status not in (204, 304):
            self.wfile.write(body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default of 5 makes a burst of concurrent connects wait for SYN retries.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox


class SandboxServer:
    """A running (or ready-to-run) loopback server for a [`Sandbox`][tenantlead.sandbox.Sandbox].

    Use ``with sandbox.serve() as server:`` or ``server.start()`` / ``server.stop()``. The port
    is chosen by the OS when ``port=0`` (the default) and known as soon as the server exists.
    """

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self._httpd = _HTTPServer((host, port), sandbox)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The bound address."""
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    @property
    def tenantcore_base_url(self) -> str:
        """TenantCore's base URL on this server (ends in ``/v1``)."""
        return f"{self.base_url}/tenantcore/v1"

    @property
    def microsoft_authority_host(self) -> str:
        """The simulated Microsoft identity platform on this server (``MicrosoftApp(authority_host=...)``)."""
        return f"{self.base_url}/microsoft"

    @property
    def smartlead_base_url(self) -> str:
        """Smartlead's base URL on this server (ends in ``/api/v1``)."""
        return f"{self.base_url}/smartlead/api/v1"

    def start(self) -> SandboxServer:
        """Serve on a daemon thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def serve_forever(self) -> None:
        """Serve on the calling thread until [`stop`][tenantlead.sandbox.server.SandboxServer.stop] or KeyboardInterrupt."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread is not None else "stopped"
        return f"SandboxServer({self.base_url}, {state})"
