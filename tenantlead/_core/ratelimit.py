"""Client-side rate limiting: stay under the server's limit instead of bouncing off it.

Smartlead counts requests per key in sliding windows (documented variously as 60/60 s, 10/2 s
and 200/min). A classic token bucket of capacity N refilling N per period admits up to 2N
requests inside one period (a full bucket plus a period's refill), which a sliding-window server
answers with 429s; so the limiter here keeps a log of recent grants per window and admits a
request only when every window has room. Several windows combine (a per-minute limit plus a
burst cap).

Three rules keep it at the server's rate without 429 storms:

* **In order.** Callers that find no room queue up first come, first served (threads and
  asyncio tasks alike); only the head of the queue sleeps, until the moment its own log says a
  slot frees, and each grant hands the turn to the next caller. No caller can overtake another
  or steal a slot freed for it, so concurrency adds no overshoot.
* **Its own window, plus a transit margin.** The server counts a request when it *arrives*;
  the client counts it when it is *sent*. Each window is held ``margin`` seconds longer than the
  server's, which absorbs the difference in transit times between two requests, so resuming on
  the client's own window is safe without waiting for the server's 1-second-granular reset.
* **Headers only correct.** ``x-ratelimit-*`` headers never pause a caller the client's own
  window lets through; they only reveal traffic the client did not send (another script on the
  same key): when the server counts more requests than this client sent in that window, the
  difference is booked as foreign grants that leave when the server says (``x-ratelimit-reset``).
  A 429's ``Retry-After`` still pauses every caller: the server refused, so it is right.

``reserve()`` never blocks; ``acquire()`` and ``async_acquire()`` wait with an injected
sleeper, so tests run on a fake clock without real waiting.
"""

from __future__ import annotations

import asyncio
import bisect
import contextvars
import threading
from collections import deque
from collections.abc import Mapping, Sequence

import attrs

from tenantlead._core.retry import reset_delay
from tenantlead._core.types import AsyncSleeper, Clock, Sleeper

__all__ = ["DEFAULT_MARGIN", "RateLimit", "RateLimiter"]

#: Seconds each window is held beyond the server's (covers transit-time differences).
DEFAULT_MARGIN = 0.1

# When the current thread's or task's last grant was made: lets observe() compare the server's
# count with every request this client may have had counted by then.
_GRANTED_AT: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "tenantlead_rate_granted_at", default=None
)


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
    disables limiting. ``adaptive`` lets server headers correct the limiter (traffic it did not
    send) and a 429's ``Retry-After`` pause it; ``max_pause`` caps such a pause. ``margin`` is
    how many seconds longer than the server's each window is held, for transit-time jitter
    (default `DEFAULT_MARGIN`).
    """

    windows: tuple[tuple[int, float], ...] = attrs.field(converter=_to_windows, validator=_check_windows)
    adaptive: bool = True
    max_pause: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    margin: float = attrs.field(default=DEFAULT_MARGIN, validator=attrs.validators.ge(0))

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


class _Waiter:
    """One queued caller: a thread's event or a task's future, set when its turn comes."""

    __slots__ = ("event", "future", "loop", "woken")

    def __init__(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.loop = loop
        self.future: asyncio.Future[None] | None = loop.create_future() if loop is not None else None
        self.event = threading.Event() if loop is None else None
        self.woken = False

    def wake(self) -> None:
        if self.woken:
            return
        self.woken = True
        if self.event is not None:
            self.event.set()
        elif self.loop is not None and self.future is not None:
            future = self.future

            def _set() -> None:
                if not future.done():
                    future.set_result(None)

            if self.loop.is_closed():
                return
            self.loop.call_soon_threadsafe(_set)


class RateLimiter:
    """Sliding-window limiter shared by every request of one client (thread- and task-safe).

    See the module docstring for the rules. ``waited`` is the total seconds callers were held,
    ``corrections`` counts the times server headers revealed traffic this client did not send.
    """

    def __init__(self, limit: RateLimit, *, clock: Clock) -> None:
        self.limit = limit
        self._clock = clock
        # (requests, seconds, sorted grant times); grants may include foreign ones from headers.
        self._logs: list[tuple[int, float, list[float]]] = [(r, float(s), []) for r, s in limit.windows]
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self._queue: deque[_Waiter] = deque()
        self.waited = 0.0  # total seconds callers spent waiting, for diagnostics and benchmarks
        self.corrections = 0

    # ----------------------------------------------------------------- log arithmetic (lock held)

    def _own_wait(self, now: float) -> float:
        # Seconds until every window has room; prunes grants no window can still count.
        wait = 0.0
        margin = self.limit.margin
        for requests, seconds, log in self._logs:
            horizon = now - seconds - margin
            cut = bisect.bisect_right(log, horizon)
            if cut:
                del log[:cut]
            if len(log) >= requests:
                # The grant ``requests`` back from the newest leaves the window at this moment.
                wait = max(wait, log[-requests] + seconds + margin - now)
        return wait

    def _wait(self, now: float) -> float:
        return max(self._paused_until - now, self._own_wait(now))

    def _grant(self, now: float) -> None:
        for _, _, log in self._logs:
            if not log or log[-1] <= now:
                log.append(now)
            else:  # a foreign grant booked later than now (a reset in the future)
                bisect.insort(log, now)
        _GRANTED_AT.set(now)

    def _hand_over(self) -> None:
        # The head leaves the queue; wake the next caller (lock held).
        if self._queue:
            self._queue[0].wake()

    def _leave(self, waiter: _Waiter) -> None:
        with self._lock:
            was_head = bool(self._queue) and self._queue[0] is waiter
            try:
                self._queue.remove(waiter)
            except ValueError:
                return
            if was_head:
                self._hand_over()

    # ----------------------------------------------------------------- public API

    def reserve(self) -> float:
        """Take a slot now and return 0.0, or take nothing and return the seconds to wait first.

        Never blocks; while other callers are queued it takes nothing (they are first) and
        returns the window's wait, at least a millisecond.
        """
        with self._lock:
            now = self._clock()
            wait = self._wait(now)
            if self._queue:
                return max(wait, 0.001)
            if wait > 0:
                return wait
            self._grant(now)
            return 0.0

    @property
    def queued(self) -> int:
        """Callers waiting for their turn right now."""
        return len(self._queue)

    def acquire(self, sleep: Sleeper) -> float:
        """Block (through ``sleep``) until this caller's turn and slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            if not self._queue and self._wait(now) <= 0:
                self._grant(now)
                return 0.0
            waiter = _Waiter(None)
            self._queue.append(waiter)
            if self._queue[0] is waiter:
                waiter.woken = True
        total = 0.0
        try:
            if waiter.event is not None and not waiter.woken:
                waiter.event.wait()
            while True:
                with self._lock:
                    now = self._clock()
                    wait = self._wait(now)
                    if wait <= 0:
                        self._grant(now)
                        self._queue.popleft()
                        self._hand_over()
                        break
                sleep(wait)
                total += wait
        except BaseException:
            self._leave(waiter)
            raise
        self.waited += total
        return total

    async def async_acquire(self, sleep: AsyncSleeper) -> float:
        """Async twin of [acquire][tenantlead._core.ratelimit.RateLimiter.acquire] (a cancelled task leaves the queue)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            now = self._clock()
            if not self._queue and self._wait(now) <= 0:
                self._grant(now)
                return 0.0
            waiter = _Waiter(loop)
            self._queue.append(waiter)
            if self._queue[0] is waiter:
                waiter.woken = True
        total = 0.0
        try:
            if not waiter.woken and waiter.future is not None:
                await waiter.future
            while True:
                with self._lock:
                    now = self._clock()
                    wait = self._wait(now)
                    if wait <= 0:
                        self._grant(now)
                        self._queue.popleft()
                        self._hand_over()
                        break
                await sleep(wait)
                total += wait
        except BaseException:
            self._leave(waiter)
            raise
        self.waited += total
        return total

    def sent(self) -> None:
        """Move this caller's last grant to now: the request leaves later than its slot (CPU, a busy loop).

        Later requests are then spaced from when this one really left, so a delay between the
        grant and the send cannot make two requests arrive closer together than the windows allow.
        """
        granted = _GRANTED_AT.get()
        if granted is None:
            return
        with self._lock:
            now = self._clock()
            if now <= granted:
                return
            for _, _, log in self._logs:
                index = bisect.bisect_left(log, granted)
                if index < len(log) and log[index] == granted:
                    del log[index]
                    bisect.insort(log, now)
            _GRANTED_AT.set(now)

    def pause(self, seconds: float) -> None:
        """Hold every caller for ``seconds`` (capped by ``max_pause``), e.g. after a 429."""
        if seconds <= 0:
            return
        with self._lock:
            until = self._clock() + min(seconds, self.limit.max_pause)
            self._paused_until = max(self._paused_until, until)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Correct the log from ``x-ratelimit-limit/remaining/reset`` (matched case-insensitively).

        The server's count in its window (``limit - remaining``; the whole window when only
        ``remaining: 0`` is sent) is compared with every grant this client made from one window
        before the current caller's request until now, a superset of what the server can have
        counted from this client. Only a surplus is acted on: that many foreign grants are
        booked to leave at the server's reset (a pause when the server's window outlasts ours).
        A server that agrees with the client's own window never holds anyone back.
        """
        if not self.limit.adaptive:
            return
        limit = remaining = reset = None
        for key, value in headers.items():
            lowered = key.lower()
            if lowered == "x-ratelimit-remaining":
                remaining = value
            elif lowered == "x-ratelimit-reset":
                reset = value
            elif lowered == "x-ratelimit-limit":
                limit = value
        if remaining is None or reset is None:
            return
        try:
            left = int(float(remaining))
            cap = int(float(limit)) if limit is not None else None
        except ValueError:
            return
        now = self._clock()
        delay = reset_delay(reset, now_unix=now)
        if delay is None:
            return
        reset_at = now + delay
        since = _GRANTED_AT.get()
        with self._lock:
            windows = [w for w in self._logs if cap is not None and w[0] == cap] or self._logs
            corrected = False
            for requests, seconds, log in windows:
                if cap is not None:
                    server_used = cap - max(0, left)
                elif left <= 0:
                    server_used = requests
                else:
                    continue  # a count without its limit says nothing about this window
                start = (since if since is not None and since <= now else now) - seconds - self.limit.margin
                ours = len(log) - bisect.bisect_right(log, start)
                surplus = min(server_used, requests) - ours
                if surplus <= 0:
                    continue
                corrected = True
                # Foreign grants leave this window exactly at the server's reset.
                when = min(now, reset_at - seconds - self.limit.margin)
                for _ in range(surplus):
                    bisect.insort(log, when)
                if reset_at - seconds - self.limit.margin > now and left <= 0:
                    # The server's window outlasts ours: only a pause honours its reset.
                    self._paused_until = max(self._paused_until, now + min(delay, self.limit.max_pause))
            if corrected:
                self.corrections += 1

    @property
    def windows(self) -> Sequence[tuple[int, float]]:
        """The configured ``(requests, seconds)`` windows."""
        return self.limit.windows
