"""Shared test helpers: a fake clock with recording sleepers, and a recording MockTransport.

Both are generic (no API knowledge), so any test package can use them:

    def test_x(clock, recorder):
        recorder.add(200, {"ok": True})
        client = SomeClient(http_client=recorder.client(), clock=clock, sleep=clock.sleep)
        ...
        assert recorder.requests[0].url.path == "/v1/things"
        assert clock.sleeps == []
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx
import pytest

#: A Unix time well inside the range the SDK treats as a timestamp (2025-01-15T14:32:00Z).
T0 = 1_736_951_520.0


class FakeClock:
    """A Unix-time clock that only moves when told to, plus sleepers that advance it.

    ``sleep`` / ``async_sleep`` record each requested wait in ``sleeps`` and move the clock
    forward by it instead of really waiting, so code under test sees time pass instantly.
    """

    def __init__(self, start: float = T0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]
Reply = httpx.Response | Exception | Handler


def make_response(
    status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """An httpx.Response with a JSON body (dict/list/None) or raw text/bytes."""
    if body is None:
        return httpx.Response(status, headers=headers)
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, headers=headers)
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers)
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={
            "content-type": "application/json",
            **(headers or {}),
        },
    )


class Recorder:
    """A MockTransport that records every request and answers from a queue of replies.

    Each reply is an ``httpx.Response``, an exception to raise (``httpx.ReadTimeout(...)``) or a
    callable ``request -> Response``. When the queue is empty, ``fallback`` answers (by default
    a failure, so an unexpected extra request is loud).
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.replies: deque[Reply] = deque()
        self.fallback: Reply | None = None
        self.transport = httpx.MockTransport(self._handle)
        self.async_transport = httpx.MockTransport(self._handle)

    def add(self, status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None) -> Recorder:
        """Queue one response."""
        self.replies.append(make_response(status, body, headers=headers))
        return self

    def add_error(self, exc: Exception) -> Recorder:
        """Queue a transport exception (raised when the request is sent)."""
        self.replies.append(exc)
        return self

    def add_handler(self, handler: Handler) -> Recorder:
        """Queue a callable that builds the response from the request."""
        self.replies.append(handler)
        return self

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        reply = self.replies.popleft() if self.replies else self.fallback
        if reply is None:
            raise AssertionError(f"unexpected request #{len(self.requests)}: {request.method} {request.url}")
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    def client(self) -> httpx.Client:
        """A user-style httpx.Client over this transport."""
        return httpx.Client(transport=self.transport)

    def async_client(self) -> httpx.AsyncClient:
        """A user-style httpx.AsyncClient over this transport."""
        return httpx.AsyncClient(transport=self.async_transport)

    # -- inspection helpers
    @property
    def last(self) -> httpx.Request:
        assert self.requests, "no request was sent"
        return self.requests[-1]

    def json(self, index: int = -1) -> Any:
        """The JSON body of a recorded request (None when it had no body)."""
        content = self.requests[index].content
        return json.loads(content) if content else None

    def calls(self) -> list[tuple[str, str]]:
        """(method, path) of every recorded request, in order."""
        return [(r.method, r.url.path) for r in self.requests]


@pytest.fixture
def clock() -> FakeClock:
    """A fake Unix clock starting at :data:`T0`, with recording sleepers."""
    return FakeClock()


@pytest.fixture
def recorder() -> Recorder:
    """A fresh recording MockTransport."""
    return Recorder()


@pytest.fixture(autouse=True)
def _apply_journal(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every test gets its own apply journal file (never the user's ~/.local/state one)."""
    path = tmp_path_factory.mktemp("journal") / "journal.json"
    monkeypatch.setenv("TENANTLEAD_JOURNAL", str(path))
    return path
