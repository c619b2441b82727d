"""One offset pager for ``for`` and ``async for``: lazy, and stops on short/empty pages or total."""

from __future__ import annotations

import pytest

from tenantlead._core.pager import AsyncPager, OffsetCursor, Page, SyncPager
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

    def sync(self, **kwargs: int) -> SyncPager[int]:
        return SyncPager(self.run, self.make, **{"limit": 3, **kwargs})

    def async_(self, **kwargs: int) -> AsyncPager[int]:
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
