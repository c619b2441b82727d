"""How [`Fleet.load`][tenantlead.orchestration.Fleet.load] reads both APIs: one flow for blocking and async clients.

Kept apart from the ``Fleet`` snapshot itself, which only joins and renders what this reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from tenantlead._core.flow import Flow, Gather, Outcome
from tenantlead._core.pager import DEFAULT_READ_AHEAD
from tenantlead.errors import NotFoundError
from tenantlead.orchestration import _calls
from tenantlead.orchestration._rules import resolve_tenants
from tenantlead.orchestration.journal import ApplyJournal
from tenantlead.orchestration.results import OnProgress, ProgressEvent, deprecated_progress
from tenantlead.orchestration.warmup_cache import WarmupCache
from tenantlead.smartlead.models import EmailAccount, Tag, WarmupStatus
from tenantlead.tenantcore.models import EnforcementEvent, Mailbox, Tenant

logger = logging.getLogger("tenantlead")
#: The deprecated ``progress=`` form of a load: ``(stage, done, total)``.
LoadProgress = Callable[[str, int, int], None]


def normalize_address(address: str) -> str:
    """The join key for an email address: stripped and lower-cased."""
    return address.strip().lower()


def address_domain(address: str) -> str:
    """The domain part of an address, lower-cased (``""`` when there is none)."""
    _, _, domain = normalize_address(address).rpartition("@")
    return domain


def _load_flow(
    tenant_ids: Sequence[str] | None,
    now: datetime,
    events_window: timedelta,
    with_warmup_details: bool,
    parallel: int,
    progress: OnProgress | None,
    cache: WarmupCache | None = None,
    with_tags: bool = False,
) -> Flow[dict[str, Any]]:
    """Everything ``Fleet.load`` reads, as one flow: ``parallel`` requests at a time at most.

    With ``parallel`` 1 the reads go one after another (tenants, each tenant's domains and
    mailboxes, the events, then the accounts); otherwise the Smartlead accounts page in
    alongside the TenantCore reads.
    """
    report = _serialised(progress)
    since = now - events_window

    def tenantcore_side() -> Flow[tuple[list[Tenant], list[Any]]]:
        tenants = _select_tenants((yield from _calls.list_tenants()), tenant_ids)
        reads: list[Flow[Any]] = []
        for tenant in tenants:
            reads += [_calls.list_domains(tenant.tenant_id), _calls.list_mailboxes(tenant.tenant_id)]
        reads.append(_calls.list_events(until=lambda e: e.created_at is not None and e.created_at < since))
        halves: dict[int, int] = {}

        def tenant_done(index: int, _: Outcome[Any]) -> None:
            tenant = index // 2
            if tenant < len(tenants):
                halves[tenant] = halves.get(tenant, 0) + 1
                if halves[tenant] == 2:
                    report("tenants", sum(1 for n in halves.values() if n == 2), len(tenants))

        outcomes = yield Gather(reads, concurrency=parallel, on_done=tenant_done)
        return tenants, _values(outcomes)

    # Concurrent loads keep a few Smartlead pages in flight (the list has no total to fan out
    # on); a one-at-a-time load keeps its exact, deterministic request order.
    accounts_flow = _calls.list_accounts(read_ahead=DEFAULT_READ_AHEAD if parallel > 1 else 0)
    both = yield Gather([tenantcore_side(), accounts_flow], concurrency=min(parallel, 2))
    (tenants, lists), accounts = _values(both)
    domains = {t.tenant_id: tuple(lists[2 * i]) for i, t in enumerate(tenants)}
    mailboxes = {t.tenant_id: tuple(lists[2 * i + 1]) for i, t in enumerate(tenants)}
    events = _recent(lists[-1], since, tenants, tenant_ids)
    report("accounts", len(accounts), len(accounts))
    assumed: list[str] = []
    if with_warmup_details:
        wanted = []
        for index in _needs_details(accounts, mailboxes):
            hit = cache.get(accounts[index].id, now=now) if cache is not None else None
            if hit is None:
                wanted.append(index)
                continue
            accounts[index] = _with_volume(accounts[index], hit.per_day)
            assumed.append(accounts[index].from_email)
        finished = 0

        def detail_done(index: int, _: Outcome[Any]) -> None:
            nonlocal finished
            finished += 1
            report("warmup details", finished, len(wanted))

        gets = [_calls.get_account(accounts[i].id) for i in wanted]
        outcomes = yield Gather(gets, concurrency=parallel, on_done=detail_done)
        # An account deleted between the list and its GET is gone, not a failed load: its
        # mailbox's row shows it as not connected, as a fresh load would.
        gone = {i for i, o in zip(wanted, outcomes, strict=True) if isinstance(o.error, NotFoundError)}
        kept = [(i, o) for i, o in zip(wanted, outcomes, strict=True) if i not in gone]
        details = _values([o for _, o in kept])
        for (index, _), detail in zip(kept, details, strict=True):
            accounts[index] = _with_details(accounts[index], detail)
            volume = accounts[index].warmup_details
            if cache is not None and volume is not None and volume.max_email_per_day is not None:
                cache.remember(
                    accounts[index].id,
                    volume.max_email_per_day,
                    source="read",
                    at=now,
                    address=normalize_address(accounts[index].from_email),
                )
        if gone:
            logger.warning("%d Smartlead account(s) deleted while the fleet loaded: not connected", len(gone))
            accounts = [a for i, a in enumerate(accounts) if i not in gone]
    if with_tags and accounts:
        accounts = yield from _with_tags(accounts, parallel, report)
    return {
        "tenants": tenants,
        "domains": domains,
        "mailboxes": mailboxes,
        "accounts": accounts,
        "events": events,
        "warmup_assumed": assumed,
    }


def _with_tags(
    accounts: list[EmailAccount], parallel: int, report: Callable[[str, int, int], None]
) -> Flow[list[EmailAccount]]:
    """``accounts`` with their tags, read with ``tag-list`` (one request per 100 addresses).

    The account list carries no tags; an account ``tag-list`` leaves out has none.
    """
    emails = [a.from_email for a in accounts]
    chunks = [emails[i : i + _calls.TAG_LIST_CHUNK] for i in range(0, len(emails), _calls.TAG_LIST_CHUNK)]
    finished = 0

    def chunk_done(index: int, _: Outcome[Any]) -> None:
        nonlocal finished
        finished += 1
        report("tags", finished, len(chunks))

    outcomes = yield Gather(
        [_calls.tags_for(chunk) for chunk in chunks], concurrency=parallel, on_done=chunk_done
    )
    by_id: dict[int, list[Tag]] = {}
    by_email: dict[str, list[Tag]] = {}
    for rows in _values(outcomes):
        for row in rows:
            if row.email_account_id is not None:
                by_id.setdefault(row.email_account_id, []).extend(row.tags)
            elif row.email_id:
                by_email.setdefault(normalize_address(row.email_id), []).extend(row.tags)
    return [
        attrs.evolve(a, tags=by_id.get(a.id, by_email.get(normalize_address(a.from_email), [])))
        for a in accounts
    ]


def _injected_clock(client: Any) -> bool:
    """True when ``client`` was given its own clock (a sandbox's virtual one) instead of wall time."""
    return getattr(client, "_clock", time.time) is not time.time


def _values(outcomes: Sequence[Outcome[Any]]) -> list[Any]:
    """The values of a load's reads; the first failed read fails the load (as it always has)."""
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error
    return [outcome.value for outcome in outcomes]


def _serialised(progress: OnProgress | None) -> Callable[[str, int, int], None]:
    """``report(stage, done, total)`` for ``progress``, one call at a time whichever thread reports."""
    lock = threading.Lock()

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            with lock:
                progress(ProgressEvent(stage=stage, done=done, total=total))

    return report


def _load_progress(on_progress: OnProgress | None, progress: LoadProgress | None) -> OnProgress | None:
    """The ``on_progress`` of a load, adapting (with a DeprecationWarning) the old ``progress=`` form."""
    if progress is None:
        return on_progress
    return deprecated_progress(
        "Fleet.load(progress=(stage, done, total))", on_progress, lambda e: progress(e.stage, e.done, e.total)
    )


def _select_tenants(tenants: list[Tenant], tenant_ids: Sequence[str] | None) -> list[Tenant]:
    if tenant_ids is None:
        return tenants
    if isinstance(tenant_ids, str):
        raise ValueError("tenant_ids must be a list of tenant GUIDs or names, not a single string")
    chosen = {t.tenant_id for t in resolve_tenants(tenants, tenant_ids, "tenant_ids")}
    return [t for t in tenants if t.tenant_id in chosen]


def _journal(journal: ApplyJournal | bool) -> ApplyJournal:
    if isinstance(journal, ApplyJournal):
        return journal
    if not isinstance(journal, bool):
        raise TypeError(f"journal must be True, False or an ApplyJournal, got {journal!r}")
    return ApplyJournal(journal)


def _recent(
    events: Iterable[EnforcementEvent],
    since: datetime,
    tenants: Sequence[Tenant],
    tenant_ids: Sequence[str] | None,
) -> list[EnforcementEvent]:
    keep_tenants = {t.tenant_id for t in tenants} if tenant_ids is not None else None
    out: list[EnforcementEvent] = []
    for event in events:
        if event.created_at is not None and event.created_at < since:
            break  # newest first: everything after this is older
        if keep_tenants is None or event.tenant_id in keep_tenants:
            out.append(event)
    return out


def _needs_details(accounts: Sequence[EmailAccount], mailboxes: Mapping[str, Sequence[Mailbox]]) -> list[int]:
    addresses = {m.address for ms in mailboxes.values() for m in ms}
    out: list[int] = []
    for i, account in enumerate(accounts):
        details = account.warmup_details
        if (
            normalize_address(account.from_email) in addresses
            and details is not None
            and details.status == WarmupStatus.ACTIVE
            and details.max_email_per_day is None
        ):
            out.append(i)
    return out


def _with_volume(listed: EmailAccount, per_day: int) -> EmailAccount:
    """The listed account with a remembered warmup volume (the list's other warmup fields kept)."""
    details = listed.warmup_details
    assert details is not None  # only accounts with active warmup are looked up
    return attrs.evolve(listed, warmup_details=attrs.evolve(details, max_email_per_day=per_day))


def _with_details(listed: EmailAccount, detailed: EmailAccount) -> EmailAccount:
    """The listed account with get-by-id's full ``warmup_details``.

    Only the warmup record is taken from get-by-id: it omits list-only fields such as the
    sending gap (``minTimeToWaitInMins``), and it carries the decrypted password, which a
    snapshot has no use for.
    """
    return attrs.evolve(listed, warmup_details=detailed.warmup_details)
