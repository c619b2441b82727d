"""Simulated TenantCore key rotation: ``POST /api-key/rotate`` (reference §1.3)."""

from __future__ import annotations

from collections.abc import Iterable

from .._http import SimResponse
from .._routing import ApiReply
from ._common import (
    Ctx,
    Handler,
    error,
    field_error,
    format_ts,
    invalid,
    ok,
)


def rotate(ctx: Ctx) -> SimResponse:
    """POST /api-key/rotate: replace the account's key (the old one stops working)."""
    user_email = ctx.req.arg("user_email")
    if not user_email:
        raise ApiReply(invalid([field_error(["query", "user_email"], "Field required", "missing")]))
    if user_email.strip().lower() != ctx.account.user_email.lower():
        raise ApiReply(
            error(403, "user_email_mismatch", "user_email does not match the account that owns this key")
        )
    new_key = ctx.world.new_api_key()
    del ctx.world.accounts[ctx.account.api_key]
    ctx.account.api_key = new_key
    ctx.world.accounts[new_key] = ctx.account
    return ok(
        200,
        {
            "api_key": new_key,
            "user_email": ctx.account.user_email,
            "rotated_at": format_ts(ctx.world.clock.now()),
        },
    )


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "POST", "/api-key/rotate", rotate


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
