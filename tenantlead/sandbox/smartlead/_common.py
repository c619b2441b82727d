"""Pieces shared by the simulated Smartlead route handlers: request context, lookups, formats, rendering."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .._http import SimRequest, SimResponse
from ..state import SlAccount, SlCampaign, SlUser, SlWarmup
from ._joi import JoiError, reply

if TYPE_CHECKING:
    from .world import SmartleadWorld

__all__ = [
    "Ctx",
    "Handler",
    "account_not_found",
    "b64",
    "campaign_index",
    "int_param",
    "iso_ms",
    "iso_pg",
    "owned_account",
    "permission_error",
    "port_type",
    "qbool",
    "render_account",
    "tag_objects",
]


@dataclass(slots=True)
class Ctx:
    """One authenticated request as a handler sees it.

    ``client_id`` is set when the caller used an agency client's key: such a caller sees only
    rows carrying that ``client_id`` (§1.2, §3.6).
    """

    world: SmartleadWorld
    user: SlUser
    client_id: int | None
    req: SimRequest
    body: Any
    params: tuple[str, ...]

    def now(self) -> datetime:
        """The virtual time."""
        return self.world.clock.now()

    def visible(self, client_id: int | None) -> bool:
        """Whether a row with ``client_id`` is visible to this caller."""
        return self.client_id is None or client_id == self.client_id

    def accounts(self) -> Iterator[SlAccount]:
        """The caller's live (not deleted) accounts, in storage order."""
        cid = self.client_id
        for acc in self.user.accounts.values():
            if not acc.deleted and (cid is None or acc.client_id == cid):
                yield acc

    def account(self, account_id: int) -> SlAccount | None:
        """The caller's live account with this id, or None."""
        acc = self.user.accounts.get(account_id)
        if acc is None or acc.deleted or not self.visible(acc.client_id):
            return None
        return acc

    def owned_elsewhere(self, account_id: int) -> bool:
        """Whether the id is a live account the caller may not touch (another user or client)."""
        acc = self.user.accounts.get(account_id)
        if acc is not None:
            return not acc.deleted and not self.visible(acc.client_id)
        return any(
            account_id in u.accounts and not u.accounts[account_id].deleted
            for u in self.world.users.values()
            if u is not self.user
        )

    def campaign(self, campaign_id: int) -> SlCampaign | None:
        """The caller's campaign with this id (deleted ones included), or None."""
        camp = self.user.campaigns.get(campaign_id)
        if camp is None or not self.visible(camp.client_id):
            return None
        return camp


Handler = Callable[[Ctx], SimResponse]


def int_param(value: str, name: str) -> int:
    """A numeric path parameter, or the Joi ``"<name>" must be a number`` 400 (§2.0 collisions)."""
    try:
        return int(value)
    except ValueError:
        raise JoiError(f'"{name}" must be a number', name, "params") from None


def permission_error(account_id: int) -> Exception:
    """The legacy 400 for touching another user's account (§1.5)."""
    return reply(400, {"error": f"Email account id - {account_id} not allowed. Permission Error."})


def qbool(value: str | None) -> bool | None:
    """A ``"true"``/``"false"`` query flag (None when absent)."""
    if value is None:
        return None
    return value.lower() == "true"


@lru_cache(maxsize=1 << 16)
def iso_ms(dt: datetime) -> str:
    """``2023-04-18T09:02:46.060Z`` — the JavaScript ``Date.toISOString`` form of account rows."""
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    return dt.isoformat(timespec="milliseconds")[:-6] + "Z"


@lru_cache(maxsize=1 << 16)
def iso_pg(dt: datetime | None) -> str | None:
    """``2022-05-26T03:47:31.448094+00:00`` — the Postgres form of warmup and campaign rows."""
    if dt is None:
        return None
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    return dt.isoformat(timespec="microseconds")


@lru_cache(maxsize=1 << 14)
def b64(text: str) -> str:
    """Base64 of a UTF-8 string (how [NEW-DOCS] says list responses carry passwords)."""
    return base64.b64encode(text.encode()).decode()


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


def account_not_found(account_id: int | None = None) -> Exception:
    """The ``ok: false`` 404 ``ACCOUNT_NOT_FOUND`` reply (raise it)."""
    body: dict[str, Any] = {
        "ok": False,
        "message": "Email account not found!",
        "errorCode": "ACCOUNT_NOT_FOUND",
    }
    if account_id is not None:
        body["emailAccountId"] = account_id
    return reply(404, body)


def owned_account(ctx: Ctx, account_id: int) -> SlAccount:
    """The caller's account, else the permission 400 (someone else's) or the ok:false 404."""
    acc = ctx.account(account_id)
    if acc is not None:
        return acc
    if ctx.owned_elsewhere(account_id):
        raise permission_error(account_id)
    raise account_not_found()


def port_type(port: int, *, imap: bool) -> str:
    """``SSL`` or ``TLS`` for a port: no body field sets it (§5.4), so derive it like the app does."""
    if imap:
        return "SSL" if port == 993 else "TLS"
    return "SSL" if port == 465 else "TLS"
