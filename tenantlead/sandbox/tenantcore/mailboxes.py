"""Simulated TenantCore mailbox routes: list, create, PATCH and usage (reference §3.1-§3.4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from .._http import SimResponse
from .._routing import ApiReply
from ._common import (
    NICK_RE,
    Ctx,
    Handler,
    as_int,
    error,
    field_error,
    format_ts,
    invalid,
    ok,
)


def list_mailboxes(ctx: Ctx) -> SimResponse:
    """GET .../mailboxes: the tenant's shared mailboxes."""
    tenant = ctx.account.tenants[ctx.params[0]]
    name = tenant.tenant_name
    items = [
        ctx.world.mailbox_json(m, name) for m in ctx.world.tenant_mailboxes(ctx.account, tenant.tenant_id)
    ]
    return ok(200, {"tenant_id": tenant.tenant_id, "mailboxes": items, "count": len(items)})


def create_mailbox(ctx: Ctx) -> SimResponse:
    """POST .../mailboxes: provision a shared mailbox (propagating for 2-5 minutes)."""
    body = ctx.body()
    errors: list[dict[str, Any]] = []
    for key in ("domain_name", "mail_nickname", "display_name"):
        value = body.get(key)
        if value is None:
            errors.append(field_error(["body", key], "Field required", "missing"))
        elif not isinstance(value, str) or not value.strip():
            errors.append(
                field_error(["body", key], "Input should be a non-empty string", "string_type", value)
            )
    nick = body.get("mail_nickname")
    if isinstance(nick, str) and nick.strip() and not NICK_RE.match(nick.strip()):
        errors.append(
            field_error(
                ["body", "mail_nickname"],
                "Value error, mail_nickname may contain letters, digits, '.', '_' and '-' only",
                "value_error",
                nick,
            )
        )
    if errors:
        raise ApiReply(invalid(errors))
    tenant = ctx.account.tenants[ctx.params[0]]
    domain_name = str(body["domain_name"]).strip().lower()
    domain = next(
        (d for d in ctx.world.group(ctx.account, tenant.tenant_id)[0] if d.domain_name == domain_name),
        None,
    )
    if domain is None:
        raise ApiReply(error(404, "domain_not_found", f"Domain {domain_name} not found on this tenant"))
    if not domain.is_verified:
        raise ApiReply(
            error(
                409,
                "domain_not_verified",
                f"Domain {domain_name} must be verified in Microsoft 365 before mailboxes can be provisioned",
            )
        )
    address = f"{str(body['mail_nickname']).strip()}@{domain_name}".lower()
    if ctx.world.find_mailbox(address) is not None:
        raise ApiReply(error(409, "mailbox_exists", f"Mailbox {address} already exists"))
    on_domain = sum(
        1 for m in ctx.world.tenant_mailboxes(ctx.account, tenant.tenant_id) if m.domain_name == domain_name
    )
    if on_domain >= ctx.world.config.mailboxes_per_domain:
        raise ApiReply(
            error(
                409,
                "mailbox_limit_reached",
                f"Domain {domain_name} already has {on_domain} mailboxes "
                f"(limit {ctx.world.config.mailboxes_per_domain})",
            )
        )
    mailbox = ctx.world.add_mailbox(
        ctx.account,
        domain,
        str(body["mail_nickname"]).strip(),
        str(body["display_name"]).strip(),
        ready=False,
    )
    return ok(201, ctx.world.mailbox_json(mailbox, tenant.tenant_name))


def patch_mailbox(ctx: Ctx) -> SimResponse:
    """PATCH .../mailboxes/{mailbox_id}: store a limit (step 1) and/or set ``account_enabled``."""
    mailbox = ctx.account.mailboxes.get(ctx.params[1])
    if mailbox is None or mailbox.tenant_id != ctx.params[0]:
        raise ApiReply(error(404, "mailbox_not_found", "Mailbox not found on this tenant"))
    body = ctx.body()
    if "daily_send_limit" not in body and "account_enabled" not in body:
        raise ApiReply(
            invalid(
                [
                    field_error(
                        ["body"],
                        "Value error, provide daily_send_limit and/or account_enabled",
                        "value_error",
                        body,
                    )
                ]
            )
        )
    errors: list[dict[str, Any]] = []
    if "daily_send_limit" in body:
        limit = body["daily_send_limit"]
        if limit is not None:
            parsed = as_int(limit)
            if parsed is None:
                errors.append(
                    field_error(
                        ["body", "daily_send_limit"],
                        "Input should be a valid integer",
                        "int_type",
                        limit,
                    )
                )
            elif parsed < 0:
                errors.append(
                    field_error(
                        ["body", "daily_send_limit"],
                        "Input should be greater than or equal to 0",
                        "greater_than_equal",
                        limit,
                    )
                )
    if "account_enabled" in body and not isinstance(body["account_enabled"], bool):
        errors.append(
            field_error(
                ["body", "account_enabled"],
                "Input should be a valid boolean",
                "bool_type",
                body["account_enabled"],
            )
        )
    if errors:
        raise ApiReply(invalid(errors))
    if "daily_send_limit" in body:
        # Step 1 only: stored, not enforced until the next POST mailbox-limits.
        raw = body["daily_send_limit"]
        mailbox.daily_send_limit = None if raw is None else as_int(raw)
    if "account_enabled" in body:
        mailbox.account_enabled = bool(body["account_enabled"])
    tenant = ctx.account.tenants[ctx.params[0]]
    return ok(200, ctx.world.mailbox_json(mailbox, tenant.tenant_name))


def usage(ctx: Ctx) -> SimResponse:
    """GET .../mailboxes/usage: today's sends per mailbox."""
    tenant = ctx.account.tenants[ctx.params[0]]
    rows = []
    total = 0
    for m in ctx.world.tenant_mailboxes(ctx.account, tenant.tenant_id):
        total += m.sends_today
        rows.append(
            {
                "mailbox_id": m.id,
                "primary_smtp": m.primary_smtp,
                "sends_today": m.sends_today,
                "daily_send_limit": m.daily_send_limit,
                "enforced": m.enforced_limit is not None,
                "blocked_at": format_ts(m.blocked_at),
            }
        )
    today: date = ctx.world.clock.now().date()
    return ok(
        200,
        {
            "tenant_id": tenant.tenant_id,
            "date": today.isoformat(),
            "mailboxes": rows,
            "total_sends_today": total,
            "count": len(rows),
        },
    )


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "GET", "/v1/tenants/{tenant_id}/mailboxes", list_mailboxes
    yield "POST", "/v1/tenants/{tenant_id}/mailboxes", create_mailbox
    yield "GET", "/v1/tenants/{tenant_id}/mailboxes/usage", usage
    yield "PATCH", "/v1/tenants/{tenant_id}/mailboxes/{mailbox_id}", patch_mailbox


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
