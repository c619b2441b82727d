"""Simulated Smartlead email-account routes (reference §2.0-§2.15) and the tag catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from ._http import SimResponse, json_response
from ._smartlead_common import Ctx, Handler, b64, int_param, iso_ms, iso_pg, permission_error, qbool
from ._smartlead_joi import F, Schema, reply, validate
from .state import SlAccount, SlTag, SlUser, SlWarmup

__all__ = ["ROUTES", "render_account"]

# --------------------------------------------------------------------------- rendering


def campaign_index(user: SlUser) -> dict[int, list[int]]:
    """Account id -> ids of the live campaigns it is linked to."""
    index: dict[int, list[int]] = {}
    for camp in user.campaigns.values():
        if not camp.deleted:
            for aid in camp.email_account_ids:
                index.setdefault(aid, []).append(camp.id)
    return index


def _warmup_list(w: SlWarmup) -> dict[str, Any]:
    return {
        "id": w.id,
        "status": w.status,
        "total_sent_count": w.total_sent_count,
        "total_spam_count": w.total_spam_count,
        "warmup_reputation": w.warmup_reputation,
        "warmup_key_id": w.warmup_key_id,
        "warmup_created_at": iso_pg(w.created_at),
        "reply_rate": w.reply_rate,
        "blocked_reason": w.blocked_reason,
    }


def _warmup_full(w: SlWarmup) -> dict[str, Any]:
    # Get-by-id's extended form (§2.1, old get example); max_email_per_day here is the WARMUP
    # volume, not the sending limit.
    return {
        "id": w.id,
        "status": w.status,
        "created_at": iso_pg(w.created_at),
        "reply_rate": w.reply_rate,
        "warmup_key_id": w.warmup_key_id,
        "blocked_reason": w.blocked_reason,
        "total_sent_count": w.total_sent_count,
        "total_spam_count": w.total_spam_count,
        "warmup_max_count": w.warmup_max_count,
        "warmup_min_count": w.warmup_min_count,
        "is_warmup_blocked": w.is_warmup_blocked,
        "max_email_per_day": w.total_warmup_per_day,
        "warmup_reputation": w.warmup_reputation,
    }


def tag_objects(user: SlUser, acc: SlAccount) -> list[dict[str, Any]]:
    """``tags`` as account objects carry them: ``[{tag_id, tag_name, tag_color}]``."""
    out = []
    for tid in acc.tag_ids:
        tag = user.tags.get(tid)
        if tag is not None:
            out.append({"tag_id": tag.id, "tag_name": tag.name, "tag_color": tag.color})
    return out


def render_account(
    acc: SlAccount,
    *,
    form: str,
    campaign_ids: list[int],
    password_mode: str = "plain",
    with_campaign_ids: bool = False,
    tags: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One EmailAccount object (§2.1).

    ``form`` is ``"list"`` (adds ``minTimeToWaitInMins``, short ``warmup_details``),
    ``"get"`` (extended ``warmup_details``) or ``"campaign"`` (campaign account lists: no
    ``minTimeToWaitInMins``, short ``warmup_details``).
    """
    password = imap_password = ""
    if password_mode == "plain":
        password, imap_password = acc.password, acc.imap_password
    elif password_mode == "base64":
        password, imap_password = b64(acc.password), b64(acc.imap_password)
    # One dict literal (no per-field calls): list pages render 100 of these per request.
    row: dict[str, Any] = {
        "id": acc.id,
        "created_at": iso_ms(acc.created_at),
        "updated_at": iso_ms(acc.updated_at),
        "user_id": acc.user_id,
        "from_name": acc.from_name,
        "from_email": acc.from_email,
        "username": acc.username,
        "password": None,
        "smtp_host": acc.smtp_host,
        "smtp_port": acc.smtp_port,
        "smtp_port_type": acc.smtp_port_type,
        "message_per_day": acc.message_per_day,
        "different_reply_to_address": acc.different_reply_to_address,
        "is_different_imap_account": acc.is_different_imap_account,
        "imap_username": acc.imap_username,
        "imap_password": None,
        "imap_host": acc.imap_host,
        "imap_port": acc.imap_port,
        "imap_port_type": acc.imap_port_type,
        "signature": acc.signature,
        "custom_tracking_domain": acc.custom_tracking_domain,
        "bcc_email": acc.bcc_email,
        "is_smtp_success": acc.is_smtp_success,
        "is_imap_success": acc.is_imap_success,
        "smtp_failure_error": acc.smtp_failure_error,
        "imap_failure_error": acc.imap_failure_error,
        "type": acc.type,
        "daily_sent_count": acc.daily_sent_count,
        "client_id": acc.client_id,
        "is_suspended": acc.is_suspended,
        "campaign_count": len(campaign_ids),
    }
    if password_mode == "omit":
        del row["password"], row["imap_password"]
    else:
        row["password"] = password
        row["imap_password"] = imap_password
    if form == "list":
        # Only the list reliably carries the read name of time_to_wait_in_mins [LIVE].
        row["minTimeToWaitInMins"] = acc.min_time_to_wait_in_mins
    if with_campaign_ids:
        row["campaign_ids"] = list(campaign_ids)
    if tags is not None:
        row["tags"] = tags
    w = acc.warmup
    if w is None:
        row["warmup_details"] = None
    else:
        row["warmup_details"] = _warmup_full(w) if form == "get" else _warmup_list(w)
    return row


def _not_found_ok_false(account_id: int | None = None) -> Exception:
    body: dict[str, Any] = {
        "ok": False,
        "message": "Email account not found!",
        "errorCode": "ACCOUNT_NOT_FOUND",
    }
    if account_id is not None:
        body["emailAccountId"] = account_id
    return reply(404, body)


def _owned_account(ctx: Ctx, account_id: int) -> SlAccount:
    """The caller's account, else the permission 400 (someone else's) or the ok:false 404."""
    acc = ctx.account(account_id)
    if acc is not None:
        return acc
    if ctx.owned_elsewhere(account_id):
        raise permission_error(account_id)
    raise _not_found_ok_false()


def _port_type(port: int, *, imap: bool) -> str:
    # No body field sets it (§5.4); derive it from the port like the app does.
    if imap:
        return "SSL" if port == 993 else "TLS"
    return "SSL" if port == 465 else "TLS"


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


# --------------------------------------------------------------------------- save / save-oauth

_SAVE_COMMON: Schema = {
    "id": F("int", nullable=True),
    "from_name": F("str", required=True, allow_empty=False),
    "from_email": F("email", required=True),
}
_SAVE_OPTIONAL: Schema = {
    "max_email_per_day": F("int", min=0),
    "custom_tracking_url": F("str", nullable=True),
    "bcc": F("str", nullable=True),
    "signature": F("str", nullable=True),
    "time_to_wait_in_mins": F("int", min=0, nullable=True),
    "total_warmup_per_day": F("int", min=1, max=50, nullable=True),
    "daily_rampup": F("int", min=5, max=20, nullable=True),
    "reply_rate_percentage": F("int", min=20, max=100, nullable=True),
    "client_id": F("int", nullable=True),
}
_SAVE_SCHEMA: Schema = {
    **_SAVE_COMMON,
    "user_name": F("str", required=True, allow_empty=False),
    "password": F("str", required=True, allow_empty=False),
    "smtp_host": F("str", required=True, allow_empty=False),
    "smtp_port": F("int", required=True, min=1, max=65535),
    "imap_host": F("str", required=True, allow_empty=False),
    "imap_port": F("int", required=True, min=1, max=65535),
    "warmup_enabled": F("bool", required=True),
    **_SAVE_OPTIONAL,
    "type": F("str", choices=("SMTP", "GMAIL", "OUTLOOK", "ZOHO")),
    "imap_user_name": F("str"),
    "imap_password": F("str"),
    "different_reply_to_address": F("str", nullable=True),
    "is_suspended": F("bool"),
    "token": F("object", nullable=True),
}
_TOKEN_KEYS: Schema = {
    "scope": F("str", required=True, allow_empty=False),
    "token_type": F("str", required=True, allow_empty=False),
    "access_token": F("str"),
    "refresh_token": F("str"),
    "expiry_date": F("num", required=True),
    "id_token": F("str", nullable=True),
    "expiry": F("any", nullable=True),
    "expires_in": F("num", nullable=True),
    "ext_expires_in": F("num", nullable=True),
}
_SAVE_OAUTH_SCHEMA: Schema = {
    **_SAVE_COMMON,
    "username": F("str", required=True, allow_empty=False),
    "type": F("str", required=True, choices=("GMAIL", "OUTLOOK")),
    # Token dictionaries come straight from Microsoft/Google; extra keys are passed through.
    "token": F("object", required=True, keys=_TOKEN_KEYS, allow_unknown=True),
    "warmup_enabled": F("bool", required=True),
    "use_whitelabel_credentials": F("bool", required=True),
    **_SAVE_OPTIONAL,
}

_OAUTH_HOSTS = {
    "OUTLOOK": ("smtp.office365.com", 587, "outlook.office365.com", 993),
    "GMAIL": ("smtp.gmail.com", 465, "imap.gmail.com", 993),
}


def _duplicate_check(ctx: Ctx, email: str, keep_id: int | None) -> None:
    wanted = email.lower()
    for acc in ctx.user.accounts.values():
        if not acc.deleted and acc.id != keep_id and acc.from_email.lower() == wanted:
            raise reply(
                400,
                {
                    "ok": False,
                    "message": "Email account already exist. Please pass id to update it",
                    "errorCode": "ACCOUNT_ALREADY_EXIST",
                    "emailAccountId": acc.id,
                },
            )
    for user in ctx.world.users.values():
        if user is ctx.user:
            continue
        for acc in user.accounts.values():
            if not acc.deleted and acc.from_email.lower() == wanted:
                raise reply(
                    400,
                    {
                        "ok": False,
                        "message": "Email account already added by other user.",
                        "errorCode": "ACCOUNT_ALREADY_EXIST",
                        "emailAccountId": None,
                    },
                )


def _verification_failed(smtp_reply: str) -> Exception:
    return reply(
        404,
        {
            "ok": False,
            "message": "Email account verification failed. Please verify account details.",
            "errorCode": "ACCOUNT_VERIFICATION_FAILED",
            "error": smtp_reply,
        },
    )


def _apply_warmup_fields(
    ctx: Ctx, acc: SlAccount, body: dict[str, Any], enabled: bool | None
) -> SlWarmup | None:
    """Create/update ``warmup_details`` from save/warmup fields; return it (None if untouched)."""
    w = acc.warmup
    touches = enabled is True or any(
        body.get(k) is not None for k in ("total_warmup_per_day", "daily_rampup", "reply_rate_percentage")
    )
    if w is None:
        if not touches:
            return None
        w = SlWarmup(
            id=ctx.world.next_id("warmup"),
            created_at=ctx.now(),
            total_warmup_per_day=ctx.world.config.default_warmup_per_day,
            warmup_max_count=ctx.world.config.default_warmup_per_day,
        )
        acc.warmup = w
    if enabled is not None:
        w.status = "ACTIVE" if enabled else "INACTIVE"
        if enabled and acc.is_suspended:
            w.status = "PAUSED"  # suspension pauses warmup (§2.11)
    if body.get("total_warmup_per_day") is not None:
        w.total_warmup_per_day = body["total_warmup_per_day"]
        w.warmup_max_count = body["total_warmup_per_day"]
    if body.get("daily_rampup") is not None:
        w.daily_rampup = body["daily_rampup"]
        w.is_rampup_enabled = True  # setting a ramp-up value enables ramp-up (§2.5)
    if body.get("reply_rate_percentage") is not None:
        w.reply_rate = body["reply_rate_percentage"]
    if body.get("warmup_key_id"):
        w.warmup_key_id = body["warmup_key_id"]
    if "is_rampup_enabled" in body:
        w.is_rampup_enabled = body["is_rampup_enabled"]
    if "auto_adjust_warmup" in body:
        w.auto_adjust_warmup = body["auto_adjust_warmup"]
    if w.warmup_key_id is None:
        w.warmup_key_id = ctx.world.warmup_key()
    return w


def _upsert(
    ctx: Ctx, body: dict[str, Any], login: str, fixed: dict[str, Any], verify: Callable[[], str | None]
) -> SimResponse:
    """Shared tail of /save and /save-oauth: not-found, duplicate, verify, write, reply."""
    target: SlAccount | None = None
    if body.get("id") is not None:
        target = ctx.account(body["id"])
        if target is None:
            raise _not_found_ok_false()
    _duplicate_check(ctx, body["from_email"], target.id if target else None)
    failure = verify()
    if failure is not None:
        raise _verification_failed(failure)
    now = ctx.now()
    if target is None:
        client_id = ctx.client_id if ctx.client_id is not None else body.get("client_id")
        target = SlAccount(
            id=ctx.world.next_id("account"),
            user_id=ctx.user.user_id,
            created_at=now,
            updated_at=now,
            from_name=body["from_name"],
            from_email=body["from_email"],
            username=login,
            client_id=client_id,
        )
        ctx.user.accounts[target.id] = target
    else:
        target.from_name = body["from_name"]
        target.from_email = body["from_email"]
        target.username = login
        target.updated_at = now
        if ctx.client_id is None and "client_id" in body:
            target.client_id = body["client_id"]
    for name, value in fixed.items():
        setattr(target, name, value)
    if "max_email_per_day" in body:
        target.message_per_day = body["max_email_per_day"]
    if body.get("time_to_wait_in_mins") is not None:
        target.min_time_to_wait_in_mins = body["time_to_wait_in_mins"]
    if "custom_tracking_url" in body:
        target.custom_tracking_domain = body["custom_tracking_url"]
    if "bcc" in body:
        target.bcc_email = body["bcc"]
    if "signature" in body:
        target.signature = body["signature"]
    if "different_reply_to_address" in body:
        target.different_reply_to_address = body["different_reply_to_address"]
    if "is_suspended" in body:
        target.is_suspended = body["is_suspended"]
    # The connection test just passed (§2.5): the account is healthy from now on.
    target.is_smtp_success = True
    target.is_imap_success = True
    target.smtp_failure_error = None
    target.imap_failure_error = None
    enabled: bool = body["warmup_enabled"]
    warm = _apply_warmup_fields(ctx, target, body, enabled)
    out: dict[str, Any] = {
        "ok": True,
        "message": "Email account added/updated successfully!",
        "emailAccountId": target.id,
    }
    if enabled and warm is not None:
        out["warmupKey"] = warm.warmup_key_id
    return json_response(200, out)


def save_account(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/save (§2.5): SMTP/IMAP create (id null) or update (id given)."""
    body = validate(ctx.body, _SAVE_SCHEMA)
    imap_user = body.get("imap_user_name") or ""
    fixed: dict[str, Any] = {
        "type": body.get("type", "SMTP"),
        "password": body["password"],
        "smtp_host": body["smtp_host"],
        "smtp_port": body["smtp_port"],
        "smtp_port_type": _port_type(body["smtp_port"], imap=False),
        "imap_host": body["imap_host"],
        "imap_port": body["imap_port"],
        "imap_port_type": _port_type(body["imap_port"], imap=True),
        "imap_username": imap_user,
        "imap_password": body.get("imap_password") or "",
        "is_different_imap_account": bool(imap_user) and imap_user != body["user_name"],
    }
    if body.get("token"):
        fixed["oauth_token"] = dict(body["token"])
    authority = ctx.world.authority

    def verify() -> str | None:
        if authority is None:
            return None
        return authority.check_smtp_login(
            body["from_email"], body["user_name"], body["password"], body["smtp_host"]
        )

    return _upsert(ctx, body, body["user_name"], fixed, verify)


def save_oauth_account(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/save-oauth (§2.6): connect a Google/Microsoft mailbox from tokens."""
    body = validate(ctx.body, _SAVE_OAUTH_SCHEMA)
    smtp_host, smtp_port, imap_host, imap_port = _OAUTH_HOSTS[body["type"]]
    token = dict(body["token"])
    fixed: dict[str, Any] = {
        "type": body["type"],
        "password": "",
        "smtp_host": smtp_host,
        "smtp_port": smtp_port,
        "smtp_port_type": _port_type(smtp_port, imap=False),
        "imap_host": imap_host,
        "imap_port": imap_port,
        "imap_port_type": "SSL",
        "imap_username": "",
        "imap_password": "",
        "is_different_imap_account": False,
        "oauth_token": token,
    }
    authority = ctx.world.authority

    def verify() -> str | None:
        if authority is None:
            return None
        return authority.check_oauth_token(body["from_email"], token)

    return _upsert(ctx, body, body["username"], fixed, verify)


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
    acc = _owned_account(ctx, account_id)
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
    acc = _owned_account(ctx, account_id)
    enabled: bool = body["warmup_enabled"]
    w = _apply_warmup_fields(ctx, acc, body, enabled)
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
    acc = _owned_account(ctx, account_id)
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
        raise _not_found_ok_false(account_id)
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


def suspend(ctx: Ctx) -> SimResponse:
    """PUT /email-accounts/suspend/{id} (§2.11)."""
    acc = _suspend_target(ctx)
    _set_suspended(acc, True)
    acc.updated_at = ctx.now()
    return json_response(
        200,
        {
            "success": True,
            "message": "Email account suspended successfully",
            "data": {"accountId": acc.id, "isSuspended": True},
        },
    )


def unsuspend(ctx: Ctx) -> SimResponse:
    """DELETE /email-accounts/unsuspend/{id} (§2.11; the message text is a [GAP] guess)."""
    acc = _suspend_target(ctx)
    _set_suspended(acc, False)
    acc.updated_at = ctx.now()
    return json_response(
        200,
        {
            "success": True,
            "message": "Email account unsuspended successfully",
            "data": {"accountId": acc.id, "isSuspended": False},
        },
    )


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


# --------------------------------------------------------------------------- tags


def _tag_json(tag: SlTag) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "color": tag.color}


def list_tags(ctx: Ctx) -> SimResponse:
    """GET /email-accounts/tags (§2.15): the tag catalogue, bare array."""
    return json_response(200, [_tag_json(t) for t in sorted(ctx.user.tags.values(), key=lambda t: t.id)])


_TAG_CREATE: Schema = {"name": F("str", required=True, allow_empty=False), "color": F("str", nullable=True)}


def create_tag(ctx: Ctx) -> SimResponse:
    """POST /tags (§2.15): 201; always creates, even with a duplicate name."""
    body = validate(ctx.body, _TAG_CREATE)
    tag = SlTag(id=ctx.world.next_id("tag"), name=body["name"], color=body.get("color"))
    ctx.user.tags[tag.id] = tag
    return json_response(201, {"ok": True, "data": _tag_json(tag)})


_TAG_UPDATE: Schema = {
    "id": F("int", required=True),
    "name": F("str", required=True, allow_empty=False),
    "color": F("str", required=True, allow_empty=False),
}


def update_tag(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/tag-manager (§2.15): rename/recolour a tag (404 text is a [GAP])."""
    body = validate(ctx.body, _TAG_UPDATE)
    tag = ctx.user.tags.get(body["id"])
    if tag is None:
        raise reply(404, {"ok": False, "message": "Tag not found!"})
    tag.name = body["name"]
    tag.color = body["color"]
    return json_response(200, {"ok": True, "data": _tag_json(tag)})


def _mapping_ids(ctx: Ctx) -> tuple[list[Any], list[Any]]:
    """Validate the tag-mapping body; errors use this endpoint's ``success: false`` shape."""
    body = ctx.body if isinstance(ctx.body, dict) else {}

    def fail(text: str) -> Exception:
        return reply(400, {"success": False, "message": "Validation error", "error": text})

    for name in body:
        if name not in ("email_account_ids", "tag_ids"):
            raise fail(f"{name} is not allowed")
    out: list[list[Any]] = []
    for name, most in (("email_account_ids", 25), ("tag_ids", None)):
        value = body.get(name)
        if value is None:
            raise fail(f"{name} is required")
        if not isinstance(value, list):
            raise fail(f"{name} must be an array")
        if len(value) < 1:
            raise fail(f"{name} must contain at least 1 item")
        if most is not None and len(value) > most:
            raise fail(f"{name} must contain at most {most} items")
        for i, v in enumerate(value):
            if isinstance(v, bool) or not isinstance(v, int):
                raise fail(f"{name}[{i}] must be a number")
        out.append(list(dict.fromkeys(value)))
    return out[0], out[1]


def _mapping_id(ctx: Ctx, account_id: int, tag_id: int) -> int:
    ids = ctx.world.tag_mapping_ids
    mid = ids.get((account_id, tag_id))
    if mid is None:
        mid = ids[(account_id, tag_id)] = ctx.world.next_id("tag_mapping")
    return mid


def _map_tags(ctx: Ctx, *, add: bool) -> SimResponse:
    account_ids, tag_ids = _mapping_ids(ctx)
    results: list[dict[str, Any]] = []
    done = skipped = failed = 0
    for aid in account_ids:
        acc = ctx.account(aid)
        for tid in tag_ids:
            base: dict[str, Any] = {"email_account_id": aid, "tag_id": tid}
            if acc is None or tid not in ctx.user.tags:
                failed += 1
                base.update(
                    action="failed", reason="Email account not found" if acc is None else "Tag not found"
                )
            elif add and tid in acc.tag_ids:
                skipped += 1
                base.update(action="skipped", reason="Mapping already exists")
            elif not add and tid not in acc.tag_ids:
                skipped += 1
                base.update(action="skipped", reason="Mapping does not exist")
            else:
                done += 1
                if add:
                    acc.tag_ids.append(tid)
                else:
                    acc.tag_ids.remove(tid)
                base.update(action="added" if add else "deleted", mapping_id=_mapping_id(ctx, aid, tid))
                if not add:
                    ctx.world.tag_mapping_ids.pop((aid, tid), None)
            results.append(base)
    verb = "added" if add else "deleted"
    return json_response(
        200,
        {
            "success": True,
            "message": "Tag mapping operation completed" if add else "Tag removal operation completed",
            "data": {
                "results": results,
                "summary": {
                    "total_processed": len(results),
                    verb: done,
                    "skipped": skipped,
                    "failed": failed,
                },
            },
        },
    )


def add_tag_mapping(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/tag-mapping (§2.15): additive and idempotent."""
    return _map_tags(ctx, add=True)


def remove_tag_mapping(ctx: Ctx) -> SimResponse:
    """DELETE /email-accounts/tag-mapping (§2.15)."""
    return _map_tags(ctx, add=False)


_TAG_LIST: Schema = {"email_ids": F("list", required=True, item=F("str"), min_items=1)}


def tags_for_emails(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/tag-list (§2.15): the live shape, unknown addresses left out."""
    body = validate(ctx.body, _TAG_LIST)
    by_email: dict[str, SlAccount] = {a.from_email.lower(): a for a in ctx.accounts()}
    data = []
    for email in body["email_ids"]:
        acc = by_email.get(email.lower())
        if acc is None:
            continue
        tags = [
            {"tag_id": t.id, "tag_name": t.name}
            for t in (ctx.user.tags.get(i) for i in acc.tag_ids)
            if t is not None
        ]
        data.append({"email_account_id": acc.id, "email_id": acc.from_email, "tags": tags})
    return json_response(200, {"data": data})


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
    yield "GET", "/email-accounts/tags", list_tags
    yield "GET", "/email-accounts/fetch-email-account-details", get_account_by_email
    yield "GET", "/email-accounts/{account_id}", get_account
    yield "GET", "/email-accounts/{account_id}/warmup-stats", warmup_stats
    yield "POST", "/email-accounts/save", save_account
    yield "POST", "/email-accounts/save-oauth", save_oauth_account
    yield "POST", "/email-accounts/reconnect-failed-email-accounts", reconnect_failed
    yield "POST", "/email-accounts/bulk-update-email-account-config", bulk_update
    yield "POST", "/email-accounts/tag-manager", update_tag
    yield "POST", "/email-accounts/tag-mapping", add_tag_mapping
    yield "DELETE", "/email-accounts/tag-mapping", remove_tag_mapping
    yield "POST", "/email-accounts/tag-list", tags_for_emails
    yield "POST", "/email-accounts/fetch-account-reply", fetch_account_reply
    yield "POST", "/email-accounts/{account_id}", update_account
    yield "POST", "/email-accounts/{account_id}/warmup", update_warmup
    yield "DELETE", "/email-accounts/{account_id}", delete_account
    yield "PUT", "/email-accounts/suspend/{account_id}", suspend
    yield "DELETE", "/email-accounts/unsuspend/{account_id}", unsuspend
    yield "POST", "/tags", create_tag


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
