"""Hand-built fleets for the planner tests (pure: no sandbox, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tenantlead.orchestration.fleet import Fleet
from tenantlead.smartlead.models import EmailAccount, WarmupDetails, WarmupStatus
from tenantlead.tenantcore.models import Domain, Mailbox, Tenant

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)

_ids = {"account": 1000}


def tenant(n: int = 1, **kw: Any) -> Tenant:
    defaults: dict[str, Any] = {
        "tenant_id": f"00000000-0000-0000-0000-{n:012d}",
        "tenant_name": f"Tenant {n}",
        "exchange_bootstrap_status": "ready",
        "discovery_completed": True,
    }
    defaults.update(kw)
    return Tenant(**defaults)


def domain(name: str, **kw: Any) -> Domain:
    defaults: dict[str, Any] = {
        "domain_name": name,
        "id": f"dom-{name}",
        "is_verified": True,
        "spf_status": "v=spf1 include:spf.protection.outlook.com -all",
        "dkim_status": "healthy",
        "dmarc_status": "v=DMARC1; p=none",
        "mx_status": "mx.protection.outlook.com",
    }
    defaults.update(kw)
    return Domain(**defaults)


def mailbox(address: str, *, limit: int | None = 25, **kw: Any) -> Mailbox:
    defaults: dict[str, Any] = {
        "id": f"mbx-{address}",
        "primary_smtp": address,
        "display_name": address.split("@")[0].title(),
        "account_enabled": True,
        "daily_send_limit": limit,
        "sends_today": 0,
        "created_at": NOW - timedelta(days=30),
        "domain_name": address.split("@")[1],
    }
    defaults.update(kw)
    return Mailbox(**defaults)


def account(
    address: str,
    *,
    limit: int | None = 20,
    gap: int | None = 24,
    warmup: int | None = 5,
    warmup_status: str | None = "ACTIVE",
    **kw: Any,
) -> EmailAccount:
    """An account; ``warmup`` None with an ACTIVE status = volume unknown (as in list answers)."""
    _ids["account"] += 1
    details = None
    if warmup_status is not None:
        details = WarmupDetails(status=WarmupStatus(warmup_status), max_email_per_day=warmup)
    defaults: dict[str, Any] = {
        "id": _ids["account"],
        "from_email": address,
        "from_name": address.split("@")[0].title(),
        "type": "SMTP",
        "message_per_day": limit,
        "min_time_to_wait_in_mins": gap,
        "is_smtp_success": True,
        "is_imap_success": True,
        "warmup_details": details,
    }
    defaults.update(kw)
    return EmailAccount(**defaults)


def fleet(
    spec: dict[Tenant, dict[Domain, list[tuple[Mailbox | None, EmailAccount | None]]]],
    *,
    extra_accounts: list[EmailAccount] | None = None,
    loaded_at: datetime = NOW,
) -> Fleet:
    """A fleet from ``{tenant: {domain: [(mailbox, account), ...]}}``; a None mailbox = orphan account."""
    domains: dict[str, list[Domain]] = {}
    mailboxes: dict[str, list[Mailbox]] = {}
    accounts: list[EmailAccount] = list(extra_accounts or [])
    for t, per_domain in spec.items():
        domains[t.tenant_id] = list(per_domain)
        mailboxes[t.tenant_id] = []
        for pairs in per_domain.values():
            for m, a in pairs:
                if m is not None:
                    mailboxes[t.tenant_id].append(m)
                if a is not None:
                    accounts.append(a)
    return Fleet.build(
        tenants=list(spec), domains=domains, mailboxes=mailboxes, accounts=accounts, loaded_at=loaded_at
    )


def simple_fleet(rows: list[tuple[int | None, EmailAccount | None]], *, tenant_n: int = 1) -> Fleet:
    """One tenant, one domain per 3 rows; each row is (TenantCore limit, account or None)."""
    t = tenant(tenant_n)
    spec: dict[Domain, list[tuple[Mailbox | None, EmailAccount | None]]] = {}
    for i, (limit, acc) in enumerate(rows):
        d = domain(f"d{i // 3}-t{tenant_n}.com")
        address = acc.from_email if acc is not None else f"box{i}@{d.domain_name}"
        spec.setdefault(d, []).append((mailbox(address, limit=limit), acc))
    return fleet({t: spec})


def addr(i: int, tenant_n: int = 1) -> str:
    """The address simple_fleet gives row ``i`` (for building accounts in advance)."""
    return f"box{i}@d{i // 3}-t{tenant_n}.com"


def applied(f: Fleet, plan: Any) -> Fleet:
    """The fleet as it would read back after ``plan`` was written (pure, for invariant tests)."""
    import attrs

    tc: dict[str, dict[str, Any]] = {}
    sl: dict[int, dict[str, Any]] = {}
    for c in plan.changes:
        if c.field == "daily_send_limit":
            tc.setdefault(c.mailbox_id, {})["daily_send_limit"] = c.after
        elif c.system == "smartlead":
            sl.setdefault(c.account_id, {})[c.field] = c.after

    def new_mailbox(m: Mailbox) -> Mailbox:
        return attrs.evolve(m, **tc.get(m.id, {}))

    def new_account(a: EmailAccount) -> EmailAccount:
        edits = dict(sl.get(a.id, {}))
        if "warmup_per_day" in edits:
            assert a.warmup_details is not None
            volume = edits.pop("warmup_per_day")
            if volume == 0:  # the plan turns warmup off (the apply writes warmup_status INACTIVE)
                details = attrs.evolve(a.warmup_details, status=WarmupStatus.INACTIVE)
            else:
                details = attrs.evolve(a.warmup_details, max_email_per_day=volume)
            edits["warmup_details"] = details
        return attrs.evolve(a, **edits)

    return Fleet.build(
        tenants=f.tenants,
        domains=f.domains,
        mailboxes={t: [new_mailbox(m) for m in ms] for t, ms in f.mailboxes.items()},
        accounts=[new_account(a) for a in f.accounts],
        events=f.events,
        loaded_at=f.loaded_at,
    )


# ----------------------------------------------------------------------------- sandbox clients


def sync_clients(sb: Any) -> tuple[Any, Any]:
    """TenantCore and Smartlead clients on the sandbox, with its virtual clock (no real waits)."""
    from tenantlead.smartlead import Smartlead
    from tenantlead.tenantcore import TenantCore

    clock = {"clock": sb.clock.timestamp, "sleep": sb.clock.sleep}
    return (
        TenantCore(sb.tenantcore_api_key, http_client=sb.http_client(), **clock),
        Smartlead(sb.smartlead_api_key, http_client=sb.http_client(), **clock),
    )


def async_clients(sb: Any) -> tuple[Any, Any]:
    """Async twins of :func:`sync_clients`."""
    from tenantlead.smartlead import AsyncSmartlead
    from tenantlead.tenantcore import AsyncTenantCore

    clock = {"clock": sb.clock.timestamp, "sleep": sb.clock.asleep}
    return (
        AsyncTenantCore(sb.tenantcore_api_key, http_client=sb.async_http_client(), **clock),
        AsyncSmartlead(sb.smartlead_api_key, http_client=sb.async_http_client(), **clock),
    )


def sl_account(sb: Any, email: str) -> Any:
    """The sandbox's Smartlead account state for ``email`` (None if absent or deleted)."""
    for acc in sb.sl_user.accounts.values():
        if not acc.deleted and acc.from_email.lower() == email.lower():
            return acc
    return None


def accounts_for(sb: Any, email: str) -> int:
    """How many live Smartlead accounts exist for ``email`` (duplicates would show as > 1)."""
    return sum(
        1 for a in sb.sl_user.accounts.values() if not a.deleted and a.from_email.lower() == email.lower()
    )
