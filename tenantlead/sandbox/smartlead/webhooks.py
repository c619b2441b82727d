"""Simulated Smartlead webhook routes: campaign webhooks and account-level webhooks (§3.7)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .._http import SimResponse, json_response
from ..state import (
    SlAccountWebhook,
    SlCampaign,
    SlCampaignWebhook,
)
from ._common import (
    Ctx,
    Handler,
    int_param,
    iso_ms,
)
from ._joi import F, Schema, reply, validate
from .campaigns import CAMPAIGN_NOT_FOUND, owned_campaign

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
    camp = owned_campaign(ctx)
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
    camp = owned_campaign(ctx)
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
    return _delete_campaign_webhook(ctx, owned_campaign(ctx), body["id"])


def delete_campaign_webhook_path(ctx: Ctx) -> SimResponse:
    """DELETE /campaigns/{id}/webhooks/{webhook_id} ([NEW-DOCS] form)."""
    hook_id = int_param(ctx.params[1], "webhook_id")
    return _delete_campaign_webhook(ctx, owned_campaign(ctx), hook_id)


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
            raise reply(404, CAMPAIGN_NOT_FOUND)
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
    return _delete_account_webhook(ctx, str(body["id"]))


def delete_account_webhook_path(ctx: Ctx) -> SimResponse:
    """DELETE /webhook/delete/{webhook_id} (the public API file's form)."""
    return _delete_account_webhook(ctx, ctx.params[0])


def _delete_account_webhook(ctx: Ctx, raw_id: str) -> SimResponse:
    hook = _account_hook(ctx, raw_id)
    del ctx.user.account_webhooks[hook.id]
    return json_response(200, {"ok": True})


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "GET", "/campaigns/{campaign_id}/webhooks", list_campaign_webhooks
    yield "POST", "/campaigns/{campaign_id}/webhooks", save_campaign_webhook
    yield "DELETE", "/campaigns/{campaign_id}/webhooks", delete_campaign_webhook_body
    yield "DELETE", "/campaigns/{campaign_id}/webhooks/{webhook_id}", delete_campaign_webhook_path
    yield "POST", "/webhook/create", create_account_webhook
    yield "GET", "/webhook/{webhook_id}", get_account_webhook
    yield "PUT", "/webhook/update/{webhook_id}", update_account_webhook
    yield "DELETE", "/webhook/delete", delete_account_webhook
    yield "DELETE", "/webhook/delete/{webhook_id}", delete_account_webhook_path


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
