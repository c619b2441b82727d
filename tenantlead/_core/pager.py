"""Offset/limit pagination that works with ``for`` and ``async for``.

Both APIs page with ``offset``/``limit``. Smartlead returns bare arrays with no total, so the
only end signal is a short or empty page; TenantCore's enforcement log also reports ``total``.
The cursor logic is pure (:class:`OffsetCursor`); :class:`SyncPager` and :class:`AsyncPager`
only run the page requests. Pages are fetched lazily, one at a time, so breaking out of a loop
stops the requests.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

import attrs

from tenantlead._core.request import APIRequest

logger = logging.getLogger("tenantlead")

__all__ = ["AsyncPager", "OffsetCursor", "Page", "SyncPager"]

T = TypeVar("T")


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
    #: Set when the server sent the same full page twice (it ignores ``offset``): paging stopped.
    repeated: bool = False
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
        self.seen += count
        self.offset += count
        if (
            count == 0
            or count < asked
            or (page.total is not None and self.offset >= page.total)
            or (self.max_items is not None and self.seen >= self.max_items)
        ):
            self.done = True


PageRequest = Callable[[int, int], APIRequest[Page[T]]]


class SyncPager(Generic[T]):
    """Iterate every item across pages: ``for account in sl.email_accounts.list(): ...``.

    ``to_list()`` collects everything; ``pages()`` yields :class:`Page` objects.
    """

    def __init__(
        self,
        run: Callable[[APIRequest[Page[T]]], Page[T]],
        make_request: PageRequest[T],
        *,
        limit: int,
        offset: int = 0,
        max_items: int | None = None,
    ) -> None:
        self._run = run
        self._make = make_request
        self._limit, self._offset, self._max = limit, offset, max_items
        OffsetCursor(limit, offset, max_items)  # validate eagerly: bad input fails at the call

    def pages(self) -> Iterator[Page[T]]:
        """Yield each page as it is fetched."""
        cursor = OffsetCursor(self._limit, self._offset, self._max)
        while not cursor.done:
            asked = cursor.page_size()
            page = cursor.clip(self._run(self._make(cursor.offset, asked)))
            cursor.advance(page, asked)
            if cursor.repeated:
                break
            yield page

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def to_list(self) -> list[T]:
        """Every item of every page, in order."""
        return list(self)

    def __repr__(self) -> str:
        return f"SyncPager(limit={self._limit}, offset={self._offset})"


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
    ) -> None:
        self._run = run
        self._make = make_request
        self._limit, self._offset, self._max = limit, offset, max_items
        OffsetCursor(limit, offset, max_items)

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yield each page as it is fetched."""
        cursor = OffsetCursor(self._limit, self._offset, self._max)
        while not cursor.done:
            asked = cursor.page_size()
            page = cursor.clip(await self._run(self._make(cursor.offset, asked)))
            cursor.advance(page, asked)
            if cursor.repeated:
                break
            yield page

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
        return f"AsyncPager(limit={self._limit}, offset={self._offset})"
