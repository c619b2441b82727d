"""The TenantCore API: clients, models and resource namespaces."""

from tenantlead.tenantcore._client import AsyncTenantCore, TenantCore
from tenantlead.tenantcore.models import (
    PROPAGATION_DELAY,
    DeprovisionResult,
    DnsRecord,
    DnsRecords,
    Domain,
    EnforcementAction,
    EnforcementEvent,
    ExchangeBootstrapStatus,
    Mailbox,
    MailboxLimitsResult,
    MailboxUsage,
    RotatedKey,
    Tenant,
    UsageReport,
)

__all__ = [
    "PROPAGATION_DELAY",
    "AsyncTenantCore",
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
    "TenantCore",
    "UsageReport",
]
