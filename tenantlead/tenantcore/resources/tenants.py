"""``tc.tenants``: list, inspect and deprovision connected Microsoft 365 tenants.

Each method ``m`` sends one request, built by ``m_request`` (same arguments) for other layers to
compose: ``list_request``, ``get_request``, ``deprovision_request``.
"""

from __future__ import annotations

from tenantlead._core.request import APIRequest
from tenantlead._core.resource import AsyncResource, SyncResource, parse_list, parse_model, require_id
from tenantlead.tenantcore.models import DeprovisionResult, Tenant

__all__ = ["AsyncTenants", "Tenants", "deprovision_request", "get_request", "list_request"]


def list_request() -> APIRequest[list[Tenant]]:
    """``Tenants.list``: every connected tenant."""
    return APIRequest(method="GET", path="/tenants", parse=parse_list(Tenant, key="tenants"))


def get_request(tenant_id: str) -> APIRequest[Tenant]:
    """``Tenants.get``: one tenant by its Microsoft tenant GUID."""
    return APIRequest(
        method="GET", path=f"/tenants/{require_id(tenant_id, 'tenant_id')}", parse=parse_model(Tenant)
    )


def deprovision_request(tenant_id: str) -> APIRequest[DeprovisionResult]:
    """``Tenants.deprovision``: disconnect a tenant from TenantCore (retry-safe)."""
    # Inferred: DELETE /v1/tenants/{tenant_id}. Deleting twice ends in the same state: retry-safe.
    return APIRequest(
        method="DELETE",
        path=f"/tenants/{require_id(tenant_id, 'tenant_id')}",
        parse=parse_model(DeprovisionResult),
        retry_safe=True,
    )


class Tenants(SyncResource):
    """Tenants connected to this TenantCore account (connected in the app by admin consent)."""

    def list(self) -> list[Tenant]:
        """Every connected tenant, most recently connected first."""
        return self._client._run(list_request())

    def get(self, tenant_id: str) -> Tenant:
        """One tenant by its Microsoft tenant GUID (``Tenant.tenant_id``, not ``Tenant.id``)."""
        return self._client._run(get_request(tenant_id))

    def deprovision(self, tenant_id: str) -> DeprovisionResult:
        """Disconnect a tenant from TenantCore (inferred: ``DELETE /v1/tenants/{tenant_id}``).

        The client keeps its Microsoft 365 domains and mailboxes; TenantCore stops managing them.
        """
        return self._client._run(deprovision_request(tenant_id))


class AsyncTenants(AsyncResource):
    """Async twin of [`Tenants`][tenantlead.tenantcore.resources.tenants.Tenants]."""

    async def list(self) -> list[Tenant]:
        """Every connected tenant, most recently connected first."""
        return await self._client._run(list_request())

    async def get(self, tenant_id: str) -> Tenant:
        """One tenant by its Microsoft tenant GUID (``Tenant.tenant_id``, not ``Tenant.id``)."""
        return await self._client._run(get_request(tenant_id))

    async def deprovision(self, tenant_id: str) -> DeprovisionResult:
        """Disconnect a tenant from TenantCore (inferred: ``DELETE /v1/tenants/{tenant_id}``)."""
        return await self._client._run(deprovision_request(tenant_id))
