"""Offset/limit pagination that works with ``for`` and ``async for``.

Both APIs page with ``offset``/``limit``. Smartlead returns bare arrays with no total, so the
only end signal is a short or empty page; TenantCore's enforcement log also reports ``total``.
The cursor logic is pure (`OffsetCursor`); [`SyncPager`][tenantlead.SyncPager] and [`AsyncPager`][tenantlead.AsyncPager]
only run the page requests. Pages are fetched lazily, so breaking out of a loop stops the
requests.

**Read-ahead.** With no total, a pager cannot know the next page exists before the current one
arrives, so one page at a time leaves the rate limit idle for a round trip per page. With
``read_ahead=N`` (or [with_read_ahead][tenantlead._core.pager.SyncPager.with_read_ahead]) the
pager keeps the next ``N`` pages in flight beside the one it waits for (threads for the sync
pager, tasks for the async one). They are always the *next* pages in order and are requested
after every page before them, so under the client's first-come-first-served rate limiter a
speculative page never takes a slot a needed page was waiting for. When a short or empty page
(or the reported total, or ``max_items``) ends the walk, pages still waiting are cancelled and
pages already sent are dropped unread: at most ``N`` extra requests, never extra items.
Pages are yielded in order and each is checked by the same pure cursor as without read-ahead.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import attrs

from tenantlead._core.flow import Flow, Gather
from tenantlead._core.request import APIRequest

logger = logging.getLogger("tenantlead")

__all__ = [
    "DEFAULT_READ_AHEAD",
    "MAX_READ_AHEAD",
    "AsyncPager",
    "OffsetCursor",
    "Page",
    "SyncPager",
    "paged_flow",
]

T = TypeVar("T")

#: Pages kept in flight ahead of the one awaited, for bulk reads of a list with no total. Six
#: keeps Smartlead's 10-per-2-s burst busy at list-page latencies up to ~1 s (bench
#: ``real_limits``) while a walk that ends wastes at most six requests.
DEFAULT_READ_AHEAD = 6
#: The most pages a pager keeps in flight ahead (a bound on wasted requests at the end).
MAX_READ_AHEAD = 8
#: The most items one walk over a list reads before it stops (with a warning): a server that
#: keeps sending full pages (it ignores ``offset`` but varies the page) would otherwise be paged
#: forever. Derived from the APIs' documented maxima, with a wide margin: TenantCore's largest
#: plan holds 100 tenants x 12 domains x 3 mailboxes (3,600 mailboxes), Smartlead lists at most
#: 100 accounts a page and the largest fleets reported need ~85 pages (8,500 accounts).
MAX_LISTED_ITEMS = 1_000_000


def _check_read_ahead(depth: int) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= MAX_READ_AHEAD:
        raise ValueError(f"read_ahead must be a whole number from 0 to {MAX_READ_AHEAD}, got {depth!r}")
    return depth


@attrs.frozen
class Page(Generic[T]):
    """One page of results; ``total`` is the API's total across pages when it reports one."""

    items: list[T]
    total: int | None = None


@attrs.define
class OffsetCursor:
    """Where the next page starts, or that there is none. Pure; no I/O."""

    limit: int
    offset: int = 0
    max_items: int | None = None
    seen: int = 0
    done: bool = False
    #: The total the API reported on the last page, if any.
    total: int | None = None
    #: Set when the server sent the same full page twice (it ignores ``offset``): paging stopped.
    repeated: bool = False
    #: Set when the walk read ``MAX_LISTED_ITEMS`` worth of full pages and stopped.
    capped: bool = False
    pages: int = 0
    _previous: list[Any] | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"page size must be >= 1, got {self.limit}")
        if self.offset < 0:
            raise ValueError(f"offset must be >= 0, got {self.offset}")
        if self.max_items is not None:
            if self.max_items < 0:
                raise ValueError(f"max_items must be >= 0 (or None for every item), got {self.max_items}")
            # max_items=0 asks for nothing: without this the first page (of 1 item) was still fetched.
            self.done = self.done or self.max_items == 0

    def page_size(self) -> int:
        """Size to ask for next (never more than ``max_items`` still wanted)."""
        if self.max_items is None:
            return self.limit
        return max(1, min(self.limit, self.max_items - self.seen))

    def clip(self, page: Page[T]) -> Page[T]:
        """The page without items beyond ``max_items`` (a server may ignore ``limit``)."""
        if self.max_items is None or len(page.items) <= self.max_items - self.seen:
            return page
        return Page(page.items[: max(0, self.max_items - self.seen)], page.total)

    def advance(self, page: Page[Any], asked: int) -> None:
        """Record a fetched page and decide whether another one can exist."""
        count = len(page.items)
        if count and page.total is None and page.items == self._previous:
            # The server ignored offset and sent the same page again: everything reachable has
            # been seen, and asking on would loop forever.
            self.repeated = self.done = True
            logger.warning("the API returned the same page twice (offset ignored?); paging stopped")
            return
        self._previous = list(page.items)
        if page.total is not None:
            self.total = page.total
        self.seen += count
        self.offset += count
        self.pages += 1
        if (
            count == 0
            or count < asked
            or (page.total is not None and self.offset >= page.total)
            or (self.max_items is not None and self.seen >= self.max_items)
        ):
            self.done = True
        elif self.pages >= self.max_pages:
            self.capped = self.done = True
            logger.warning(
                "the API kept sending full pages: stopped after %d pages (%d items, more than any list of "
                "its documented size); pass max_items= to read a part on purpose",
                self.pages,
                self.seen,
            )

    @property
    def max_pages(self) -> int:
        """The most pages this walk reads: ``MAX_LISTED_ITEMS`` at this page size."""
        return -(-MAX_LISTED_ITEMS // self.limit)

    def planned(self, after: tuple[int, int] | None) -> tuple[int, int] | None:
        """``(offset, size)`` of the page after ``after`` (or the next page) if every page is full.

        None when that page cannot be wanted: past ``max_items`` or the reported total.
        """
        if self.done:
            return None
        if after is None:
            return self.offset, self.page_size()
        offset = after[0] + after[1]
        if self.total is not None and offset >= self.total:
            return None
        if self.max_items is None:
            return offset, self.limit
        wanted = self.max_items - (self.seen + offset - self.offset)
        if wanted <= 0:
            return None
        return offset, min(self.limit, wanted)


PageRequest = Callable[[int, int], APIRequest[Page[T]]]


class SyncPager(Generic[T]):
    """Iterate every item across pages: ``for account in sl.email_accounts.list(): ...``.

    ``to_list()`` collects everything; ``pages()`` yields [`Page`][tenantlead.orchestration.limits_apply.Page] objects.
    """

    def __init__(
        self,
        run: Callable[[APIRequest[Page[T]]], Page[T]],
        make_request: PageRequest[T],
        *,
        limit: int,
        offset: int = 0,
        max_items: int | None = None,
        read_ahead: int = 0,
    ) -> None:
        self._run = run
        self._make = make_request
        self._limit, self._offset, self._max = limit, offset, max_items
        self._depth = _check_read_ahead(read_ahead)
        OffsetCursor(limit, offset, max_items)  # validate eagerly: bad input fails at the call

    def with_read_ahead(self, depth: int = DEFAULT_READ_AHEAD) -> SyncPager[T]:
        """The same pager keeping ``depth`` pages in flight ahead of the one awaited (see the module docs)."""
        return SyncPager(
            self._run,
            self._make,
            limit=self._limit,
            offset=self._offset,
            max_items=self._max,
            read_ahead=depth,
        )

    def pages(self) -> Iterator[Page[T]]:
        """Yield each page as it is fetched."""
        cursor = OffsetCursor(self._limit, self._offset, self._max)
        if not self._depth:
            while not cursor.done:
                asked = cursor.page_size()
                page = cursor.clip(self._run(self._make(cursor.offset, asked)))
                cursor.advance(page, asked)
                if cursor.repeated:
                    break
                yield page
            return
        pool = ThreadPoolExecutor(max_workers=self._depth + 1, thread_name_prefix="tenantlead-pager")
        inflight: deque[tuple[tuple[int, int], Future[Page[T]]]] = deque()
        try:
            while not cursor.done:
                # The first page goes alone (a short list costs one request); then depth ahead.
                while len(inflight) <= (self._depth if cursor.offset > self._offset else 0):
                    nxt = cursor.planned(inflight[-1][0] if inflight else None)
                    if nxt is None:
                        break
                    inflight.append((nxt, pool.submit(self._run, self._make(*nxt))))
                (offset, asked), future = inflight.popleft()
                if (offset, asked) != (cursor.offset, cursor.page_size()):
                    # A page held more (or other) items than asked: re-plan from the cursor.
                    for _, other in inflight:
                        other.cancel()
                    inflight.clear()
                    continue
                page = cursor.clip(future.result())
                cursor.advance(page, asked)
                if cursor.repeated:
                    break
                yield page
        finally:
            for _, other in inflight:
                other.cancel()
            pool.shutdown(wait=True)  # requests already sent finish; their answers are dropped

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def to_list(self) -> list[T]:
        """Every item of every page, in order."""
        return list(self)

    def __repr__(self) -> str:
        ahead = f", read_ahead={self._depth}" if self._depth else ""
        return f"SyncPager(limit={self._limit}, offset={self._offset}{ahead})"


class AsyncPager(Generic[T]):
    """Async twin: ``async for x in pager`` or ``items = await pager`` (collects every page)."""

    def __init__(
        self,
        run: Callable[[APIRequest[Page[T]]], Awaitable[Page[T]]],
        make_request: PageRequest[T],
        *,
        limit: int,
        offset: int = 0,
        max_items: int | None = None,
        read_ahead: int = 0,
    ) -> None:
        self._run = run
        self._make = make_request
        self._limit, self._offset, self._max = limit, offset, max_items
        self._depth = _check_read_ahead(read_ahead)
        OffsetCursor(limit, offset, max_items)

    def with_read_ahead(self, depth: int = DEFAULT_READ_AHEAD) -> AsyncPager[T]:
        """The same pager keeping ``depth`` pages in flight ahead of the one awaited (see the module docs)."""
        return AsyncPager(
            self._run,
            self._make,
            limit=self._limit,
            offset=self._offset,
            max_items=self._max,
            read_ahead=depth,
        )

    async def _fetch(self, request: APIRequest[Page[T]]) -> Page[T]:
        return await self._run(request)

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yield each page as it is fetched."""
        cursor = OffsetCursor(self._limit, self._offset, self._max)
        if not self._depth:
            while not cursor.done:
                asked = cursor.page_size()
                page = cursor.clip(await self._run(self._make(cursor.offset, asked)))
                cursor.advance(page, asked)
                if cursor.repeated:
                    break
                yield page
            return
        inflight: deque[tuple[tuple[int, int], asyncio.Task[Page[T]]]] = deque()
        try:
            while not cursor.done:
                # The first page goes alone (a short list costs one request); then depth ahead.
                while len(inflight) <= (self._depth if cursor.offset > self._offset else 0):
                    nxt = cursor.planned(inflight[-1][0] if inflight else None)
                    if nxt is None:
                        break
                    inflight.append((nxt, asyncio.ensure_future(self._fetch(self._make(*nxt)))))
                (offset, asked), task = inflight.popleft()
                if (offset, asked) != (cursor.offset, cursor.page_size()):
                    task.cancel()
                    await _drop([task, *(t for _, t in inflight)])
                    inflight.clear()
                    continue
                page = cursor.clip(await task)
                cursor.advance(page, asked)
                if cursor.repeated:
                    break
                yield page
        finally:
            await _drop([t for _, t in inflight])

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def to_list(self) -> list[T]:
        """Every item of every page, in order."""
        return [item async for item in self]

    def __await__(self) -> Generator[Any, None, list[T]]:
        return self.to_list().__await__()

    def __repr__(self) -> str:
        ahead = f", read_ahead={self._depth}" if self._depth else ""
        return f"AsyncPager(limit={self._limit}, offset={self._offset}{ahead})"


async def _drop(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel speculative page tasks and collect their outcomes (errors of unneeded pages are moot)."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


# ---------------------------------------------------------------------------- as a flow


class _Walk(Generic[T]):
    """Pages fetched by read-ahead workers, and where the walk is known to end (thread-safe)."""

    def __init__(self, cursor: OffsetCursor, until: Callable[[T], bool] | None) -> None:
        self.plan: list[tuple[int, int]] = []
        self.results: dict[int, Page[T] | Exception] = {}
        self.end: int | None = None  # index of the last page that can be needed
        self.until = until
        self._cursor = cursor
        self._lock = threading.Lock()

    def take(self) -> tuple[int, tuple[int, int]] | None:
        with self._lock:
            index = len(self.plan)
            if self.end is not None and index > self.end:
                return None
            nxt = self._cursor.planned(self.plan[-1] if self.plan else None)
            if nxt is None:
                return None
            self.plan.append(nxt)
            return index, nxt

    def store(self, index: int, result: Page[T] | Exception) -> None:
        with self._lock:
            self.results[index] = result
            last = isinstance(result, Exception) or len(result.items) < self.plan[index][1]
            if not last and isinstance(result, Page):
                ends_total = (
                    result.total is not None and self.plan[index][0] + len(result.items) >= result.total
                )
                if ends_total or (self.until is not None and any(self.until(item) for item in result.items)):
                    last = True
                else:
                    # The same full page as a neighbour: the server ignores offset; stop there.
                    for other in (index - 1, index + 1):
                        seen = self.results.get(other)
                        if isinstance(seen, Page) and seen.items and seen.items == result.items:
                            last = True
            if last:
                self.end = index if self.end is None else min(self.end, index)

    def complete(self) -> bool:
        """True once the end is known and every page up to it has its result."""
        with self._lock:
            return self.end is not None and all(i in self.results for i in range(self.end + 1))


def paged_flow(
    make: PageRequest[T],
    limit: int,
    *,
    until: Callable[[T], bool] | None = None,
    read_ahead: int = 0,
) -> Flow[list[T]]:
    """Every item across pages as a flow (see ``tenantlead._core.flow``); stops before the first ``until(item)``.

    The same cursor as the pagers, so the items are the ones ``list()`` would give. With
    ``read_ahead`` N, the first page is read alone; when it is full, N + 1 page reads run at
    once (a ``Gather`` of workers taking the next page in order), and none starts past a page
    that ended the walk: at most N extra requests.
    A driver that runs gathers one at a time (a blocking client without threads) sends exactly
    the sequential requests.
    """
    _check_read_ahead(read_ahead)
    cursor = OffsetCursor(limit)
    out: list[T] = []
    if read_ahead:
        # The first page goes alone: a short list costs one request, and only a full first
        # page starts the read-ahead.
        asked = cursor.page_size()
        first: Page[T] = cursor.clip((yield make(cursor.offset, asked)))
        cursor.advance(first, asked)
        for item in first.items:
            if until is not None and until(item):
                return out
            out.append(item)
    if read_ahead and not cursor.done:
        walk: _Walk[T] = _Walk(OffsetCursor(limit, offset=cursor.offset), until)

        def worker() -> Flow[None]:
            while (task := walk.take()) is not None:
                index, (offset, size) = task
                try:
                    page: Page[T] = yield make(offset, size)
                except Exception as exc:
                    walk.store(index, exc)
                    return
                walk.store(index, page)

        # Workers still waiting (a page past the end, queued for a rate-limit slot) are dropped
        # as soon as every page up to the end is in: they are never sent (async) or not awaited.
        yield Gather(
            [worker() for _ in range(read_ahead + 1)], concurrency=read_ahead + 1, stop_when=walk.complete
        )
        for index, planned in enumerate(walk.plan):
            result = walk.results.get(index)
            if cursor.done or result is None or planned != (cursor.offset, cursor.page_size()):
                break  # past the end, or a page held other items than asked: go on one by one
            if isinstance(result, Exception):
                raise result
            page = cursor.clip(result)
            cursor.advance(page, planned[1])
            if cursor.repeated:
                return out
            for item in page.items:
                if until is not None and until(item):
                    return out
                out.append(item)
    while not cursor.done:
        asked = cursor.page_size()
        page = cursor.clip((yield make(cursor.offset, asked)))
        cursor.advance(page, asked)
        if cursor.repeated:
            break
        for item in page.items:
            if until is not None and until(item):
                return out
            out.append(item)
    return out
