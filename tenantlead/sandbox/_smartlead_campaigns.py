"""Simulated Smartlead campaign, webhook and client routes (reference §3.1-§3.7)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._http import SimResponse, json_response
from ._smartlead_accounts import render_account
from ._smartlead_common import Ctx, Handler, int_param, iso_ms, iso_pg, permission_error, qbool
from ._smartlead_joi import F, Schema, reply, validate
from .state import SlAccountWebhook, SlCampaign, SlCampaignWebhook, SlClient, SlClientKey

__all__ = ["EVENT_TYPES", "ROUTES"]

#: Webhook event types (§3.7, after docs commit 4faefd4). Deliberately not imported from the
#: client's list: the simulator encodes the reference on its own, so a mistake in either one is
#: caught by the client-against-sandbox tests instead of being shared.
EVENT_TYPES: frozenset[str] = frozenset(
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

_CAMPAIGN_NOT_FOUND = {"error": "Campaign not found - Invalid campaign_id."}

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


def _campaign(ctx: Ctx, *, allow_deleted: bool = False) -> SlCampaign:
    campaign_id = int_param(ctx.params[0], "campaign_id")
    camp = ctx.campaign(campaign_id)
    if camp is None or (camp.deleted and not allow_deleted):
        raise reply(404, _CAMPAIGN_NOT_FOUND)
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
    camp = _campaign(ctx, allow_deleted=True)
    if camp.deleted:
        return SimResponse(200, b"", {"content-type": "application/json; charset=utf-8"})
    with_tags = bool(qbool(ctx.req.arg("include_tags")))
    return json_response(200, render_campaign(camp, extra=True, with_tags=with_tags))


def delete_campaign(ctx: Ctx) -> SimResponse:
    """DELETE /campaigns/{id} (§3.2)."""
    camp = _campaign(ctx)
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
    camp = _campaign(ctx)
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
    camp = _campaign(ctx)
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
    camp = _campaign(ctx)
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
    camp = _campaign(ctx)
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
    camp = _campaign(ctx)
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
    camp = _campaign(ctx)
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
    camp = _campaign(ctx)
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


# --------------------------------------------------------------------------- campaign webhooks


def _campaign_webhook_json(h: SlCampaignWebhook) -> dict[str, Any]:
    return {
        "id": h.id,
        "name": h.name,
        "created_at": iso_ms(h.created_at),
        "updated_at": iso_ms(h.updated_at),
        "webhook_url": h.webhook_url,
        "email_campaign_id": h.email_campaign_id,
        "event_types": list(h.event_types),
        "categories": list(h.categories),
    }


def list_campaign_webhooks(ctx: Ctx) -> SimResponse:
    """GET /campaigns/{id}/webhooks (§3.7): an array."""
    camp = _campaign(ctx)
    hooks = [h for h in ctx.user.campaign_webhooks.values() if h.email_campaign_id == camp.id]
    return json_response(200, [_campaign_webhook_json(h) for h in hooks])


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_CAMPAIGN_HOOK: Schema = {
    "id": F("int", nullable=True),
    "name": F("str", required=True),
    "webhook_url": F("str", required=True),
    "event_types": F("list", required=True, item=F("str")),
    "categories": F("list", item=F("str")),
}


def save_campaign_webhook(ctx: Ctx) -> SimResponse:
    """POST /campaigns/{id}/webhooks (§3.7): create (id null/omitted) or update."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    body = validate(ctx.body, _CAMPAIGN_HOOK)
    ctx.params = (str(campaign_id),)
    camp = _campaign(ctx)
    if not _URL.match(body["webhook_url"]):
        raise reply(400, {"error": f"Invalid webhook_url - {body['webhook_url']}"})
    for event in body["event_types"]:
        if event not in EVENT_TYPES:
            raise reply(400, {"error": f"Invalid event_types - {event}"})
    categories: list[str] = body.get("categories") or []
    for cat in categories:
        if cat not in ctx.world.config.lead_categories:
            raise reply(400, {"error": f"Invalid category - {cat}"})
    now = ctx.now()
    hook_id = body.get("id")
    if hook_id is not None:
        hook = ctx.user.campaign_webhooks.get(hook_id)
        if hook is None or hook.email_campaign_id != camp.id:
            raise reply(404, {"error": f"Webhook not found - {hook_id}"})  # wording is a [GAP]
        hook.name, hook.webhook_url = body["name"], body["webhook_url"]
        hook.event_types, hook.categories, hook.updated_at = list(body["event_types"]), list(categories), now
    else:
        hook = SlCampaignWebhook(
            id=ctx.world.next_id("campaign_webhook"),
            email_campaign_id=camp.id,
            name=body["name"],
            webhook_url=body["webhook_url"],
            event_types=list(body["event_types"]),
            categories=list(categories),
            created_at=now,
            updated_at=now,
        )
        ctx.user.campaign_webhooks[hook.id] = hook
    # The old docs' shape carries no id; list the campaign's webhooks to learn it.
    return json_response(
        200,
        {
            "ok": True,
            "name": hook.name,
            "webhook_url": hook.webhook_url,
            "email_campaign_id": camp.id,
            "event_types": list(hook.event_types),
            "categories": list(hook.categories),
        },
    )


def _delete_campaign_webhook(ctx: Ctx, camp: SlCampaign, hook_id: int) -> SimResponse:
    hook = ctx.user.campaign_webhooks.get(hook_id)
    if hook is None or hook.email_campaign_id != camp.id:
        raise reply(404, {"error": f"Webhook not found - {hook_id}"})
    del ctx.user.campaign_webhooks[hook_id]
    return json_response(200, {"ok": True})


def delete_campaign_webhook_body(ctx: Ctx) -> SimResponse:
    """DELETE /campaigns/{id}/webhooks with body ``{"id": N}`` (old docs, CLI)."""
    campaign_id = int_param(ctx.params[0], "campaign_id")
    body = validate(ctx.body, {"id": F("int", required=True)})
    ctx.params = (str(campaign_id),)
    return _delete_campaign_webhook(ctx, _campaign(ctx), body["id"])


def delete_campaign_webhook_path(ctx: Ctx) -> SimResponse:
    """DELETE /campaigns/{id}/webhooks/{webhook_id} ([NEW-DOCS] form)."""
    hook_id = int_param(ctx.params[1], "webhook_id")
    return _delete_campaign_webhook(ctx, _campaign(ctx), hook_id)


# --------------------------------------------------------------------------- account webhooks

_ACCOUNT_HOOK: Schema = {
    "webhook_url": F("str", required=True),
    "association_type": F("str", required=True, choices=("user", "client", "campaign")),
    "email_campaign_id": F("int", nullable=True),
    "client_id": F("int", nullable=True),
    "name": F("str", nullable=True),
    "event_type_map": F("object"),
    "category_id_map": F("object"),
    "force_create": F("bool"),
}


def _check_account_hook(ctx: Ctx, body: dict[str, Any]) -> None:
    if not _URL.match(body["webhook_url"]):
        raise reply(400, {"error": f"Invalid webhook_url - {body['webhook_url']}"})
    for event in body.get("event_type_map") or {}:
        if event not in EVENT_TYPES:
            raise reply(400, {"error": f"Invalid event_types - {event}"})
    if body["association_type"] == "campaign":
        cid = body.get("email_campaign_id")
        camp = ctx.campaign(cid) if cid is not None else None
        if camp is None or camp.deleted:
            raise reply(404, _CAMPAIGN_NOT_FOUND)
    if body["association_type"] == "client" and body.get("client_id") not in ctx.user.clients:
        raise reply(404, {"message": "Client not found or does not belong to the user"})


def _account_hook_json(h: SlAccountWebhook) -> dict[str, Any]:
    return {
        "id": h.id,
        "name": h.name,
        "webhook_url": h.webhook_url,
        "association_type": h.association_type,
        "email_campaign_id": h.email_campaign_id,
        "client_id": h.client_id,
        "event_type_map": dict(h.event_type_map),
        "category_id_map": dict(h.category_id_map),
        "created_at": iso_ms(h.created_at) if h.created_at else None,
    }


def create_account_webhook(ctx: Ctx) -> SimResponse:
    """POST /webhook/create (§3.7)."""
    body = validate(ctx.body, _ACCOUNT_HOOK)
    _check_account_hook(ctx, body)
    hook = SlAccountWebhook(
        id=ctx.world.next_id("account_webhook"),
        webhook_url=body["webhook_url"],
        association_type=body["association_type"],
        name=body.get("name"),
        email_campaign_id=body.get("email_campaign_id"),
        client_id=body.get("client_id"),
        event_type_map=dict(body.get("event_type_map") or {}),
        category_id_map=dict(body.get("category_id_map") or {}),
        created_at=ctx.now(),
    )
    ctx.user.account_webhooks[hook.id] = hook
    return json_response(200, {"ok": True, "id": hook.id, "webhook_url": hook.webhook_url})


def _account_hook(ctx: Ctx, raw: str) -> SlAccountWebhook:
    hook_id = int_param(raw, "webhook_id")
    hook = ctx.user.account_webhooks.get(hook_id)
    if hook is None:
        raise reply(404, {"error": f"Webhook not found - {hook_id}"})  # wording is a [GAP]
    return hook


def get_account_webhook(ctx: Ctx) -> SimResponse:
    """GET /webhook/{id} (§3.7; the response shape is inferred). There is no list route."""
    return json_response(200, _account_hook_json(_account_hook(ctx, ctx.params[0])))


def update_account_webhook(ctx: Ctx) -> SimResponse:
    """PUT /webhook/update/{id} (§3.7; inferred: same body and reply as create)."""
    hook = _account_hook(ctx, ctx.params[0])
    body = validate(ctx.body, _ACCOUNT_HOOK)
    _check_account_hook(ctx, body)
    hook.webhook_url = body["webhook_url"]
    hook.association_type = body["association_type"]
    hook.name = body.get("name", hook.name)
    hook.email_campaign_id = body.get("email_campaign_id")
    hook.client_id = body.get("client_id")
    if "event_type_map" in body:
        hook.event_type_map = dict(body["event_type_map"])
    if "category_id_map" in body:
        hook.category_id_map = dict(body["category_id_map"])
    return json_response(200, {"ok": True, "id": hook.id, "webhook_url": hook.webhook_url})


def delete_account_webhook(ctx: Ctx) -> SimResponse:
    """DELETE /webhook/delete with body ``{"id": N}`` (§3.7)."""
    body = validate(ctx.body, {"id": F("int", required=True)})
    hook = _account_hook(ctx, str(body["id"]))
    del ctx.user.account_webhooks[hook.id]
    return json_response(200, {"ok": True})


# --------------------------------------------------------------------------- clients

_CLIENT_NOT_FOUND = {"message": "Client not found or does not belong to the user"}


def _master_only(ctx: Ctx) -> None:
    # A client key managing the agency's clients is not documented; refuse it plainly.
    if ctx.client_id is not None:
        raise reply(403, {"message": "Client API keys cannot manage clients; use the agency's API key."})


_CLIENT_SAVE: Schema = {
    "id": F("int", nullable=True),
    "name": F("str", required=True, allow_empty=False),
    "email": F("email", required=True),
    "permission": F("list", required=True, item=F("str")),
    "logo": F("str", nullable=True),
    "logo_url": F("str", nullable=True),
    "password": F("str", nullable=True),
    "restrictedCategory": F("list", item=F("str")),
    "is_credit_assigned": F("bool"),
    "email_credits": F("int", nullable=True),
    "lead_credits": F("int", nullable=True),
}


def save_client(ctx: Ctx) -> SimResponse:
    """POST /client/save (§3.6): the old reply shape, which echoes the password."""
    _master_only(ctx)
    body = validate(ctx.body, _CLIENT_SAVE)
    if body.get("id") is not None:
        client = ctx.user.clients.get(body["id"])
        if client is None:
            raise reply(404, _CLIENT_NOT_FOUND)
        client.name, client.email = body["name"], body["email"]
    else:
        client = SlClient(
            id=ctx.world.next_id("client"),
            name=body["name"],
            email=body["email"],
            uuid=str(uuid.UUID(int=ctx.world.rng.getrandbits(128), version=4)),
            created_at=ctx.now(),
            user_id=ctx.user.user_id,
        )
        ctx.user.clients[client.id] = client
    client.permission = list(body["permission"])
    if "restrictedCategory" in body:
        client.restricted_category = list(body["restrictedCategory"])
    if "logo" in body:
        client.logo = body["logo"]
    if "logo_url" in body:
        client.logo_url = body["logo_url"]
    if body.get("password") is not None:
        client.password = body["password"]
    return json_response(
        200,
        {
            "ok": True,
            "clientId": client.id,
            "name": client.name,
            "email": client.email,
            "password": client.password,
        },
    )


def _client_json(client: SlClient) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "email": client.email,
        "uuid": client.uuid,
        "created_at": iso_ms(client.created_at),
        "user_id": client.user_id,
        "logo": client.logo,
        "logo_url": client.logo_url,
        # The misspellings are the real wire names (§3.6).
        "client_permision": {
            "permission": list(client.permission),
            "retricted_category": list(client.restricted_category),
        },
    }


def list_clients(ctx: Ctx) -> SimResponse:
    """GET /client/ (§3.6): bare array."""
    _master_only(ctx)
    return json_response(
        200, [_client_json(c) for c in sorted(ctx.user.clients.values(), key=lambda c: c.id)]
    )


def get_client(ctx: Ctx) -> SimResponse:
    """GET /client/{id} (§3.6): ``{"ok": true, "data": {...}}``."""
    _master_only(ctx)
    client_id = int_param(ctx.params[0], "client_id")
    client = ctx.user.clients.get(client_id)
    if client is None:
        raise reply(404, _CLIENT_NOT_FOUND)
    return json_response(200, {"ok": True, "data": _client_json(client)})


def _key_json(key: SlClientKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "client_id": key.client_id,
        "key_name": key.key_name,
        "api_key": key.api_key,
        "status": key.status,
        "created_at": iso_ms(key.created_at) if key.created_at else None,
    }


def _new_key_value(ctx: Ctx) -> str:
    rng = ctx.world.rng
    return f"{uuid.UUID(int=rng.getrandbits(128), version=4)}_{rng.getrandbits(32):08x}"


_KEY_CREATE: Schema = {
    "clientId": F("int", required=True),
    "keyName": F("str", required=True, allow_empty=False, pattern=re.compile(r"^[a-zA-Z0-9 _-]+$")),
}


def create_client_key(ctx: Ctx) -> SimResponse:
    """POST /client/api-key (§3.6; reply shape inferred from the list reply)."""
    _master_only(ctx)
    body = validate(ctx.body, _KEY_CREATE)
    if body["clientId"] not in ctx.user.clients:
        raise reply(404, _CLIENT_NOT_FOUND)
    key = SlClientKey(
        id=ctx.world.next_id("client_key"),
        client_id=body["clientId"],
        key_name=body["keyName"],
        api_key=_new_key_value(ctx),
        created_at=ctx.now(),
    )
    ctx.user.client_keys[key.id] = key
    return json_response(200, {"message": "Client API key created successfully", "data": _key_json(key)})


_KEY_LIST: Schema = {
    "clientId": F("int"),
    "status": F("str", choices=("active", "inactive")),
    "keyName": F("str"),
}


def list_client_keys(ctx: Ctx) -> SimResponse:
    """GET /client/api-key (§3.6)."""
    _master_only(ctx)
    q = validate({k: v[0] for k, v in ctx.req.query.items() if v}, _KEY_LIST, "query", allow_unknown=True)
    keys = [
        k
        for k in ctx.user.client_keys.values()
        if ("clientId" not in q or k.client_id == q["clientId"])
        and ("status" not in q or k.status == q["status"])
        and ("keyName" not in q or q["keyName"].lower() in k.key_name.lower())
    ]
    return json_response(
        200, {"message": "Client API keys fetched successfully", "data": [_key_json(k) for k in keys]}
    )


def _client_key(ctx: Ctx, raw: str) -> SlClientKey:
    key_id = int_param(raw, "id")
    key = ctx.user.client_keys.get(key_id)
    if key is None:
        raise reply(404, {"message": "API key not found"})  # wording is a [GAP]
    return key


def delete_client_key(ctx: Ctx) -> SimResponse:
    """DELETE /client/api-key/{id} (§3.6): the key stops working at once."""
    _master_only(ctx)
    key = _client_key(ctx, ctx.params[0])
    del ctx.user.client_keys[key.id]
    return json_response(200, {"message": "Client API key deleted successfully"})


def reset_client_key(ctx: Ctx) -> SimResponse:
    """PUT /client/api-key/reset/{id} (§3.6): a new key value; the old one stops working."""
    _master_only(ctx)
    key = _client_key(ctx, ctx.params[0])
    key.api_key = _new_key_value(ctx)
    return json_response(200, {"message": "Client API key reset successfully", "data": _key_json(key)})


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
    yield "GET", "/campaigns/{campaign_id}/webhooks", list_campaign_webhooks
    yield "POST", "/campaigns/{campaign_id}/webhooks", save_campaign_webhook
    yield "DELETE", "/campaigns/{campaign_id}/webhooks", delete_campaign_webhook_body
    yield "DELETE", "/campaigns/{campaign_id}/webhooks/{webhook_id}", delete_campaign_webhook_path
    yield "POST", "/webhook/create", create_account_webhook
    yield "GET", "/webhook/{webhook_id}", get_account_webhook
    yield "PUT", "/webhook/update/{webhook_id}", update_account_webhook
    yield "DELETE", "/webhook/delete", delete_account_webhook
    yield "POST", "/client/save", save_client
    yield "GET", "/client", list_clients
    yield "POST", "/client/api-key", create_client_key
    yield "GET", "/client/api-key", list_client_keys
    yield "GET", "/client/{client_id}", get_client
    yield "DELETE", "/client/api-key/{id}", delete_client_key
    yield "PUT", "/client/api-key/reset/{id}", reset_client_key


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
