"""``TenantCore`` and ``AsyncTenantCore``: the TenantCore API clients."""

from __future__ import annotations

from functools import cached_property

from tenantlead._core.http import AsyncAPIClient, SyncAPIClient
from tenantlead.tenantcore._profile import PROFILE
from tenantlead.tenantcore.resources.api_keys import ApiKeys, AsyncApiKeys
from tenantlead.tenantcore.resources.domains import AsyncDomains, Domains
from tenantlead.tenantcore.resources.enforcement import AsyncEnforcement, Enforcement
from tenantlead.tenantcore.resources.mailbox_limits import AsyncMailboxLimits, MailboxLimits
from tenantlead.tenantcore.resources.mailboxes import AsyncMailboxes, Mailboxes
from tenantlead.tenantcore.resources.tenants import AsyncTenants, Tenants

__all__ = ["AsyncTenantCore", "TenantCore"]


class TenantCore(SyncAPIClient):
    """Blocking client for the TenantCore API.

    ``TenantCore()`` reads ``TENANTCORE_API_KEY`` (and ``TENANTCORE_BASE_URL``). TenantCore
    documents no rate limit, so none is applied unless ``rate_limit=`` asks for one; 429s and
    5xx on retry-safe calls are retried ``max_retries`` times with capped backoff.

    Args:
        api_key: ``tc_live_`` + 48 hex characters; default ``$TENANTCORE_API_KEY``.
        base_url: default ``https://api.tenantcore.io/v1`` (or ``$TENANTCORE_BASE_URL``).
        timeout: seconds per request (None disables); overridable per call with ``with_options``.
        max_retries: retries for retry-safe requests.
        http_client: your own ``httpx.Client`` (proxies, custom transports, test doubles).
        rate_limit: optional client-side [`RateLimit`][tenantlead.RateLimit].
        retry: full [`RetryPolicy`][tenantlead.RetryPolicy] (its ``max_retries`` is replaced by ``max_retries``).
        clock: Unix-time clock used for rate limiting and waits (inject a fake in tests).
        sleep: sleeper used for backoff and waits (inject a fake in tests).
        default_headers: extra headers sent on every request.
    """

    _profile = PROFILE

    @cached_property
    def tenants(self) -> Tenants:
        """Connected Microsoft 365 tenants."""
        return Tenants(self)

    @cached_property
    def domains(self) -> Domains:
        """Custom domains and their DNS health."""
        return Domains(self)

    @cached_property
    def mailboxes(self) -> Mailboxes:
        """Shared mailboxes and their stored daily limits."""
        return Mailboxes(self)

    @cached_property
    def mailbox_limits(self) -> MailboxLimits:
        """Exchange enforcement of stored limits (step 2)."""
        return MailboxLimits(self)

    @cached_property
    def enforcement(self) -> Enforcement:
        """The block/unblock audit log."""
        return Enforcement(self)

    @cached_property
    def api_keys(self) -> ApiKeys:
        """Key rotation."""
        return ApiKeys(self)


class AsyncTenantCore(AsyncAPIClient):
    """Async client for the TenantCore API (same arguments as [`TenantCore`][tenantlead.tenantcore.TenantCore]).

    ``http_client`` is an ``httpx.AsyncClient``; ``sleep`` an async sleeper.
    """

    _profile = PROFILE

    @cached_property
    def tenants(self) -> AsyncTenants:
        """Connected Microsoft 365 tenants."""
        return AsyncTenants(self)

    @cached_property
    def domains(self) -> AsyncDomains:
        """Custom domains and their DNS health."""
        return AsyncDomains(self)

    @cached_property
    def mailboxes(self) -> AsyncMailboxes:
        """Shared mailboxes and their stored daily limits."""
        return AsyncMailboxes(self)

    @cached_property
    def mailbox_limits(self) -> AsyncMailboxLimits:
        """Exchange enforcement of stored limits (step 2)."""
        return AsyncMailboxLimits(self)

    @cached_property
    def enforcement(self) -> AsyncEnforcement:
        """The block/unblock audit log."""
        return AsyncEnforcement(self)

    @cached_property
    def api_keys(self) -> AsyncApiKeys:
        """Key rotation."""
        return AsyncApiKeys(self)
