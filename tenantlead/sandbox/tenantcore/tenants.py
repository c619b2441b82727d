"""Simulated TenantCore tenant routes: list, get and deprovision (reference §2.1-§2.3)."""

from __future__ import annotations

from collections.abc import Iterable

from .._http import SimResponse
from ._common import (
    Ctx,
    Handler,
    ok,
)


def list_tenants(ctx: Ctx) -> SimResponse:
    """GET /v1/tenants: connected tenants, newest consent first, with counts."""
    live = [t for t in ctx.account.tenants.values() if not t.deprovisioned]
    live.sort(key=lambda t: t.consented_at, reverse=True)
    items = [ctx.world.tenant_json(ctx.account, t) for t in live]
    return ok(200, {"tenants": items, "count": len(items)})


def get_tenant(ctx: Ctx) -> SimResponse:
    """GET /v1/tenants/{tenant_id}: one tenant."""
    return ok(200, ctx.world.tenant_json(ctx.account, ctx.account.tenants[ctx.params[0]]))


def deprovision(ctx: Ctx) -> SimResponse:
    """DELETE /v1/tenants/{tenant_id}: deprovision (allowed over the plan ceiling by default)."""
    tenant = ctx.account.tenants[ctx.params[0]]
    tenant.deprovisioned = True
    return ok(200, {"tenant_id": tenant.tenant_id, "deprovisioned": True})


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "GET", "/v1/tenants", list_tenants
    yield "GET", "/v1/tenants/{tenant_id}", get_tenant
    yield "DELETE", "/v1/tenants/{tenant_id}", deprovision


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
