"""Simulated Smartlead email-account routes (reference §2.0-§2.15; tags in ``tags.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from .._http import SimResponse, json_response
from ..state import (
    SlAccount,
    SlWarmup,
)
from ._account_save import apply_warmup_fields, save_account, save_oauth_account
from ._common import (
    Ctx,
    Handler,
    account_not_found,
    campaign_index,
    int_param,
    owned_account,
    permission_error,
    qbool,
    render_account,
    tag_objects,
)
from ._joi import F, Schema, reply, validate

# --------------------------------------------------------------------------- list / get

_LIST_QUERY: Schema = {
    "offset": F("int", min=0),
    "limit": F("int", min=1, max=100),
    "isInUse": F("bool"),
    "emailWarmupStatus": F("str", choices=("ACTIVE", "INACTIVE")),
    "isSmtpSuccess": F("bool"),
    "isWarmupBlocked": F("bool"),
    "esp": F("str", choices=("GMAIL", "OUTLOOK", "SMTP")),
    "username": F("str"),
    "client_id": F("int"),
    "fetch_campaigns": F("bool"),
    "fetch_tags": F("bool"),
}


def _query(ctx: Ctx) -> dict[str, str]:
    return {k: v[0] for k, v in ctx.req.query.items() if v and k != "api_key"}


def list_accounts(ctx: Ctx) -> SimResponse:
    """GET /email-accounts/ (§2.2): filters, offset/limit <= 100, ascending id, bare array."""
    q = validate(_query(ctx), _LIST_QUERY, "query", allow_unknown=True)
    offset: int = q.get("offset", 0)
    limit: int = q.get("limit", 100)
    in_use = q.get("isInUse")
    warm_status = q.get("emailWarmupStatus")
    smtp_ok = q.get("isSmtpSuccess")
    warm_blocked = q.get("isWarmupBlocked")
    esp = q.get("esp")
    username = q.get("username")
    username = username.lower() if username else None
    client_id = q.get("client_id")
    index = campaign_index(ctx.user)
    matches: list[SlAccount] = []
    last_id = -1
    ordered = True
    for acc in ctx.accounts():
        if in_use is not None and (acc.id in index) != in_use:
            continue
        if warm_status is not None:
            # A never-configured warmup reads as INACTIVE (what the app's filter shows).
            status = acc.warmup.status if acc.warmup is not None else "INACTIVE"
            if status != warm_status:
                continue
        if smtp_ok is not None and acc.is_smtp_success != smtp_ok:
            continue
        if warm_blocked is not None:
            blocked = acc.warmup is not None and (
                acc.warmup.is_warmup_blocked or acc.warmup.status == "BLOCKED"
            )
            if blocked != warm_blocked:
                continue
        if esp is not None and acc.type != esp:
            continue
        if (
            username is not None
            and username not in acc.username.lower()
            and username not in acc.from_email.lower()
        ):
            continue
        if client_id is not None and acc.client_id != client_id:
            continue
        if acc.id < last_id:
            ordered = False
        last_id = acc.id
        matches.append(acc)
    if not ordered:
        matches.sort(key=lambda a: a.id)
    page = matches[offset : offset + limit]
    cfg = ctx.world.config
    fetch_campaigns = bool(q.get("fetch_campaigns"))
    with_tags = cfg.tags_on_list
    empty: list[int] = []
    rows = [
        render_account(
            acc,
            form="list",
            campaign_ids=index.get(acc.id, empty),
            password_mode=cfg.list_password,
            with_campaign_ids=fetch_campaigns,
            tags=tag_objects(ctx.user, acc) if with_tags else None,
        )
        for acc in page
    ]
    return json_response(200, rows)


def _render_one(ctx: Ctx, acc: SlAccount) -> SimResponse:
    fetch_campaigns = qbool(ctx.req.arg("fetch_campaigns")) or False
    with_tags = ctx.world.config.tags_on_get_with_fetch_tags and bool(qbool(ctx.req.arg("fetch_tags")))
    ids = [c.id for c in ctx.user.campaigns.values() if not c.deleted and acc.id in c.email_account_ids]
    row = render_account(
        acc,
        form="get",
        campaign_ids=ids,
        with_campaign_ids=fetch_campaigns,
        tags=tag_objects(ctx.user, acc) if with_tags else None,
    )
    return json_response(200, row)


def get_account(ctx: Ctx) -> SimResponse:
    """GET /email-accounts/{id}/ (§2.3): decrypted password, extended warmup_details."""
    account_id = int_param(ctx.params[0], "account_id")
    acc = ctx.account(account_id)
    if acc is None:
        if ctx.owned_elsewhere(account_id):
            raise permission_error(account_id)
        raise reply(404, {"error": "Email account not found"})
    return _render_one(ctx, acc)


_BY_EMAIL_QUERY: Schema = {
    "email": F("email", required=True),
    "fetch_campaigns": F("bool"),
    "fetch_tags": F("bool"),
}


def get_account_by_email(ctx: Ctx) -> SimResponse:
    """GET /email-accounts/fetch-email-account-details?email= (§2.4)."""
    q = validate(_query(ctx), _BY_EMAIL_QUERY, "query")
    email = q["email"].lower()
    for acc in ctx.accounts():
        if acc.from_email.lower() == email:
            return _render_one(ctx, acc)
    raise reply(404, {"error": "Email account not found"})


# --------------------------------------------------------------------------- update / warmup

_UPDATE_SCHEMA: Schema = {
    "max_email_per_day": F("int", min=0),
    "custom_tracking_url": F("str", nullable=True),
    "bcc": F("str", nullable=True),
    "signature": F("str", nullable=True),
    "client_id": F("int", nullable=True),
    "time_to_wait_in_mins": F("int", min=0),
    "is_suspended": F("bool"),
    "from_name": F("str", allow_empty=False),
}


def _set_suspended(acc: SlAccount, suspended: bool) -> None:
    acc.is_suspended = suspended
    w = acc.warmup
    if w is not None:
        # Suspension pauses warmup; lifting it resumes what suspension paused (§2.11).
        if suspended and w.status == "ACTIVE":
            w.status = "PAUSED"
        elif not suspended and w.status == "PAUSED":
            w.status = "ACTIVE"


def update_account(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/{id} (§2.7): partial update with WRITE names only."""
    account_id = int_param(ctx.params[0], "account_id")
    body = validate(ctx.body, _UPDATE_SCHEMA)
    acc = owned_account(ctx, account_id)
    if "max_email_per_day" in body:
        acc.message_per_day = body["max_email_per_day"]
    if "custom_tracking_url" in body:
        acc.custom_tracking_domain = body["custom_tracking_url"]
    if "bcc" in body:
        acc.bcc_email = body["bcc"]
    if "signature" in body:
        acc.signature = body["signature"]
    if "client_id" in body and ctx.client_id is None:
        acc.client_id = body["client_id"]
    if "time_to_wait_in_mins" in body:
        acc.min_time_to_wait_in_mins = body["time_to_wait_in_mins"]
    if "is_suspended" in body:
        _set_suspended(acc, body["is_suspended"])
    if "from_name" in body:
        acc.from_name = body["from_name"]
    acc.updated_at = ctx.now()
    return json_response(
        200, {"ok": True, "message": "Email account details updated successfully!", "emailAccountId": acc.id}
    )


_WARMUP_SCHEMA: Schema = {
    "warmup_enabled": F("bool", required=True),
    "total_warmup_per_day": F("int", min=1, max=50),
    "daily_rampup": F("int", min=5, max=20),
    "reply_rate_percentage": F("int", min=20, max=100),
    "warmup_key_id": F("str"),
    "auto_adjust_warmup": F("bool"),
    "is_rampup_enabled": F("bool"),
}


def update_warmup(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/{id}/warmup (§2.8): enable/disable and tune warmup."""
    account_id = int_param(ctx.params[0], "account_id")
    body = validate(ctx.body, _WARMUP_SCHEMA)
    acc = owned_account(ctx, account_id)
    enabled: bool = body["warmup_enabled"]
    w = apply_warmup_fields(ctx, acc, body, enabled)
    if w is None:
        # Disabling a never-configured warmup still leaves an INACTIVE record behind.
        w = SlWarmup(
            id=ctx.world.next_id("warmup"), created_at=ctx.now(), warmup_key_id=ctx.world.warmup_key()
        )
        acc.warmup = w
    acc.updated_at = ctx.now()
    return json_response(
        200,
        {
            "ok": True,
            "message": "Email warmup details updated successfully!",
            "emailAccountId": acc.id,
            "warmupKey": w.warmup_key_id,
        },
    )


def warmup_stats(ctx: Ctx) -> SimResponse:
    """GET /email-accounts/{id}/warmup-stats (§2.8): last 7 days; top-level counts as STRINGS."""
    account_id = int_param(ctx.params[0], "account_id")
    acc = owned_account(ctx, account_id)
    by_date: dict[str, dict[str, Any]] = {}
    if acc.warmup is not None:
        for day in acc.warmup.daily_stats:
            by_date[str(day.get("date"))] = day
    today = ctx.now().date()
    totals = {"sent": 0, "spam": 0, "inbox": 0, "received": 0}
    rows = []
    for i in range(7):
        date = (today - timedelta(days=6 - i)).isoformat()
        day = by_date.get(date, {})
        sent = int(day.get("sent_count", 0))
        spam = int(day.get("spam_count", 0))
        totals["sent"] += sent
        totals["spam"] += spam
        totals["inbox"] += int(day.get("inbox_count", sent - spam))
        totals["received"] += int(day.get("warmup_email_received_count", day.get("received_count", 0)))
        rows.append(
            {
                "id": i + 1,
                "date": date,
                "sent_count": sent,
                "reply_count": int(day.get("reply_count", 0)),
                "save_from_spam_count": int(day.get("save_from_spam_count", 0)),
            }
        )
    return json_response(
        200,
        {
            "id": acc.id,
            "sent_count": str(totals["sent"]),
            "spam_count": str(totals["spam"]),
            "inbox_count": str(totals["inbox"]),
            "warmup_email_received_count": str(totals["received"]),
            "stats_by_date": rows,
        },
    )


# --------------------------------------------------------------------------- reconnect / delete / suspend


def reconnect_failed(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/reconnect-failed-email-accounts (§2.9).

    "Asynchronous" in Smartlead; here each failed account is re-verified at once through the
    authority, and its failure cleared when the login now succeeds (or kept, with the new
    reply text, when it still fails). 406 bodies carry ``ok: true``, as documented.
    """
    validate(ctx.body, {})
    cfg = ctx.world.config
    now = ctx.now()
    calls = ctx.user.reconnect_calls
    day_ago = now - timedelta(days=1)
    calls[:] = [t for t in calls if t > day_ago]
    if len(calls) >= cfg.reconnect_max_per_day:
        raise reply(
            406, {"ok": True, "message": "Bulk reconnect cannot be consumed more than 3 times a day."}
        )
    if calls and (now - calls[-1]).total_seconds() < cfg.reconnect_min_interval_s:
        raise reply(
            406,
            {
                "ok": True,
                "message": "You need to wait atleast 30 minutes before requesting a bulk reconnect, again.",
            },
        )
    failed = [a for a in ctx.accounts() if not (a.is_smtp_success and a.is_imap_success)]
    if not failed:
        return json_response(200, {"ok": True, "message": "No failed email account found!"})
    calls.append(now)
    authority = ctx.world.authority
    for acc in failed:
        problem: str | None = None
        if authority is not None:
            if acc.type in ("OUTLOOK", "GMAIL") and acc.oauth_token is not None:
                problem = authority.check_oauth_token(acc.from_email, acc.oauth_token)
            else:
                problem = authority.check_smtp_login(
                    acc.from_email, acc.username, acc.password, acc.smtp_host
                )
        if problem is None:
            acc.is_smtp_success = acc.is_imap_success = True
            acc.smtp_failure_error = acc.imap_failure_error = None
        else:
            acc.is_smtp_success = False
            acc.smtp_failure_error = problem
        acc.updated_at = now
    return json_response(
        200,
        {
            "ok": True,
            "message": "Email account(s) added to the queue to reconnect. We will send you an email once completed.",
        },
    )


def delete_account(ctx: Ctx) -> SimResponse:
    """DELETE /email-accounts/{id} (§2.10): soft delete, unlink from campaigns, warmup off."""
    account_id = int_param(ctx.params[0], "account_id")
    acc = ctx.account(account_id)
    if acc is None:
        raise account_not_found(account_id)
    acc.deleted = True
    acc.updated_at = ctx.now()
    for camp in ctx.user.campaigns.values():
        if account_id in camp.email_account_ids:
            camp.email_account_ids = [a for a in camp.email_account_ids if a != account_id]
    if acc.warmup is not None:
        acc.warmup.status = "INACTIVE"
        acc.warmup.blocked_reason = "Email account is deleted by user action"
    return json_response(
        200, {"ok": True, "message": "Email account deleted successfully!", "emailAccountId": account_id}
    )


def _suspend_target(ctx: Ctx) -> SlAccount:
    try:
        account_id = int(ctx.params[0])
    except ValueError:
        raise reply(400, {"success": False, "message": "Valid account ID is required"}) from None
    acc = ctx.account(account_id)
    if acc is None:
        raise reply(400, {"success": False, "message": "Email account not found or does not belong to you"})
    return acc


def _suspension(ctx: Ctx, suspended: bool, message: str) -> SimResponse:
    acc = _suspend_target(ctx)
    _set_suspended(acc, suspended)
    acc.updated_at = ctx.now()
    return json_response(
        200, {"success": True, "message": message, "data": {"accountId": acc.id, "isSuspended": suspended}}
    )


def suspend(ctx: Ctx) -> SimResponse:
    """PUT /email-accounts/suspend/{id} (§2.11)."""
    return _suspension(ctx, True, "Email account suspended successfully")


def unsuspend(ctx: Ctx) -> SimResponse:
    """DELETE /email-accounts/unsuspend/{id} (§2.11; the message text is a [GAP] guess)."""
    return _suspension(ctx, False, "Email account unsuspended successfully")


# --------------------------------------------------------------------------- bulk update

_BULK_DATA: Schema = {
    "messagePerDay": F("int", min=0),
    "minTimeToWaitInMins": F("int", min=0),
    "fromName": F("str", allow_empty=False),
    "signature": F("str", nullable=True),
    "customTrackingDomain": F("str", nullable=True),
    "status": F("str", choices=("ACTIVE", "INACTIVE")),
    "maxEmailPerDay": F("int", min=1, max=250),
    "warmupMinCount": F("int", min=1, max=50),
    "warmupMaxCount": F("int", min=1, max=250),
    "replyRate": F("int", min=1, max=100),
    "isRampupEnabled": F("bool"),
    "rampupValue": F("int", min=1),
    "sendWarmupsOnlyOnWeekdays": F("bool"),
    "autoAdjustWarmup": F("bool"),
    "useCustomDomain": F("bool"),
    "warmupTagIdentifier": F("str"),
    "dailyReplyLimit": F("int", min=8, max=80),
    "tags": F("list", item=F("int")),
    "clientId": F("int", nullable=True),
}
_BULK_SCHEMA: Schema = {
    "emailAccountIds": F("list", required=True, item=F("int"), min_items=1),
    "updateData": F("object", required=True, keys=_BULK_DATA),
}
_WARMUP_BULK_KEYS = (
    "status",
    "maxEmailPerDay",
    "warmupMinCount",
    "warmupMaxCount",
    "replyRate",
    "isRampupEnabled",
    "rampupValue",
    "autoAdjustWarmup",
    "warmupTagIdentifier",
)


def bulk_update(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/bulk-update-email-account-config (§2.12): camelCase body.

    ``messagePerDay`` is the sending limit; ``maxEmailPerDay`` (1-250) the WARMUP volume.
    ``tags`` replaces the accounts' tags.
    """
    body = validate(ctx.body, _BULK_SCHEMA)
    data: dict[str, Any] = body["updateData"]
    targets = []
    for aid in body["emailAccountIds"]:
        acc = ctx.account(aid)
        if acc is None:
            raise permission_error(aid)
        targets.append(acc)
    now = ctx.now()
    for acc in targets:
        if "messagePerDay" in data:
            acc.message_per_day = data["messagePerDay"]
        if "minTimeToWaitInMins" in data:
            acc.min_time_to_wait_in_mins = data["minTimeToWaitInMins"]
        if "fromName" in data:
            acc.from_name = data["fromName"]
        if "signature" in data:
            acc.signature = data["signature"]
        if "customTrackingDomain" in data:
            acc.custom_tracking_domain = data["customTrackingDomain"]
        if "tags" in data:
            acc.tag_ids = [t for t in dict.fromkeys(data["tags"]) if t in ctx.user.tags]
        if "clientId" in data and ctx.client_id is None:
            acc.client_id = data["clientId"]
        if any(k in data for k in _WARMUP_BULK_KEYS):
            w = acc.warmup
            if w is None:
                w = SlWarmup(
                    id=ctx.world.next_id("warmup"), created_at=now, warmup_key_id=ctx.world.warmup_key()
                )
                acc.warmup = w
            if "status" in data:
                w.status = data["status"]
            if "maxEmailPerDay" in data:
                w.total_warmup_per_day = data["maxEmailPerDay"]
            if "warmupMinCount" in data:
                w.warmup_min_count = data["warmupMinCount"]
            if "warmupMaxCount" in data:
                w.warmup_max_count = data["warmupMaxCount"]
            if "replyRate" in data:
                w.reply_rate = data["replyRate"]
            if "isRampupEnabled" in data:
                w.is_rampup_enabled = data["isRampupEnabled"]
            if "rampupValue" in data:
                w.daily_rampup = data["rampupValue"]
            if "autoAdjustWarmup" in data:
                w.auto_adjust_warmup = data["autoAdjustWarmup"]
            if data.get("warmupTagIdentifier"):
                w.warmup_key_id = data["warmupTagIdentifier"]
        acc.updated_at = now
    return json_response(200, {"message": "Email account(s) and warmup details are updated successfully!"})


# --------------------------------------------------------------------------- live reply fetch


def fetch_account_reply(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/fetch-account-reply (§2.14): queue a live reply fetch."""
    validate(ctx.body, {})
    world = ctx.world
    now = world.clock.monotonic()
    if world.fetch_reply_busy_until.get(ctx.user.user_id, -1.0) > now:
        raise reply(406, {"message": "Live fetch is already in-progress. Please try later."})
    world.fetch_reply_busy_until[ctx.user.user_id] = now + world.config.fetch_reply_cooldown_s
    count = sum(1 for _ in ctx.accounts())
    return json_response(
        200, {"ok": True, "message": f"{count} Email account(s) are added to the queue to fetch live reply."}
    )


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "GET", "/email-accounts", list_accounts
    yield "GET", "/email-accounts/fetch-email-account-details", get_account_by_email
    yield "GET", "/email-accounts/{account_id}", get_account
    yield "GET", "/email-accounts/{account_id}/warmup-stats", warmup_stats
    yield "POST", "/email-accounts/save", save_account
    yield "POST", "/email-accounts/save-oauth", save_oauth_account
    yield "POST", "/email-accounts/reconnect-failed-email-accounts", reconnect_failed
    yield "POST", "/email-accounts/bulk-update-email-account-config", bulk_update
    yield "POST", "/email-accounts/fetch-account-reply", fetch_account_reply
    yield "POST", "/email-accounts/{account_id}", update_account
    yield "POST", "/email-accounts/{account_id}/warmup", update_warmup
    yield "DELETE", "/email-accounts/{account_id}", delete_account
    yield "PUT", "/email-accounts/suspend/{account_id}", suspend
    yield "DELETE", "/email-accounts/unsuspend/{account_id}", unsuspend


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
