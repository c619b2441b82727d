"""A progress callback raising during apply / aapply: its exception, as raised, and the run stops.

The callback is the caller's code (a progress bar, a journal on a full disk): its exception is
not an item's outcome. It stops the run (no further write starts; aapply cancels the writes in
flight), propagates unchanged (never an ``ExceptionGroup``) and carries ``partial_result``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead.orchestration import Fleet, connect
from tests.orchestration.factories import async_clients, sync_clients
from tests.reliability._world import POLICY, build_world, live_accounts


class DiskFull(OSError):
    """What a progress callback that writes a journal might raise."""


def _raise_at(k: int) -> Any:
    def on_progress(event: Any) -> None:
        if event.done == k:
            raise DiskFull("disk full")

    return on_progress


def _check(error: BaseException, sb: Any, concurrency: int) -> None:
    assert type(error) is DiskFull  # not an ExceptionGroup around it
    partial = error.partial_result  # type: ignore[attr-defined]
    assert 3 <= len(partial.items) <= 3 + concurrency
    assert len(partial.succeeded) == len(partial.items)
    assert len(live_accounts(sb)) <= 3 + concurrency  # no write started after the callback raised
    assert any("interrupted after" in note for note in error.__notes__)


def test_apply_stops_at_the_callback_s_exception() -> None:
    sb = build_world(seed=3, mailboxes=12)
    tc, sl = sync_clients(sb)
    with tc, sl:
        plan = connect(Fleet.load(tc, sl), "smtp", credentials=sb.credentials_csv(), policy=POLICY)
        assert len(plan.to_create) == 12
        with pytest.raises(DiskFull) as info:
            plan.apply(sl=sl, on_progress=_raise_at(3))
    _check(info.value, sb, 0)


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_aapply_stops_at_the_callback_s_exception_unwrapped(concurrency: int) -> None:
    sb = build_world(seed=3, mailboxes=12)
    atc, asl = async_clients(sb)
    async with atc, asl:
        plan = connect(await Fleet.aload(atc, asl), "smtp", credentials=sb.credentials_csv(), policy=POLICY)
        assert len(plan.to_create) == 12
        with pytest.raises(DiskFull) as info:
            await plan.aapply(sl=asl, on_progress=_raise_at(3), concurrency=concurrency)
    _check(info.value, sb, concurrency)
