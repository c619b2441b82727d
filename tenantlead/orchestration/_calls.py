"""The API calls orchestration makes, as flows (see ``tenantlead._core.flow``).

Each function returns a flow addressed to its API (``on("smartlead", ...)``), so an apply phase
or ``Fleet.load`` composes them and one driver runs them on the blocking or the async clients.
The requests themselves come from the API packages' request builders: nothing here knows a
path or a wire name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from tenantlead._core.flow import Flow, on
from tenantlead._core.pager import Page, paged_flow
from tenantlead._core.request import APIRequest
from tenantlead.smartlead.models import (
    AccountTags,
    AccountWriteResult,
    BatchResult,
    EmailAccount,
    TagMappingResult,
)
from tenantlead.smartlead.resources import email_accounts as sl_accounts
from tenantlead.tenantcore.models import Domain, EnforcementEvent, Mailbox, MailboxLimitsResult, Tenant
from tenantlead.tenantcore.resources import domains as tc_domains
from tenantlead.tenantcore.resources import enforcement as tc_enforcement
from tenantlead.tenantcore.resources import mailbox_limits as tc_limits
from tenantlead.tenantcore.resources import mailboxes as tc_mailboxes
from tenantlead.tenantcore.resources import tenants as tc_tenants

__all__ = [
    "SMARTLEAD",
    "TAG_LIST_CHUNK",
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
    "list_page",
    "list_tenants",
    "provision_limits",
    "save_oauth",
    "save_smtp",
    "update_account",
    "update_mailbox",
    "tags_for",
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


def _later(make: Callable[[], Flow[T]]) -> Flow[T]:
    """``make()``'s flow, built when this one starts (the API builders check their input eagerly)."""
    return (yield from make())


def paged(
    make: Callable[[int, int], APIRequest[Page[T]]],
    limit: int,
    *,
    until: Callable[[T], bool] | None = None,
    read_ahead: int = 0,
) -> Flow[list[T]]:
    """Every item across pages; stops before the first ``until(item)`` (``read_ahead``: see ``paged_flow``).

    The same cursor as the clients' pagers, so the requests are the ones ``list()`` would send
    (a loop that breaks early sends no further page).
    """
    return paged_flow(make, limit, until=until, read_ahead=read_ahead)


# ----------------------------------------------------------------------------- TenantCore


def list_tenants() -> Flow[list[Tenant]]:
    """``tc.tenants.list()``."""
    return _tc(tc_tenants.list_request)


def list_domains(tenant_id: str) -> Flow[list[Domain]]:
    """``tc.domains.list(tenant_id)``."""
    return _tc(partial(tc_domains.list_request, tenant_id))


def list_mailboxes(tenant_id: str) -> Flow[list[Mailbox]]:
    """``tc.mailboxes.list(tenant_id)``."""
    return _tc(partial(tc_mailboxes.list_request, tenant_id))


def list_events(*, until: Callable[[EnforcementEvent], bool] | None = None) -> Flow[list[EnforcementEvent]]:
    """``tc.enforcement.list_events()`` read newest first, stopping before the first ``until(event)``."""
    limit = tc_enforcement.MAX_PAGE_SIZE
    return on(TENANTCORE, paged(tc_enforcement.list_events_page_request, limit, until=until))


def update_mailbox(tenant_id: str, mailbox_id: str, *, daily_send_limit: int | None) -> Flow[Mailbox]:
    """``tc.mailboxes.update(tenant_id, mailbox_id, daily_send_limit=...)``."""
    return _tc(partial(tc_mailboxes.update_request, tenant_id, mailbox_id, daily_send_limit=daily_send_limit))


def provision_limits(tenant_id: str) -> Flow[MailboxLimitsResult]:
    """``tc.mailbox_limits.provision(tenant_id)``."""
    return _tc(partial(tc_limits.provision_request, tenant_id))


# ----------------------------------------------------------------------------- Smartlead


def list_accounts(*, read_ahead: int = 0) -> Flow[list[EmailAccount]]:
    """``sl.email_accounts.list()``: every account, 100 per page (``read_ahead`` pages in flight ahead)."""
    return on(SMARTLEAD, paged(sl_accounts.list_page_request, sl_accounts.PAGE_LIMIT, read_ahead=read_ahead))


def list_page(offset: int) -> Flow[Page[EmailAccount]]:
    """One page of ``sl.email_accounts.list()``: up to 100 accounts from ``offset``."""
    return _sl(partial(sl_accounts.list_page_request, offset, sl_accounts.PAGE_LIMIT))


def get_account(account_id: int) -> Flow[EmailAccount]:
    """``sl.email_accounts.get(account_id)``."""
    return _sl(partial(sl_accounts.get_request, account_id))


def get_account_by_email(email: str) -> Flow[EmailAccount]:
    """``sl.email_accounts.get_by_email(email)``."""
    return _sl(partial(sl_accounts.get_by_email_request, email))


def create_smtp(**fields: Any) -> Flow[EmailAccount]:
    """``sl.email_accounts.create_smtp(**fields)``: save, then read the account back."""
    return on(SMARTLEAD, _later(partial(sl_accounts.create_smtp_flow, **fields)))


def create_oauth(**fields: Any) -> Flow[EmailAccount]:
    """``sl.email_accounts.create_oauth(**fields)``: save, then read the account back."""
    return on(SMARTLEAD, _later(partial(sl_accounts.create_oauth_flow, **fields)))


def save_smtp(**fields: Any) -> Flow[AccountWriteResult]:
    """The save of ``create_smtp`` alone: one request, answered with the new account's id."""
    return _sl(partial(sl_accounts.create_smtp_request, **fields))


def save_oauth(**fields: Any) -> Flow[AccountWriteResult]:
    """The save of ``create_oauth`` alone: one request, answered with the new account's id."""
    return _sl(partial(sl_accounts.create_oauth_request, **fields))


def update_account(account_id: int, **fields: Any) -> Flow[Any]:
    """``sl.email_accounts.update(account_id, **fields)``."""
    return _sl(partial(sl_accounts.update_request, account_id, **fields))


def update_warmup(account_id: int, *, total_warmup_per_day: int) -> Flow[Any]:
    """``sl.email_accounts.update_warmup(account_id, warmup_enabled=True, total_warmup_per_day=...)``.

    A volume of 0 turns warmup off (``warmup_enabled=False``): Smartlead's volumes start at 1.
    """
    if total_warmup_per_day == 0:
        return _sl(partial(sl_accounts.update_warmup_request, account_id, warmup_enabled=False))
    return _sl(
        partial(
            sl_accounts.update_warmup_request,
            account_id,
            warmup_enabled=True,
            total_warmup_per_day=total_warmup_per_day,
        )
    )


def bulk_update(account_ids: list[int], **fields: Any) -> Flow[BatchResult[str]]:
    """``sl.email_accounts.bulk_update(account_ids, **fields)``: 100 accounts per request."""
    return on(SMARTLEAD, _later(partial(sl_accounts.bulk_update_flow, account_ids, **fields)))


#: Addresses per ``tag-list`` read (the API documents no cap; 100, like a page of the list).
TAG_LIST_CHUNK = 100


def tags_for(emails: list[str]) -> Flow[list[AccountTags]]:
    """``sl.email_accounts.tags_for(emails)``: the tags of up to [`TAG_LIST_CHUNK`][tenantlead.orchestration._calls.TAG_LIST_CHUNK] accounts, by address (one request)."""
    return _sl(partial(sl_accounts.tags_for_request, emails))


def add_tags(account_ids: list[int], tag_ids: list[int]) -> Flow[TagMappingResult]:
    """``sl.email_accounts.add_tags(account_ids, tag_ids)``: 25 accounts per request."""
    return on(SMARTLEAD, _later(partial(sl_accounts.add_tags_flow, account_ids, tag_ids)))
