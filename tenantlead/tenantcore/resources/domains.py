"""``tc.domains``: a tenant's custom domains, their live DNS health, and their DNS records."""

from __future__ import annotations

from tenantlead._core.request import APIRequest, Response
from tenantlead._core.resource import (
    AsyncResource,
    SyncResource,
    expect_object,
    parse_list,
    parse_model,
    require_id,
)
from tenantlead.tenantcore.models import DnsRecords, Domain
from tenantlead.tenantcore.resources._validate import check_domain_name

__all__ = ["AsyncDomains", "Domains"]


def _list(tenant_id: str) -> APIRequest[list[Domain]]:
    return APIRequest(
        method="GET",
        path=f"/tenants/{require_id(tenant_id, 'tenant_id')}/domains",
        parse=parse_list(Domain, key="domains"),
    )


def _find(tenant_id: str, domain_name: str) -> APIRequest[Domain | None]:
    lister = parse_list(Domain, key="domains")

    def parse(response: Response) -> Domain | None:
        return next((d for d in lister(response) if d.domain_name.lower() == domain_name), None)

    return APIRequest(method="GET", path=f"/tenants/{tenant_id}/domains", parse=parse)


def _add(tenant_id: str, domain_name: str) -> APIRequest[Domain]:
    tid = require_id(tenant_id, "tenant_id")
    name = check_domain_name(domain_name)
    # Inferred: POST /v1/tenants/{tenant_id}/domains {"domain_name"}. Not idempotent, so an
    # uncertain outcome is settled by looking the domain up before sending again.
    return APIRequest(
        method="POST",
        path=f"/tenants/{tid}/domains",
        json={"domain_name": name},
        parse=parse_model(Domain),
        reconcile=_find(tid, name),
    )


def _dns_records(tenant_id: str, domain_id: str) -> APIRequest[DnsRecords]:
    tid, did = require_id(tenant_id, "tenant_id"), require_id(domain_id, "domain_id")

    def parse(response: Response) -> DnsRecords:
        return DnsRecords.from_dict(expect_object(response))

    return APIRequest(method="GET", path=f"/tenants/{tid}/domains/{did}/dns-records", parse=parse)


class Domains(SyncResource):
    """Custom domains of a tenant. DNS health is queried live from public resolvers on every list."""

    def list(self, tenant_id: str) -> list[Domain]:
        """Every custom domain of the tenant, with SPF/DKIM/DMARC/MX status and verification."""
        return self._client._run(_list(tenant_id))

    def add(self, tenant_id: str, domain_name: str) -> Domain:
        """Add a custom domain (inferred: ``POST /v1/tenants/{tenant_id}/domains``).

        The answer carries the DNS records to create at the registrar (``Domain.dns_records``).
        Verification itself is done in the TenantCore app once DNS has propagated.
        """
        return self._client._run(_add(tenant_id, domain_name))

    def dns_records(self, tenant_id: str, domain_id: str) -> DnsRecords:
        """The DNS records TenantCore generated for a domain (inferred path ``.../dns-records``)."""
        return self._client._run(_dns_records(tenant_id, domain_id))


class AsyncDomains(AsyncResource):
    """Async twin of :class:`Domains`."""

    async def list(self, tenant_id: str) -> list[Domain]:
        """Every custom domain of the tenant, with SPF/DKIM/DMARC/MX status and verification."""
        return await self._client._run(_list(tenant_id))

    async def add(self, tenant_id: str, domain_name: str) -> Domain:
        """Add a custom domain (inferred: ``POST /v1/tenants/{tenant_id}/domains``)."""
        return await self._client._run(_add(tenant_id, domain_name))

    async def dns_records(self, tenant_id: str, domain_id: str) -> DnsRecords:
        """The DNS records TenantCore generated for a domain (inferred path ``.../dns-records``)."""
        return await self._client._run(_dns_records(tenant_id, domain_id))
