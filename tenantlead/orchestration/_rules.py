"""Rules the planners, the checks and the command line share: each written here once.

- :func:`not_ready_reasons`: why a tenant is not ready (connect's prerequisite and check TL107);
- :func:`tenant_matches` / :func:`find_tenants`: a tenant named by its GUID or its name
  (``connect``'s ``clients=``/``tags=`` keys, ``Fleet.filter(tenant=...)``, ``--tenant``).
"""

from __future__ import annotations

from collections.abc import Iterable

from tenantlead.tenantcore.models import ExchangeBootstrapStatus, Tenant

__all__ = ["find_tenants", "not_ready_reasons", "tenant_matches"]


def not_ready_reasons(tenant: Tenant) -> list[str]:
    """Why ``tenant`` is not ready to have mailboxes connected or limits enforced (empty: ready).

    A value the API did not report is not a failure: an unknown bootstrap status or discovery
    state passes (the same rule as ``Tenant.is_ready``).
    """
    reasons = []
    status = tenant.exchange_bootstrap_status
    if status is not None and status != ExchangeBootstrapStatus.READY:
        reasons.append(f"Exchange bootstrap is {status}")
    if tenant.discovery_completed is False:
        reasons.append("discovery has not completed")
    return reasons


def tenant_matches(tenant: Tenant | None, key: object) -> bool:
    """True when ``key`` names ``tenant``: its Microsoft GUID or its name, exactly."""
    return tenant is not None and key is not None and key in (tenant.tenant_id, tenant.tenant_name)


def find_tenants(tenants: Iterable[Tenant], key: object) -> list[Tenant]:
    """The tenants ``key`` names (see :func:`tenant_matches`), in the order given."""
    return [t for t in tenants if tenant_matches(t, key)]
