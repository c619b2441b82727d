"""Simulated TenantCore enforcement-event log: ``GET /v1/enforcement/events`` (reference §4.4)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._http import SimResponse
from .._routing import ApiReply
from ._common import (
    Ctx,
    Handler,
    error,
    field_error,
    invalid,
    ok,
    query_int,
)


def events(ctx: Ctx) -> SimResponse:
    """GET /v1/enforcement/events: blocks and unblocks, newest first, paged."""
    cfg = ctx.world.config
    errors: list[dict[str, Any]] = []
    tenant_id = ctx.req.arg("tenant_id")
    action = ctx.req.arg("action")
    limit = query_int(ctx.req, "limit", cfg.events_default_limit, errors)
    offset = query_int(ctx.req, "offset", 0, errors)
    if action is not None and action not in ("blocked", "unblocked"):
        errors.append(
            field_error(
                ["query", "action"], "Input should be 'blocked' or 'unblocked'", "literal_error", action
            )
        )
    if limit is not None and not 1 <= limit <= cfg.events_max_limit:
        errors.append(
            field_error(
                ["query", "limit"],
                f"Input should be between 1 and {cfg.events_max_limit}",
                "less_than_equal" if limit > 1 else "greater_than_equal",
                ctx.req.arg("limit"),
            )
        )
    if offset is not None and offset < 0:
        errors.append(
            field_error(
                ["query", "offset"],
                "Input should be greater than or equal to 0",
                "greater_than_equal",
                ctx.req.arg("offset"),
            )
        )
    if errors:
        raise ApiReply(invalid(errors))
    assert limit is not None  # narrowed: no errors above
    assert offset is not None
    if tenant_id is not None:
        tenant = ctx.account.tenants.get(tenant_id)
        if tenant is None or tenant.deprovisioned:
            raise ApiReply(
                error(404, "tenant_not_found", "Tenant not found or not connected to this account")
            )
    matching = [
        e
        for e in reversed(ctx.account.events)
        if (tenant_id is None or e.tenant_id == tenant_id) and (action is None or e.action_taken == action)
    ]
    page = [ctx.world.event_json(e) for e in matching[offset : offset + limit]]
    return ok(
        200,
        {
            "events": page,
            "count": len(page),
            "total": len(matching),
            "limit": limit,
            "offset": offset,
            "filters": {"tenant_id": tenant_id, "action": action},
        },
    )


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "GET", "/v1/enforcement/events", events


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
