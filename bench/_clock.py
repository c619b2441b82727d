"""A sandbox clock that follows real time, for loopback benchmarks.

The sandbox's :class:`~tenantlead.sandbox.VirtualClock` only moves when told to, which is what
tests want. A benchmark measuring wall time against Smartlead's rate limit needs the sandbox's
rate-limit windows to slide with real time, and its ``x-ratelimit-reset`` (Unix seconds) to agree
with the client's ``time.time()``; :class:`WallClock` gives both.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tenantlead.sandbox import VirtualClock

__all__ = ["WallClock"]


class WallClock(VirtualClock):
    """A :class:`VirtualClock` that starts at the real current time and runs with ``time.monotonic``.

    ``advance()`` still works (it adds an offset), so sandbox controls keep their meaning.
    """

    def __init__(self) -> None:
        super().__init__(datetime.now(UTC))
        self._origin = time.monotonic()

    def monotonic(self) -> float:
        """Seconds since creation, real time plus any ``advance()`` offset."""
        with self._lock:
            return self._elapsed + (time.monotonic() - self._origin)

    def now(self) -> datetime:
        """The current time (aware UTC): the real time plus any ``advance()`` offset."""
        return self._start + timedelta(seconds=self.monotonic())
