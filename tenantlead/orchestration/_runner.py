"""Run independent API calls one by one (sync) or with bounded concurrency (async).

A phase is a list of :class:`Op`; each op's ``call`` returns the value (sync client) or an
awaitable (async client) - the two client families share method names, so the planners build
one list of ops for both. Failures (any ``Exception``) are handed to ``on_done`` and never stop
the phase; ``KeyboardInterrupt`` and cancellation propagate after the calls already finished.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import attrs

__all__ = ["Op", "run_async", "run_sync"]

K = TypeVar("K")


@attrs.frozen
class Op(Generic[K]):
    """One API call: ``key`` says what it is for; ``call()`` performs it."""

    key: K
    call: Callable[[], Any]


Done = Callable[[K, Any, Exception | None], None]


def run_sync(ops: Sequence[Op[K]], on_done: Done[K]) -> None:
    """Run ``ops`` in order; ``on_done(key, value, error)`` after each."""
    for op in ops:
        try:
            value = op.call()
        except Exception as error:  # one item's failure never stops the run
            on_done(op.key, None, error)
        else:
            on_done(op.key, value, None)


async def run_async(ops: Sequence[Op[K]], on_done: Done[K], gate: asyncio.Semaphore) -> None:
    """Run ``ops`` concurrently, at most ``gate``'s size at a time; ``on_done`` as each ends."""

    async def one(op: Op[K]) -> None:
        async with gate:
            try:
                value = op.call()
                if inspect.isawaitable(value):
                    value = await value
            except Exception as error:
                on_done(op.key, None, error)
            else:
                on_done(op.key, value, None)

    # TaskGroup cancels the remaining calls on KeyboardInterrupt / cancellation.
    async with asyncio.TaskGroup() as group:
        for op in ops:
            group.create_task(one(op))


def check_concurrency(concurrency: int) -> asyncio.Semaphore:
    """A semaphore of ``concurrency`` slots (>= 1), with a clear error otherwise."""
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise ValueError(f"concurrency must be an integer >= 1, got {concurrency!r}")
    return asyncio.Semaphore(concurrency)


def chunks(ids: Sequence[int], size: int) -> list[list[int]]:
    """``ids`` in lists of at most ``size``."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]
