"""Simulated Smartlead campaign routes and the campaign-account links (reference §3.1-§3.5)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .._http import SimResponse, json_response
from ..state import (
    SlCampaign,
)
from ._common import (
    Ctx,
    Handler,
    int_param,
    iso_pg,
    permission_error,
    qbool,
    render_account,
)
from ._joi import F, Schema, reply, validate

CAMPAIGN_NOT_FOUND = {"error": "Campaign not found - Invalid campaign_id."}

# --------------------------------------------------------------------------- campaigns


def render_campaign(camp: SlCampaign, *, extra: bool = False, with_tags: bool = False) -> dict[str, Any]:
    """A campaign object (§3.1): Postgres timestamps, read-side schedule names."""
    row: dict[str, Any] = {
        "id": camp.id,
        "user_id": camp.user_id,
        "created_at": iso_pg(camp.created_at),
        "updated_at": iso_pg(camp.updated_at),
        "status": camp.status,
        "name": camp.name,
        "track_settings": list(camp.track_settings),
        "scheduler_cron_value": camp.scheduler_cron_value,
        "min_time_btwn_emails": camp.min_time_btwn_emails,
        "max_leads_per_day": camp.max_leads_per_day,
        "stop_lead_settings": camp.stop_lead_settings,
        "schedule_start_time": iso_pg(camp.schedule_start_time),
        "enable_ai_esp_matching": camp.enable_ai_esp_matching,
        "send_as_plain_text": camp.send_as_plain_text,
        "follow_up_percentage": camp.follow_up_percentage,
        "unsubscribe_text": camp.unsubscribe_text,
        "parent_campaign_id": camp.parent_campaign_id,
        "client_id": camp.client_id,
    }
    if extra:
        # Settings beyond the confirmed fields (§3.1 "unverified"): served on get-by-id only.
        for key, value in camp.settings.items():
            row.setdefault(key, value)
    if with_tags:
        row["tags"] = []  # campaign tags are a separate object family, not simulated
    return row


def owned_campaign(ctx: Ctx, *, allow_deleted: bool = False) -> SlCampaign:
    """The caller's campaign named by the first path parameter, else the 404 reply."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    camp = ctx.campaign(campaign_id)
    if camp is None or (camp.deleted and not allow_deleted):
        raise reply(404, CAMPAIGN_NOT_FOUND)
    return camp


_CREATE: Schema = {"name": F("str", nullable=True), "client_id": F("int", nullable=True)}


def create_campaign(ctx: Ctx) -> SimResponse:
    """POST /campaigns/create (§3.2)."""
    body = validate(ctx.body, _CREATE)
    now = ctx.now()
    client_id = ctx.client_id if ctx.client_id is not None else body.get("client_id")
    camp = SlCampaign(
        id=ctx.world.next_id("campaign"),
        user_id=ctx.user.user_id,
        created_at=now,
        updated_at=now,
        name=body.get("name") or "Untitled Campaign",
        client_id=client_id,
    )
    ctx.user.campaigns[camp.id] = camp
    return json_response(200, {"ok": True, "id": camp.id, "name": camp.name, "created_at": iso_pg(now)})


_LIST_Q: Schema = {"client_id": F("int"), "include_tags": F("bool")}


def list_campaigns(ctx: Ctx) -> SimResponse:
    """GET /campaigns/ (§3.2): every campaign, newest first, not paginated."""
    q = validate({k: v[0] for k, v in ctx.req.query.items() if v}, _LIST_Q, "query", allow_unknown=True)
    client_id = q.get("client_id")
    with_tags = bool(q.get("include_tags"))
    camps = [
        c
        for c in ctx.user.campaigns.values()
        if not c.deleted and ctx.visible(c.client_id) and (client_id is None or c.client_id == client_id)
    ]
    camps.sort(key=lambda c: (c.created_at, c.id), reverse=True)
    return json_response(200, [render_campaign(c, with_tags=with_tags) for c in camps])


def get_campaign(ctx: Ctx) -> SimResponse:
    """GET /campaigns/{id} (§3.2): a deleted campaign answers 200 with an EMPTY body [LIVE]."""
    camp = owned_campaign(ctx, allow_deleted=True)
    if camp.deleted:
        return SimResponse(200, b"", {"content-type": "application/json; charset=utf-8"})
    with_tags = bool(qbool(ctx.req.arg("include_tags")))
    return json_response(200, render_campaign(camp, extra=True, with_tags=with_tags))


def delete_campaign(ctx: Ctx) -> SimResponse:
    """DELETE /campaigns/{id} (§3.2)."""
    camp = owned_campaign(ctx)
    camp.deleted = True
    camp.updated_at = ctx.now()
    return json_response(200, {"ok": True})


_STATUS: Schema = {"status": F("str", required=True, choices=("START", "PAUSED", "STOPPED"))}
_STATUS_READ = {"START": "ACTIVE", "PAUSED": "PAUSED", "STOPPED": "STOPPED"}


def update_status(ctx: Ctx) -> SimResponse:
    """POST /campaigns/{id}/status (§3.2): START -> ACTIVE; STOPPED is permanent."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    body = validate(ctx.body, _STATUS)
    ctx.params = (str(campaign_id),)
    camp = owned_campaign(ctx)
    if camp.status == "STOPPED" and body["status"] != "STOPPED":
        # The wording is a [GAP]; the rule (stopped campaigns never restart) is documented.
        raise reply(400, {"error": "Campaign is STOPPED - a stopped campaign cannot be restarted."})
    camp.status = _STATUS_READ[body["status"]]
    camp.updated_at = ctx.now()
    return json_response(200, {"ok": True})


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SCHEDULE: Schema = {
    "timezone": F("str", required=True),
    "days_of_the_week": F("list", required=True, item=F("int", min=0, max=6)),
    "start_hour": F("str", required=True),
    "end_hour": F("str", required=True),
    "min_time_btw_emails": F("int", required=True, min=3),
    "max_new_leads_per_day": F("int", required=True, min=1),
    "schedule_start_time": F("str", nullable=True),
}


@lru_cache(maxsize=512)
def _valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def update_schedule(ctx: Ctx) -> SimResponse:
    """POST /campaigns/{id}/schedule (§3.3): FLAT body, every field required."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    body = validate(ctx.body, _SCHEDULE)
    ctx.params = (str(campaign_id),)
    camp = owned_campaign(ctx)
    tz = body["timezone"]
    if not tz or not _valid_timezone(tz):
        raise reply(400, {"error": f"Invalid timezone - {tz}"})
    for name in ("start_hour", "end_hour"):
        if not _HHMM.match(body[name]):
            raise reply(400, {"error": f"Invalid {name} - {body[name]}"})
    if body["start_hour"] > body["end_hour"]:
        raise reply(400, {"error": "startHour cannot be greater that endHour"})
    start_time: datetime | None = None
    if body.get("schedule_start_time"):
        try:
            start_time = datetime.fromisoformat(body["schedule_start_time"].replace("Z", "+00:00"))
        except ValueError:
            raise reply(
                400, {"error": f"Invalid schedule_start_time - {body['schedule_start_time']}"}
            ) from None
    camp.scheduler_cron_value = {
        "tz": tz,
        "days": sorted(set(body["days_of_the_week"])),
        "startHour": body["start_hour"],
        "endHour": body["end_hour"],
    }
    camp.min_time_btwn_emails = body["min_time_btw_emails"]
    camp.max_leads_per_day = body["max_new_leads_per_day"]
    if "schedule_start_time" in body:
        camp.schedule_start_time = start_time
    camp.updated_at = ctx.now()
    return json_response(200, {"ok": True})


_TRACK_WRITE_TO_READ = {
    "DONT_TRACK_EMAIL_OPEN": "DONT_EMAIL_OPEN",
    "DONT_TRACK_LINK_CLICK": "DONT_LINK_CLICK",
    "DONT_TRACK_REPLY_TO_AN_EMAIL": "DONT_REPLY_TO_AN_EMAIL",
}
_STOP_LEAD = ("REPLY_TO_AN_EMAIL", "CLICK_ON_A_LINK", "OPEN_AN_EMAIL")
_OOO: Schema = {
    "ignoreOOOasReply": F("bool"),
    "autoReactivateOOO": F("bool"),
    "reactivateOOOwithDelay": F("any", nullable=True),
    "autoCategorizeOOO": F("bool"),
}
_SETTINGS: Schema = {
    "track_settings": F("list", item=F("str")),
    "stop_lead_settings": F("str"),
    "unsubscribe_text": F("str", nullable=True),
    "send_as_plain_text": F("bool"),
    "force_plain_text": F("bool"),
    "follow_up_percentage": F("int", min=0, max=100),
    "client_id": F("int", nullable=True),
    "enable_ai_esp_matching": F("bool"),
    "auto_pause_domain_leads_on_reply": F("bool"),
    "ignore_ss_mailbox_sending_limit": F("bool"),
    "bounce_autopause_threshold": F("str"),
    "domain_level_rate_limit": F("bool"),
    "out_of_office_detection_settings": F("object", keys=_OOO),
    "add_unsubscribe_tag": F("bool"),
    "ai_categorisation_options": F("list", item=F("int")),
    "name": F("str", allow_empty=False),
}
_SETTINGS_COLUMNS = (
    "stop_lead_settings",
    "unsubscribe_text",
    "send_as_plain_text",
    "follow_up_percentage",
    "enable_ai_esp_matching",
    "name",
)


def update_settings(ctx: Ctx) -> SimResponse:
    """POST /campaigns/{id}/settings (§3.4): write-side track values are stored read-side."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    body = validate(ctx.body, _SETTINGS)
    ctx.params = (str(campaign_id),)
    camp = owned_campaign(ctx)
    track: list[str] | None = None
    if "track_settings" in body:
        track = []
        for value in body["track_settings"]:
            read = _TRACK_WRITE_TO_READ.get(value)
            if read is None:
                raise reply(400, {"error": f"Invalid track_settings value - {value}"})
            track.append(read)
    if "stop_lead_settings" in body and body["stop_lead_settings"] not in _STOP_LEAD:
        raise reply(400, {"error": f"Invalid stop_lead_settings value - {body['stop_lead_settings']}"})
    if track is not None:
        camp.track_settings = list(dict.fromkeys(track))
    for key in _SETTINGS_COLUMNS:
        if key in body:
            setattr(camp, key, body[key])
    if "client_id" in body and ctx.client_id is None:
        camp.client_id = body["client_id"]
    for key, value in body.items():
        if key not in _SETTINGS_COLUMNS and key not in ("track_settings", "client_id"):
            camp.settings[key] = value
    camp.updated_at = ctx.now()
    return json_response(200, {"ok": True})


# --------------------------------------------------------------------------- campaign <-> accounts


def list_campaign_accounts(ctx: Ctx) -> SimResponse:
    """GET /campaigns/{id}/email-accounts (§3.5): bare array, no minTimeToWaitInMins."""
    camp = owned_campaign(ctx)
    rows = []
    for aid in camp.email_account_ids:
        acc = ctx.user.accounts.get(aid)
        if acc is None or acc.deleted:
            continue
        ids = [c.id for c in ctx.user.campaigns.values() if not c.deleted and aid in c.email_account_ids]
        rows.append(render_account(acc, form="campaign", campaign_ids=ids, password_mode="omit"))
    return json_response(200, rows)


_LINK: Schema = {
    "email_account_ids": F("list", required=True, item=F("int"), min_items=1),
    "auto_adjust_warmup": F("bool"),
}


def add_campaign_accounts(ctx: Ctx) -> SimResponse:
    """POST /campaigns/{id}/email-accounts (§3.5): link rows for NEW links; existing = no-op."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    body = validate(ctx.body, _LINK)
    ctx.params = (str(campaign_id),)
    camp = owned_campaign(ctx)
    wanted = list(dict.fromkeys(body["email_account_ids"]))
    for aid in wanted:
        if ctx.account(aid) is None:
            raise permission_error(aid)
    now = ctx.now()
    result = []
    for aid in wanted:
        if aid in camp.email_account_ids:
            continue
        camp.email_account_ids.append(aid)
        result.append(
            {
                "id": ctx.world.next_id("campaign_link"),
                "email_campaign_id": camp.id,
                "email_account_id": aid,
                "updated_at": iso_pg(now),
            }
        )
    if body.get("auto_adjust_warmup") is not None:
        for aid in wanted:
            acc = ctx.user.accounts[aid]
            if acc.warmup is not None:
                acc.warmup.auto_adjust_warmup = body["auto_adjust_warmup"]
    return json_response(200, {"ok": True, "result": result})


_UNLINK: Schema = {"email_account_ids": F("list", required=True, item=F("int"), min_items=1)}


def remove_campaign_accounts(ctx: Ctx) -> SimResponse:
    """DELETE /campaigns/{id}/email-accounts (§3.5): ``result`` is the number removed [LIVE]."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    body = validate(ctx.body, _UNLINK)
    ctx.params = (str(campaign_id),)
    camp = owned_campaign(ctx)
    drop = set(body["email_account_ids"])
    before = len(camp.email_account_ids)
    camp.email_account_ids = [a for a in camp.email_account_ids if a not in drop]
    return json_response(200, {"ok": True, "result": before - len(camp.email_account_ids)})


_MB_STATS: Schema = {
    "offset": F("int", min=0),
    "limit": F("int", min=1, max=20),
    "client_id": F("int"),
    "start_date": F("str"),
    "end_date": F("str"),
    "time_zone": F("str"),
}


def mailbox_statistics(ctx: Ctx) -> SimResponse:
    """GET /campaigns/{id}/mailbox-statistics (§3.5): ``limit`` at most 20 [LIVE]."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    q = validate({k: v[0] for k, v in ctx.req.query.items() if v}, _MB_STATS, "query", allow_unknown=True)
    ctx.params = (str(campaign_id),)
    camp = owned_campaign(ctx)
    offset, limit = q.get("offset", 0), q.get("limit", 20)
    rows = []
    for aid in camp.email_account_ids[offset : offset + limit]:
        acc = ctx.user.accounts.get(aid)
        if acc is None:
            continue
        rows.append(
            {
                "from_email": acc.from_email,
                "sent_count": acc.daily_sent_count,
                "reply_count": 0,
                "open_count": 0,
                "click_count": 0,
                "bounce_count": acc.bounce_count,
                "sender_bounce_count": 0,
                "unsubscribed_count": 0,
            }
        )
    return json_response(200, {"ok": True, "data": rows})


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "POST", "/campaigns/create", create_campaign
    yield "GET", "/campaigns", list_campaigns
    yield "GET", "/campaigns/{campaign_id}", get_campaign
    yield "DELETE", "/campaigns/{campaign_id}", delete_campaign
    yield "POST", "/campaigns/{campaign_id}/status", update_status
    yield "POST", "/campaigns/{campaign_id}/schedule", update_schedule
    yield "POST", "/campaigns/{campaign_id}/settings", update_settings
    yield "GET", "/campaigns/{campaign_id}/email-accounts", list_campaign_accounts
    yield "POST", "/campaigns/{campaign_id}/email-accounts", add_campaign_accounts
    yield "DELETE", "/campaigns/{campaign_id}/email-accounts", remove_campaign_accounts
    yield "GET", "/campaigns/{campaign_id}/mailbox-statistics", mailbox_statistics


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
