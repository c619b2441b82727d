"""Simulated TenantCore domain routes: list, add and DNS records (reference §2.4-§2.5)."""

from __future__ import annotations

from collections.abc import Iterable

from .._http import SimResponse
from .._routing import ApiReply
from ._common import (
    DOMAIN_RE,
    Ctx,
    Handler,
    error,
    field_error,
    invalid,
    ok,
)


def list_domains(ctx: Ctx) -> SimResponse:
    """GET .../domains: the tenant's domains; DNS is read live, so ``last_checked`` is now."""
    tid = ctx.params[0]
    now = ctx.world.clock.now()
    items = []
    for domain in ctx.world.group(ctx.account, tid)[0]:
        # DNS is read live on every list request; last_checked records when [DOC].
        domain.last_checked = now
        items.append(ctx.world.domain_json(domain))
    return ok(200, {"tenant_id": tid, "domains": items, "count": len(items)})


def add_domain(ctx: Ctx) -> SimResponse:
    """POST .../domains: add an unverified domain and return its DNS records."""
    body = ctx.body()
    name = body.get("domain_name")
    if name is None:
        raise ApiReply(invalid([field_error(["body", "domain_name"], "Field required", "missing")]))
    if not isinstance(name, str) or not DOMAIN_RE.match(name.strip().lower()):
        raise ApiReply(
            invalid(
                [
                    field_error(
                        ["body", "domain_name"],
                        "Value error, domain_name must be a domain such as 'mail.example.com'",
                        "value_error",
                        name,
                    )
                ]
            )
        )
    name = name.strip().lower()
    tenant = ctx.account.tenants[ctx.params[0]]
    if ctx.world.find_domain(name) is not None:
        raise ApiReply(error(409, "domain_exists", f"Domain {name} is already registered"))
    count = len(ctx.world.group(ctx.account, tenant.tenant_id)[0])
    if ctx.world.config.domain_limit_hard and count >= ctx.world.config.domains_per_tenant:
        raise ApiReply(
            error(
                409,
                "domain_limit_reached",
                f"Tenant already has {count} domains (limit {ctx.world.config.domains_per_tenant})",
            )
        )
    domain = ctx.world.add_domain(ctx.account, tenant, name, verified=False)
    payload = ctx.world.domain_json(domain)
    payload["dns_records"] = domain.dns_records
    return ok(201, payload)


def dns_records(ctx: Ctx) -> SimResponse:
    """GET .../domains/{domain_id}/dns-records: the records Microsoft 365 expects."""
    domain = ctx.account.domains.get(ctx.params[1])
    if domain is None or domain.tenant_id != ctx.params[0]:
        raise ApiReply(error(404, "domain_not_found", "Domain not found on this tenant"))
    return ok(
        200,
        {
            "tenant_id": ctx.params[0],
            "domain_id": domain.id,
            "domain_name": domain.domain_name,
            "records": domain.dns_records,
            "count": len(domain.dns_records),
        },
    )


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "GET", "/v1/tenants/{tenant_id}/domains", list_domains
    yield "POST", "/v1/tenants/{tenant_id}/domains", add_domain
    yield "GET", "/v1/tenants/{tenant_id}/domains/{domain_id}/dns-records", dns_records


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
