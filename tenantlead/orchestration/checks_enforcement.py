"""Checks about enforcement the API cannot show (registered in the one catalogue, ``CHECKS``).

TL110 reads ``fleet.unenforced``: tenants whose limits an apply stored without finishing the
provisioning that makes Exchange enforce them (TenantCore's API has no "enforced" field, so
``Fleet.load`` takes this from the apply journal; see ``tenantlead.orchestration.journal``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tenantlead.orchestration.checks_model import CheckPolicy, Finding, Severity
from tenantlead.orchestration.checks_rules import ALIGN, CHECKS
from tenantlead.orchestration.checks_rules import _register as register

if TYPE_CHECKING:
    from tenantlead.orchestration.fleet import Fleet

__all__ = ["check_tl110"]


@register(
    "TL110",
    title="Stored limits not known to be enforced",
    severity=Severity.WARNING,
    subject="tenant",
    description="An apply stored daily limits on the tenant and was stopped before provisioning the Exchange "
    "transport rule that enforces them (recorded in the apply journal; the API does not show it): the limits "
    "may not bite.",
    fix=f"Provision enforcement: tc.mailbox_limits.provision(tenant_id), or {ALIGN} (the next plan provisions "
    "it), or `tenantlead align --apply --enforce-all` to re-provision every tenant.",
)
def check_tl110(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL110: tenants in ``fleet.unenforced``."""
    for tenant in fleet.tenants:
        if tenant.tenant_id not in fleet.unenforced:
            continue
        limited = sum(1 for m in fleet.mailboxes.get(tenant.tenant_id, ()) if m.daily_send_limit is not None)
        name = f" ({tenant.tenant_name})" if tenant.tenant_name else ""
        check = CHECKS["TL110"]
        yield Finding(
            code="TL110",
            severity=check.severity,
            subject=tenant.tenant_id,
            subject_kind="tenant",
            tenant_id=tenant.tenant_id,
            message=f"tenant{name} has {limited} stored limit(s) that an interrupted apply did not provision: "
            "Exchange may not be enforcing them",
            fix=f"Provision enforcement: tc.mailbox_limits.provision({tenant.tenant_id!r}), or {ALIGN}.",
            details={"mailboxes_with_limits": limited, "tenant_name": tenant.tenant_name},
        )
