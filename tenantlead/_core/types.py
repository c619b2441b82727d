"""Small shared types: the ``NOT_GIVEN`` sentinel and the clock/sleeper protocols."""

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


#: A monotonic clock in seconds (``time.monotonic`` by default; inject a fake in tests).
Clock = Callable[[], float]
#: A blocking sleeper (``time.sleep`` by default).
Sleeper = Callable[[float], None]
#: An async sleeper (``asyncio.sleep`` by default).
AsyncSleeper = Callable[[float], Awaitable[None]]

monotonic: Clock = time.monotonic
sleep: Sleeper = time.sleep


async def async_sleep(seconds: float) -> None:
    """``asyncio.sleep`` with a float signature (the default :data:`AsyncSleeper`)."""
    await asyncio.sleep(seconds)
