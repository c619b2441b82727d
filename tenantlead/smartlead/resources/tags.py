"""The email-account tag catalogue: list, create, update (reference §2.15).

Attaching tags to accounts lives on ``sl.email_accounts.add_tags`` / ``remove_tags``. Smartlead
has no tag delete endpoint. Each method ``m`` sends one request, built by ``m_request`` (same
arguments) for other layers to compose: ``list_request``, ``create_request``, ``update_request``.
"""

from __future__ import annotations

from typing import Any

from tenantlead._core.request import APIRequest, Response
from tenantlead._core.resource import AsyncResource, SyncResource
from tenantlead.smartlead._validate import check_color, check_id
from tenantlead.smartlead.models import Tag
from tenantlead.smartlead.resources._common import parse_items, parse_object

__all__ = ["AsyncTags", "Tags", "create_request", "list_request", "update_request"]

TagList = list[Tag]


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"name must be a non-empty string, got {value!r}")
    return value


def list_request() -> APIRequest[list[Tag]]:
    """``Tags.list``: every tag."""
    return APIRequest(method="GET", path="/email-accounts/tags", parse=parse_items(Tag))


def _find_tag(name: str) -> APIRequest[Tag | None]:
    """Reconcile lookup after an uncertain create: the newest tag with this name, or None."""

    def parse(response: Response) -> Tag | None:
        matches = [t for t in parse_items(Tag)(response) if t.name == name]
        return max(matches, key=lambda t: t.id or 0) if matches else None

    return APIRequest(method="GET", path="/email-accounts/tags", parse=parse)


def create_request(name: str, color: str | None = None) -> APIRequest[Tag]:
    """``Tags.create``: a new tag (an uncertain outcome is looked up by name, not resent)."""
    body: dict[str, Any] = {"name": _name(name)}
    if color is not None:
        body["color"] = check_color(color, "color")
    return APIRequest(
        method="POST",
        path="/tags",
        json=body,
        parse=parse_object(Tag, unwrap=True),
        retry_safe=False,  # POST /tags always creates, even a duplicate name
        reconcile=_find_tag(name),
    )


def update_request(tag_id: int, name: str, color: str) -> APIRequest[Tag]:
    """``Tags.update``: rename or recolour a tag (every field required)."""
    return APIRequest(
        method="POST",
        path="/email-accounts/tag-manager",
        json={"id": check_id(tag_id, "tag_id"), "name": _name(name), "color": check_color(color, "color")},
        parse=parse_object(Tag, unwrap=True),
        retry_safe=True,
    )


class Tags(SyncResource):
    """``sl.tags``: the email-account tag catalogue."""

    def list(self) -> TagList:
        """Every tag (``GET /email-accounts/tags``; newer endpoint, possibly absent on old accounts)."""
        return self._client._run(list_request())

    def create(self, name: str, color: str | None = None) -> Tag:
        """Create a tag (``POST /tags``; ``color`` ``#RRGGBB``).

        Smartlead always creates, even for a duplicate name. On an uncertain outcome (timeout,
        5xx) the client looks for a tag with this name before resending, and returns it if found.
        """
        return self._client._run(create_request(name, color))

    def update(self, tag_id: int, name: str, color: str) -> Tag:
        """Rename or recolour a tag (``POST /email-accounts/tag-manager``; every field required)."""
        return self._client._run(update_request(tag_id, name, color))


class AsyncTags(AsyncResource):
    """``sl.tags`` on [`AsyncSmartlead`][tenantlead.AsyncSmartlead]."""

    async def list(self) -> TagList:
        """Every tag."""
        return await self._client._run(list_request())

    async def create(self, name: str, color: str | None = None) -> Tag:
        """Create a tag; see [`Tags.create`][tenantlead.smartlead.resources.tags.Tags.create]."""
        return await self._client._run(create_request(name, color))

    async def update(self, tag_id: int, name: str, color: str) -> Tag:
        """Rename or recolour a tag."""
        return await self._client._run(update_request(tag_id, name, color))
