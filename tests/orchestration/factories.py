"""Hand-built fleets and sandbox clients for the orchestration tests: healthy defaults, override what a test needs.

One module, one clock (``NOW``). Everything goes through the real models (``Model.from_dict``
with wire names) and ``Fleet.build``, so planners and checks see exactly what ``Fleet.load``
would give them. Two ways to lay a fleet out: :func:`build_fleet` (mailboxes per tenant, domains
derived) and :func:`fleet` (``{tenant: {domain: [(mailbox, account)]}}``, for planner tests that
need orphans or several domains); :func:`simple_fleet` is one tenant with rows of (limit, account).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from tenantlead.orchestration.fleet import Fleet, address_domain
from tenantlead.smartlead.models import EmailAccount, WarmupStatus
from tenantlead.tenantcore.models import Domain, EnforcementEvent, Mailbox, Tenant

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TENANT_A = "11111111-1111-4111-8111-111111111111"
TENANT_B = "22222222-2222-4222-8222-222222222222"
NAMES = {TENANT_A: "Acme Dental", TENANT_B: "Brightline Realty"}
CLIENTS = {TENANT_A: 501, TENANT_B: 502}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def _stable_id(text: str) -> int:
    return 10_000 + zlib.crc32(text.encode()) % 9_000_000


def tenant(key: str | int = TENANT_A, **over: Any) -> Tenant:
    """A ready tenant (bootstrap ready, discovery done): by GUID, or ``n`` for GUID ``0000...000n``, name ``Tenant n``."""
    tenant_id = key if isinstance(key, str) else f"00000000-0000-0000-0000-{key:012d}"
    name = NAMES.get(tenant_id, f"Tenant {key}" if isinstance(key, int) else "Tenant " + tenant_id[:4])
    data = {
        "tenant_id": tenant_id,
        "tenant_name": name,
        "exchange_bootstrap_status": "ready",
        "discovery_completed": True,
        "status": "active",
        **over,
    }
    return Tenant.from_dict(data)


def domain(name: str, **over: Any) -> Domain:
    """A verified domain with healthy SPF, DKIM, DMARC and MX."""
    data = {
        "id": f"dom-{name}",
        "domain_name": name,
        "is_verified": True,
        "spf_status": "v=spf1 include:spf.protection.outlook.com -all",
        "dkim_status": "healthy",
        "dmarc_status": "v=DMARC1; p=quarantine",
        "mx_status": name.replace(".", "-") + ".mail.protection.outlook.com",
        **over,
    }
    return Domain.from_dict(data)


def mailbox(address: str, *, limit: int | None = 25, **over: Any) -> Mailbox:
    """An active, month-old mailbox with TenantCore limit ``limit`` (default 25) and nothing sent yet."""
    created = over.pop("created_at", NOW - timedelta(days=30))
    blocked_at = over.pop("blocked_at", None)
    data = {
        "id": f"mbx-{address}",
        "primary_smtp": address,
        "display_name": address.split("@")[0].title(),
        "account_enabled": True,
        "daily_send_limit": limit,
        "sends_today": 0,
        "blocked_at": _iso(blocked_at),
        "created_at": _iso(created),
        "domain_name": address_domain(address),
        **over,
    }
    return Mailbox.from_dict(data)


def account(
    address: str,
    *,
    limit: int | None = 20,
    gap: int | None = 24,
    warmup: int | Mapping[str, Any] | None = 5,
    warmup_status: str | None = "ACTIVE",
    **over: Any,
) -> EmailAccount:
    """A connected OAuth Smartlead account: 20/day, 24-minute gap, warmup ACTIVE at 5/day, client 501.

    ``warmup`` is the warmup volume (None: active but unknown, as in list answers) or a dict of
    ``warmup_details`` keys to override; ``warmup_status=None`` removes warmup entirely. ``gap``
    sets the list-only ``minTimeToWaitInMins``. Other keys are wire names.
    """
    details: dict[str, Any] | None = None
    if warmup_status is not None:
        volume = warmup if not isinstance(warmup, Mapping) else 5
        extra = dict(warmup) if isinstance(warmup, Mapping) else {}
        details = {"id": 1, "status": warmup_status, "max_email_per_day": volume, "warmup_reputation": "100%"}
        details.update(extra)
    data: dict[str, Any] = {
        "id": _stable_id(address),
        "from_email": address,
        "from_name": address.split("@")[0].title(),
        "type": "OUTLOOK",
        "message_per_day": limit,
        "daily_sent_count": 0,
        "minTimeToWaitInMins": gap,
        "is_smtp_success": True,
        "is_imap_success": True,
        "client_id": CLIENTS[TENANT_A],
        "warmup_details": details,
        **over,
    }
    return EmailAccount.from_dict(data)


def event(
    address: str, *, at: datetime, action: str = "blocked", tenant_id: str = TENANT_A
) -> EnforcementEvent:
    """An enforcement log entry (26 sent over a limit of 25)."""
    return EnforcementEvent.from_dict(
        {
            "id": f"evt-{address}-{at.timestamp():.0f}-{action}",
            "tenant_id": tenant_id,
            "mailbox_address": address,
            "action_taken": action,
            "sent_count": 26 if action == "blocked" else 0,
            "limit_value": 25,
            "created_at": _iso(at),
        }
    )


def build_fleet(
    mailboxes: Mapping[str, Sequence[Mailbox]] | Sequence[Mailbox] = (),
    accounts: Sequence[EmailAccount] = (),
    *,
    events: Sequence[EnforcementEvent] = (),
    tenants: Sequence[Tenant] | None = None,
    domains: Mapping[str, Sequence[Domain]] | None = None,
    loaded_at: datetime = NOW,
) -> Fleet:
    """A fleet from mailboxes (a list: all on tenant A; or tenant_id -> list) and accounts.

    Tenants default to one ready tenant per key; domains to one healthy domain per mailbox domain.
    """
    by_tenant: dict[str, list[Mailbox]] = (
        {k: list(v) for k, v in mailboxes.items()}
        if isinstance(mailboxes, Mapping)
        else {TENANT_A: list(mailboxes)}
    )
    if tenants is None:
        tenants = [tenant(tid) for tid in by_tenant]
    if domains is None:
        domains = {
            tid: [
                domain(name) for name in sorted({m.domain_name or address_domain(m.address) for m in boxes})
            ]
            for tid, boxes in by_tenant.items()
        }
    return Fleet.build(
        tenants=tenants,
        domains=domains,
        mailboxes=by_tenant,
        accounts=accounts,
        events=events,
        loaded_at=loaded_at,
    )


def connected_fleet(
    *, mailbox_over: Mapping[str, Any] | None = None, account_over: Mapping[str, Any] | None = None, **kw: Any
) -> Fleet:
    """One healthy connected mailbox (``anna@acme-mail.com``) with overrides on either side."""
    address = "anna@acme-mail.com"
    return build_fleet(
        [mailbox(address, **dict(mailbox_over or {}))], [account(address, **dict(account_over or {}))], **kw
    )


def healthy_fleet(domains_per_tenant: int = 2) -> Fleet:
    """Two ready tenants, healthy domains with 3 connected mailboxes each, each tenant its own client."""
    boxes: dict[str, list[Mailbox]] = {}
    accounts: list[EmailAccount] = []
    for tid, slug in ((TENANT_A, "acme"), (TENANT_B, "bright")):
        for d in range(domains_per_tenant):
            for name in ("anna", "ben", "cleo"):
                address = f"{name}@{slug}{d}.com"
                boxes.setdefault(tid, []).append(mailbox(address))
                accounts.append(account(address, client_id=CLIENTS[tid]))
    return build_fleet(boxes, accounts)


# ----------------------------------------------------------------------------- nested layouts


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

    return (
        TenantCore(sb.tenantcore_api_key, **sb.client_options()),
        Smartlead(sb.smartlead_api_key, **sb.client_options()),
    )


def async_clients(sb: Any) -> tuple[Any, Any]:
    """Async twins of :func:`sync_clients`."""
    from tenantlead.smartlead import AsyncSmartlead
    from tenantlead.tenantcore import AsyncTenantCore

    return (
        AsyncTenantCore(sb.tenantcore_api_key, **sb.client_options(asynchronous=True)),
        AsyncSmartlead(sb.smartlead_api_key, **sb.client_options(asynchronous=True)),
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
