"""Client-side rate limiting: stay under the server's limit instead of bouncing off it.

Smartlead counts requests per key in sliding windows (documented variously as 60/60 s, 10/2 s
and 200/min). A classic token bucket of capacity N refilling N per period admits up to 2N
requests inside one period (a full bucket plus a period's refill), which a sliding-window server
answers with 429s; so the limiter here keeps a log of recent grants per window and admits a
request only when every window has room. Several windows combine (a per-minute limit plus a
burst cap). The limiter also *adapts*: when the server says ``x-ratelimit-remaining: 0`` or
answers 429 with ``Retry-After``, every caller pauses until the server's reset.

``reserve()`` never blocks; ``acquire()`` and ``async_acquire()`` loop over it with an injected
sleeper, so tests run on a fake clock without real waiting.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence

import attrs

from tenantlead._core.retry import reset_delay
from tenantlead._core.types import AsyncSleeper, Clock, Sleeper

__all__ = ["RateLimit", "RateLimiter"]


def _check_windows(_: object, __: object, value: tuple[tuple[int, float], ...]) -> None:
    for requests, seconds in value:
        if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
            raise ValueError(f"rate limit requests must be a whole number >= 1, got {requests!r}")
        if not isinstance(seconds, int | float) or seconds <= 0:
            raise ValueError(f"rate limit window must be > 0 seconds, got {seconds!r}")


def _to_windows(windows: Sequence[tuple[int, float]]) -> tuple[tuple[int, float], ...]:
    out: list[tuple[int, float]] = []
    for window in windows:
        if not isinstance(window, tuple | list) or len(window) != 2:
            raise ValueError(f"rate limit windows are (requests, seconds) pairs, got {window!r}")
        out.append((window[0], window[1]))
    return tuple(out)


@attrs.frozen
class RateLimit:
    """A rate-limit configuration: one or more ``(requests, seconds)`` sliding windows.

    ``RateLimit.per_minute(60)`` is one window; ``RateLimit(((60, 60.0), (10, 2.0)))`` is
    Smartlead's documented 60/min plus a 10-per-2-seconds burst cap. ``RateLimit.none()``
    disables limiting. ``adaptive`` lets server headers pause the limiter; ``max_pause`` caps
    such a pause.
    """

    windows: tuple[tuple[int, float], ...] = attrs.field(converter=_to_windows, validator=_check_windows)
    adaptive: bool = True
    max_pause: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))

    @classmethod
    def per_minute(cls, requests: int, *, burst: tuple[int, float] | None = None) -> RateLimit:
        """``requests`` per 60 s, optionally with a ``(requests, seconds)`` burst cap."""
        windows: list[tuple[int, float]] = [(requests, 60.0)]
        if burst is not None:
            windows.append(burst)
        return cls(tuple(windows))

    @classmethod
    def none(cls) -> RateLimit:
        """No client-side limiting (server 429s are still retried)."""
        return cls(())


class RateLimiter:
    """Sliding-window limiter shared by every request of one client (thread- and task-safe)."""

    def __init__(self, limit: RateLimit, *, clock: Clock) -> None:
        self.limit = limit
        self._clock = clock
        self._logs: list[tuple[int, float, deque[float]]] = [(r, s, deque()) for r, s in limit.windows]
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds callers spent waiting, for diagnostics and benchmarks

    def _own_wait(self, now: float) -> float:
        # Seconds until every window has room (caller holds the lock); prunes expired entries.
        wait = 0.0
        for requests, seconds, log in self._logs:
            horizon = now - seconds
            while log and log[0] <= horizon:
                log.popleft()
            if len(log) >= requests:
                wait = max(wait, log[0] + seconds - now)
        return wait

    def reserve(self) -> float:
        """Take a slot now and return 0.0, or take nothing and return the seconds to wait first."""
        with self._lock:
            now = self._clock()
            wait = max(self._paused_until - now, self._own_wait(now))
            if wait > 0:
                return wait
            for _, _, log in self._logs:
                log.append(now)
            return 0.0

    def acquire(self, sleep: Sleeper) -> float:
        """Block (through ``sleep``) until a slot is free; returns the seconds waited."""
        total = 0.0
        while (wait := self.reserve()) > 0:
            sleep(wait)
            total += wait
        self.waited += total
        return total

    async def async_acquire(self, sleep: AsyncSleeper) -> float:
        """Async twin of :meth:`acquire`."""
        total = 0.0
        while (wait := self.reserve()) > 0:
            await sleep(wait)
            total += wait
        self.waited += total
        return total

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (capped by ``max_pause``), e.g. after a 429."""
        if seconds <= 0:
            return
        with self._lock:
            until = self._clock() + min(seconds, self.limit.max_pause)
            self._paused_until = max(self._paused_until, until)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adapt to ``x-ratelimit-remaining`` / ``x-ratelimit-reset`` (matched case-insensitively)."""
        if not self.limit.adaptive:
            return
        remaining = reset = None
        for key, value in headers.items():
            lowered = key.lower()
            if lowered == "x-ratelimit-remaining":
                remaining = value
            elif lowered == "x-ratelimit-reset":
                reset = value
        if remaining is None or reset is None:
            return
        try:
            left = int(float(remaining))
        except ValueError:
            return
        if left <= 0:
            now = self._clock()
            delay = reset_delay(reset, now_unix=now)
            if not delay:
                return
            # Pause even when our own windows would hold callers about as long: the server counts
            # a request when it arrives, after transit, so its window frees later than ours, and
            # trusting our windows alone was measured to draw 429s (each costing a Retry-After).
            self.pause(delay)

    @property
    def windows(self) -> Sequence[tuple[int, float]]:
        """The configured ``(requests, seconds)`` windows."""
        return self.limit.windows
