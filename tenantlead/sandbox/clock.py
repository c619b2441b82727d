"""The virtual clock shared by both simulated worlds.

Everything time-dependent in the sandbox (mailbox propagation, send-counter resets, rate-limit
windows, OAuth token expiry, the simulated sending day) reads this clock, never the wall clock,
so tests can move hours ahead instantly.

The clock can also serve as the SDK clients' ``clock`` and ``sleep``: a client that "sleeps"
for a ``Retry-After`` then just advances virtual time, which is what the sandbox's rate limiter
sees too.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

__all__ = ["VirtualClock"]

_DEFAULT_START = datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC)


class VirtualClock:
    """A thread-safe clock that only moves when told to.

    ``now()`` gives an aware UTC :class:`~datetime.datetime`; ``monotonic()`` gives seconds as a
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
        """Async twin of :meth:`sleep`."""
        self.advance(max(0.0, seconds))

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now().isoformat()})"
