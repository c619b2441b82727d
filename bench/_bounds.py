"""Lower bounds on wall time under sliding-window rate limits and a fixed per-request latency.

A sliding window ``(n, seconds)`` admits request ``k`` no earlier than ``seconds`` after request
``k - n``. :func:`earliest_starts` gives the earliest start of each request under every window
(and, for a sequential chain such as a pager, one latency after the previous one); a run cannot
finish before its last request starts plus one latency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["chain_bound", "earliest_starts", "load_tenantcore_path", "rate_bound", "tenantcore_critical_path"]


def earliest_starts(count: int, windows: Sequence[tuple[int, float]], gap: float = 0.0) -> list[float]:
    """The earliest start time of each of ``count`` requests (``gap``: minimum spacing)."""
    starts: list[float] = []
    for k in range(count):
        t = starts[-1] + gap if starts else 0.0
        for limit, seconds in windows:
            if k >= limit:
                t = max(t, starts[k - limit] + seconds)
        starts.append(t)
    return starts


def rate_bound(count: int, windows: Sequence[tuple[int, float]], latency: float) -> float:
    """Shortest time for ``count`` requests issued with unlimited concurrency (the issue's "requests / rate")."""
    if count <= 0:
        return 0.0
    return earliest_starts(count, windows)[-1] + latency


def chain_bound(count: int, windows: Sequence[tuple[int, float]], latency: float) -> float:
    """Shortest time for ``count`` requests issued one after another (a pager)."""
    if count <= 0:
        return 0.0
    return earliest_starts(count, windows, gap=latency)[-1] + latency


def tenantcore_critical_path(
    *, tenants: int, event_pages: int, latency: float, concurrency: int | None
) -> float:
    """TenantCore's part of ``Fleet.load``: sequential (``concurrency`` None) or ``Fleet.aload``'s shape.

    Sync: every request in turn. Async: the tenant list, then (at most ``concurrency`` tenants at
    a time, domains and mailboxes together) in parallel with the events pages.
    """
    if concurrency is None:
        return (1 + 2 * tenants + event_pages) * latency
    rounds = math.ceil(tenants / concurrency)
    return latency + max(rounds * latency, event_pages * latency)


def load_tenantcore_path(*, tenants: int, event_pages: int, latency: float, concurrency: int) -> float:
    """TenantCore's part of a load with ``concurrency`` requests in flight (no rate limit is documented).

    The tenant list, then the 2 reads per tenant and the events pages, ``concurrency`` at a time.
    """
    return latency * (1 + math.ceil((2 * tenants + event_pages) / concurrency))
