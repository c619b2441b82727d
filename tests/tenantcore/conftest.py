"""Fixtures for the TenantCore client tests: one client per flavour (sync and async)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from tenantlead import AsyncTenantCore, RetryPolicy, TenantCore
from tenantlead._core.pager import SyncPager

KEY = "tc_live_" + "0" * 48


@pytest.fixture(params=["sync", "async"])
def tc(request: pytest.FixtureRequest, recorder: Any, clock: Any) -> TenantCore | AsyncTenantCore:
    """A TenantCore or AsyncTenantCore over the recorder, with a fake clock and sleeper."""
    retry = RetryPolicy(jitter="none", base_delay=0.5)
    if request.param == "sync":
        return TenantCore(KEY, http_client=recorder.client(), clock=clock, sleep=clock.sleep, retry=retry)
    return AsyncTenantCore(
        KEY, http_client=recorder.async_client(), clock=clock, sleep=clock.async_sleep, retry=retry
    )


async def _resolve(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    if isinstance(value, SyncPager):
        return value.to_list()
    return value


@pytest.fixture
def run() -> Any:
    """``await run(tc.x.y(...))`` gives the result for both flavours (pagers become lists)."""
    return _resolve
