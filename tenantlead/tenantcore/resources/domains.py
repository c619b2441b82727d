"""``tc.domains``: a tenant's custom domains, their live DNS health, and their DNS records.

Each method ``m`` sends one request, built by ``m_request`` (same arguments) for other layers to
compose: ``list_request``, ``add_request``, ``dns_records_request``.
"""

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
from tenantlead.tenantcore._validate import check_domain_name
from tenantlead.tenantcore.models import DnsRecords, Domain

__all__ = ["AsyncDomains", "Domains", "add_request", "dns_records_request", "list_request"]


def list_request(tenant_id: str) -> APIRequest[list[Domain]]:
    """``Domains.list``: every custom domain of the tenant."""
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


def add_request(tenant_id: str, domain_name: str) -> APIRequest[Domain]:
    """``Domains.add``: add a domain (an uncertain outcome is looked up, not resent)."""
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


def dns_records_request(tenant_id: str, domain_id: str) -> APIRequest[DnsRecords]:
    """``Domains.dns_records``: the DNS records a domain needs, and what is published."""
    tid, did = require_id(tenant_id, "tenant_id"), require_id(domain_id, "domain_id")

    def parse(response: Response) -> DnsRecords:
        return DnsRecords.from_dict(expect_object(response))

    return APIRequest(method="GET", path=f"/tenants/{tid}/domains/{did}/dns-records", parse=parse)


class Domains(SyncResource):
    """Custom domains of a tenant. DNS health is queried live from public resolvers on every list."""

    def list(self, tenant_id: str) -> list[Domain]:
        """Every custom domain of the tenant, with SPF/DKIM/DMARC/MX status and verification."""
        return self._client._run(list_request(tenant_id))

    def add(self, tenant_id: str, domain_name: str) -> Domain:
        """Add a custom domain (inferred: ``POST /v1/tenants/{tenant_id}/domains``).

        The answer carries the DNS records to create at the registrar (``Domain.dns_records``).
        Verification itself is done in the TenantCore app once DNS has propagated.
        """
        return self._client._run(add_request(tenant_id, domain_name))

    def dns_records(self, tenant_id: str, domain_id: str) -> DnsRecords:
        """The DNS records TenantCore generated for a domain (inferred path ``.../dns-records``)."""
        return self._client._run(dns_records_request(tenant_id, domain_id))


class AsyncDomains(AsyncResource):
    """Async twin of [`Domains`][tenantlead.tenantcore.resources.domains.Domains]."""

    async def list(self, tenant_id: str) -> list[Domain]:
        """Every custom domain of the tenant, with SPF/DKIM/DMARC/MX status and verification."""
        return await self._client._run(list_request(tenant_id))

    async def add(self, tenant_id: str, domain_name: str) -> Domain:
        """Add a custom domain (inferred: ``POST /v1/tenants/{tenant_id}/domains``)."""
        return await self._client._run(add_request(tenant_id, domain_name))

    async def dns_records(self, tenant_id: str, domain_id: str) -> DnsRecords:
        """The DNS records TenantCore generated for a domain (inferred path ``.../dns-records``)."""
        return await self._client._run(dns_records_request(tenant_id, domain_id))
