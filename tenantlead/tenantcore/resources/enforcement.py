"""``tc.enforcement``: the audit log of Exchange blocks and unblocks.

``list_events_page_request`` builds one page of ``Enforcement.list_events`` (same filters), for
other layers to compose into flows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tenantlead._core.pager import AsyncPager, Page, SyncPager
from tenantlead._core.request import APIRequest, Response
from tenantlead._core.resource import AsyncResource, SyncResource, expect_object, require_id
from tenantlead.tenantcore.models import EnforcementAction, EnforcementEvent

__all__ = ["MAX_PAGE_SIZE", "AsyncEnforcement", "Enforcement", "list_events_page_request"]

#: The endpoint's documented maximum ``limit``.
MAX_PAGE_SIZE = 200


def _parse_page(response: Response) -> Page[EnforcementEvent]:
    body = expect_object(response)
    events = body["events"]
    if not isinstance(events, list):
        raise TypeError(f"expected 'events' to be an array, got {type(events).__name__}")
    total = body.get("total")
    return Page(
        items=[EnforcementEvent.from_dict(e) for e in events],
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
    )


def _check(tenant_id: str | None, action: str | None, page_size: int) -> dict[str, Any]:
    if action is not None and action not in (EnforcementAction.BLOCKED, EnforcementAction.UNBLOCKED):
        raise ValueError(f"action must be 'blocked' or 'unblocked', got {action!r}")
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size!r}")
    return {
        "tenant_id": require_id(tenant_id, "tenant_id") if tenant_id is not None else None,
        "action": str(action) if action is not None else None,
    }


def list_events_page_request(
    offset: int = 0,
    limit: int = MAX_PAGE_SIZE,
    *,
    tenant_id: str | None = None,
    action: EnforcementAction | str | None = None,
) -> APIRequest[Page[EnforcementEvent]]:
    """One page (``limit`` 1-200 events from ``offset``) of ``Enforcement.list_events``; it reports ``total``."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset must be a whole number >= 0, got {offset!r}")
    return _page(_check(tenant_id, action, limit))(offset, limit)


def _page(filters: dict[str, Any]) -> Callable[[int, int], APIRequest[Page[EnforcementEvent]]]:
    def make(offset: int, limit: int) -> APIRequest[Page[EnforcementEvent]]:
        return APIRequest(
            method="GET",
            path="/enforcement/events",
            params={**filters, "limit": limit, "offset": offset},
            parse=_parse_page,
        )

    return make


class Enforcement(SyncResource):
    """Enforcement events across all of the account's tenants, newest first."""

    def list_events(
        self,
        *,
        tenant_id: str | None = None,
        action: EnforcementAction | str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> SyncPager[EnforcementEvent]:
        """Iterate every matching event across all pages (fetched lazily, ``page_size`` at a time).

        ``for event in tc.enforcement.list_events(action="blocked"): ...`` or ``.to_list()``.
        """
        filters = _check(tenant_id, action, page_size)
        return SyncPager(self._client._run, _page(filters), limit=page_size, max_items=max_items)


class AsyncEnforcement(AsyncResource):
    """Async twin of [`Enforcement`][tenantlead.tenantcore.resources.enforcement.Enforcement]."""

    def list_events(
        self,
        *,
        tenant_id: str | None = None,
        action: EnforcementAction | str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> AsyncPager[EnforcementEvent]:
        """``async for event in atc.enforcement.list_events(): ...`` or ``await ...`` for a list."""
        filters = _check(tenant_id, action, page_size)
        return AsyncPager(self._client._run, _page(filters), limit=page_size, max_items=max_items)
