"""Saving Smartlead email accounts: ``POST /email-accounts/save`` and ``/save-oauth`` (§2.2-§2.4).

Both routes run one upsert (duplicate check, verification through the mailbox authority,
warmup fields); they differ only in how the credential is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._http import SimResponse, json_response
from ..state import (
    SlAccount,
    SlWarmup,
)
from ._common import (
    Ctx,
    account_not_found,
    port_type,
)
from ._joi import F, Schema, reply, validate

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


def apply_warmup_fields(
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
            raise account_not_found()
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
    warm = apply_warmup_fields(ctx, target, body, enabled)
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
        "smtp_port_type": port_type(body["smtp_port"], imap=False),
        "imap_host": body["imap_host"],
        "imap_port": body["imap_port"],
        "imap_port_type": port_type(body["imap_port"], imap=True),
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
        "smtp_port_type": port_type(smtp_port, imap=False),
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

    _switch_mode(ctx, body, verify)
    return _upsert(ctx, body, body["username"], fixed, verify)


def _switch_mode(ctx: Ctx, body: dict[str, Any], verify: Callable[[], str | None]) -> None:
    """``SmartleadConfig.oauth_switch`` for a save-oauth that names an account of another type."""
    mode = ctx.world.config.oauth_switch
    target = ctx.account(body["id"]) if body.get("id") is not None else None
    if mode == "in_place" or target is None or target.type == body["type"]:
        return
    if mode == "in_place_reset":
        for key in ("max_email_per_day", "time_to_wait_in_mins", "custom_tracking_url", "bcc", "signature",
                    "client_id", "total_warmup_per_day", "reply_rate_percentage"):  # fmt: skip
            body.pop(key, None)
        body["warmup_enabled"] = False
        target.message_per_day, target.min_time_to_wait_in_mins = 100, 3
        target.signature = target.bcc_email = target.custom_tracking_domain = None
        if ctx.client_id is None:
            target.client_id = None
        return
    if mode == "refuse":
        raise reply(
            400,
            {
                "ok": False,
                "message": "Email account already exist. Please pass id to update it",
                "errorCode": "ACCOUNT_ALREADY_EXIST",
                "emailAccountId": target.id,
            },
        )
    # "new_id": the old account goes as a delete would take it (out of its campaigns, warmup
    # off) and the save creates a fresh one, with only what the body carries - once the new
    # credential has passed its test.
    failure = verify()
    if failure is not None:
        raise _verification_failed(failure)
    target.deleted = True
    target.updated_at = ctx.now()
    for camp in ctx.user.campaigns.values():
        if target.id in camp.email_account_ids:
            camp.email_account_ids = [a for a in camp.email_account_ids if a != target.id]
    if target.warmup is not None:
        target.warmup.status = "INACTIVE"
    body["id"] = None
