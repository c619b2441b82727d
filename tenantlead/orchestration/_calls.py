"""The API calls orchestration makes, as flows (see ``tenantlead._core.flow``).

Each function returns a flow addressed to its API (``on("smartlead", ...)``), so an apply phase
or ``Fleet.load`` composes them and one driver runs them on the blocking or the async clients.
The requests themselves come from the API packages' request builders: nothing here knows a
path or a wire name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from tenantlead._core.flow import Flow, on
from tenantlead._core.pager import OffsetCursor, Page
from tenantlead._core.request import APIRequest
from tenantlead._core.types import NOT_GIVEN
from tenantlead.errors import APIError
from tenantlead.smartlead.models import BatchResult, EmailAccount, TagMappingResult
from tenantlead.smartlead.resources import email_accounts as _sl_accounts
from tenantlead.smartlead.resources._common import finish_batch, outcome
from tenantlead.tenantcore.models import Domain, EnforcementEvent, Mailbox, MailboxLimitsResult, Tenant
from tenantlead.tenantcore.resources import domains as _tc_domains
from tenantlead.tenantcore.resources import enforcement as _tc_enforcement
from tenantlead.tenantcore.resources import mailbox_limits as _tc_limits
from tenantlead.tenantcore.resources import mailboxes as _tc_mailboxes
from tenantlead.tenantcore.resources import tenants as _tc_tenants

__all__ = [
    "SMARTLEAD",
    "TENANTCORE",
    "add_tags",
    "bulk_update",
    "create_oauth",
    "create_smtp",
    "get_account",
    "get_account_by_email",
    "list_accounts",
    "list_domains",
    "list_events",
    "list_mailboxes",
    "list_tenants",
    "provision_limits",
    "update_account",
    "update_mailbox",
    "update_warmup",
]

T = TypeVar("T")

#: The names the orchestration flows address their clients by (``run_flow(flow, {TENANTCORE: tc, ...})``).
TENANTCORE = "tenantcore"
SMARTLEAD = "smartlead"


def _tc(make: Callable[[], APIRequest[T]]) -> Flow[T]:
    return on(TENANTCORE, _one(make))


def _sl(make: Callable[[], APIRequest[T]]) -> Flow[T]:
    return on(SMARTLEAD, _one(make))


def _one(make: Callable[[], APIRequest[T]]) -> Flow[T]:
    # The request is built when the flow starts, so bad input fails this call only.
    value: T = yield make()
    return value


def paged(
    make: Callable[[int, int], APIRequest[Page[T]]],
    limit: int,
    *,
    until: Callable[[T], bool] | None = None,
) -> Flow[list[T]]:
    """Every item across pages, one page request at a time; stops before the first ``until(item)``.

    The same cursor as the clients' pagers, so the requests are the ones ``list()`` would send
    (a loop that breaks early sends no further page).
    """
    cursor = OffsetCursor(limit)
    out: list[T] = []
    while not cursor.done:
        asked = cursor.page_size()
        page: Page[T] = cursor.clip((yield make(cursor.offset, asked)))
        cursor.advance(page, asked)
        if cursor.repeated:
            break
        for item in page.items:
            if until is not None and until(item):
                return out
            out.append(item)
    return out


# ----------------------------------------------------------------------------- TenantCore


def list_tenants() -> Flow[list[Tenant]]:
    """``tc.tenants.list()``."""
    return _tc(lambda: _tc_tenants._list())


def list_domains(tenant_id: str) -> Flow[list[Domain]]:
    """``tc.domains.list(tenant_id)``."""
    return _tc(lambda: _tc_domains._list(tenant_id))


def list_mailboxes(tenant_id: str) -> Flow[list[Mailbox]]:
    """``tc.mailboxes.list(tenant_id)``."""
    return _tc(lambda: _tc_mailboxes._list(tenant_id))


def list_events(*, until: Callable[[EnforcementEvent], bool] | None = None) -> Flow[list[EnforcementEvent]]:
    """``tc.enforcement.list_events()`` read newest first, stopping before the first ``until(event)``."""
    make = _tc_enforcement._page(_tc_enforcement._check(None, None, _tc_enforcement.MAX_PAGE_SIZE))
    return on(TENANTCORE, paged(make, _tc_enforcement.MAX_PAGE_SIZE, until=until))


def update_mailbox(tenant_id: str, mailbox_id: str, *, daily_send_limit: int | None) -> Flow[Mailbox]:
    """``tc.mailboxes.update(tenant_id, mailbox_id, daily_send_limit=...)``."""
    return _tc(lambda: _tc_mailboxes._update(tenant_id, mailbox_id, daily_send_limit, NOT_GIVEN))


def provision_limits(tenant_id: str) -> Flow[MailboxLimitsResult]:
    """``tc.mailbox_limits.provision(tenant_id)``."""
    return _tc(lambda: _tc_limits._provision(tenant_id, None, NOT_GIVEN))


# ----------------------------------------------------------------------------- Smartlead


def list_accounts() -> Flow[list[EmailAccount]]:
    """``sl.email_accounts.list()``: every account, 100 per page."""
    limit = _sl_accounts.PAGE_LIMIT
    filters = _sl_accounts._list_filters(
        is_in_use=None, warmup_status=None, is_smtp_success=None, is_warmup_blocked=None, esp=None,
        username=None, client_id=None, fetch_campaigns=False, page_size=limit,
    )  # fmt: skip
    return on(SMARTLEAD, paged(lambda o, n: _sl_accounts._list_page(o, n, filters), limit))


def get_account(account_id: int) -> Flow[EmailAccount]:
    """``sl.email_accounts.get(account_id)``."""
    return _sl(lambda: _sl_accounts._get(account_id))


def get_account_by_email(email: str) -> Flow[EmailAccount]:
    """``sl.email_accounts.get_by_email(email)``."""
    return _sl(lambda: _sl_accounts._get_by_email(email))


def _saved_then_read(make: Callable[[], APIRequest[Any]]) -> Flow[EmailAccount]:
    written = yield make()
    account: EmailAccount = yield _sl_accounts._to_account(written)
    return account


def create_smtp(
    *,
    from_name: str,
    from_email: str,
    user_name: str,
    password: str,
    smtp_host: str,
    smtp_port: int,
    imap_host: str,
    imap_port: int,
    **options: Any,
) -> Flow[EmailAccount]:
    """``sl.email_accounts.create_smtp(...)``: save, then read the account back."""
    request = partial(
        _sl_accounts._create_smtp,
        from_name=from_name, from_email=from_email, user_name=user_name, password=password,
        smtp_host=smtp_host, smtp_port=smtp_port, imap_host=imap_host, imap_port=imap_port,
        options=options,
    )  # fmt: skip
    return on(SMARTLEAD, _saved_then_read(request))


def create_oauth(
    *,
    from_name: str,
    from_email: str,
    username: str,
    token: Mapping[str, Any],
    use_whitelabel_credentials: bool,
    **options: Any,
) -> Flow[EmailAccount]:
    """``sl.email_accounts.create_oauth(..., type="OUTLOOK")``: save, then read the account back."""
    request = partial(
        _sl_accounts._create_oauth,
        from_name=from_name,
        from_email=from_email,
        username=username,
        token=token,
        type="OUTLOOK",
        use_whitelabel_credentials=use_whitelabel_credentials,
        options=options,
    )
    return on(SMARTLEAD, _saved_then_read(request))


def update_account(account_id: int, **fields: Any) -> Flow[Any]:
    """``sl.email_accounts.update(account_id, **fields)``."""
    return _sl(lambda: _sl_accounts._update(account_id, fields))


def update_warmup(account_id: int, *, total_warmup_per_day: int | None) -> Flow[Any]:
    """``sl.email_accounts.update_warmup(account_id, warmup_enabled=True, total_warmup_per_day=...)``."""
    return _sl(
        lambda: _sl_accounts._update_warmup(account_id, True, {"total_warmup_per_day": total_warmup_per_day})
    )


def _chunks(make: Callable[[], Iterable[tuple[list[int], APIRequest[T]]]]) -> Flow[list[Any]]:
    done: list[Any] = []
    for ids, request in make():
        try:
            done.append(outcome(ids, (yield request)))
        except APIError as error:
            done.append(outcome(ids, error=error))
    return done


def _bulk(account_ids: list[int], fields: Mapping[str, Any]) -> Flow[BatchResult[str]]:
    chunks = yield from _chunks(lambda: _sl_accounts._bulk_update_plan(account_ids, fields))
    return finish_batch(BatchResult(chunks=chunks))


def bulk_update(account_ids: list[int], **fields: Any) -> Flow[BatchResult[str]]:
    """``sl.email_accounts.bulk_update(account_ids, **fields)``: 100 accounts per request."""
    return on(SMARTLEAD, _bulk(account_ids, fields))


def _tags(account_ids: list[int], tag_ids: list[int]) -> Flow[TagMappingResult]:
    chunks = yield from _chunks(lambda: _sl_accounts._tag_mapping_plan("POST", account_ids, tag_ids))
    return _sl_accounts._chunk_result(chunks)


def add_tags(account_ids: list[int], tag_ids: list[int]) -> Flow[TagMappingResult]:
    """``sl.email_accounts.add_tags(account_ids, tag_ids)``: 25 accounts per request."""
    return on(SMARTLEAD, _tags(account_ids, tag_ids))
