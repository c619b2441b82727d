"""A loopback HTTP listener that captures OAuth redirects (browser sign-in, admin consent).

Microsoft redirects the browser to the app's registered **Web** loopback URI
(``http://localhost/tenantlead/callback``; the port is ignored when Microsoft matches
``localhost`` redirects, so the listener may take any free port). The listener answers every
redirect with a short page and keeps the query parameters for whoever waits on the ``state``.

It never logs request lines: they carry authorization codes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs

from tenantlead._core.redact import hide
from tenantlead.microsoft._app import DEFAULT_REDIRECT_URI

__all__ = ["CallbackAnswer", "LoopbackListener"]

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>tenantlead</title></head>"
    "<body><p>{text}</p><p>You can close this window.</p></body></html>"
)


@attrs.frozen
class CallbackAnswer:
    """The query parameters of one captured redirect (masked in ``repr``, refused by ``pickle``: they carry codes)."""

    params: Mapping[str, str] = attrs.field(repr=False, converter=hide)

    @property
    def state(self) -> str | None:
        """The ``state`` the request was sent with."""
        return self.params.get("state")

    @property
    def error(self) -> str | None:
        """The OAuth ``error`` field, when Microsoft redirected with an error."""
        return self.params.get("error")

    @property
    def error_description(self) -> str | None:
        """Microsoft's ``error_description`` (``AADSTSnnnnn: ...``), when sent."""
        return self.params.get("error_description")

    @property
    def code(self) -> str | None:
        """The authorization code (a secret: redeem it at once, never log it)."""
        return self.params.get("code")

    @property
    def admin_consent(self) -> bool:
        """True when an admin-consent redirect reported ``admin_consent=True``."""
        return self.params.get("admin_consent", "").lower() == "true"

    @property
    def tenant(self) -> str | None:
        """The ``tenant`` of an admin-consent answer."""
        return self.params.get("tenant")


class LoopbackListener:
    """Listens on ``127.0.0.1`` for redirects to ``path``; a context manager.

    ``listener.redirect_uri`` is the URI to send (``http://localhost:<port><path>``);
    ``wait`` blocks until the redirect carrying a ``state`` arrives. Tests stand in for the
    browser with an HTTP GET to ``redirect_uri``.

    Args:
        path: the redirect path (default: the path of ``http://localhost/tenantlead/callback``).
        host: the interface to bind (loopback only).
        port: 0 for any free port.
    """

    def __init__(
        self,
        *,
        path: str = urlsplit(DEFAULT_REDIRECT_URI).path,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the listener binds a loopback address only")
        self.path = path
        self._answers: dict[str, CallbackAnswer] = {}
        self._unmatched: list[CallbackAnswer] = []
        self._cond = threading.Condition()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != listener.path:
                    self._reply(404, "Not the tenantlead callback.")
                    return
                answer = CallbackAnswer(dict(parse_qsl(parts.query, keep_blank_values=True)))
                listener._capture(answer)
                ok = answer.error is None
                self._reply(
                    200, "Signed in; tenantlead has the answer." if ok else "Microsoft reported an error."
                )

            def _reply(self, status: int, text: str) -> None:
                body = _PAGE.format(text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # request lines carry authorization codes: never log them

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="tenantlead-loopback", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        """``http://localhost:<port><path>``: matches the registered ``http://localhost<path>``."""
        return f"http://localhost:{self.port}{self.path}"

    def _capture(self, answer: CallbackAnswer) -> None:
        with self._cond:
            if answer.state is not None:
                self._answers[answer.state] = answer
            else:
                self._unmatched.append(answer)
            self._cond.notify_all()

    def wait(self, state: str, timeout: float | None = 300.0) -> CallbackAnswer | None:
        """The answer carrying ``state``, or None after ``timeout`` seconds (None: wait forever)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while state not in self._answers:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._answers[state]

    def wait_all(
        self, states: Iterable[str], timeout: float | None = 600.0
    ) -> dict[str, CallbackAnswer | None]:
        """Wait until every state has an answer or ``timeout`` seconds pass; None for those missing."""
        wanted = list(states)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not all(s in self._answers for s in wanted):
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._cond.wait(remaining)
            return {s: self._answers.get(s) for s in wanted}

    def answer(self, state: str) -> CallbackAnswer | None:
        """The answer carrying ``state`` if it has arrived (non-blocking)."""
        with self._cond:
            return self._answers.get(state)

    def close(self) -> None:
        """Stop listening (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> LoopbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LoopbackListener(redirect_uri={self.redirect_uri!r}, answers={len(self._answers)})"
