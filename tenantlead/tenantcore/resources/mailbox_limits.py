"""``tc.mailbox_limits``: step 2 of enforcement, the Exchange transport rule.

``provision_request`` (the arguments of ``MailboxLimits.provision``) builds its one request, for
other layers to compose into flows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tenantlead._core.request import APIRequest
from tenantlead._core.resource import AsyncResource, SyncResource, parse_model, require_id
from tenantlead._core.types import NOT_GIVEN, NotGiven
from tenantlead.tenantcore._validate import check_daily_limit, check_domain_name
from tenantlead.tenantcore.models import MailboxLimitsResult

__all__ = ["AsyncMailboxLimits", "MailboxLimits", "provision_request"]


def provision_request(
    tenant_id: str,
    *,
    domain_names: Sequence[str] | None = None,
    daily_send_limit: int | NotGiven = NOT_GIVEN,
) -> APIRequest[MailboxLimitsResult]:
    """``MailboxLimits.provision``: write the transport rule enforcing the stored limits (retry-safe)."""
    body: dict[str, Any] = {}
    if domain_names is not None:
        if isinstance(domain_names, str):
            raise ValueError("domain_names must be a list of domain names, not a single string")
        if not domain_names:
            raise ValueError("domain_names is empty: pass None to cover every domain of the tenant")
        body["domain_names"] = [check_domain_name(d, "domain_names[]") for d in domain_names]
    if not isinstance(daily_send_limit, NotGiven):
        limit = check_daily_limit(daily_send_limit)
        if limit is None:
            raise ValueError("daily_send_limit for a global limit must be a number")
        body["daily_send_limit"] = limit
    # Writing the same rule again leaves the same state: retry-safe.
    return APIRequest(
        method="POST",
        path=f"/tenants/{require_id(tenant_id, 'tenant_id')}/mailbox-limits",
        json=body,
        parse=parse_model(MailboxLimitsResult),
        retry_safe=True,
    )


class MailboxLimits(SyncResource):
    """Enforce stored daily limits in Exchange (the body shape is inferred; see the docs)."""

    def provision(
        self,
        tenant_id: str,
        *,
        domain_names: Sequence[str] | None = None,
        daily_send_limit: int | NotGiven = NOT_GIVEN,
    ) -> MailboxLimitsResult:
        """Write the transport rule that enforces each mailbox's stored ``daily_send_limit``.

        Scope: every domain of the tenant, or ``domain_names``. ``daily_send_limit`` first
        stores that value on every mailbox in scope (the app's "Set Global Limit"). Re-run it
        after changing limits with ``tc.mailboxes.update``: a stored value bites only once
        provisioned.
        """
        return self._client._run(
            provision_request(tenant_id, domain_names=domain_names, daily_send_limit=daily_send_limit)
        )


class AsyncMailboxLimits(AsyncResource):
    """Async twin of [`MailboxLimits`][tenantlead.tenantcore.resources.mailbox_limits.MailboxLimits]."""

    async def provision(
        self,
        tenant_id: str,
        *,
        domain_names: Sequence[str] | None = None,
        daily_send_limit: int | NotGiven = NOT_GIVEN,
    ) -> MailboxLimitsResult:
        """Write the transport rule that enforces stored limits (see [`MailboxLimits.provision`][tenantlead.tenantcore.resources.mailbox_limits.MailboxLimits.provision])."""
        return await self._client._run(
            provision_request(tenant_id, domain_names=domain_names, daily_send_limit=daily_send_limit)
        )
