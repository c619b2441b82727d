"""When to retry, and how long to wait: small pure decisions, no I/O.

A retry is considered only for requests marked *retry-safe* (GETs, and writes the endpoint
declares idempotent) and only for transient outcomes: 429, 5xx, connection errors and timeouts.
402 and every other 4xx are final. The wait is exponential backoff with full jitter, or the
server's ``Retry-After`` (seconds or an HTTP date), always capped so a hostile or confused
header cannot park a job for an hour.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Final

import attrs

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy", "parse_retry_after"]

#: Statuses worth retrying for a retry-safe request.
RETRYABLE_STATUSES: Final = frozenset({408, 425, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None.

    ``now`` is the current Unix time, used for the HTTP-date form (defaults to the wall clock).
    Negative results become 0; unparseable values give None.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if now is None:
        import time

        now = time.time()
    return max(0.0, when.timestamp() - now)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a client retries transient failures.

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        base_delay: first backoff step in seconds; doubles each attempt.
        max_delay: cap on one computed backoff step.
        max_retry_after: cap on a server-advised wait (``Retry-After`` / rate-limit reset).
        jitter: "full" (uniform 0..step, spreads thundering herds) or "none" (deterministic).
        random: source of jitter, injectable for tests.
    """

    max_retries: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    base_delay: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    jitter: str = attrs.field(default="full", validator=attrs.validators.in_(("full", "none")))
    random: Callable[[], float] = attrs.field(default=random.random, repr=False, eq=False)

    def _rand(self) -> float:
        return float(self.random())

    def backoff(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1-based) without server advice."""
        step = float(min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1))))
        if self.jitter == "full":
            # Never less than a quarter step, so retries are not immediate either.
            return float(step * (0.25 + 0.75 * self._rand()))
        return step

    def server_advice(
        self, headers: Mapping[str, str] | None, *, now_unix: float | None = None
    ) -> float | None:
        """Capped wait advised by ``Retry-After`` or an ``x-ratelimit-reset`` header, if any."""
        advice = parse_retry_after(_header(headers, "retry-after"), now=now_unix)
        if advice is None:
            reset = _header(headers, "x-ratelimit-reset")
            remaining = _header(headers, "x-ratelimit-remaining")
            if reset is not None and (remaining is None or remaining.strip() == "0"):
                advice = reset_delay(reset, now_unix=now_unix)
        if advice is None:
            return None
        return min(advice, self.max_retry_after)

    def decide(
        self,
        attempt: int,
        *,
        retry_safe: bool,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        connection_error: bool = False,
        request_sent: bool = True,
        now_unix: float | None = None,
    ) -> float | None:
        """Seconds to wait before retrying, or None to give up.

        ``attempt`` counts the attempts already made (1 after the first failure). ``status`` is
        the HTTP status of a failed response; ``connection_error`` is True for timeouts and
        network errors (no status), with ``request_sent`` False when the request provably never
        left (connect errors), which makes even a non-idempotent write safe to resend. A 429 is
        likewise safe for any request: the server refused it before processing it.
        """
        if attempt > self.max_retries:
            return None
        if connection_error:
            return self.backoff(attempt) if (retry_safe or not request_sent) else None
        if status is None or status not in RETRYABLE_STATUSES:
            return None
        if not retry_safe and status != 429:
            return None
        advice = self.server_advice(headers, now_unix=now_unix)
        backoff = self.backoff(attempt)
        return backoff if advice is None else max(advice, min(backoff, self.max_retry_after))


def reset_delay(value: str, *, now_unix: float | None = None) -> float | None:
    """Seconds until an ``x-ratelimit-reset`` value: a Unix timestamp or a delta in seconds."""
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number > 1_000_000_000:  # a Unix timestamp (Smartlead's new docs), not a delta
        if now_unix is None:
            import time

            now_unix = time.time()
        return max(0.0, number - now_unix)
    return max(0.0, number)
