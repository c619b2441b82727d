"""Campaigns, as far as sending goes: CRUD, status, schedule, settings, mailboxes (reference §3.1-§3.5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Literal, TypedDict

from typing_extensions import Unpack

from tenantlead._core.convert import format_datetime
from tenantlead._core.pager import AsyncPager, Page, SyncPager
from tenantlead._core.request import APIRequest, Response
from tenantlead._core.resource import AsyncResource, SyncResource
from tenantlead.errors import NotFoundError
from tenantlead.smartlead._validate import (
    check_bool,
    check_days,
    check_gap,
    check_hhmm,
    check_id,
    check_ids,
    check_int,
    check_timezone,
)
from tenantlead.smartlead.models import (
    Campaign,
    CampaignAccountLink,
    EmailAccount,
    MailboxStatistics,
)
from tenantlead.smartlead.resources._common import parse_items, parse_object, parse_ok

__all__ = ["AsyncCampaigns", "CampaignSettings", "Campaigns"]

StatusWrite = Literal["START", "PAUSED", "STOPPED"]
CampaignList = list[Campaign]
AccountList = list[EmailAccount]
LinkList = list[CampaignAccountLink]
#: ``mailbox-statistics`` refuses a limit above 20.
MAILBOX_STATS_LIMIT = 20

#: Write-side tracking values, and the read-side spellings accepted as aliases.
TRACK_WRITE = ("DONT_TRACK_EMAIL_OPEN", "DONT_TRACK_LINK_CLICK", "DONT_TRACK_REPLY_TO_AN_EMAIL")
_TRACK_ALIASES = {
    "DONT_EMAIL_OPEN": "DONT_TRACK_EMAIL_OPEN",
    "DONT_LINK_CLICK": "DONT_TRACK_LINK_CLICK",
    "DONT_REPLY_TO_AN_EMAIL": "DONT_TRACK_REPLY_TO_AN_EMAIL",
}
STOP_LEAD = ("REPLY_TO_AN_EMAIL", "CLICK_ON_A_LINK", "OPEN_AN_EMAIL")


class CampaignSettings(TypedDict, total=False):
    """Fields of ``POST /campaigns/{id}/settings`` (all optional; send only what changes).

    ``track_settings`` takes the write values ``DONT_TRACK_EMAIL_OPEN`` / ``DONT_TRACK_LINK_CLICK`` /
    ``DONT_TRACK_REPLY_TO_AN_EMAIL``; the read-side spellings (``DONT_EMAIL_OPEN``...) found on
    [`Campaign.track_settings`][tenantlead.smartlead.models.Campaign.track_settings] are translated.
    """

    track_settings: list[str]
    stop_lead_settings: Literal["REPLY_TO_AN_EMAIL", "CLICK_ON_A_LINK", "OPEN_AN_EMAIL"]
    unsubscribe_text: str
    send_as_plain_text: bool
    force_plain_text: bool
    follow_up_percentage: int
    client_id: int | None
    enable_ai_esp_matching: bool
    auto_pause_domain_leads_on_reply: bool
    ignore_ss_mailbox_sending_limit: bool
    bounce_autopause_threshold: str
    domain_level_rate_limit: bool
    out_of_office_detection_settings: dict[str, Any]
    add_unsubscribe_tag: bool
    ai_categorisation_options: list[int]
    name: str


def _path(campaign_id: int, suffix: str = "") -> str:
    return f"/campaigns/{check_id(campaign_id, 'campaign_id')}{suffix}"


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {type(value).__name__}")
    return value


def _track(values: Any, name: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValueError(f"{name} must be a list such as ['DONT_TRACK_EMAIL_OPEN'], got {values!r}")
    out: list[str] = []
    for value in values:
        wire = _TRACK_ALIASES.get(value, value)
        if wire not in TRACK_WRITE:
            raise ValueError(f"{name} values must be among {', '.join(TRACK_WRITE)}, got {value!r}")
        out.append(wire)
    return out


def _in(allowed: tuple[str, ...]) -> Any:
    def check(value: Any, name: str) -> str:
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    return check


_SETTINGS_CHECKS: dict[str, Any] = {
    "track_settings": _track,
    "stop_lead_settings": _in(STOP_LEAD),
    "unsubscribe_text": _str,
    "send_as_plain_text": check_bool,
    "force_plain_text": check_bool,
    "follow_up_percentage": lambda v, n: check_int(v, n, minimum=0, maximum=100),
    "client_id": lambda v, n: None if v is None else check_id(v, n),
    "enable_ai_esp_matching": check_bool,
    "auto_pause_domain_leads_on_reply": check_bool,
    "ignore_ss_mailbox_sending_limit": check_bool,
    "bounce_autopause_threshold": lambda v, n: (
        str(check_int(v, n, minimum=0)) if isinstance(v, int) else _str(v, n)
    ),
    "domain_level_rate_limit": check_bool,
    "out_of_office_detection_settings": lambda v, n: dict(v) if isinstance(v, Mapping) else _bad(n, "a dict"),
    "add_unsubscribe_tag": check_bool,
    "ai_categorisation_options": lambda v, n: check_ids(v, n, allow_empty=True),
    "name": _str,
}


def _bad(name: str, what: str) -> Any:
    raise ValueError(f"{name} must be {what}")


# ----------------------------------------------------------------------------- builders


def _list(client_id: int | None, include_tags: bool) -> APIRequest[list[Campaign]]:
    return APIRequest(
        method="GET",
        path="/campaigns/",
        params={
            "client_id": None if client_id is None else check_id(client_id, "client_id"),
            "include_tags": include_tags or None,
        },
        parse=parse_items(Campaign),
    )


def _get(campaign_id: int) -> APIRequest[Campaign]:
    path = _path(campaign_id)
    object_parser = parse_object(Campaign, unwrap=True)

    def parse(response: Response) -> Campaign:
        if response.data is None:
            # Smartlead answers a deleted campaign with 200 and an empty body.
            raise NotFoundError(
                f"campaign {campaign_id} was deleted (Smartlead answered 200 with an empty body)",
                api="smartlead",
                status_code=response.status_code,
                code="CAMPAIGN_DELETED",
                method="GET",
                url=path,
            )
        return object_parser(response)

    return APIRequest(method="GET", path=path, parse=parse)


def _create(name: str | None, client_id: int | None) -> APIRequest[Campaign]:
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = _str(name, "name")
    if client_id is not None:
        body["client_id"] = check_id(client_id, "client_id")
    # Not retried on an uncertain outcome: campaign names are not unique, so there is no key
    # to reconcile by; check campaigns.list() before creating again.
    return APIRequest(
        method="POST", path="/campaigns/create", json=body, parse=parse_object(Campaign), retry_safe=False
    )


def _update_status(campaign_id: int, status: str) -> APIRequest[None]:
    if status not in ("START", "PAUSED", "STOPPED"):
        extra = " (to activate a campaign send START)" if status == "ACTIVE" else ""
        raise ValueError(f"status must be START, PAUSED or STOPPED, got {status!r}{extra}")
    return APIRequest(
        method="POST",
        path=_path(campaign_id, "/status"),
        json={"status": status},
        parse=parse_ok,
        retry_safe=True,
    )


def _update_schedule(
    campaign_id: int,
    *,
    timezone: str,
    days_of_the_week: Iterable[int],
    start_hour: str,
    end_hour: str,
    min_time_btw_emails: int,
    max_new_leads_per_day: int,
    schedule_start_time: datetime | str | None,
) -> APIRequest[None]:
    start = check_hhmm(start_hour, "start_hour")
    end = check_hhmm(end_hour, "end_hour")
    if start >= end:
        raise ValueError(f"start_hour {start!r} must be before end_hour {end!r}")
    body: dict[str, Any] = {
        "timezone": check_timezone(timezone, "timezone"),
        "days_of_the_week": check_days(days_of_the_week, "days_of_the_week"),
        "start_hour": start,
        "end_hour": end,
        "min_time_btw_emails": check_gap(min_time_btw_emails, "min_time_btw_emails", minimum=3),
        "max_new_leads_per_day": check_int(max_new_leads_per_day, "max_new_leads_per_day", minimum=1),
    }
    if schedule_start_time is not None:
        if isinstance(schedule_start_time, datetime):
            body["schedule_start_time"] = format_datetime(schedule_start_time)
        else:
            body["schedule_start_time"] = _str(schedule_start_time, "schedule_start_time")
    return APIRequest(
        method="POST", path=_path(campaign_id, "/schedule"), json=body, parse=parse_ok, retry_safe=True
    )


def _update_settings(campaign_id: int, settings: Mapping[str, Any]) -> APIRequest[None]:
    body: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in _SETTINGS_CHECKS:
            raise TypeError(f"unexpected setting {key!r}; allowed: {', '.join(sorted(_SETTINGS_CHECKS))}")
        body[key] = _SETTINGS_CHECKS[key](value, key)
    if not body:
        raise ValueError("update_settings() needs at least one setting, e.g. send_as_plain_text=True")
    return APIRequest(
        method="POST", path=_path(campaign_id, "/settings"), json=body, parse=parse_ok, retry_safe=True
    )


def _delete(campaign_id: int) -> APIRequest[None]:
    return APIRequest(method="DELETE", path=_path(campaign_id), parse=parse_ok)


def _list_accounts(campaign_id: int, include_tags: bool) -> APIRequest[list[EmailAccount]]:
    return APIRequest(
        method="GET",
        path=_path(campaign_id, "/email-accounts"),
        params={"include_tags": include_tags or None},
        parse=parse_items(EmailAccount),
    )


def _links(response: Response) -> list[CampaignAccountLink]:
    data = response.data
    if isinstance(data, Mapping) and isinstance(data.get("result"), list):
        return parse_items(CampaignAccountLink)(Response(response.status_code, {}, data["result"], "", True))
    return []  # the new docs' bare {ok: true}


def _add_accounts(
    campaign_id: int, account_ids: Iterable[int], auto_adjust_warmup: bool | None
) -> APIRequest[list[CampaignAccountLink]]:
    body: dict[str, Any] = {"email_account_ids": check_ids(account_ids, "account_ids")}
    if auto_adjust_warmup is not None:
        body["auto_adjust_warmup"] = check_bool(auto_adjust_warmup, "auto_adjust_warmup")
    return APIRequest(
        method="POST",
        path=_path(campaign_id, "/email-accounts"),
        json=body,
        parse=_links,
        retry_safe=True,  # adding an already linked account is a no-op
    )


def _removed_count(response: Response) -> int:
    data = response.data
    result = data.get("result") if isinstance(data, Mapping) else None
    return int(result) if isinstance(result, int | str) and str(result).isdigit() else 0


def _remove_accounts(campaign_id: int, account_ids: Iterable[int]) -> APIRequest[int]:
    return APIRequest(
        method="DELETE",
        path=_path(campaign_id, "/email-accounts"),
        json={"email_account_ids": check_ids(account_ids, "account_ids")},
        parse=_removed_count,
        retry_safe=True,
    )


def _add_by_tag(
    campaign_id: int,
    tag_ids: Iterable[int],
    only_connected: bool,
    auto_adjust_warmup: bool,
    max_limit: int | None,
) -> APIRequest[dict[str, Any]]:
    return APIRequest(
        method="POST",
        path=_path(campaign_id, "/email-accounts/by-tag"),
        params={
            "max_limit": None
            if max_limit is None
            else check_int(max_limit, "max_limit", minimum=1, maximum=5000)
        },
        json={
            "tag_ids": check_ids(tag_ids, "tag_ids"),
            "only_connected": check_bool(only_connected, "only_connected"),
            "auto_adjust_warmup": check_bool(auto_adjust_warmup, "auto_adjust_warmup"),
        },
        parse=lambda r: dict(r.data) if isinstance(r.data, Mapping) else {},
        retry_safe=True,
    )


def _reallocate(campaign_id: int, from_account_ids: Iterable[int] | None) -> APIRequest[dict[str, Any]]:
    body: dict[str, Any] = {}
    if from_account_ids is not None:
        ids = check_ids(from_account_ids, "from_account_ids")
        if len(ids) > 100:
            raise ValueError(f"from_account_ids takes at most 100 ids, got {len(ids)}")
        body["from_email_account_ids"] = ids
    return APIRequest(
        method="POST",
        path=_path(campaign_id, "/reallocate-mailboxes"),
        json=body,
        parse=lambda r: dict(r.data) if isinstance(r.data, Mapping) else {},
    )


def _day(value: date | str | None, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()[:10]
    raise ValueError(f"{name} must be a date or 'YYYY-MM-DD', got {value!r}")


def _stats_page(
    campaign_id: int, offset: int, limit: int, filters: Mapping[str, Any]
) -> APIRequest[Page[MailboxStatistics]]:
    return APIRequest(
        method="GET",
        path=_path(campaign_id, "/mailbox-statistics"),
        params={"offset": offset, "limit": limit, **filters},
        parse=lambda r: Page(items=parse_items(MailboxStatistics)(r)),
    )


def _stats_filters(
    campaign_id: int,
    client_id: int | None,
    start_date: date | str | None,
    end_date: date | str | None,
    time_zone: str | None,
    page_size: int,
) -> dict[str, Any]:
    check_id(campaign_id, "campaign_id")
    check_int(page_size, "page_size", minimum=1, maximum=MAILBOX_STATS_LIMIT)
    return {
        "client_id": None if client_id is None else check_id(client_id, "client_id"),
        "start_date": _day(start_date, "start_date"),
        "end_date": _day(end_date, "end_date"),
        "time_zone": None if time_zone is None else check_timezone(time_zone, "time_zone"),
    }


def _assign_client(campaign_id: int, client_id: int | None, apply_client_dnc: bool) -> APIRequest[None]:
    return APIRequest(
        method="POST",
        path="/campaigns/assign-client",
        json={
            "campaignId": check_id(campaign_id, "campaign_id"),
            "clientId": None if client_id is None else check_id(client_id, "client_id"),
            "applyClientDNC": check_bool(apply_client_dnc, "apply_client_dnc"),
        },
        parse=parse_ok,
        retry_safe=True,
    )


class Campaigns(SyncResource):
    """``sl.campaigns``: campaign CRUD and sending configuration."""

    def list(self, *, client_id: int | None = None, include_tags: bool = False) -> CampaignList:
        """Every campaign, newest first (Smartlead does not page this list)."""
        return self._client._run(_list(client_id, include_tags))

    def get(self, campaign_id: int) -> Campaign:
        """One campaign; NotFoundError when unknown, or deleted (code ``CAMPAIGN_DELETED``)."""
        return self._client._run(_get(campaign_id))

    def create(self, name: str | None = None, client_id: int | None = None) -> Campaign:
        """Create a campaign (status DRAFTED; Smartlead names it "Untitled Campaign" without ``name``).

        Not retried when the outcome is uncertain: names are not unique, so check [`list`][tenantlead.smartlead.resources.campaigns.Campaigns.list].
        """
        return self._client._run(_create(name, client_id))

    def update_status(self, campaign_id: int, status: StatusWrite) -> None:
        """Start, pause or stop a campaign (``START`` / ``PAUSED`` / ``STOPPED``; STOPPED is final)."""
        return self._client._run(_update_status(campaign_id, status))

    def update_schedule(
        self,
        campaign_id: int,
        *,
        timezone: str,
        days_of_the_week: Iterable[int],
        start_hour: str,
        end_hour: str,
        min_time_btw_emails: int,
        max_new_leads_per_day: int,
        schedule_start_time: datetime | str | None = None,
    ) -> None:
        """Save the sending schedule (flat body; every field required by Smartlead).

        ``timezone`` is an IANA name, ``days_of_the_week`` 0 (Sunday) .. 6, ``start_hour`` /
        ``end_hour`` ``"HH:MM"``, ``min_time_btw_emails`` minutes (>= 3), ``max_new_leads_per_day``
        new leads per day. Read back as ``Campaign.scheduler_cron_value``,
        ``min_time_btwn_emails`` and ``max_leads_per_day``. Validated before sending.
        """
        return self._client._run(
            _update_schedule(
                campaign_id, timezone=timezone, days_of_the_week=days_of_the_week, start_hour=start_hour,
                end_hour=end_hour, min_time_btw_emails=min_time_btw_emails,
                max_new_leads_per_day=max_new_leads_per_day, schedule_start_time=schedule_start_time,
            )
        )  # fmt: skip

    def update_settings(self, campaign_id: int, **settings: Unpack[CampaignSettings]) -> None:
        """Change campaign settings (tracking, stop rule, plain text, client...); send only what changes."""
        return self._client._run(_update_settings(campaign_id, settings))

    def delete(self, campaign_id: int) -> None:
        """Delete a campaign."""
        return self._client._run(_delete(campaign_id))

    def list_email_accounts(self, campaign_id: int, *, include_tags: bool = False) -> AccountList:
        """The accounts sending for a campaign (``min_time_to_wait_in_mins`` is not included)."""
        return self._client._run(_list_accounts(campaign_id, include_tags))

    def add_email_accounts(
        self, campaign_id: int, account_ids: Iterable[int], *, auto_adjust_warmup: bool | None = None
    ) -> LinkList:
        """Link accounts to a campaign (already linked ones are a no-op); returns the link rows."""
        return self._client._run(_add_accounts(campaign_id, account_ids, auto_adjust_warmup))

    def remove_email_accounts(self, campaign_id: int, account_ids: Iterable[int]) -> int:
        """Unlink accounts from a campaign; returns how many links were removed."""
        return self._client._run(_remove_accounts(campaign_id, account_ids))

    def add_email_accounts_by_tag(
        self,
        campaign_id: int,
        tag_ids: Iterable[int],
        *,
        only_connected: bool = True,
        auto_adjust_warmup: bool = False,
        max_limit: int | None = None,
    ) -> dict[str, Any]:
        """Link every account carrying these tags (newer endpoint; returns Smartlead's counts as a dict)."""
        return self._client._run(
            _add_by_tag(campaign_id, tag_ids, only_connected, auto_adjust_warmup, max_limit)
        )

    def reallocate_mailboxes(
        self, campaign_id: int, from_account_ids: Iterable[int] | None = None
    ) -> dict[str, Any]:
        """Move leads off the given accounts (1-100) onto the campaign's other accounts."""
        return self._client._run(_reallocate(campaign_id, from_account_ids))

    def mailbox_statistics(
        self,
        campaign_id: int,
        *,
        client_id: int | None = None,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        time_zone: str | None = None,
        page_size: int = MAILBOX_STATS_LIMIT,
    ) -> SyncPager[MailboxStatistics]:
        """Per-mailbox sending statistics, paged 20 at a time (Smartlead's maximum)."""
        filters = _stats_filters(campaign_id, client_id, start_date, end_date, time_zone, page_size)
        return SyncPager(
            self._client._run, lambda o, n: _stats_page(campaign_id, o, n, filters), limit=page_size
        )

    def assign_client(
        self, campaign_id: int, client_id: int | None, *, apply_client_dnc: bool = False
    ) -> None:
        """Move a campaign to an agency client (``None`` detaches it)."""
        return self._client._run(_assign_client(campaign_id, client_id, apply_client_dnc))


class AsyncCampaigns(AsyncResource):
    """``sl.campaigns`` on [`AsyncSmartlead`][tenantlead.AsyncSmartlead]."""

    async def list(self, *, client_id: int | None = None, include_tags: bool = False) -> CampaignList:
        """Every campaign, newest first."""
        return await self._client._run(_list(client_id, include_tags))

    async def get(self, campaign_id: int) -> Campaign:
        """One campaign; NotFoundError when unknown or deleted."""
        return await self._client._run(_get(campaign_id))

    async def create(self, name: str | None = None, client_id: int | None = None) -> Campaign:
        """Create a campaign; see [`Campaigns.create`][tenantlead.smartlead.resources.campaigns.Campaigns.create]."""
        return await self._client._run(_create(name, client_id))

    async def update_status(self, campaign_id: int, status: StatusWrite) -> None:
        """Start, pause or stop a campaign."""
        return await self._client._run(_update_status(campaign_id, status))

    async def update_schedule(
        self,
        campaign_id: int,
        *,
        timezone: str,
        days_of_the_week: Iterable[int],
        start_hour: str,
        end_hour: str,
        min_time_btw_emails: int,
        max_new_leads_per_day: int,
        schedule_start_time: datetime | str | None = None,
    ) -> None:
        """Save the sending schedule; see [`Campaigns.update_schedule`][tenantlead.smartlead.resources.campaigns.Campaigns.update_schedule]."""
        return await self._client._run(
            _update_schedule(
                campaign_id, timezone=timezone, days_of_the_week=days_of_the_week, start_hour=start_hour,
                end_hour=end_hour, min_time_btw_emails=min_time_btw_emails,
                max_new_leads_per_day=max_new_leads_per_day, schedule_start_time=schedule_start_time,
            )
        )  # fmt: skip

    async def update_settings(self, campaign_id: int, **settings: Unpack[CampaignSettings]) -> None:
        """Change campaign settings."""
        return await self._client._run(_update_settings(campaign_id, settings))

    async def delete(self, campaign_id: int) -> None:
        """Delete a campaign."""
        return await self._client._run(_delete(campaign_id))

    async def list_email_accounts(self, campaign_id: int, *, include_tags: bool = False) -> AccountList:
        """The accounts sending for a campaign."""
        return await self._client._run(_list_accounts(campaign_id, include_tags))

    async def add_email_accounts(
        self, campaign_id: int, account_ids: Iterable[int], *, auto_adjust_warmup: bool | None = None
    ) -> LinkList:
        """Link accounts to a campaign; returns the link rows."""
        return await self._client._run(_add_accounts(campaign_id, account_ids, auto_adjust_warmup))

    async def remove_email_accounts(self, campaign_id: int, account_ids: Iterable[int]) -> int:
        """Unlink accounts; returns how many links were removed."""
        return await self._client._run(_remove_accounts(campaign_id, account_ids))

    async def add_email_accounts_by_tag(
        self,
        campaign_id: int,
        tag_ids: Iterable[int],
        *,
        only_connected: bool = True,
        auto_adjust_warmup: bool = False,
        max_limit: int | None = None,
    ) -> dict[str, Any]:
        """Link every account carrying these tags."""
        return await self._client._run(
            _add_by_tag(campaign_id, tag_ids, only_connected, auto_adjust_warmup, max_limit)
        )

    async def reallocate_mailboxes(
        self, campaign_id: int, from_account_ids: Iterable[int] | None = None
    ) -> dict[str, Any]:
        """Move leads off the given accounts onto the campaign's other accounts."""
        return await self._client._run(_reallocate(campaign_id, from_account_ids))

    def mailbox_statistics(
        self,
        campaign_id: int,
        *,
        client_id: int | None = None,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        time_zone: str | None = None,
        page_size: int = MAILBOX_STATS_LIMIT,
    ) -> AsyncPager[MailboxStatistics]:
        """Per-mailbox sending statistics, paged 20 at a time (``async for`` or ``await``)."""
        filters = _stats_filters(campaign_id, client_id, start_date, end_date, time_zone, page_size)
        return AsyncPager(
            self._client._run, lambda o, n: _stats_page(campaign_id, o, n, filters), limit=page_size
        )

    async def assign_client(
        self, campaign_id: int, client_id: int | None, *, apply_client_dnc: bool = False
    ) -> None:
        """Move a campaign to an agency client (``None`` detaches it)."""
        return await self._client._run(_assign_client(campaign_id, client_id, apply_client_dnc))
