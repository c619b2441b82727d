"""Loopback serving: a threaded stdlib HTTP server in front of both simulated APIs.

``/tenantcore/...`` goes to TenantCore and ``/smartlead/...`` to Smartlead, prefix stripped, so
the base URLs are ``http://127.0.0.1:<port>/tenantcore/v1`` and
``http://127.0.0.1:<port>/smartlead/api/v1`` (key rotation: ``/tenantcore/api-key/rotate``).
The server is quiet: it never logs requests, because Smartlead's query strings carry API keys.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._http import SimRequest
from .faults import Hang
from .transport import parse_query

if TYPE_CHECKING:
    from .world import Sandbox

__all__ = ["SandboxServer"]


class _Handler(BaseHTTPRequestHandler):
    """Translates one HTTP exchange to a :class:`SimRequest` and back."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each keep-alive request then
    # stalls ~40 ms on the client's delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: request lines contain Smartlead API keys."""

    def _serve(self) -> None:
        raw_path, _, query = self.path.partition("?")
        # Only path-prefix routing here: the Host header is the loopback address.
        target = self.server.sandbox.route("", raw_path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if target is None:
            self._reply(404, {"content-type": "application/json"}, b'{"detail": "Not Found"}')
            return
        api, path = target
        req = SimRequest(
            method=self.command,
            path=path,
            query=parse_query(query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            response = self.server.sandbox.dispatch(api, req)
        except Hang as hang:
            # Stall without holding the world lock, then drop the connection.
            time.sleep(hang.seconds)
            self.close_connection = True
            return
        self._reply(response.status, response.headers, response.body)

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "connection"):
                self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_PATCH = _serve
    do_DELETE = _serve
    do_HEAD = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox


class SandboxServer:
    """A running (or ready-to-run) loopback server for a :class:`~tenantlead.sandbox.Sandbox`.

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
        """Serve on the calling thread until :meth:`stop` or KeyboardInterrupt."""
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
