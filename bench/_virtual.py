"""Simulated time for benchmarks at Smartlead's real limits: a 2-hour job runs in seconds.

* :class:`VirtualLoop` is an asyncio event loop whose clock is a sandbox
  [VirtualClock][tenantlead.sandbox.VirtualClock]: whenever every task is waiting, it jumps the
  clock to the next timer instead of sleeping. ``asyncio.sleep`` (the SDK's default async
  sleeper), the rate limiter's waits and the simulated latency all pass in virtual time, and
  concurrent tasks overlap exactly as they would in real time. CPU time does not count.
* :class:`LatencyTransport` (async) and :class:`SyncLatencyTransport` (for the one-request-at-a-
  time naive scripts) put a seeded, realistic latency in front of the in-process sandbox: an
  uplink transit (the server counts the request on arrival, after it) and the rest of the round
  trip after the server answered. :class:`Traffic` counts what reached the server, by API
  (``tenantcore``, ``smartlead``, ``microsoft``: the identity platform's token endpoint).
"""

from __future__ import annotations

import asyncio
import random
import selectors
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from tenantlead.sandbox import Sandbox, VirtualClock

__all__ = [
    "LatencyModel",
    "LatencyTransport",
    "SyncLatencyTransport",
    "Traffic",
    "VirtualLoop",
    "run_virtual",
]

T = TypeVar("T")


class _JumpSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """A selector that, instead of blocking for ``timeout``, moves the virtual clock on by it."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready: list[tuple[selectors.SelectorKey, int]] = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # nothing scheduled: only another thread can wake the loop
            result: list[tuple[selectors.SelectorKey, int]] = super().select(None)
            return result
        self._clock.advance(timeout)
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """An event loop running on ``clock``: idle time is skipped, not waited."""

    def __init__(self, clock: VirtualClock) -> None:
        self.virtual_clock = clock
        super().__init__(_JumpSelector(clock))

    def time(self) -> float:
        """The virtual clock's monotonic seconds."""
        return self.virtual_clock.monotonic()


def run_virtual(coro: Coroutine[Any, Any, T], clock: VirtualClock) -> T:
    """Run ``coro`` to completion on a fresh :class:`VirtualLoop` over ``clock``."""
    loop = VirtualLoop(clock)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


@dataclass(frozen=True)
class LatencyModel:
    """Seconds per request by API and kind, drawn uniformly from ``(low, high)`` with a seeded source.

    ``uplink`` is the client-to-server transit (the part before the server counts the request);
    its spread is the jitter the client's rate-limit margin has to absorb. The defaults are
    ordinary figures for a European client: TenantCore ~0.1-0.2 s, a Smartlead read ~0.3-0.5 s,
    a 100-row list page ~0.6-0.9 s, an account save (Smartlead tests the SMTP/IMAP or OAuth
    login before answering) ~1.5-3 s, a bulk update ~0.4-0.8 s, a Microsoft token request
    (password or refresh grant at ``login.microsoftonline.com``) ~0.15-0.4 s.
    """

    tenantcore: tuple[float, float] = (0.10, 0.20)
    smartlead_read: tuple[float, float] = (0.30, 0.50)
    smartlead_list: tuple[float, float] = (0.60, 0.90)
    smartlead_save: tuple[float, float] = (1.50, 3.00)
    smartlead_write: tuple[float, float] = (0.40, 0.80)
    uplink: tuple[float, float] = (0.03, 0.08)
    seed: int = 17
    microsoft: tuple[float, float] = (0.15, 0.40)

    def kind(self, api: str, method: str, path: str) -> str:
        """Which range applies to a request."""
        if api in ("tenantcore", "microsoft"):
            return api
        if method == "GET":
            return "smartlead_list" if path.rstrip("/").endswith("/email-accounts") else "smartlead_read"
        if path.rstrip("/").endswith(("/save", "/save-oauth")):
            return "smartlead_save"
        return "smartlead_write"

    def to_json(self) -> dict[str, Any]:
        """The model as JSON (ranges in seconds)."""
        return {
            "tenantcore": list(self.tenantcore),
            "smartlead_read": list(self.smartlead_read),
            "smartlead_list": list(self.smartlead_list),
            "smartlead_save": list(self.smartlead_save),
            "smartlead_write": list(self.smartlead_write),
            "microsoft": list(self.microsoft),
            "uplink": list(self.uplink),
            "seed": self.seed,
        }


@dataclass
class Traffic:
    """Requests and statuses that reached the simulated servers, by ``"api METHOD"`` / ``"api status"``.

    ``kinds`` counts them by ``"api kind"`` (:meth:`LatencyModel.kind`: ``smartlead_list``,
    ``smartlead_read``, ``smartlead_save``...). ``spans`` holds ``(api, start, end)`` on the virtual clock for each request an async client
    made through :class:`LatencyTransport` (from the call to the answer, network included);
    :meth:`since` does not copy them.
    """

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    spans: list[tuple[str, float, float]] = field(default_factory=list)

    def count(self, api: str, method: str | None = None) -> int:
        """Requests to ``api`` (optionally of one method)."""
        if method is not None:
            return self.requests.get(f"{api} {method}", 0)
        return sum(v for k, v in self.requests.items() if k.startswith(api + " "))

    def kind(self, kind: str) -> int:
        """Requests of one :meth:`LatencyModel.kind` (e.g. ``smartlead_save``)."""
        return sum(v for k, v in self.kinds.items() if k.endswith(" " + kind))

    def status(self, api: str, code: int) -> int:
        """Answers of ``code`` from ``api``."""
        return self.statuses.get(f"{api} {code}", 0)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {"requests": dict(self.requests), "statuses": dict(self.statuses), "kinds": dict(self.kinds)}

    def since(self, before: dict[str, Any]) -> Traffic:
        """The traffic after ``before`` (a :meth:`snapshot`)."""
        out = Traffic()
        out.requests = Counter(self.requests)
        out.requests.subtract(before["requests"])
        out.statuses = Counter(self.statuses)
        out.statuses.subtract(before["statuses"])
        out.kinds = Counter(self.kinds)
        out.kinds.subtract(before.get("kinds", {}))
        return out


_APIS = {Sandbox.TENANTCORE_HOST: "tenantcore", Sandbox.MICROSOFT_HOST: "microsoft"}


class _Latency:
    def __init__(self, sandbox: Sandbox, model: LatencyModel, traffic: Traffic) -> None:
        self.sandbox = sandbox
        self.model = model
        self.traffic = traffic
        self.rng = random.Random(model.seed)
        self.inner = sandbox.transport

    def draw(self, request: httpx.Request) -> tuple[str, float, float]:
        api = _APIS.get(request.url.host, "smartlead")
        low, high = getattr(self.model, self._kind(api, request))
        total = self.rng.uniform(low, high)
        up = min(total, self.rng.uniform(*self.model.uplink))
        return api, up, total - up

    def _kind(self, api: str, request: httpx.Request) -> str:
        return self.model.kind(api, request.method, request.url.path)

    def record(self, api: str, request: httpx.Request, response: httpx.Response) -> None:
        self.traffic.requests[f"{api} {request.method}"] += 1
        self.traffic.kinds[f"{api} {self._kind(api, request)}"] += 1
        self.traffic.statuses[f"{api} {response.status_code}"] += 1


class LatencyTransport(httpx.AsyncBaseTransport):
    """The sandbox behind a simulated network, for async clients on a :class:`VirtualLoop`."""

    def __init__(self, sandbox: Sandbox, model: LatencyModel, traffic: Traffic) -> None:
        self._latency = _Latency(sandbox, model, traffic)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Transit, the sandbox's answer, the rest of the round trip."""
        api, up, down = self._latency.draw(request)
        clock = self._latency.sandbox.clock
        start = clock.monotonic()

        async def deliver() -> httpx.Response:
            await asyncio.sleep(up)
            answer = await self._latency.inner.handle_async_request(request)
            await answer.aread()
            self._latency.record(api, request, answer)
            return answer

        # A request that left the client reaches the server even if the client stops waiting.
        response = await asyncio.shield(asyncio.ensure_future(deliver()))
        await asyncio.sleep(down)
        self._latency.traffic.spans.append((api, start, clock.monotonic()))
        return response


class SyncLatencyTransport(httpx.BaseTransport):
    """The same network for a sync client that makes one request at a time: latency advances the clock."""

    def __init__(self, sandbox: Sandbox, model: LatencyModel, traffic: Traffic) -> None:
        self._latency = _Latency(sandbox, model, traffic)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Transit, the sandbox's answer, the rest of the round trip (on the virtual clock)."""
        api, up, down = self._latency.draw(request)
        clock = self._latency.sandbox.clock
        clock.advance(up)
        response = self._latency.inner.handle_request(request)
        response.read()
        self._latency.record(api, request, response)
        clock.advance(down)
        return response
