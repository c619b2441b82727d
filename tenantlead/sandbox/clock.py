"""The world's clock, shared by both simulated worlds: virtual (in-process) or wall time (loopback).

Everything time-dependent in the sandbox (mailbox propagation, send-counter resets, rate-limit
windows, quotas, OAuth token expiry, timestamps, the simulated sending day) reads this clock,
never the system clock directly.

* [VirtualClock][tenantlead.sandbox.VirtualClock] (the in-process default) only moves when told,
  so tests can move hours ahead instantly. It can also serve as the SDK clients' ``clock`` and
  ``sleep``: a client that "sleeps" for a ``Retry-After`` just advances virtual time, which is
  what the sandbox's rate limiter sees too.
* [WallClock][tenantlead.sandbox.WallClock] (the loopback server's default) follows the system's
  monotonic clock, optionally ``speed`` times faster, so a process that cannot move a virtual
  clock (curl, another language, the ``tenantlead`` command) still sees windows free, quotas
  expire and mailboxes finish propagating.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["VirtualClock", "WallClock"]

_DEFAULT_START = datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC)


class VirtualClock:
    """A thread-safe clock that only moves when told to.

    ``now()`` gives an aware UTC `datetime`; ``monotonic()`` gives seconds as a
    float (for rate-limit arithmetic and for use as an SDK client's ``clock``). ``sleep()`` and
    ``asleep()`` advance the clock instead of waiting, so they can be handed to an SDK client.
    """

    def __init__(self, start: datetime | None = None) -> None:
        start = start or _DEFAULT_START
        if start.tzinfo is None:
            raise ValueError("VirtualClock start must be timezone-aware (use datetime.UTC)")
        self._start = start.astimezone(UTC)
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current virtual time, timezone-aware UTC."""
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        """Seconds elapsed on this clock since it was created."""
        with self._lock:
            return self._elapsed

    def timestamp(self) -> float:
        """The current virtual time as a Unix timestamp."""
        return self.now().timestamp()

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0) -> datetime:
        """Move the clock forward and return the new time. Negative amounts are rejected."""
        total = seconds + 60.0 * minutes + 3600.0 * hours
        if total < 0:
            raise ValueError("VirtualClock cannot move backwards")
        with self._lock:
            self._elapsed += total
            return self._start + timedelta(seconds=self._elapsed)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (must not be earlier than now)."""
        delta = (when.astimezone(UTC) - self.now()).total_seconds()
        self.advance(delta)

    def sleep(self, seconds: float) -> None:
        """Advance by ``seconds`` instead of sleeping (an SDK client ``sleep`` replacement)."""
        self.advance(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        """Async twin of [`sleep`][tenantlead.sandbox.clock.VirtualClock.sleep]."""
        self.advance(max(0.0, seconds))

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now().isoformat()})"


class WallClock(VirtualClock):
    """A clock that runs by itself: wall time, or ``speed`` times faster.

    It starts at ``start`` (default: the current UTC time) and from then on follows
    ``time.monotonic`` (injectable as ``monotonic``), multiplied by ``speed``: with
    ``speed=600`` a simulated minute passes in 0.1 s, a 30-minute quota in 3 s, a day in 144 s.
    ``advance()`` still jumps ahead (an offset), so sandbox controls keep their meaning.
    ``sleep()`` / ``asleep()`` really wait, ``seconds / speed`` of wall time: a client given
    them as its sleeper waits out a ``Retry-After`` (world seconds) in the world's time.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not speed > 0:  # also refuses NaN
            raise ValueError(f"WallClock speed must be a positive factor (1 = wall time); got {speed!r}")
        super().__init__(start or datetime.now(UTC))
        self.speed = float(speed)
        self._source = monotonic
        self._origin = monotonic()

    def monotonic(self) -> float:
        """World seconds since the clock was created (wall seconds x speed, plus any advance)."""
        with self._lock:
            return self._elapsed + (self._source() - self._origin) * self.speed

    def now(self) -> datetime:
        """The current world time, timezone-aware UTC."""
        return self._start + timedelta(seconds=self.monotonic())

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0) -> datetime:
        """Jump forward on top of the running time and return the new time."""
        total = seconds + 60.0 * minutes + 3600.0 * hours
        if total < 0:
            raise ValueError("WallClock cannot move backwards")
        with self._lock:
            self._elapsed += total
        return self.now()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of world time (``seconds / speed`` of wall time)."""
        if seconds > 0:
            time.sleep(seconds / self.speed)

    async def asleep(self, seconds: float) -> None:
        """Async twin of ``sleep()``."""
        if seconds > 0:
            await asyncio.sleep(seconds / self.speed)

    def __repr__(self) -> str:
        return f"WallClock(now={self.now().isoformat()}, speed={self.speed:g})"
