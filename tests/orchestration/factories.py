"""Hand-built fleets for the troubleshooting tests: healthy defaults, override what a test needs.

Everything goes through the real models (``Model.from_dict`` with wire names) and ``Fleet.build``,
so the checks see exactly what ``Fleet.load`` would give them.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tenantlead.orchestration.fleet import Fleet, address_domain
from tenantlead.smartlead.models import EmailAccount
from tenantlead.tenantcore.models import Domain, EnforcementEvent, Mailbox, Tenant

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TENANT_A = "11111111-1111-4111-8111-111111111111"
TENANT_B = "22222222-2222-4222-8222-222222222222"
NAMES = {TENANT_A: "Acme Dental", TENANT_B: "Brightline Realty"}
CLIENTS = {TENANT_A: 501, TENANT_B: 502}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _stable_id(text: str) -> int:
    return 10_000 + zlib.crc32(text.encode()) % 9_000_000


def tenant(tenant_id: str = TENANT_A, **over: Any) -> Tenant:
    """A ready tenant (bootstrap ready, discovery done)."""
    data = {
        "tenant_id": tenant_id,
        "tenant_name": NAMES.get(tenant_id, "Tenant " + tenant_id[:4]),
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


def mailbox(address: str, **over: Any) -> Mailbox:
    """An active, month-old mailbox with the usual limit of 25 and nothing sent yet."""
    created = over.pop("created_at", NOW - timedelta(days=30))
    blocked_at = over.pop("blocked_at", None)
    data = {
        "id": f"mbx-{address}",
        "primary_smtp": address,
        "display_name": address.split("@")[0].title(),
        "account_enabled": True,
        "daily_send_limit": 25,
        "sends_today": 0,
        "blocked_at": _iso(blocked_at) if blocked_at is not None else None,
        "created_at": _iso(created) if created is not None else None,
        "domain_name": address_domain(address),
        **over,
    }
    return Mailbox.from_dict(data)


def account(address: str, **over: Any) -> EmailAccount:
    """A connected OAuth Smartlead account: 20/day, 24-minute gap, warmup ACTIVE at 5/day, client 501.

    ``warmup`` overrides ``warmup_details`` keys (``warmup=None`` removes warmup entirely);
    ``gap`` sets the list-only ``minTimeToWaitInMins``.
    """
    warmup = over.pop("warmup", {})
    gap = over.pop("gap", 24)
    data: dict[str, Any] = {
        "id": _stable_id(address),
        "from_email": address,
        "from_name": address.split("@")[0].title(),
        "type": "OUTLOOK",
        "message_per_day": 20,
        "daily_sent_count": 0,
        "minTimeToWaitInMins": gap,
        "is_smtp_success": True,
        "is_imap_success": True,
        "client_id": CLIENTS[TENANT_A],
        "warmup_details": None
        if warmup is None
        else {"id": 1, "status": "ACTIVE", "max_email_per_day": 5, "warmup_reputation": "100%", **warmup},
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
