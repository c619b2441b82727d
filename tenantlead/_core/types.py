"""Small shared types: the ``NOT_GIVEN`` sentinel and the clock (wall time) / sleeper protocols."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, Literal, TypeVar

from typing_extensions import TypeIs

__all__ = [
    "NOT_GIVEN",
    "AsyncSleeper",
    "Clock",
    "NotGiven",
    "Sleeper",
    "async_sleep",
    "drop_not_given",
    "is_given",
    "monotonic",
    "sleep",
]

T = TypeVar("T")


class NotGiven:
    """Sentinel type for "argument omitted", distinct from ``None`` (which may mean "set to null").

    ``update(account_id, client_id=None)`` clears the client; ``update(account_id)`` leaves it.
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


def is_given(value: T | NotGiven) -> TypeIs[T]:
    """True when ``value`` is not the ``NOT_GIVEN`` sentinel."""
    return not isinstance(value, NotGiven)


def drop_not_given(mapping: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``mapping`` without the keys whose value is ``NOT_GIVEN``."""
    return {k: v for k, v in mapping.items() if not isinstance(v, NotGiven)}


#: A wall clock: the current Unix time in seconds, as a float (``time.time`` by default; inject a
#: fake in tests, e.g. the sandbox's virtual clock). It is *not* monotonic: the clients compare it
#: with server times (``Retry-After`` dates, reset timestamps, a mailbox's ``ready_at``), so it must
#: tell the real time, and a fake one may be moved by hand.
Clock = Callable[[], float]
#: A blocking sleeper (``time.sleep`` by default).
Sleeper = Callable[[float], None]
#: An async sleeper (``asyncio.sleep`` by default).
AsyncSleeper = Callable[[float], Awaitable[None]]

#: ``time.monotonic``: *not* a ``Clock`` (its zero is arbitrary, so it cannot be compared with
#: server times; the clients default to ``time.time``); for measuring elapsed time only.
monotonic: Callable[[], float] = time.monotonic
sleep: Sleeper = time.sleep


async def async_sleep(seconds: float) -> None:
    """``asyncio.sleep`` with a float signature (the default `AsyncSleeper`)."""
    await asyncio.sleep(seconds)
