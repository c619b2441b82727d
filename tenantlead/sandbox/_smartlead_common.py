"""Pieces shared by the simulated Smartlead route handlers: request context, lookups, formats."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ._http import SimRequest, SimResponse
from ._smartlead_joi import JoiError, reply
from .state import SlAccount, SlCampaign, SlUser

if TYPE_CHECKING:
    from .smartlead import SmartleadWorld

__all__ = [
    "Ctx",
    "Handler",
    "b64",
    "int_param",
    "iso_ms",
    "iso_pg",
    "permission_error",
    "qbool",
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
