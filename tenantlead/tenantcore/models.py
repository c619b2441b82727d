"""TenantCore models, with the wire names of the public API.

Fields the docs show only in examples, or leave unspecified, are optional so that API drift
never breaks parsing; unknown keys land in ``.extra``. Shapes of endpoints the public docs leave
open are marked *inferred* (see docs/concepts for the table of inferences).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date as Date
from datetime import datetime, timedelta
from typing import Any

import attrs

from tenantlead._core.convert import Model, OpenStrEnum, converter, secret_field
from tenantlead._core.validate import MAX_DAILY_LIMIT

__all__ = [
    "PROPAGATION_DELAY",
    "DeprovisionResult",
    "DnsRecord",
    "DnsRecords",
    "Domain",
    "EnforcementAction",
    "EnforcementEvent",
    "ExchangeBootstrapStatus",
    "Mailbox",
    "MailboxLimitsResult",
    "MailboxUsage",
    "RotatedKey",
    "Tenant",
    "UsageReport",
]

#: Exchange Online needs 2-5 minutes after provisioning before a mailbox can send; we wait the
#: upper bound.
PROPAGATION_DELAY = timedelta(minutes=5)


class ExchangeBootstrapStatus(OpenStrEnum):
    """Whether Exchange automation is set up on a tenant."""

    READY = "ready"
    PENDING = "pending"
    FAILED = "failed"


class EnforcementAction(OpenStrEnum):
    """What an enforcement event did to a mailbox."""

    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"


@attrs.frozen(kw_only=True)
class Tenant(Model):
    """A Microsoft 365 tenant connected to TenantCore by admin consent.

    ``tenant_id`` is the Microsoft tenant GUID used in every path; ``id`` is TenantCore's
    internal id (not used in paths).
    """

    tenant_id: str
    id: str | None = None
    tenant_name: str | None = None
    tenant_domain: str | None = None
    default_domain: str | None = None
    domain_count: int | None = None
    mailbox_count: int | None = None
    status: str | None = None
    discovery_completed: bool | None = None
    exchange_bootstrap_status: ExchangeBootstrapStatus | None = None
    consented_at: datetime | None = None
    last_sync_at: datetime | None = None

    @property
    def is_ready(self) -> bool:
        """False when the API says Exchange automation is not ready or discovery has not finished.

        A status the API did not report counts as ready (the same rule as check TL107).
        """
        status = self.exchange_bootstrap_status
        return (
            status is None or status == ExchangeBootstrapStatus.READY
        ) and self.discovery_completed is not False


@attrs.frozen(kw_only=True)
class DnsRecord(Model):
    """One DNS record TenantCore generated for a domain (inferred shape)."""

    type: str
    name: str
    value: str
    ttl: int | None = None
    purpose: str | None = None
    status: str | None = None


_DNS_MISSING = "missing"


@attrs.frozen(kw_only=True)
class Domain(Model):
    """A custom domain on a tenant, with live DNS health (read from public resolvers).

    ``spf_status`` / ``dmarc_status`` hold the raw TXT record or ``"missing"``; ``dkim_status`` is
    ``"healthy"``, ``"partial"``, ``"missing"`` or free text; ``mx_status`` the raw MX host.
    """

    domain_name: str
    id: str | None = None
    is_default: bool | None = None
    is_verified: bool | None = None
    spf_status: str | None = None
    dkim_status: str | None = None
    dmarc_status: str | None = None
    mx_status: str | None = None
    last_checked: datetime | None = None
    #: Only on the response of `Domains.add` (inferred): the records to create.
    dns_records: list[DnsRecord] | None = None

    def dns_problems(self) -> list[str]:
        """Human-readable DNS problems: each of SPF, DKIM, DMARC, MX that is missing or partial."""
        problems: list[str] = []
        for label, value in (("SPF", self.spf_status), ("DMARC", self.dmarc_status), ("MX", self.mx_status)):
            if value is None or not value.strip() or value.strip().lower() == _DNS_MISSING:
                problems.append(f"{label} missing")
        dkim = (self.dkim_status or "").strip().lower()
        if dkim in ("", _DNS_MISSING):
            problems.append("DKIM missing")
        elif dkim == "partial":
            problems.append("DKIM partial")
        return problems

    @property
    def is_healthy(self) -> bool:
        """True when SPF, DKIM, DMARC and MX are all present (DKIM fully)."""
        return not self.dns_problems()


@attrs.frozen(kw_only=True)
class DnsRecords(Model):
    """The DNS records of one domain (inferred shape of the DNS-records endpoint)."""

    domain_id: str | None = None
    domain_name: str | None = None
    tenant_id: str | None = None
    records: list[DnsRecord] = attrs.field(factory=list)
    count: int | None = None


@attrs.frozen(kw_only=True)
class Mailbox(Model):
    """A shared mailbox. The API returns no password: credentials come from the TenantCore app.

    ``daily_send_limit`` is the *stored* limit (None = none stored). It is enforced only after
    ``tc.mailbox_limits.provision(...)`` writes the Exchange transport rule (two-step model).
    A value outside the documented range (a whole number 0..10,000: ``-1``, ``true``, ``2.5``)
    is not taken as a limit: ``daily_send_limit`` is None and the value the API sent is in
    ``daily_send_limit_out_of_range``, so nothing acts on it (``align_limits`` skips the mailbox).
    """

    id: str
    primary_smtp: str
    display_name: str | None = None
    user_principal_name: str | None = None
    mail_nickname: str | None = None
    account_enabled: bool | None = None
    daily_send_limit: int | None = None
    sends_today: int | None = None
    blocked_at: datetime | None = None
    created_at: datetime | None = None
    domain_name: str | None = None
    tenant_name: str | None = None

    @property
    def address(self) -> str:
        """The primary SMTP address, lower-cased (the key the orchestration joins on)."""
        return self.primary_smtp.strip().lower()

    @property
    def is_blocked(self) -> bool:
        """True while enforcement blocks the mailbox (``blocked_at`` set)."""
        return self.blocked_at is not None

    @property
    def ready_at(self) -> datetime | None:
        """When Exchange propagation is over (``created_at`` + 5 minutes), if known."""
        return None if self.created_at is None else self.created_at + PROPAGATION_DELAY

    def is_propagating(self, now: datetime) -> bool:
        """True while the mailbox is younger than the 2-5 minute propagation delay."""
        ready = self.ready_at
        return ready is not None and now < ready

    @property
    def daily_send_limit_out_of_range(self) -> Any:
        """The ``daily_send_limit`` the API sent when it was not a whole number 0..10,000, else None."""
        return self.extra.get(_OUT_OF_RANGE)


_OUT_OF_RANGE = "daily_send_limit_out_of_range"


def _limit_in_range(value: Any) -> bool:
    return value is None or (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DAILY_LIMIT
    )


def _set_aside_bad_limit(data: Mapping[str, Any]) -> Mapping[str, Any]:
    # A ceiling TenantCore should never send is unknown, not 0 or 1: keep it out of the field.
    value = data.get("daily_send_limit")
    if _limit_in_range(value):
        return data
    out = dict(data)
    out["daily_send_limit"] = None
    out[_OUT_OF_RANGE] = value
    return out


_mailbox_hook = converter.get_structure_hook(Mailbox)
converter.register_structure_hook(
    Mailbox,
    lambda data, cls: _mailbox_hook(_set_aside_bad_limit(data) if isinstance(data, Mapping) else data, cls),
)


@attrs.frozen(kw_only=True)
class MailboxUsage(Model):
    """One mailbox's daily usage (inferred shape)."""

    primary_smtp: str
    mailbox_id: str | None = None
    sends_today: int | None = None
    daily_send_limit: int | None = None
    enforced: bool | None = None
    blocked_at: datetime | None = None


@attrs.frozen(kw_only=True)
class UsageReport(Model):
    """Daily usage of a tenant's mailboxes (inferred shape)."""

    tenant_id: str
    date: Date | None = None
    mailboxes: list[MailboxUsage] = attrs.field(factory=list)
    total_sends_today: int | None = None
    count: int | None = None


@attrs.frozen(kw_only=True)
class MailboxLimitsResult(Model):
    """What provisioning enforcement (step 2) did (inferred shape)."""

    tenant_id: str
    status: str | None = None
    domains: list[str] = attrs.field(factory=list)
    mailboxes_enforced: int | None = None
    mailboxes_without_limit: int | None = None
    transport_rule: str | None = None
    security_group: str | None = None
    provisioned_at: datetime | None = None


@attrs.frozen(kw_only=True)
class EnforcementEvent(Model):
    """One block/unblock entry of the enforcement audit log."""

    mailbox_address: str
    action_taken: EnforcementAction
    id: str | None = None
    tenant_id: str | None = None
    sent_count: int | None = None
    limit_value: int | None = None
    message: str | None = None
    created_at: datetime | None = None


@attrs.frozen(kw_only=True)
class DeprovisionResult(Model):
    """Answer of a tenant deprovision (inferred shape)."""

    tenant_id: str
    deprovisioned: bool = True


@attrs.frozen(kw_only=True)
class RotatedKey(Model):
    """A freshly rotated API key (inferred shape). The key is hidden from ``repr`` and ``to_dict``."""

    # Required: a rotation answer without the new key must fail loudly (the old key is already dead).
    api_key: str = secret_field(default=attrs.NOTHING)
    user_email: str | None = None
    rotated_at: datetime | None = None
