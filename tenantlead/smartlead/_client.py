"""``Smartlead`` and ``AsyncSmartlead``: the Smartlead API clients."""

from __future__ import annotations

from functools import cached_property
from typing import Final

from tenantlead._core.http import AsyncAPIClient, SyncAPIClient
from tenantlead._core.ratelimit import RateLimit
from tenantlead.smartlead._profile import PROFILE
from tenantlead.smartlead.resources.campaigns import AsyncCampaigns, Campaigns
from tenantlead.smartlead.resources.clients import AsyncClients, Clients
from tenantlead.smartlead.resources.email_accounts import AsyncEmailAccounts, EmailAccounts
from tenantlead.smartlead.resources.tags import AsyncTags, Tags
from tenantlead.smartlead.resources.webhooks import AsyncWebhooks, Webhooks

__all__ = ["DEFAULT_RATE_LIMIT", "AsyncSmartlead", "Smartlead"]

#: Smartlead's documented 60 requests per 60 s per key, plus the help centre's 10 per 2 s burst cap.
DEFAULT_RATE_LIMIT: Final = RateLimit(((60, 60.0), (10, 2.0)))


class Smartlead(SyncAPIClient):
    """Blocking client for the Smartlead API.

    ``Smartlead()`` reads ``SMARTLEAD_API_KEY`` (and ``SMARTLEAD_BASE_URL``). The key travels as
    ``?api_key=`` on every request (Smartlead has no header form) and is redacted from every log
    line, error and repr. Requests are paced client-side (default 60 per minute with at most 10
    per 2 seconds), the pace adapts to ``x-ratelimit-remaining`` / ``x-ratelimit-reset``, and a
    429 is retried after the server's ``Retry-After`` (capped by the retry policy).

    Args:
        api_key: the Smartlead API key; default ``$SMARTLEAD_API_KEY``.
        base_url: default ``https://server.smartlead.ai/api/v1`` (or ``$SMARTLEAD_BASE_URL``).
        timeout: seconds per request (None disables).
        max_retries: retries for retry-safe requests (reads and idempotent updates).
        http_client: your own ``httpx.Client`` (proxies, custom transports, test doubles).
        rate_limit: client-side pacing; ``RateLimit.per_minute(150, burst=(20, 2.0))`` for a
            faster plan, ``None`` or ``RateLimit.none()`` to disable (429s are still retried).
        retry: full [`RetryPolicy`][tenantlead.RetryPolicy] (its ``max_retries`` is replaced by ``max_retries``).
        clock: Unix-time clock used for pacing and waits (inject a fake in tests).
        sleep: sleeper used for backoff and pacing (inject a fake in tests).
        default_headers: extra headers sent on every request.
    """

    _profile = PROFILE
    default_rate_limit = DEFAULT_RATE_LIMIT

    @cached_property
    def email_accounts(self) -> EmailAccounts:
        """Email accounts (mailboxes): list, connect, limits, warmup, tags."""
        return EmailAccounts(self)

    @cached_property
    def tags(self) -> Tags:
        """The email-account tag catalogue."""
        return Tags(self)

    @cached_property
    def campaigns(self) -> Campaigns:
        """Campaigns: status, schedule, settings and their mailboxes."""
        return Campaigns(self)

    @cached_property
    def clients(self) -> Clients:
        """Agency clients (sub-accounts) and their API keys."""
        return Clients(self)

    @cached_property
    def webhooks(self) -> Webhooks:
        """Campaign-level webhooks (account-level ones under ``.account``)."""
        return Webhooks(self)


class AsyncSmartlead(AsyncAPIClient):
    """Async client for the Smartlead API (same arguments as [`Smartlead`][tenantlead.smartlead.Smartlead]).

    ``http_client`` is an ``httpx.AsyncClient``; ``sleep`` an async sleeper. Use it as
    ``async with AsyncSmartlead() as sl: ...`` or call ``await sl.aclose()``.
    """

    _profile = PROFILE
    default_rate_limit = DEFAULT_RATE_LIMIT

    @cached_property
    def email_accounts(self) -> AsyncEmailAccounts:
        """Email accounts (mailboxes)."""
        return AsyncEmailAccounts(self)

    @cached_property
    def tags(self) -> AsyncTags:
        """The email-account tag catalogue."""
        return AsyncTags(self)

    @cached_property
    def campaigns(self) -> AsyncCampaigns:
        """Campaigns."""
        return AsyncCampaigns(self)

    @cached_property
    def clients(self) -> AsyncClients:
        """Agency clients and their API keys."""
        return AsyncClients(self)

    @cached_property
    def webhooks(self) -> AsyncWebhooks:
        """Campaign-level webhooks (account-level ones under ``.account``)."""
        return AsyncWebhooks(self)
