"""SDK clients pointed at a benchmark endpoint, configured with the sandbox's own rate limit."""

from __future__ import annotations

from collections.abc import Sequence

from bench._loopback import Endpoint
from tenantlead import AsyncSmartlead, AsyncTenantCore, RateLimit, Smartlead, TenantCore

__all__ = ["async_clients", "sync_clients"]

#: Enough retries that a 429 (or a loopback hiccup) is recovered rather than raised.
MAX_RETRIES = 5


def sync_clients(ep: Endpoint, rate_limits: Sequence[tuple[int, float]]) -> tuple[TenantCore, Smartlead]:
    """``(TenantCore, Smartlead)`` for ``ep``; Smartlead paced by the same windows the sandbox enforces."""
    tc = TenantCore(ep.tenantcore_api_key, base_url=ep.tenantcore_base_url, max_retries=MAX_RETRIES)
    sl = Smartlead(
        ep.smartlead_api_key,
        base_url=ep.smartlead_base_url,
        max_retries=MAX_RETRIES,
        rate_limit=RateLimit(tuple(rate_limits)),
    )
    return tc, sl


def async_clients(
    ep: Endpoint, rate_limits: Sequence[tuple[int, float]], *, rate_limit: RateLimit | None = None
) -> tuple[AsyncTenantCore, AsyncSmartlead]:
    """Async twin of :func:`sync_clients` (``rate_limit`` overrides the windows, for diagnostics)."""
    tc = AsyncTenantCore(ep.tenantcore_api_key, base_url=ep.tenantcore_base_url, max_retries=MAX_RETRIES)
    sl = AsyncSmartlead(
        ep.smartlead_api_key,
        base_url=ep.smartlead_base_url,
        max_retries=MAX_RETRIES,
        rate_limit=rate_limit if rate_limit is not None else RateLimit(tuple(rate_limits)),
    )
    return tc, sl
