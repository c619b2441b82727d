"""Helpers for the Smartlead tests: fake credentials, client factory, call resolution."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx

from tenantlead.smartlead import AsyncSmartlead, Smartlead

# Fake credentials built at runtime (no real key or password anywhere in the tests).
API_KEY = "sl" + "Key" * 6 + "0042"
PASSWORD = "Pw" + "Zq7" * 4


def make_client(mode: str, recorder: Any, clock: Any, **kwargs: Any) -> Smartlead | AsyncSmartlead:
    """A client on ``recorder``'s transport with the fake clock; pacing off unless asked for."""
    kwargs.setdefault("rate_limit", None)
    if mode == "sync":
        return Smartlead(API_KEY, http_client=recorder.client(), clock=clock, sleep=clock.sleep, **kwargs)
    return AsyncSmartlead(
        API_KEY, http_client=recorder.async_client(), clock=clock, sleep=clock.async_sleep, **kwargs
    )


async def run(value: Any) -> Any:
    """Resolve a call of either client: await coroutines/async pagers, collect sync pagers."""
    if inspect.isawaitable(value):
        return await value
    if hasattr(value, "to_list"):
        return value.to_list()
    return value


def body(request: httpx.Request) -> Any:
    """The JSON body of a recorded request (None when empty)."""
    return json.loads(request.content) if request.content else None


def query(request: httpx.Request) -> dict[str, str]:
    """The query parameters of a recorded request."""
    return dict(request.url.params)
