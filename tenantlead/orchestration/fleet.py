"""The fleet: both APIs read once and joined by mailbox address.

``Fleet.load(tc, sl)`` is the only I/O here: 1 request for the tenants, 2 per tenant (domains,
mailboxes), the recent pages of the enforcement log, and ``ceil(accounts / 100)`` for Smartlead.
Everything else (``Fleet.build``, filters, rows) is pure, so planners and checks can be tested
on hand-built fleets.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import attrs

from tenantlead._core.flow import arun_flow, run_flow
from tenantlead.orchestration import _calls
from tenantlead.orchestration._drive import check_concurrency
from tenantlead.orchestration._render import Tabular, View, text_table
from tenantlead.orchestration._rules import resolve_tenants, tenant_matches
from tenantlead.orchestration.fleet_load import (
    LoadProgress,
    _injected_clock,
    _journal,
    _load_flow,
    _load_progress,
    address_domain,
    normalize_address,
)
from tenantlead.orchestration.journal import ApplyJournal
from tenantlead.orchestration.results import OnProgress
from tenantlead.orchestration.views import FLEET_SUMMARY_COLUMNS, fleet_summary, fleet_view_rows
from tenantlead.orchestration.warmup_cache import WarmupCache
from tenantlead.smartlead.models import EmailAccount, WarmupStatus
from tenantlead.tenantcore.models import Domain, EnforcementEvent, Mailbox, Tenant

if TYPE_CHECKING:
    from tenantlead.orchestration.checks import Report
    from tenantlead.orchestration.plots import FleetPlots
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.tenantcore import AsyncTenantCore, TenantCore

logger = logging.getLogger("tenantlead")

__all__ = ["Fleet", "FleetRow", "RowStatus", "address_domain", "normalize_address"]

#: ``connected``: both sides; ``not_connected``: TenantCore mailbox without a Smartlead account;
#: ``orphan``: Smartlead account on a TenantCore domain with no TenantCore mailbox behind it.
RowStatus = Literal["connected", "not_connected", "orphan"]

#: Deprecated: ``progress(stage, done, total)`` of ``Fleet.load``; pass ``on_progress=`` instead.

#: Requests ``Fleet.load`` (threads) and ``Fleet.aload`` (tasks) keep in flight by default. The
#: Smartlead side is paced by the client's rate limiter whatever the number; TenantCore documents
#: no rate limit. ``workers=1`` reads one request at a time in a fixed order (seeded runs).
DEFAULT_LOAD_CONCURRENCY = 16

#: How far back ``Fleet.load`` reads the enforcement log by default.
DEFAULT_EVENTS_WINDOW = timedelta(days=7)


@attrs.frozen(kw_only=True)
class FleetRow:
    """One mailbox address, with whatever each API knows about it."""

    address: str
    tenant: Tenant | None = None
    domain: Domain | None = None
    mailbox: Mailbox | None = None
    account: EmailAccount | None = None
    events: tuple[EnforcementEvent, ...] = ()

    @property
    def status(self) -> RowStatus:
        """``connected``, ``not_connected`` or ``orphan`` (see [`RowStatus`][tenantlead.orchestration.fleet.RowStatus])."""
        if self.mailbox is not None and self.account is not None:
            return "connected"
        if self.mailbox is not None:
            return "not_connected"
        return "orphan"

    @property
    def tenant_id(self) -> str | None:
        """The Microsoft tenant GUID, when the address is on a TenantCore tenant."""
        return self.tenant.tenant_id if self.tenant is not None else None

    @property
    def domain_name(self) -> str:
        """The address's domain."""
        return self.domain.domain_name.lower() if self.domain is not None else address_domain(self.address)

    @property
    def client_id(self) -> int | None:
        """The Smartlead agency client of the account, if any."""
        return self.account.client_id if self.account is not None else None

    @property
    def daily_send_limit(self) -> int | None:
        """TenantCore's stored limit (the Exchange ceiling once provisioned)."""
        return self.mailbox.daily_send_limit if self.mailbox is not None else None

    @property
    def message_per_day(self) -> int | None:
        """Smartlead's daily campaign limit (written as ``max_email_per_day``)."""
        return self.account.message_per_day if self.account is not None else None

    @property
    def warmup_active(self) -> bool:
        """True when the Smartlead account's warmup is running (it sends through the same mailbox)."""
        details = self.account.warmup_details if self.account is not None else None
        return details is not None and details.status == WarmupStatus.ACTIVE

    @property
    def warmup_per_day(self) -> int | None:
        """Warmup emails per day when known: 0 when warmup is off, None when active but unknown.

        Smartlead's list endpoint omits the warmup volume; ``Fleet.load(..., with_warmup_details=True)``
        fetches it per account.
        """
        if not self.warmup_active:
            return 0
        details = self.account.warmup_details if self.account is not None else None
        return details.max_email_per_day if details is not None else None

    @property
    def tenant_name(self) -> str | None:
        """The tenant's display name, when the address is on a TenantCore tenant."""
        return self.tenant.tenant_name if self.tenant is not None else None

    @property
    def mailbox_id(self) -> str | None:
        """TenantCore's mailbox id."""
        return self.mailbox.id if self.mailbox is not None else None

    @property
    def account_id(self) -> int | None:
        """Smartlead's email account id."""
        return self.account.id if self.account is not None else None

    @property
    def account_type(self) -> str | None:
        """Smartlead's account type (``SMTP``, ``OUTLOOK``, ...)."""
        account = self.account
        return str(account.type) if account is not None and account.type is not None else None

    @property
    def sends_today(self) -> int | None:
        """TenantCore's count of today's sends from the mailbox."""
        return self.mailbox.sends_today if self.mailbox is not None else None

    @property
    def is_blocked(self) -> bool | None:
        """True when Exchange blocks the mailbox (it hit its enforced limit today)."""
        return self.mailbox.is_blocked if self.mailbox is not None else None

    @property
    def blocked_at(self) -> datetime | None:
        """When Exchange blocked the mailbox (None when it is not blocked)."""
        return self.mailbox.blocked_at if self.mailbox is not None else None

    @property
    def min_time_to_wait_in_mins(self) -> int | None:
        """Smartlead's minimum gap between two sends of the account, in minutes."""
        return self.account.min_time_to_wait_in_mins if self.account is not None else None

    @property
    def is_smtp_success(self) -> bool | None:
        """Smartlead's SMTP login state of the account."""
        return self.account.is_smtp_success if self.account is not None else None

    @property
    def recent_blocks(self) -> int:
        """Enforcement blocks of this mailbox in the fleet's events window."""
        return sum(1 for e in self.events if e.action_taken == "blocked")

    def to_record(self) -> dict[str, Any]:
        """A flat dict for tables and DataFrames; every key is an attribute of the row."""
        return {name: getattr(self, name) for name in ROW_RECORD_FIELDS}


#: The keys of ``FleetRow.to_record()`` (and ``Fleet.to_records()``), in order: attribute names.
ROW_RECORD_FIELDS = (
    "address",
    "status",
    "tenant_name",
    "tenant_id",
    "domain_name",
    "mailbox_id",
    "account_id",
    "account_type",
    "client_id",
    "daily_send_limit",
    "message_per_day",
    "warmup_per_day",
    "min_time_to_wait_in_mins",
    "sends_today",
    "is_blocked",
    "blocked_at",
    "is_smtp_success",
    "recent_blocks",
)


@attrs.frozen(kw_only=True)
class Fleet(Tabular):
    """A snapshot of an agency's TenantCore tenants and Smartlead accounts, joined by address.

    ``rows`` has one [`FleetRow`][tenantlead.orchestration.fleet.FleetRow] per address: connected, not connected (TenantCore only),
    or orphan (a Smartlead account on a TenantCore domain without a mailbox). Smartlead
    accounts on domains TenantCore does not manage are kept in ``external_accounts``.
    ``unenforced`` holds the tenants whose stored limits are not known to be enforced: an
    apply stored limits there and was stopped before provisioning finished (TenantCore's API
    does not say; ``Fleet.load`` reads it from the
    [apply journal][tenantlead.orchestration.journal.ApplyJournal]).
    """

    tenants: tuple[Tenant, ...]
    domains: Mapping[str, tuple[Domain, ...]]  # by tenant_id
    mailboxes: Mapping[str, tuple[Mailbox, ...]]  # by tenant_id
    accounts: tuple[EmailAccount, ...]
    events: tuple[EnforcementEvent, ...]
    loaded_at: datetime
    rows: tuple[FleetRow, ...]
    external_accounts: tuple[EmailAccount, ...] = ()
    #: Tenant GUIDs whose stored limits are not known to be enforced (from the apply journal).
    unenforced: frozenset[str] = frozenset()
    #: Addresses whose warmup volume came from a [WarmupCache][tenantlead.orchestration.WarmupCache],
    #: not from Smartlead, in this load.
    warmup_assumed: frozenset[str] = frozenset()

    columns = (
        "tenant_name",
        "address",
        "status",
        "findings",
        "daily_send_limit",
        "message_per_day",
        "warmup_per_day",
        "sends_today",
        "is_blocked",
        "is_smtp_success",
    )
    summary_columns = FLEET_SUMMARY_COLUMNS
    row_noun = "mailboxes"
    view_name = "fleet"
    int_columns = (
        "account_id",
        "client_id",
        "daily_send_limit",
        "message_per_day",
        "warmup_per_day",
        "min_time_to_wait_in_mins",
        "sends_today",
        "recent_blocks",
    )

    # ------------------------------------------------------------------ building (pure)

    @classmethod
    def build(
        cls,
        *,
        tenants: Iterable[Tenant],
        domains: Mapping[str, Iterable[Domain]],
        mailboxes: Mapping[str, Iterable[Mailbox]],
        accounts: Iterable[EmailAccount],
        events: Iterable[EnforcementEvent] = (),
        loaded_at: datetime,
        unenforced: Iterable[str] = (),
        warmup_assumed: Iterable[str] = (),
    ) -> Fleet:
        """Join already-fetched data (no I/O): what ``load`` does after reading both APIs.

        ``unenforced``: tenant GUIDs whose stored limits are not known to be enforced (only
        those of ``tenants`` are kept).
        """
        tenant_list = tuple(tenants)
        domain_map = {tid: tuple(ds) for tid, ds in domains.items()}
        mailbox_map = {tid: tuple(ms) for tid, ms in mailboxes.items()}
        account_list = tuple(accounts)
        event_list = tuple(events)

        events_by_address: dict[str, list[EnforcementEvent]] = {}
        for event in event_list:
            events_by_address.setdefault(normalize_address(event.mailbox_address), []).append(event)

        domain_index: dict[str, tuple[Tenant, Domain]] = {}
        for tenant in tenant_list:
            for domain in domain_map.get(tenant.tenant_id, ()):
                domain_index[domain.domain_name.lower()] = (tenant, domain)
        accounts_by_address: dict[str, EmailAccount] = {}
        # Smartlead keeps addresses case-sensitively ('Ava@x.com' beside 'ava@x.com'): the first joins
        # its mailbox; each other gets a row of its own (no mailbox, so the doctor reports it).
        duplicates = [
            a
            for a in account_list
            if accounts_by_address.setdefault(normalize_address(a.from_email), a) is not a
        ]

        rows: list[FleetRow] = []
        seen: set[str] = set()
        tenant_by_id = {t.tenant_id: t for t in tenant_list}
        for tenant_id, tenant_mailboxes in mailbox_map.items():
            owner = tenant_by_id.get(tenant_id)
            for mailbox in tenant_mailboxes:
                address = mailbox.address
                if address in seen:
                    continue
                seen.add(address)
                hit = domain_index.get((mailbox.domain_name or address_domain(address)).lower())
                rows.append(
                    FleetRow(
                        address=address,
                        tenant=owner,
                        domain=hit[1] if hit else None,
                        mailbox=mailbox,
                        account=accounts_by_address.get(address),
                        events=tuple(events_by_address.get(address, ())),
                    )
                )
        external: list[EmailAccount] = []
        for address, account in accounts_by_address.items():
            if address in seen:
                continue
            hit = domain_index.get(address_domain(address))
            if hit is None:
                external.append(account)
                continue
            rows.append(
                FleetRow(
                    address=address,
                    tenant=hit[0],
                    domain=hit[1],
                    account=account,
                    events=tuple(events_by_address.get(address, ())),
                )
            )
        for account in duplicates:
            twin = domain_index.get(address_domain(normalize_address(account.from_email)))
            rows.append(
                FleetRow(
                    address=account.from_email.strip(),
                    tenant=twin[0] if twin else None,
                    domain=twin[1] if twin else None,
                    account=account,
                )
            )
        rows.sort(key=lambda r: (r.tenant_id or "", r.domain_name, r.address))
        return cls(
            tenants=tenant_list,
            domains=domain_map,
            mailboxes=mailbox_map,
            accounts=account_list,
            events=event_list,
            loaded_at=loaded_at,
            rows=tuple(rows),
            external_accounts=tuple(external),
            unenforced=frozenset(unenforced) & {t.tenant_id for t in tenant_list},
            warmup_assumed=frozenset(normalize_address(a) for a in warmup_assumed),
        )

    # ------------------------------------------------------------------ loading (I/O)

    @classmethod
    def load(
        cls,
        tc: TenantCore,
        sl: Smartlead,
        tenant_ids: Sequence[str] | None = None,
        *,
        events_window: timedelta = DEFAULT_EVENTS_WINDOW,
        with_warmup_details: bool = False,
        warmup_cache: WarmupCache | None = None,
        with_tags: bool = False,
        workers: int | None = None,
        on_progress: OnProgress | None = None,
        progress: LoadProgress | None = None,
        journal: ApplyJournal | bool = True,
    ) -> Fleet:
        """Read both APIs and join them.

        Args:
            tc: a TenantCore client.
            sl: a Smartlead client.
            tenant_ids: only these tenants: Microsoft GUIDs or tenant names (case and spaces do
                not matter); one that names no tenant raises ``UnknownTenantError`` (a
                ``ValueError``) with close matches. Default all.
            events_window: how far back to read the enforcement log (newest first; paging stops
                at the first older event).
            with_warmup_details: also GET each connected account whose warmup is active, because
                Smartlead's list omits the warmup volume (one extra request per such account).
            warmup_cache: with ``with_warmup_details``, take each volume the
                [WarmupCache][tenantlead.orchestration.WarmupCache] still trusts instead of
                reading it (``fleet.warmup_assumed`` names those accounts), remember the volumes
                read, and save the cache.
            with_tags: also read each account's tags (``tag-list``, one request per 100
                accounts; the account list carries none), so
                [`connect`][tenantlead.orchestration.connect.connect] with ``tags=`` plans only
                the tags an account lacks.
            workers: requests in flight at once (threads): Smartlead pages (read a few ahead)
                and warmup reads alongside the TenantCore reads, so the Smartlead rate limit, not
                the sum of both APIs' latencies, bounds the load. Both clients are thread-safe.
                ``workers=1`` reads one request at a time, always in the same order (seeded
                fault runs replay exactly). The default (None) is ``DEFAULT_LOAD_CONCURRENCY``
                (16), or 1 when a client runs on an injected clock such as a sandbox's virtual
                clock: there any thread's wait moves time for every thread, so threads would
                neither pace nor replay. (``Fleet.aload`` does the same on an event loop.)
            on_progress: ``on_progress(event)`` as each stage advances: a
                [ProgressEvent][tenantlead.orchestration.ProgressEvent] with stage ``"tenants"``
                (per tenant read), ``"accounts"``, ``"warmup details"`` or ``"tags"``; one call at a time
                (with ``workers`` > 1, from the reading threads).
            progress: deprecated older form, ``progress(stage, done, total)``.
            journal: where ``unenforced`` comes from: True (default) reads the apply journal at
                its default location, an [ApplyJournal][tenantlead.orchestration.journal.ApplyJournal]
                that one, False none.
        """
        if workers is None:
            workers = 1 if _injected_clock(tc) or _injected_clock(sl) else DEFAULT_LOAD_CONCURRENCY
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
        now = tc.now()
        report = _load_progress(on_progress, progress)
        flow = _load_flow(
            tenant_ids, now, events_window, with_warmup_details, workers, report, warmup_cache, with_tags
        )
        parts = run_flow(flow, {_calls.TENANTCORE: tc, _calls.SMARTLEAD: sl})
        if warmup_cache is not None and with_warmup_details:
            warmup_cache.save()
        return cls.build(**parts, loaded_at=now, unenforced=_journal(journal).unenforced())

    @classmethod
    async def aload(
        cls,
        tc: AsyncTenantCore,
        sl: AsyncSmartlead,
        tenant_ids: Sequence[str] | None = None,
        *,
        events_window: timedelta = DEFAULT_EVENTS_WINDOW,
        with_warmup_details: bool = False,
        warmup_cache: WarmupCache | None = None,
        with_tags: bool = False,
        concurrency: int = DEFAULT_LOAD_CONCURRENCY,
        on_progress: OnProgress | None = None,
        progress: LoadProgress | None = None,
        journal: ApplyJournal | bool = True,
    ) -> Fleet:
        """Async [`load`][tenantlead.orchestration.fleet.Fleet.load]: the same reads.

        Tenants are read concurrently (at most ``concurrency`` requests at a time) while the
        Smartlead accounts page in. ``on_progress`` as in [`load`][tenantlead.orchestration.fleet.Fleet.load].
        """
        check_concurrency(concurrency)
        now = tc.now()
        report = _load_progress(on_progress, progress)
        flow = _load_flow(
            tenant_ids, now, events_window, with_warmup_details, concurrency, report, warmup_cache, with_tags
        )
        parts = await arun_flow(flow, {_calls.TENANTCORE: tc, _calls.SMARTLEAD: sl})
        if warmup_cache is not None and with_warmup_details:
            warmup_cache.save()
        return cls.build(**parts, loaded_at=now, unenforced=_journal(journal).unenforced())

    # ------------------------------------------------------------------ views (pure)

    def __iter__(self) -> Iterator[FleetRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, address: str) -> FleetRow | None:
        """The row of ``address`` (case-insensitive), or None."""
        key = normalize_address(address)
        return next((r for r in self.rows if r.address == key), None)

    def tenant(self, tenant_id: str) -> Tenant | None:
        """A tenant of the fleet by Microsoft GUID."""
        return next((t for t in self.tenants if t.tenant_id == tenant_id), None)

    def filter(
        self,
        *,
        tenant: str | None = None,
        domain: str | None = None,
        client_id: int | None = None,
        status: RowStatus | None = None,
        predicate: Callable[[FleetRow], bool] | None = None,
    ) -> Fleet:
        """A sub-fleet of the rows matching every given filter.

        ``tenant`` is a GUID or a tenant name, ignoring case and spaces; one that names no tenant
        of the fleet raises ``UnknownTenantError`` (a ``ValueError``) with close matches, rather
        than giving an empty fleet that reads as healthy. Tenants, domains and mailboxes (what
        the tenant- and domain-level checks read) follow the ``tenant`` and ``domain`` filters,
        so a tenant or domain with no mailboxes yet is kept; ``client_id``, ``status`` and
        ``predicate`` select rows, and keep only the tenants that still have one.
        """
        if status is not None and status not in ("connected", "not_connected", "orphan"):
            raise ValueError(f"status must be 'connected', 'not_connected' or 'orphan', got {status!r}")
        if tenant is not None:
            resolve_tenants(self.tenants, [tenant], "tenant")

        def keep(row: FleetRow) -> bool:
            if tenant is not None and not tenant_matches(row.tenant, tenant):
                return False
            if domain is not None and row.domain_name != domain.lower():
                return False
            if client_id is not None and row.client_id != client_id:
                return False
            if status is not None and row.status != status:
                return False
            return predicate is None or predicate(row)

        rows = tuple(r for r in self.rows if keep(r))
        with_rows = {r.tenant_id for r in rows}
        wanted = domain.lower() if domain is not None else None

        def on_domain(name: str | None) -> bool:
            return wanted is None or (name or "").lower() == wanted

        def keep_tenant(t: Tenant) -> bool:
            if tenant is not None and not tenant_matches(t, tenant):
                return False
            if client_id is not None or status is not None or predicate is not None:
                return t.tenant_id in with_rows
            if wanted is not None:
                owns = any(on_domain(d.domain_name) for d in self.domains.get(t.tenant_id, ()))
                return owns or t.tenant_id in with_rows
            return True

        tenants = tuple(t for t in self.tenants if keep_tenant(t))
        kept = {t.tenant_id for t in tenants}
        return attrs.evolve(
            self,
            tenants=tenants,
            domains={
                tid: tuple(d for d in ds if on_domain(d.domain_name))
                for tid, ds in self.domains.items()
                if tid in kept
            },
            mailboxes={
                tid: tuple(m for m in ms if on_domain(m.domain_name or address_domain(m.address)))
                for tid, ms in self.mailboxes.items()
                if tid in kept
            },
            rows=rows,
            external_accounts=() if tenant is not None or domain is not None else self.external_accounts,
            unenforced=self.unenforced & kept,
        )

    def counts(self) -> dict[str, int]:
        """Rows per status plus tenants and external accounts."""
        out = {"tenants": len(self.tenants), "connected": 0, "not_connected": 0, "orphan": 0}
        for row in self.rows:
            out[row.status] += 1
        out["external_accounts"] = len(self.external_accounts)
        return out

    def to_records(self) -> list[dict[str, Any]]:
        """One flat record per row (see [FleetRow.to_record][tenantlead.orchestration.fleet.FleetRow.to_record])."""
        return [row.to_record() for row in self.rows]

    @functools.cached_property
    def _checks(self) -> Report:
        from tenantlead.orchestration.checks import troubleshoot

        return troubleshoot(self)

    def summary_records(self, report: Report | None = None) -> list[dict[str, Any]]:
        """One record per tenant, problems first: mailboxes, connected, limits summed, sends, findings.

        Keys: ``tenant_name``, ``tenant_id``, ``domains``, ``mailboxes``, ``connected``,
        ``not_connected``, ``orphans``, ``daily_send_limit_total`` (TenantCore),
        ``message_per_day_total`` and ``warmup_per_day_total`` (Smartlead, connected accounts),
        ``sends_today``, ``blocked`` (mailboxes), and ``errors`` / ``warnings`` / ``info`` (the
        findings of ``report``, by default ``troubleshoot(fleet)``). Tenants with errors come
        first, then blocks, warnings and unconnected mailboxes.
        """
        return fleet_summary(self, report if report is not None else self._checks)

    def view_records(self) -> list[dict[str, Any]]:
        """The rows problems first, each with its worst finding ``severity`` and its ``findings`` codes."""
        return fleet_view_rows(self, self._checks)

    @property
    def plot(self) -> FleetPlots:
        """Pictures of the fleet (needs the ``plot`` extra): ``fleet.plot.limits()``, ``fleet.plot.headroom()``."""
        from tenantlead.orchestration.plots import FleetPlots

        return FleetPlots(self)

    def _html_summary(self) -> str:
        c = self.counts()
        return (
            f"{c['tenants']:,} tenants, {c['connected']:,} connected, {c['not_connected']:,} not connected, "
            f"{c['orphan']:,} orphans"
        )

    def _headline(self) -> str:
        mailboxes = sum(len(ms) for ms in self.mailboxes.values())
        s = self._checks.severity_counts()
        return (
            f"{self._html_summary()}; {mailboxes:,} mailboxes; findings: {s['error']:,} errors, "
            f"{s['warning']:,} warnings, {s['info']:,} info (troubleshoot(fleet) lists them)"
        )

    def show(self, rows: int | None = 20, tenants: int | None = 12) -> View:
        """The fleet at a glance: per-tenant summary, then mailboxes, problems first.

        ``rows`` / ``tenants`` cap what is shown (``None``: everything); in Jupyter a fleet
        renders as ``fleet.show()``.
        """
        return attrs.evolve(super().show(rows, tenants), headline=self._headline())

    def overview(self, *, tenants: int = 10, rows: int = 8) -> View:
        """The agency on one screen: the per-tenant summary next to ``fleet.plot.limits()``, then mailboxes.

        Problems first everywhere; ``tenants`` / ``rows`` cap the tables (the picture draws the
        same tenants as the table). Without matplotlib the picture is left out and the view says
        how to install it.
        """
        view = self.show(rows=rows, tenants=tenants)
        try:
            from tenantlead.orchestration.plots import figure_png, limits_by_tenant

            picture = figure_png(limits_by_tenant(self, tenants=tenants))
        except ImportError as exc:
            return attrs.evolve(view, notes=(*view.notes, str(exc)))
        return attrs.evolve(view, picture=picture, picture_call=f"fleet.plot.limits(tenants={tenants})")

    def __str__(self) -> str:
        columns = ["tenant_name", "domains", *FLEET_SUMMARY_COLUMNS[1:]]
        return f"Fleet: {self._html_summary()}\n" + text_table(self.summary_records(), columns, max_rows=None)

    def __repr__(self) -> str:
        return f"<Fleet {self._html_summary()} at {self.loaded_at.isoformat()}>"
