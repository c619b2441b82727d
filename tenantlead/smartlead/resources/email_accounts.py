"""Email accounts (mailboxes): list, get, create, update, warmup, reconnect, suspend, tags (reference §2).

[EmailAccounts][tenantlead.smartlead.resources.email_accounts.EmailAccounts] and
[AsyncEmailAccounts][tenantlead.smartlead.resources.email_accounts.AsyncEmailAccounts] only
execute what the wire half (``_email_account_requests``) builds; its builders are re-exported
here under stable names so other layers can compose them: ``m_request(...)`` for a method that
sends one request, ``m_flow(...)`` for one that sends several (run it with ``run_flow`` /
``arun_flow``, or ``yield from`` it inside another flow)::

    from tenantlead.smartlead.resources.email_accounts import bulk_update_flow, update_request

    result = run_flow(bulk_update_flow(ids, message_per_day=40), sl)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from typing_extensions import Unpack

from tenantlead._core.pager import AsyncPager, SyncPager
from tenantlead._core.resource import AsyncResource, SyncResource
from tenantlead._core.validate import MAX_DAILY_LIMIT
from tenantlead.smartlead.models import (
    AccountTags,
    AccountWriteResult,
    BatchResult,
    EmailAccount,
    MultiFetchResult,
    OAuthToken,
    ReconnectResult,
    SuspendResult,
    TagMappingResult,
    WarmupStats,
)
from tenantlead.smartlead.resources._email_account_fields import (
    BULK_UPDATE_CHUNK,
    ESP,
    PAGE_LIMIT,
    TAG_MAPPING_CHUNK,
    AccountSettings,
    BulkAccountUpdate,
    OAuthAccountOptions,
    SMTPAccountOptions,
    WarmupSettings,
)
from tenantlead.smartlead.resources._email_account_requests import (
    _list_filters,
    _list_page,
    add_tags_flow,
    bulk_update_flow,
    create_oauth_flow,
    create_oauth_request,
    create_smtp_flow,
    create_smtp_request,
    delete_request,
    fetch_messages_multi_request,
    fetch_messages_request,
    fetch_replies_request,
    get_by_email_request,
    get_request,
    list_page_request,
    reconnect_failed_flow,
    remove_tags_flow,
    send_otp_request,
    suspend_request,
    tags_for_request,
    unsuspend_request,
    update_request,
    update_warmup_request,
    verify_otp_request,
    warmup_stats_request,
)

__all__ = [
    "BULK_UPDATE_CHUNK",
    "MAX_DAILY_LIMIT",
    "PAGE_LIMIT",
    "TAG_MAPPING_CHUNK",
    "AccountSettings",
    "AsyncEmailAccounts",
    "BulkAccountUpdate",
    "EmailAccounts",
    "OAuthAccountOptions",
    "SMTPAccountOptions",
    "WarmupSettings",
    "add_tags_flow",
    "bulk_update_flow",
    "create_oauth_flow",
    "create_oauth_request",
    "create_smtp_flow",
    "create_smtp_request",
    "delete_request",
    "fetch_messages_multi_request",
    "fetch_messages_request",
    "fetch_replies_request",
    "get_by_email_request",
    "get_request",
    "list_page_request",
    "reconnect_failed_flow",
    "remove_tags_flow",
    "send_otp_request",
    "suspend_request",
    "tags_for_request",
    "unsuspend_request",
    "update_request",
    "update_warmup_request",
    "verify_otp_request",
    "warmup_stats_request",
]

#: Aliases used in the resource classes (whose ``list`` method shadows the builtin there).
Messages = list[dict[str, Any]]
AccountTagsList = list[AccountTags]


# ----------------------------------------------------------------------------- resources


class EmailAccounts(SyncResource):
    """``sl.email_accounts``: Smartlead email accounts (mailboxes)."""

    def list(
        self,
        *,
        is_in_use: bool | None = None,
        warmup_status: Literal["ACTIVE", "INACTIVE"] | None = None,
        is_smtp_success: bool | None = None,
        is_warmup_blocked: bool | None = None,
        esp: ESP | None = None,
        username: str | None = None,
        client_id: int | None = None,
        fetch_campaigns: bool = False,
        page_size: int = PAGE_LIMIT,
        max_items: int | None = None,
    ) -> SyncPager[EmailAccount]:
        """Every email account, fetched lazily 100 per page (``for a in sl.email_accounts.list()``).

        Filters map to Smartlead's query parameters: ``is_in_use`` → ``isInUse``, ``warmup_status``
        → ``emailWarmupStatus``, ``is_smtp_success`` → ``isSmtpSuccess``, ``is_warmup_blocked`` →
        ``isWarmupBlocked``, ``esp`` (``GMAIL``/``OUTLOOK``/``SMTP``), ``username`` (substring
        match), ``client_id``; ``fetch_campaigns`` adds ``campaign_ids``. Paging stops at the first
        short or empty page (Smartlead reports no total). ``max_items`` stops early.
        """
        filters = _list_filters(
            is_in_use=is_in_use, warmup_status=warmup_status, is_smtp_success=is_smtp_success,
            is_warmup_blocked=is_warmup_blocked, esp=esp, username=username, client_id=client_id,
            fetch_campaigns=fetch_campaigns, page_size=page_size,
        )  # fmt: skip
        return SyncPager(
            self._client._run, lambda o, n: _list_page(o, n, filters), limit=page_size, max_items=max_items
        )

    def get(
        self, account_id: int, *, fetch_campaigns: bool = False, fetch_tags: bool = False
    ) -> EmailAccount:
        """One account by id (with the decrypted password and full warmup details).

        ``min_time_to_wait_in_mins`` is None here: Smartlead only returns it in list responses.
        Raises [`NotFoundError`][tenantlead.errors.NotFoundError] for an unknown id.
        """
        return self._client._run(
            get_request(account_id, fetch_campaigns=fetch_campaigns, fetch_tags=fetch_tags)
        )

    def get_by_email(
        self, email: str, *, fetch_campaigns: bool = False, fetch_tags: bool = False
    ) -> EmailAccount:
        """One account by its address (``fetch-email-account-details``); NotFoundError when absent."""
        return self._client._run(
            get_by_email_request(email, fetch_campaigns=fetch_campaigns, fetch_tags=fetch_tags)
        )

    def create_smtp(
        self,
        *,
        from_name: str,
        from_email: str,
        user_name: str,
        password: str,
        smtp_host: str,
        smtp_port: int,
        imap_host: str,
        imap_port: int,
        **options: Unpack[SMTPAccountOptions],
    ) -> EmailAccount:
        """Connect a mailbox with SMTP/IMAP credentials (``POST /email-accounts/save``) and return it.

        Smartlead tests the SMTP and IMAP login while saving; a failed test raises with code
        ``ACCOUNT_VERIFICATION_FAILED`` and the server's reply in the message (the hint explains
        Microsoft's ``535 5.7.139`` / ``550 5.7.30`` / ``535 5.7.3``). The save answers only the new
        id, so this makes a second call (GET by id) to return the full [`EmailAccount`][tenantlead.smartlead.models.EmailAccount].

        Not retried blindly: when the outcome is uncertain (timeout, 5xx) the client first looks
        the address up and returns the account if the create did land.
        """
        return self._flow(
            create_smtp_flow(
                from_name=from_name, from_email=from_email, user_name=user_name, password=password,
                smtp_host=smtp_host, smtp_port=smtp_port, imap_host=imap_host, imap_port=imap_port,
                **options,
            )
        )  # fmt: skip

    def create_oauth(
        self,
        *,
        from_name: str,
        from_email: str,
        username: str,
        token: OAuthToken | Mapping[str, Any],
        type: Literal["OUTLOOK", "GMAIL"] = "OUTLOOK",
        use_whitelabel_credentials: bool = False,
        **options: Unpack[OAuthAccountOptions],
    ) -> EmailAccount:
        """Connect a Microsoft (``OUTLOOK``) or Google mailbox from OAuth tokens you obtained (``save-oauth``).

        ``token`` is an [`OAuthToken`][tenantlead.smartlead.models.OAuthToken] (see [`OAuthToken.from_microsoft`][tenantlead.smartlead.models.OAuthToken.from_microsoft]) or its dict.
        ``use_whitelabel_credentials=True`` when the tokens came from your own Azure app registered
        in Smartlead. Returns the account (a second GET, as for [`create_smtp`][tenantlead.smartlead.resources.email_accounts.EmailAccounts.create_smtp]); an uncertain
        outcome is reconciled by looking the address up before any resend.
        """
        return self._flow(
            create_oauth_flow(
                from_name=from_name, from_email=from_email, username=username, token=token, type=type,
                use_whitelabel_credentials=use_whitelabel_credentials, **options,
            )
        )  # fmt: skip

    def update(self, account_id: int, **fields: Unpack[AccountSettings]) -> AccountWriteResult:
        """Change an account's settings (``POST /email-accounts/{id}``, partial: send only what changes).

        Write the daily limit as ``max_email_per_day`` (it reads back as ``message_per_day``;
        0 is allowed and stops campaign sending while warmup continues).
        """
        return self._client._run(update_request(account_id, **fields))

    def bulk_update(
        self, account_ids: Iterable[int], **fields: Unpack[BulkAccountUpdate]
    ) -> BatchResult[str]:
        """Apply the same settings to many accounts (camelCase endpoint), 100 accounts per request.

        Every chunk is sent even when one fails; the result lists each chunk's ids and outcome.
        Raises only when every chunk failed (then nothing changed).
        """
        return self._flow(bulk_update_flow(account_ids, **fields))

    def update_warmup(
        self, account_id: int, *, warmup_enabled: bool, **settings: Unpack[WarmupSettings]
    ) -> AccountWriteResult:
        """Enable, disable or tune warmup (``total_warmup_per_day`` 1-50, ``daily_rampup`` 5-20,
        ``reply_rate_percentage`` 20-100)."""  # noqa: D205, D209
        return self._client._run(update_warmup_request(account_id, warmup_enabled=warmup_enabled, **settings))

    def warmup_stats(self, account_id: int) -> WarmupStats:
        """Warmup statistics for the last 7 days (string counts parsed to int)."""
        return self._client._run(warmup_stats_request(account_id))

    def reconnect_failed(self) -> ReconnectResult:
        """Queue every disconnected account for reconnection (asynchronous; Smartlead emails you after).

        Limited to 3 calls a day, 30 minutes apart (shared with the app's button): beyond that,
        [`QuotaExceededError`][tenantlead.errors.QuotaExceededError] with Smartlead's text. Never retried.
        ``result.queued`` is False when no account needed reconnecting (Smartlead answers that
        with a 200, or a 404 in older deployments; both give the same result).
        """
        return self._flow(reconnect_failed_flow())

    def delete(self, account_id: int) -> AccountWriteResult:
        """Delete an account (soft delete; it leaves every campaign and its warmup stops)."""
        return self._client._run(delete_request(account_id))

    def suspend(self, account_id: int) -> SuspendResult:
        """Suspend an account: campaign sending *and* warmup stop."""
        return self._client._run(suspend_request(account_id))

    def unsuspend(self, account_id: int) -> SuspendResult:
        """Lift a suspension."""
        return self._client._run(unsuspend_request(account_id))

    def add_tags(self, account_ids: Iterable[int], tag_ids: Iterable[int]) -> TagMappingResult:
        """Attach tags to accounts (additive, idempotent), 25 accounts per request.

        Items Smartlead reports as ``failed`` inside a 200 are in ``result.failed_items``.
        """
        return self._flow(add_tags_flow(account_ids, tag_ids))

    def remove_tags(self, account_ids: Iterable[int], tag_ids: Iterable[int]) -> TagMappingResult:
        """Detach tags from accounts, 25 accounts per request (see [`add_tags`][tenantlead.smartlead.resources.email_accounts.EmailAccounts.add_tags])."""
        return self._flow(remove_tags_flow(account_ids, tag_ids))

    def tags_for(self, emails: Iterable[str]) -> AccountTagsList:
        """The tags of accounts, by address (``POST /email-accounts/tag-list``)."""
        return self._client._run(tags_for_request(emails))

    def send_otp(self, account_id: int) -> str:
        """Email a one-time code that unblocks the account's warmup (valid 10 minutes)."""
        return self._client._run(send_otp_request(account_id))

    def verify_otp(self, account_id: int, otp: str) -> str:
        """Submit the code from [`send_otp`][tenantlead.smartlead.resources.email_accounts.EmailAccounts.send_otp] to unblock warmup."""
        return self._client._run(verify_otp_request(account_id, otp))

    def fetch_replies(self) -> str:
        """Queue a live reply fetch for every account (406 QuotaExceededError while one runs)."""
        return self._client._run(fetch_replies_request())

    def fetch_messages(
        self,
        account_id: int,
        *,
        limit: int = 100,
        folder: str | None = None,
        include_body: bool | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> Messages:
        """Read a mailbox's messages (fields undocumented, so returned as dicts); ``limit`` 1-500."""
        return self._client._run(
            fetch_messages_request(
                account_id, limit=limit, folder=folder, include_body=include_body, since=since, until=until
            )
        )

    def fetch_messages_multi(
        self,
        account_ids: Iterable[int],
        *,
        limit: int = 100,
        folder: str | None = None,
        include_body: bool | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> MultiFetchResult:
        """Read messages of 1-10 accounts at once; per-account failures are in ``result.errors``."""
        return self._client._run(
            fetch_messages_multi_request(
                account_ids, limit=limit, folder=folder, include_body=include_body, since=since, until=until
            )
        )


class AsyncEmailAccounts(AsyncResource):
    """``sl.email_accounts`` on [`AsyncSmartlead`][tenantlead.AsyncSmartlead] (same methods, awaitable)."""

    def list(
        self,
        *,
        is_in_use: bool | None = None,
        warmup_status: Literal["ACTIVE", "INACTIVE"] | None = None,
        is_smtp_success: bool | None = None,
        is_warmup_blocked: bool | None = None,
        esp: ESP | None = None,
        username: str | None = None,
        client_id: int | None = None,
        fetch_campaigns: bool = False,
        page_size: int = PAGE_LIMIT,
        max_items: int | None = None,
    ) -> AsyncPager[EmailAccount]:
        """Every email account, fetched lazily 100 per page: ``async for``, or ``await`` for a list.

        Same filters as [EmailAccounts.list][tenantlead.smartlead.resources.email_accounts.EmailAccounts.list].
        """
        filters = _list_filters(
            is_in_use=is_in_use, warmup_status=warmup_status, is_smtp_success=is_smtp_success,
            is_warmup_blocked=is_warmup_blocked, esp=esp, username=username, client_id=client_id,
            fetch_campaigns=fetch_campaigns, page_size=page_size,
        )  # fmt: skip
        return AsyncPager(
            self._client._run, lambda o, n: _list_page(o, n, filters), limit=page_size, max_items=max_items
        )

    async def get(
        self, account_id: int, *, fetch_campaigns: bool = False, fetch_tags: bool = False
    ) -> EmailAccount:
        """One account by id; see [`EmailAccounts.get`][tenantlead.smartlead.resources.email_accounts.EmailAccounts.get]."""
        return await self._client._run(
            get_request(account_id, fetch_campaigns=fetch_campaigns, fetch_tags=fetch_tags)
        )

    async def get_by_email(
        self, email: str, *, fetch_campaigns: bool = False, fetch_tags: bool = False
    ) -> EmailAccount:
        """One account by its address; NotFoundError when absent."""
        return await self._client._run(
            get_by_email_request(email, fetch_campaigns=fetch_campaigns, fetch_tags=fetch_tags)
        )

    async def create_smtp(
        self,
        *,
        from_name: str,
        from_email: str,
        user_name: str,
        password: str,
        smtp_host: str,
        smtp_port: int,
        imap_host: str,
        imap_port: int,
        **options: Unpack[SMTPAccountOptions],
    ) -> EmailAccount:
        """Connect a mailbox with SMTP/IMAP credentials; see [`EmailAccounts.create_smtp`][tenantlead.smartlead.resources.email_accounts.EmailAccounts.create_smtp]."""
        return await self._flow(
            create_smtp_flow(
                from_name=from_name, from_email=from_email, user_name=user_name, password=password,
                smtp_host=smtp_host, smtp_port=smtp_port, imap_host=imap_host, imap_port=imap_port,
                **options,
            )
        )  # fmt: skip

    async def create_oauth(
        self,
        *,
        from_name: str,
        from_email: str,
        username: str,
        token: OAuthToken | Mapping[str, Any],
        type: Literal["OUTLOOK", "GMAIL"] = "OUTLOOK",
        use_whitelabel_credentials: bool = False,
        **options: Unpack[OAuthAccountOptions],
    ) -> EmailAccount:
        """Connect a mailbox from OAuth tokens; see [`EmailAccounts.create_oauth`][tenantlead.smartlead.resources.email_accounts.EmailAccounts.create_oauth]."""
        return await self._flow(
            create_oauth_flow(
                from_name=from_name, from_email=from_email, username=username, token=token, type=type,
                use_whitelabel_credentials=use_whitelabel_credentials, **options,
            )
        )  # fmt: skip

    async def update(self, account_id: int, **fields: Unpack[AccountSettings]) -> AccountWriteResult:
        """Partial settings update; write the daily limit as ``max_email_per_day``."""
        return await self._client._run(update_request(account_id, **fields))

    async def bulk_update(
        self, account_ids: Iterable[int], **fields: Unpack[BulkAccountUpdate]
    ) -> BatchResult[str]:
        """Same settings for many accounts, 100 per request; see [`EmailAccounts.bulk_update`][tenantlead.smartlead.resources.email_accounts.EmailAccounts.bulk_update]."""
        return await self._flow(bulk_update_flow(account_ids, **fields))

    async def update_warmup(
        self, account_id: int, *, warmup_enabled: bool, **settings: Unpack[WarmupSettings]
    ) -> AccountWriteResult:
        """Enable, disable or tune warmup; see [`EmailAccounts.update_warmup`][tenantlead.smartlead.resources.email_accounts.EmailAccounts.update_warmup]."""
        return await self._client._run(
            update_warmup_request(account_id, warmup_enabled=warmup_enabled, **settings)
        )

    async def warmup_stats(self, account_id: int) -> WarmupStats:
        """Warmup statistics for the last 7 days."""
        return await self._client._run(warmup_stats_request(account_id))

    async def reconnect_failed(self) -> ReconnectResult:
        """Queue disconnected accounts for reconnection (3/day, 30 min apart; never retried)."""
        return await self._flow(reconnect_failed_flow())

    async def delete(self, account_id: int) -> AccountWriteResult:
        """Delete an account (soft delete)."""
        return await self._client._run(delete_request(account_id))

    async def suspend(self, account_id: int) -> SuspendResult:
        """Suspend an account: campaign sending and warmup stop."""
        return await self._client._run(suspend_request(account_id))

    async def unsuspend(self, account_id: int) -> SuspendResult:
        """Lift a suspension."""
        return await self._client._run(unsuspend_request(account_id))

    async def add_tags(self, account_ids: Iterable[int], tag_ids: Iterable[int]) -> TagMappingResult:
        """Attach tags to accounts, 25 accounts per request."""
        return await self._flow(add_tags_flow(account_ids, tag_ids))

    async def remove_tags(self, account_ids: Iterable[int], tag_ids: Iterable[int]) -> TagMappingResult:
        """Detach tags from accounts, 25 accounts per request."""
        return await self._flow(remove_tags_flow(account_ids, tag_ids))

    async def tags_for(self, emails: Iterable[str]) -> AccountTagsList:
        """The tags of accounts, by address."""
        return await self._client._run(tags_for_request(emails))

    async def send_otp(self, account_id: int) -> str:
        """Email a one-time code that unblocks the account's warmup."""
        return await self._client._run(send_otp_request(account_id))

    async def verify_otp(self, account_id: int, otp: str) -> str:
        """Submit the code from [`send_otp`][tenantlead.smartlead.resources.email_accounts.AsyncEmailAccounts.send_otp]."""
        return await self._client._run(verify_otp_request(account_id, otp))

    async def fetch_replies(self) -> str:
        """Queue a live reply fetch for every account."""
        return await self._client._run(fetch_replies_request())

    async def fetch_messages(
        self,
        account_id: int,
        *,
        limit: int = 100,
        folder: str | None = None,
        include_body: bool | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> Messages:
        """Read a mailbox's messages; ``limit`` 1-500."""
        return await self._client._run(
            fetch_messages_request(
                account_id, limit=limit, folder=folder, include_body=include_body, since=since, until=until
            )
        )

    async def fetch_messages_multi(
        self,
        account_ids: Iterable[int],
        *,
        limit: int = 100,
        folder: str | None = None,
        include_body: bool | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> MultiFetchResult:
        """Read messages of 1-10 accounts at once."""
        return await self._client._run(
            fetch_messages_multi_request(
                account_ids, limit=limit, folder=folder, include_body=include_body, since=since, until=until
            )
        )
