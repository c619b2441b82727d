"""One offset pager for ``for`` and ``async for``: lazy, and stops on short/empty pages or total."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tenantlead._core.pager import (
    DEFAULT_READ_AHEAD,
    MAX_READ_AHEAD,
    AsyncPager,
    OffsetCursor,
    Page,
    SyncPager,
)
from tenantlead._core.request import APIRequest


class FakeAPI:
    """Serves ``items`` page by page and records the (offset, limit) of every request."""

    def __init__(self, count: int, *, report_total: bool = False) -> None:
        self.items = list(range(count))
        self.report_total = report_total
        self.calls: list[tuple[int, int]] = []

    def make(self, offset: int, limit: int) -> APIRequest[Page[int]]:
        return APIRequest(method="GET", path="/things", params={"offset": offset, "limit": limit})

    def run(self, request: APIRequest[Page[int]]) -> Page[int]:
        params = request.query()
        offset, limit = params["offset"], params["limit"]
        self.calls.append((offset, limit))
        total = len(self.items) if self.report_total else None
        return Page(self.items[offset : offset + limit], total=total)

    async def arun(self, request: APIRequest[Page[int]]) -> Page[int]:
        return self.run(request)

    def sync(self, **kwargs: Any) -> SyncPager[int]:
        return SyncPager(self.run, self.make, **{"limit": 3, **kwargs})

    def async_(self, **kwargs: Any) -> AsyncPager[int]:
        return AsyncPager(self.arun, self.make, **{"limit": 3, **kwargs})


def test_sync_pager_walks_three_pages_and_stops_on_the_short_one() -> None:
    api = FakeAPI(8)
    assert list(api.sync()) == list(range(8))
    assert api.calls == [(0, 3), (3, 3), (6, 3)]


async def test_async_pager_walks_three_pages_and_stops_on_the_short_one() -> None:
    api = FakeAPI(8)
    assert [x async for x in api.async_()] == list(range(8))
    assert api.calls == [(0, 3), (3, 3), (6, 3)]


def test_an_exact_multiple_ends_on_an_empty_page() -> None:
    api = FakeAPI(6)
    assert api.sync().to_list() == list(range(6))
    assert api.calls == [(0, 3), (3, 3), (6, 3)]


def test_empty_collection_makes_one_request() -> None:
    api = FakeAPI(0)
    assert list(api.sync()) == []
    assert api.calls == [(0, 3)]


def test_reported_total_saves_the_trailing_empty_request() -> None:
    api = FakeAPI(6, report_total=True)
    assert list(api.sync()) == list(range(6))
    assert api.calls == [(0, 3), (3, 3)]


async def test_async_reported_total() -> None:
    api = FakeAPI(6, report_total=True)
    assert await api.async_() == list(range(6))
    assert api.calls == [(0, 3), (3, 3)]


def test_max_items_stops_early_and_asks_only_for_what_is_needed() -> None:
    api = FakeAPI(100)
    assert list(api.sync(max_items=4)) == [0, 1, 2, 3]
    assert api.calls == [(0, 3), (3, 1)]


async def test_async_max_items() -> None:
    api = FakeAPI(100)
    assert await api.async_(max_items=5) == [0, 1, 2, 3, 4]
    assert api.calls == [(0, 3), (3, 2)]


def test_starting_offset_is_honoured() -> None:
    api = FakeAPI(7)
    assert list(api.sync(offset=5)) == [5, 6]
    assert api.calls == [(5, 3)]


def test_pager_is_lazy_breaking_early_makes_no_more_requests() -> None:
    api = FakeAPI(100)
    pager = api.sync()
    assert api.calls == []  # building the pager sends nothing
    for item in pager:
        if item == 1:
            break
    assert api.calls == [(0, 3)]


async def test_async_pager_is_lazy() -> None:
    api = FakeAPI(100)
    pager = api.async_()
    assert api.calls == []
    async for item in pager:
        if item == 4:
            break
    assert api.calls == [(0, 3), (3, 3)]


def test_pager_can_be_iterated_again_from_the_start() -> None:
    api = FakeAPI(4)
    pager = api.sync()
    assert list(pager) == list(pager) == [0, 1, 2, 3]


def test_pages_yields_page_objects() -> None:
    api = FakeAPI(5)
    assert [page.items for page in api.sync().pages()] == [[0, 1, 2], [3, 4]]


async def test_await_async_pager_returns_a_list() -> None:
    result = await FakeAPI(7).async_()
    assert isinstance(result, list)
    assert result == list(range(7))
    assert await FakeAPI(7).async_().to_list() == list(range(7))


@pytest.mark.parametrize(("kwargs", "message"), [({"limit": 0}, "page size"), ({"offset": -1}, "offset")])
def test_bad_paging_arguments_fail_at_the_call(kwargs: dict[str, int], message: str) -> None:
    api = FakeAPI(3)
    with pytest.raises(ValueError, match=message):
        api.sync(**kwargs)
    with pytest.raises(ValueError, match=message):
        api.async_(**kwargs)


def test_cursor_is_pure() -> None:
    cursor = OffsetCursor(limit=10, max_items=25)
    assert cursor.page_size() == 10
    cursor.advance(Page(list(range(10)), total=100), 10)
    cursor.advance(Page(list(range(10)), total=100), 10)
    assert (cursor.offset, cursor.page_size(), cursor.done) == (20, 5, False)
    cursor.advance(Page(list(range(5))), 5)
    assert cursor.done


def test_pager_repr_is_informative() -> None:
    assert repr(FakeAPI(1).sync()) == "SyncPager(limit=3, offset=0)"
    assert repr(FakeAPI(1).async_(offset=2)) == "AsyncPager(limit=3, offset=2)"


def test_a_server_that_ignores_offset_cannot_make_the_pager_loop() -> None:
    # Bare-array pages with no total: the same full page forever would otherwise never end.
    calls: list[int] = []

    def run(request: APIRequest[Page[int]]) -> Page[int]:
        calls.append(1)
        return request.parse(None)  # type: ignore[arg-type]

    def make(offset: int, limit: int) -> APIRequest[Page[int]]:
        return APIRequest(method="GET", path="/x", parse=lambda _: Page(items=[1, 2, 3]))

    items = SyncPager(run, make, limit=3).to_list()
    assert items == [1, 2, 3]
    assert len(calls) == 2


# ---------------------------------------------------------------- read-ahead (pagers without a total)


class SlowAPI(FakeAPI):
    """Async pages that finish in reverse order of asking, and a count of pages in flight."""

    def __init__(self, count: int, *, fail_from: int | None = None, **kwargs: bool) -> None:
        super().__init__(count, **kwargs)
        self.in_flight = 0
        self.most_in_flight = 0
        self.fail_from = fail_from

    async def arun(self, request: APIRequest[Page[int]]) -> Page[int]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        offset = request.query()["offset"]
        try:
            for _ in range(10 - min(offset, 9)):  # later pages answer sooner
                await asyncio.sleep(0)
            if self.fail_from is not None and offset >= self.fail_from:
                raise RuntimeError(f"page at {offset} failed")
            return self.run(request)
        finally:
            self.in_flight -= 1


def _needed(count: int, limit: int = 3) -> list[tuple[int, int]]:
    return [(o, limit) for o in range(0, count // limit * limit + 1, limit)]


@pytest.mark.parametrize("count", [0, 2, 8, 9, 30])
def test_sync_read_ahead_yields_every_item_once_with_at_most_depth_extra_requests(count: int) -> None:
    api = FakeAPI(count)
    assert api.sync(read_ahead=2).to_list() == list(range(count))
    needed = _needed(count)
    assert set(needed) <= set(api.calls)
    assert len(api.calls) == len(set(api.calls)) <= len(needed) + 2
    extra = sorted(set(api.calls) - set(needed))
    assert all(offset > needed[-1][0] for offset, _ in extra)  # only pages past the end


@pytest.mark.parametrize("count", [0, 2, 8, 9, 30])
async def test_async_read_ahead_yields_every_item_in_order_with_at_most_depth_extra(count: int) -> None:
    api = SlowAPI(count)
    assert await api.async_(read_ahead=3) == list(range(count))
    needed = _needed(count)
    assert set(needed) <= set(api.calls)
    assert len(api.calls) <= len(needed) + 3
    assert api.most_in_flight == min(4, len(api.calls))  # the awaited page plus three ahead


async def test_async_read_ahead_keeps_depth_plus_one_pages_in_flight_on_a_long_list() -> None:
    api = SlowAPI(300)
    pager = api.async_(read_ahead=3)
    assert repr(pager) == "AsyncPager(limit=3, offset=0, read_ahead=3)"
    assert [x async for x in pager] == list(range(300))
    assert api.most_in_flight == 4
    # 100 full pages and the empty one; pages past the end still waiting are cancelled unsent.
    assert 101 <= len(api.calls) <= 101 + 3
    assert api.in_flight == 0  # nothing left running after the walk


def test_read_ahead_respects_max_items_exactly() -> None:
    api = FakeAPI(100)
    assert api.sync(read_ahead=4, max_items=7).to_list() == list(range(7))
    assert sorted(api.calls) == [(0, 3), (3, 3), (6, 1)]  # no page beyond what max_items wants


async def test_read_ahead_stops_planning_at_a_reported_total() -> None:
    api = SlowAPI(30, report_total=True)
    assert await api.async_(read_ahead=3) == list(range(30))
    # Only the first round is planned blind; once the total is known no page past it is asked.
    assert max(offset for offset, _ in api.calls) <= 30 + 3 * 3
    assert all(offset < 30 for offset, _ in api.calls[4:])


async def test_an_error_on_a_speculative_page_past_the_end_is_never_raised() -> None:
    api = SlowAPI(8, fail_from=9)
    assert await api.async_(read_ahead=3) == list(range(8))


async def test_an_error_on_a_needed_page_is_raised_and_the_rest_cancelled() -> None:
    api = SlowAPI(30, fail_from=6)
    with pytest.raises(RuntimeError, match="page at 6 failed"):
        await api.async_(read_ahead=3)
    assert api.in_flight == 0


def test_sync_error_on_a_needed_page_is_raised() -> None:
    api = FakeAPI(30)
    real = api.run

    def failing(request: APIRequest[Page[int]]) -> Page[int]:
        if request.query()["offset"] == 6:
            raise RuntimeError("page at 6 failed")
        return real(request)

    pager = SyncPager(failing, api.make, limit=3, read_ahead=2)
    with pytest.raises(RuntimeError, match="page at 6 failed"):
        pager.to_list()


async def test_breaking_out_early_stops_requests_within_the_depth() -> None:
    api = SlowAPI(300)
    seen = []
    async for item in api.async_(read_ahead=2):
        seen.append(item)
        if item == 10:
            break
    assert seen == list(range(11))
    assert len(api.calls) <= 4 + 2  # pages 0..3 read, at most two ahead
    assert api.in_flight == 0


def test_sync_breaking_out_early_stops_requests_within_the_depth() -> None:
    api = FakeAPI(300)
    for item in api.sync(read_ahead=2):
        if item == 10:
            break
    assert len(api.calls) <= 4 + 2


class GreedyAPI(FakeAPI):
    """A server that ignores ``limit`` and always sends four items."""

    def run(self, request: APIRequest[Page[int]]) -> Page[int]:
        offset = request.query()["offset"]
        self.calls.append((offset, request.query()["limit"]))
        return Page(self.items[offset : offset + 4])


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_a_server_ignoring_limit_gives_the_same_items_with_or_without_read_ahead(depth: int) -> None:
    api = GreedyAPI(10)
    assert api.sync(read_ahead=depth).to_list() == list(range(10))


async def test_async_server_ignoring_limit_gives_the_same_items() -> None:
    api = GreedyAPI(10)
    assert await api.async_(read_ahead=2) == list(range(10))


def test_with_read_ahead_copies_the_pager_and_checks_the_depth() -> None:
    api = FakeAPI(8)
    pager = api.sync().with_read_ahead()
    assert repr(pager) == f"SyncPager(limit=3, offset=0, read_ahead={DEFAULT_READ_AHEAD})"
    assert pager.to_list() == list(range(8))
    assert repr(api.async_().with_read_ahead(1)) == "AsyncPager(limit=3, offset=0, read_ahead=1)"
    for bad in (-1, MAX_READ_AHEAD + 1, True, 1.5):
        with pytest.raises(ValueError, match="read_ahead must be a whole number"):
            api.sync(read_ahead=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [0, 1, 2])
def test_a_short_first_page_costs_exactly_one_request_even_with_read_ahead(count: int) -> None:
    sync_api, async_api = FakeAPI(count), SlowAPI(count)
    assert sync_api.sync(read_ahead=5).to_list() == list(range(count))
    assert sync_api.calls == [(0, 3)]
    assert asyncio.run(_collect(async_api.async_(read_ahead=5))) == list(range(count))
    assert async_api.calls == [(0, 3)]


async def _collect(pager: AsyncPager[int]) -> list[int]:
    return await pager


# ---------------------------------------------------------------- read-ahead as a flow


class _FlowClient:
    """The three attributes the flow drivers use, over a fake API."""

    def __init__(self, run: Any) -> None:
        self._run = run
        self._clock = lambda: 0.0

    def _sleep(self, seconds: float) -> None:  # pragma: no cover - the pager flow never sleeps
        raise AssertionError("no sleep expected")


@pytest.mark.parametrize("count", [0, 2, 8, 9, 30, 301])
async def test_paged_flow_reads_ahead_on_async_clients(count: int) -> None:
    from tenantlead._core.flow import arun_flow
    from tenantlead._core.pager import paged_flow

    api = SlowAPI(count)
    items = await arun_flow(paged_flow(api.make, 3, read_ahead=3), _FlowClient(api.arun))  # type: ignore[arg-type]
    assert items == list(range(count))
    needed = _needed(count)
    assert set(needed) <= set(api.calls)
    assert len(api.calls) <= len(needed) + 3
    assert api.calls[0] == (0, 3)
    if count < 3:
        assert api.calls == [(0, 3)]  # a short first page: no read-ahead at all
    if count > 30:
        assert api.most_in_flight == 4
    assert api.in_flight == 0


@pytest.mark.parametrize("depth", [0, 2])
def test_paged_flow_on_blocking_clients_gives_the_same_items(depth: int) -> None:
    from tenantlead._core.flow import run_flow
    from tenantlead._core.pager import paged_flow

    api = FakeAPI(31)
    items = run_flow(paged_flow(api.make, 3, read_ahead=depth), _FlowClient(api.run))  # type: ignore[arg-type]
    assert items == list(range(31))
    assert len(api.calls) <= len(_needed(31)) + depth


async def test_paged_flow_stops_before_the_first_item_until_names() -> None:
    from tenantlead._core.flow import arun_flow
    from tenantlead._core.pager import paged_flow

    api = SlowAPI(300)
    flow = paged_flow(api.make, 3, read_ahead=2, until=lambda item: item >= 20)
    assert await arun_flow(flow, _FlowClient(api.arun)) == list(range(20))  # type: ignore[arg-type]
    assert len(api.calls) <= 7 + 2 + 1


async def test_paged_flow_raises_the_first_failed_needed_page() -> None:
    from tenantlead._core.flow import arun_flow
    from tenantlead._core.pager import paged_flow

    api = SlowAPI(300, fail_from=12)
    with pytest.raises(RuntimeError, match="page at 12 failed"):
        await arun_flow(paged_flow(api.make, 3, read_ahead=3), _FlowClient(api.arun))  # type: ignore[arg-type]
