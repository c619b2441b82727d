"""Simulated TenantCore ``POST .../mailbox-limits``: provisioning Exchange enforcement (reference §4)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._http import SimResponse
from .._routing import ApiReply
from ._common import (
    Ctx,
    Handler,
    as_int,
    error,
    field_error,
    format_ts,
    invalid,
    ok,
)


def provision_limits(ctx: Ctx) -> SimResponse:
    """POST .../mailbox-limits: enforce the stored limits in Exchange (step 2)."""
    body = ctx.body()
    tenant = ctx.account.tenants[ctx.params[0]]
    errors: list[dict[str, Any]] = []
    names = body.get("domain_names")
    if names is not None and (
        not isinstance(names, list) or not all(isinstance(n, str) and n for n in names)
    ):
        errors.append(
            field_error(
                ["body", "domain_names"], "Input should be a list of domain names", "list_type", names
            )
        )
    limit_raw = body.get("daily_send_limit")
    limit = as_int(limit_raw) if limit_raw is not None else None
    if limit_raw is not None and (limit is None or limit < 0):
        errors.append(
            field_error(
                ["body", "daily_send_limit"],
                "Input should be an integer greater than or equal to 0",
                "int_type",
                limit_raw,
            )
        )
    if errors:
        raise ApiReply(invalid(errors))
    tenant_domains = {d.domain_name: d for d in ctx.world.group(ctx.account, tenant.tenant_id)[0]}
    if names is None:
        scope = sorted(tenant_domains)
    else:
        scope = []
        for raw in names:
            name = raw.strip().lower()
            if name not in tenant_domains:
                raise ApiReply(error(404, "domain_not_found", f"Domain {name} not found on this tenant"))
            if name not in scope:
                scope.append(name)
    in_scope = set(scope)
    now = ctx.world.clock.now()
    enforced = without = 0
    for mailbox in ctx.world.tenant_mailboxes(ctx.account, tenant.tenant_id):
        if mailbox.domain_name not in in_scope:
            continue
        if limit_raw is not None:
            mailbox.daily_send_limit = limit
        mailbox.enforced_limit = mailbox.daily_send_limit
        if mailbox.enforced_limit is None:
            without += 1
        else:
            enforced += 1
        # A raised (or removed) limit releases a mailbox that is now under it.
        if mailbox.blocked_at is not None and (
            mailbox.enforced_limit is None or mailbox.sends_today <= mailbox.enforced_limit
        ):
            mailbox.blocked_at = None
            ctx.world.note_event(mailbox, "unblocked", mailbox.sends_today, mailbox.enforced_limit or 0, now)
    tenant.enforcement_provisioned_at = now
    return ok(
        200,
        {
            "tenant_id": tenant.tenant_id,
            "status": "provisioned",
            "domains": scope,
            "mailboxes_enforced": enforced,
            "mailboxes_without_limit": without,
            "transport_rule": "TenantCore-SendLimits",
            "security_group": "TenantCore-SendLimit-Blocked",
            "provisioned_at": format_ts(now),
        },
    )


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "POST", "/v1/tenants/{tenant_id}/mailbox-limits", provision_limits


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
