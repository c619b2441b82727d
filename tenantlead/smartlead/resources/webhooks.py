"""Webhooks: campaign-level (``/campaigns/{id}/webhooks``) and account-level (``/webhook/...``), §3.7.

Parsing the payloads Smartlead *sends* is in `tenantlead.smartlead.webhook_payloads`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from tenantlead._core.convert import format_datetime
from tenantlead._core.request import APIRequest, Response
from tenantlead._core.resource import AsyncResource, SyncResource
from tenantlead.smartlead._validate import check_bool, check_id
from tenantlead.smartlead.models import AccountWebhook, CampaignWebhook
from tenantlead.smartlead.resources._common import parse_items, parse_object, parse_ok

__all__ = ["EVENT_TYPES", "AccountWebhooks", "AsyncAccountWebhooks", "AsyncWebhooks", "Webhooks"]

#: Event types Smartlead documents (docs commit 4faefd4; the OpenAPI file's names are wrong).
EVENT_TYPES: Final = frozenset(
    {
        "EMAIL_SENT",
        "FIRST_EMAIL_SENT",
        "EMAIL_OPEN",
        "EMAIL_LINK_CLICK",
        "EMAIL_REPLY",
        "EMAIL_BOUNCE",
        "LEAD_UNSUBSCRIBED",
        "LEAD_CATEGORY_UPDATED",
        "CAMPAIGN_STATUS_CHANGED",
        "UNTRACKED_REPLIES",
        "MANUAL_STEP_REACHED",
        "EMAIL_ACCOUNT_DISCONNECTED",
        "LINKEDIN_DISCONNECTED",
        "CAMPAIGN_BOUNCE_BREACH",
    }
)

WebhookList = list[CampaignWebhook]


def _url(value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"webhook_url must be an absolute http(s) URL, got {value!r}")
    return str(value)


def _events(values: Iterable[str], name: str) -> list[str]:
    if isinstance(values, str):
        values = [values]
    events = list(values)
    if not events:
        raise ValueError(f"{name} must name at least one event, e.g. ['EMAIL_REPLY']")
    for event in events:
        if event not in EVENT_TYPES:
            raise ValueError(
                f"{name}: unknown event {event!r}; known events: {', '.join(sorted(EVENT_TYPES))}"
            )
    return events


def _time(value: datetime | str, name: str) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str) and value:
        return value
    raise ValueError(f"{name} must be a datetime or an ISO-8601 string, got {value!r}")


def _path(campaign_id: int, suffix: str = "") -> str:
    return f"/campaigns/{check_id(campaign_id, 'campaign_id')}/webhooks{suffix}"


def _parse_list(response: Response) -> list[CampaignWebhook]:
    if isinstance(response.data, Mapping) and "webhook_url" in response.data:
        return [CampaignWebhook.from_dict(response.data)]  # the old docs show a single object
    return parse_items(CampaignWebhook)(response)


def _list(campaign_id: int) -> APIRequest[list[CampaignWebhook]]:
    return APIRequest(method="GET", path=_path(campaign_id), parse=_parse_list)


def _find_webhook(campaign_id: int, name: str, url: str) -> APIRequest[CampaignWebhook | None]:
    def parse(response: Response) -> CampaignWebhook | None:
        for hook in _parse_list(response):
            if hook.name == name and hook.webhook_url == url:
                return hook
        return None

    return APIRequest(method="GET", path=_path(campaign_id), parse=parse)


def _upsert(
    campaign_id: int,
    *,
    name: str,
    webhook_url: str,
    event_types: Iterable[str],
    categories: Iterable[str] | None,
    webhook_id: int | None,
) -> APIRequest[CampaignWebhook]:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    url = _url(webhook_url)
    body: dict[str, Any] = {
        "id": None if webhook_id is None else check_id(webhook_id, "webhook_id"),
        "name": name,
        "webhook_url": url,
        "event_types": _events(event_types, "event_types"),
        "categories": [] if categories is None else [str(c) for c in categories],
    }
    creating = webhook_id is None
    return APIRequest(
        method="POST",
        path=_path(campaign_id),
        json=body,
        parse=parse_object(CampaignWebhook),
        retry_safe=not creating,
        # A create has a natural key here (name + URL within the campaign): look before resending.
        reconcile=_find_webhook(campaign_id, name, url) if creating else None,
    )


def _delete(campaign_id: int, webhook_id: int, style: Literal["body", "path"]) -> APIRequest[None]:
    hook = check_id(webhook_id, "webhook_id")
    if style == "path":
        return APIRequest(method="DELETE", path=_path(campaign_id, f"/{hook}"), parse=parse_ok)
    if style != "body":
        raise ValueError(f"style must be 'body' or 'path', got {style!r}")
    return APIRequest(method="DELETE", path=_path(campaign_id), json={"id": hook}, parse=parse_ok)


def _as_dict(response: Response) -> dict[str, Any]:
    return dict(response.data) if isinstance(response.data, Mapping) else {"data": response.data}


def _summary(
    campaign_id: int, from_time: datetime | str, to_time: datetime | str
) -> APIRequest[dict[str, Any]]:
    return APIRequest(
        method="GET",
        path=_path(campaign_id, "/summary"),
        params={"fromTime": _time(from_time, "from_time"), "toTime": _time(to_time, "to_time")},
        parse=_as_dict,
    )


def _retrigger(
    campaign_id: int, from_time: datetime | str, to_time: datetime | str
) -> APIRequest[dict[str, Any]]:
    return APIRequest(
        method="POST",
        path=_path(campaign_id, "/retrigger-failed-events"),
        json={"fromTime": _time(from_time, "from_time"), "toTime": _time(to_time, "to_time")},
        parse=_as_dict,
    )


def _account_body(
    *,
    webhook_url: str,
    association_type: str,
    campaign_id: int | None,
    client_id: int | None,
    name: str | None,
    event_types: Iterable[str],
    category_id_map: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if association_type not in ("user", "client", "campaign"):
        raise ValueError(f"association_type must be 'user', 'client' or 'campaign', got {association_type!r}")
    if association_type == "campaign" and campaign_id is None:
        raise ValueError("association_type='campaign' needs campaign_id")
    if association_type == "client" and client_id is None:
        raise ValueError("association_type='client' needs client_id")
    body: dict[str, Any] = {
        "webhook_url": _url(webhook_url),
        "association_type": association_type,
        "event_type_map": dict.fromkeys(_events(event_types, "event_types"), True),
    }
    if campaign_id is not None:
        body["email_campaign_id"] = check_id(campaign_id, "campaign_id")
    if client_id is not None:
        body["client_id"] = check_id(client_id, "client_id")
    if name is not None:
        body["name"] = str(name)
    if category_id_map is not None:
        body["category_id_map"] = dict(category_id_map)
    return body


def _account_create(force_create: bool, **kw: Any) -> APIRequest[AccountWebhook]:
    body = _account_body(**kw)
    body["force_create"] = check_bool(force_create, "force_create")
    # No list endpoint exists to reconcile against, so an uncertain create is not resent.
    return APIRequest(
        method="POST", path="/webhook/create", json=body, parse=parse_object(AccountWebhook), retry_safe=False
    )


def _account_get(webhook_id: int) -> APIRequest[AccountWebhook]:
    return APIRequest(
        method="GET",
        path=f"/webhook/{check_id(webhook_id, 'webhook_id')}",
        parse=parse_object(AccountWebhook),
    )


def _account_update(webhook_id: int, **kw: Any) -> APIRequest[AccountWebhook]:
    hook = check_id(webhook_id, "webhook_id")
    return APIRequest(
        method="PUT",
        path=f"/webhook/update/{hook}",
        json=_account_body(**kw),
        parse=parse_object(AccountWebhook),
        retry_safe=True,
    )


def _account_delete(webhook_id: int) -> APIRequest[None]:
    return APIRequest(
        method="DELETE",
        path="/webhook/delete",
        json={"id": check_id(webhook_id, "webhook_id")},
        parse=parse_ok,
    )


class AccountWebhooks(SyncResource):
    """``sl.webhooks.account``: account-level webhooks (user, client or campaign scope).

    Smartlead has no list endpoint for these (``GET /webhook`` is a 404): keep the id
    [`create`][tenantlead.smartlead.resources.webhooks.AccountWebhooks.create] returns. A user-level webhook overrides client- and campaign-level ones.
    """

    def create(
        self,
        webhook_url: str,
        *,
        event_types: Iterable[str],
        association_type: Literal["user", "client", "campaign"] = "user",
        campaign_id: int | None = None,
        client_id: int | None = None,
        name: str | None = None,
        category_id_map: Mapping[str, Any] | None = None,
        force_create: bool = False,
    ) -> AccountWebhook:
        """Create an account-level webhook (``event_types`` become Smartlead's ``event_type_map``)."""
        return self._client._run(
            _account_create(
                force_create, webhook_url=webhook_url, association_type=association_type,
                campaign_id=campaign_id, client_id=client_id, name=name, event_types=event_types,
                category_id_map=category_id_map,
            )
        )  # fmt: skip

    def get(self, webhook_id: int) -> AccountWebhook:
        """One account-level webhook by id."""
        return self._client._run(_account_get(webhook_id))

    def update(
        self,
        webhook_id: int,
        webhook_url: str,
        *,
        event_types: Iterable[str],
        association_type: Literal["user", "client", "campaign"] = "user",
        campaign_id: int | None = None,
        client_id: int | None = None,
        name: str | None = None,
        category_id_map: Mapping[str, Any] | None = None,
    ) -> AccountWebhook:
        """Replace an account-level webhook's settings (``PUT /webhook/update/{id}``)."""
        return self._client._run(
            _account_update(
                webhook_id, webhook_url=webhook_url, association_type=association_type,
                campaign_id=campaign_id, client_id=client_id, name=name, event_types=event_types,
                category_id_map=category_id_map,
            )
        )  # fmt: skip

    def delete(self, webhook_id: int) -> None:
        """Delete an account-level webhook."""
        return self._client._run(_account_delete(webhook_id))


class AsyncAccountWebhooks(AsyncResource):
    """``sl.webhooks.account`` on [`AsyncSmartlead`][tenantlead.AsyncSmartlead]."""

    async def create(
        self,
        webhook_url: str,
        *,
        event_types: Iterable[str],
        association_type: Literal["user", "client", "campaign"] = "user",
        campaign_id: int | None = None,
        client_id: int | None = None,
        name: str | None = None,
        category_id_map: Mapping[str, Any] | None = None,
        force_create: bool = False,
    ) -> AccountWebhook:
        """Create an account-level webhook."""
        return await self._client._run(
            _account_create(
                force_create, webhook_url=webhook_url, association_type=association_type,
                campaign_id=campaign_id, client_id=client_id, name=name, event_types=event_types,
                category_id_map=category_id_map,
            )
        )  # fmt: skip

    async def get(self, webhook_id: int) -> AccountWebhook:
        """One account-level webhook by id."""
        return await self._client._run(_account_get(webhook_id))

    async def update(
        self,
        webhook_id: int,
        webhook_url: str,
        *,
        event_types: Iterable[str],
        association_type: Literal["user", "client", "campaign"] = "user",
        campaign_id: int | None = None,
        client_id: int | None = None,
        name: str | None = None,
        category_id_map: Mapping[str, Any] | None = None,
    ) -> AccountWebhook:
        """Replace an account-level webhook's settings."""
        return await self._client._run(
            _account_update(
                webhook_id, webhook_url=webhook_url, association_type=association_type,
                campaign_id=campaign_id, client_id=client_id, name=name, event_types=event_types,
                category_id_map=category_id_map,
            )
        )  # fmt: skip

    async def delete(self, webhook_id: int) -> None:
        """Delete an account-level webhook."""
        return await self._client._run(_account_delete(webhook_id))


class Webhooks(SyncResource):
    """``sl.webhooks``: campaign-level webhooks; account-level ones under [`account`][tenantlead.smartlead.resources.webhooks.Webhooks.account]."""

    @cached_property
    def account(self) -> AccountWebhooks:
        """Account-level webhooks (``/webhook/...``)."""
        return AccountWebhooks(self._client)

    def list(self, campaign_id: int) -> WebhookList:
        """The webhooks of a campaign."""
        return self._client._run(_list(campaign_id))

    def upsert(
        self,
        campaign_id: int,
        *,
        name: str,
        webhook_url: str,
        event_types: Iterable[str],
        categories: Iterable[str] | None = None,
        webhook_id: int | None = None,
    ) -> CampaignWebhook:
        """Create a campaign webhook, or update it when ``webhook_id`` is given.

        ``categories`` (lead-category names such as ``"Interested"``) matter for
        ``LEAD_CATEGORY_UPDATED``. Smartlead's answer does not echo the id. An uncertain create
        is reconciled by looking for a webhook with the same name and URL before resending.
        """
        return self._client._run(
            _upsert(
                campaign_id, name=name, webhook_url=webhook_url, event_types=event_types,
                categories=categories, webhook_id=webhook_id,
            )
        )  # fmt: skip

    def delete(self, campaign_id: int, webhook_id: int, *, style: Literal["body", "path"] = "body") -> None:
        """Delete a campaign webhook.

        ``style="body"`` (default) sends ``DELETE /campaigns/{id}/webhooks`` with ``{"id": ...}``
        as the old docs and the official CLI do; ``style="path"`` uses the new docs'
        ``/campaigns/{id}/webhooks/{webhook_id}``.
        """
        return self._client._run(_delete(campaign_id, webhook_id, style))

    def summary(self, campaign_id: int, from_time: datetime | str, to_time: datetime | str) -> dict[str, Any]:
        """Delivery summary of a campaign's webhooks between two times (shape undocumented: a dict)."""
        return self._client._run(_summary(campaign_id, from_time, to_time))

    def retrigger_failed(
        self, campaign_id: int, from_time: datetime | str, to_time: datetime | str
    ) -> dict[str, Any]:
        """Re-send the failed webhook events of a campaign between two times."""
        return self._client._run(_retrigger(campaign_id, from_time, to_time))


class AsyncWebhooks(AsyncResource):
    """``sl.webhooks`` on [`AsyncSmartlead`][tenantlead.AsyncSmartlead]."""

    @cached_property
    def account(self) -> AsyncAccountWebhooks:
        """Account-level webhooks."""
        return AsyncAccountWebhooks(self._client)

    async def list(self, campaign_id: int) -> WebhookList:
        """The webhooks of a campaign."""
        return await self._client._run(_list(campaign_id))

    async def upsert(
        self,
        campaign_id: int,
        *,
        name: str,
        webhook_url: str,
        event_types: Iterable[str],
        categories: Iterable[str] | None = None,
        webhook_id: int | None = None,
    ) -> CampaignWebhook:
        """Create or update a campaign webhook; see [`Webhooks.upsert`][tenantlead.smartlead.resources.webhooks.Webhooks.upsert]."""
        return await self._client._run(
            _upsert(
                campaign_id, name=name, webhook_url=webhook_url, event_types=event_types,
                categories=categories, webhook_id=webhook_id,
            )
        )  # fmt: skip

    async def delete(
        self, campaign_id: int, webhook_id: int, *, style: Literal["body", "path"] = "body"
    ) -> None:
        """Delete a campaign webhook; see [`Webhooks.delete`][tenantlead.smartlead.resources.webhooks.Webhooks.delete]."""
        return await self._client._run(_delete(campaign_id, webhook_id, style))

    async def summary(
        self, campaign_id: int, from_time: datetime | str, to_time: datetime | str
    ) -> dict[str, Any]:
        """Delivery summary of a campaign's webhooks."""
        return await self._client._run(_summary(campaign_id, from_time, to_time))

    async def retrigger_failed(
        self, campaign_id: int, from_time: datetime | str, to_time: datetime | str
    ) -> dict[str, Any]:
        """Re-send the failed webhook events of a campaign."""
        return await self._client._run(_retrigger(campaign_id, from_time, to_time))
