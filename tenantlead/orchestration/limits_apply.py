"""The align apply run: TenantCore limits first, then Smartlead (bulk where possible), then a re-read.

Five phases, run by the driver of ``tenantlead.orchestration._drive`` (one item at a time on
blocking clients, ``concurrency`` at a time on async ones):

1. store ``daily_send_limit`` on each mailbox that gets a ceiling;
2. provision enforcement once per tenant (skipped where storing every new limit failed);
3. ``bulk_update`` for accounts sharing the same target values, 100 per request;
4. per-account updates for the accounts of a bulk request that failed;
5. (``verify``) re-read the written tenants' mailboxes and the Smartlead accounts; differences
   from the plan are reported as drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tenantlead._core.flow import Flow, Gather, Outcome
from tenantlead._core.pager import DEFAULT_READ_AHEAD, Page
from tenantlead.orchestration import _calls
from tenantlead.orchestration._drive import PhasedRun
from tenantlead.orchestration.fleet import FleetRow, normalize_address
from tenantlead.orchestration.journal import ApplyJournal
from tenantlead.orchestration.results import ApplyResult, Drift, ItemResult, OnProgress, describe_error
from tenantlead.orchestration.views import subject_tenants
from tenantlead.orchestration.warmup_cache import WarmupCache, remember_written
from tenantlead.smartlead.models import BatchResult, EmailAccount
from tenantlead.tenantcore.models import Mailbox

if TYPE_CHECKING:
    from tenantlead.orchestration.limits import Change, LimitPlan
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.tenantcore import AsyncTenantCore, TenantCore

__all__ = ["BULK_BATCH", "LimitRun"]

#: Accounts per Smartlead bulk-update request.
BULK_BATCH = 100

#: Plan field -> ``sl.email_accounts.bulk_update`` keyword.
_BULK_FIELDS = {
    "message_per_day": "message_per_day",
    "min_time_to_wait_in_mins": "min_time_to_wait_in_mins",
    "warmup_per_day": "warmup_max_email_per_day",
}
#: Plan field -> ``sl.email_accounts.update`` keyword (warmup goes through ``update_warmup``).
_UPDATE_FIELDS = {"message_per_day": "max_email_per_day", "min_time_to_wait_in_mins": "time_to_wait_in_mins"}

BulkKey = tuple[list[int], dict[int, list["Change"]]]


def _bulk_field(field: str, value: int | None) -> tuple[str, Any]:
    """The bulk-update keyword for a planned value; warmup 0 turns warmup off (volumes start at 1)."""
    if field == "warmup_per_day" and value == 0:
        return "warmup_status", "INACTIVE"
    return _BULK_FIELDS[field], value


def _batches(ids: Sequence[int], size: int) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


class LimitRun(PhasedRun):
    """State of one align apply run (see the module docstring); no I/O of its own."""

    def __init__(
        self,
        plan: LimitPlan,
        tc: TenantCore | AsyncTenantCore | None,
        sl: Smartlead | AsyncSmartlead | None,
        on_progress: OnProgress | None,
        *,
        verify: bool,
        journal: ApplyJournal | None = None,
        warmup_cache: WarmupCache | None = None,
    ) -> None:
        tc_needed = any(c.system == "tenantcore" for c in plan.changes)
        sl_needed = any(c.system == "smartlead" for c in plan.changes)
        if tc_needed and tc is None:
            raise ValueError("this plan changes TenantCore limits: pass tc= (a TenantCore client)")
        if sl_needed and sl is None:
            raise ValueError("this plan changes Smartlead accounts: pass sl= (a Smartlead client)")
        super().__init__(
            len(plan.changes) + len(plan.skipped),
            on_progress,
            "align",
            tenants=subject_tenants((*plan.changes, *plan.skipped)),
        )
        self.plan = plan
        self.verify = verify
        self.journal = journal
        self._now = getattr(tc, "now", None)
        self.warmup_cache = warmup_cache
        self.drift: list[Drift] = []
        self.tc_written: set[str] = set()  # tenants with a stored limit written
        self.sl_written: dict[tuple[str, str], Change] = {}  # (address, field) -> change written
        self.patched_ok: dict[str, int] = {}
        self.patch_planned: dict[str, int] = {}
        self.fallback: list[tuple[int, list[Change], str]] = []
        for skip in plan.skipped:
            self.skipped(skip.subject, "align limits", skip.reason, skip.account_id)

    def phases(self) -> Sequence[Callable[[], Flow[None]]]:
        """Store, provision, bulk update, fall back, re-read, remember the warmup volumes written."""
        return [
            self.patch_phase,
            self.provision_phase,
            self.bulk_phase,
            self.fallback_phase,
            self.verify_phase,
            self.remember_phase,
        ]

    def remember_phase(self) -> Flow[None]:
        """Keep the warmup volumes written, and read back as written, in the warmup cache (when given)."""
        drifted = {d.subject for d in self.drift if d.field == "warmup_per_day"}
        written = [
            (change.account_id, change.after, address)
            for (address, field), change in sorted(self.sl_written.items())
            if field == "warmup_per_day"
            and change.account_id is not None
            and isinstance(change.after, int)
            and address not in drifted
        ]
        yield from remember_written(self.warmup_cache, written)

    def result(self) -> ApplyResult:
        """Every item, with the drift the re-read found."""
        return self.collector.result(self.drift, verified=self.verify)

    def rerun_hint(self) -> str:
        """How to finish after an interruption (naming tenants whose stored limits are not enforced)."""
        provisioned = {
            item.subject
            for item in self.collector.items
            if item.action == "provision enforcement" and item.status == "succeeded"
        }
        unenforced = sorted(self.tc_written - provisioned)
        hint = "Load the fleet again and re-run align_limits to finish."
        if unenforced:
            # The API shows these limits as stored; only the journal (or enforce="all") brings them back.
            where = (
                f"the apply journal ({self.journal.path}) records them, so the next plan provisions them; "
                if self.journal is not None and self.journal.path is not None
                else ""
            )
            hint += (
                f" Limits were stored but not yet enforced on tenant(s) {', '.join(unenforced)}: {where}or plan "
                'with LimitPolicy(..., enforce="all") (CLI: --enforce-all) once to provision them.'
            )
        return hint

    def _moment(self) -> datetime | None:
        now = self._now() if callable(self._now) else None
        return now if isinstance(now, datetime) else None

    # ---------------------------------------------------------------- TenantCore

    def patch_phase(self) -> Flow[None]:
        """Store each planned ``daily_send_limit`` (the journal first records the tenants as unenforced)."""
        stored_on = [str(c.tenant_id) for c in self.plan.changes if c.field == "daily_send_limit"]
        if self.journal is not None:
            self.journal.mark_stored(dict.fromkeys(stored_on), self._moment())
        work: list[tuple[Change, Flow[Mailbox]]] = []
        for change in self.plan.changes:
            if change.system == "tenantcore" and change.field == "daily_send_limit":
                tenant_id = str(change.tenant_id)
                self.patch_planned[tenant_id] = self.patch_planned.get(tenant_id, 0) + 1
                flow = _calls.update_mailbox(tenant_id, str(change.mailbox_id), daily_send_limit=change.after)
                work.append((change, flow))
        yield from self.each(work, self.patch_done)

    def patch_done(self, change: Change, value: Any, error: Exception | None) -> None:
        """Record a stored limit."""
        if error is None:
            tenant = str(change.tenant_id)
            self.patched_ok[tenant] = self.patched_ok.get(tenant, 0) + 1
            self.tc_written.add(tenant)
        self._finish(change, error, "stored in TenantCore (enforced after provisioning)")

    def provision_phase(self) -> Flow[None]:
        """Provision enforcement per tenant, unless storing every new limit there failed."""
        work: list[tuple[Change, Flow[Any]]] = []
        for change in self.plan.changes:
            if change.field != "mailbox_limits":
                continue
            tenant_id = str(change.tenant_id)
            if self.patch_planned.get(tenant_id) and not self.patched_ok.get(tenant_id):
                self.skipped(
                    change.subject,
                    change.action,
                    "not provisioned: storing every new limit of this tenant failed (see above)",
                )
                continue
            work.append((change, _calls.provision_limits(tenant_id)))
        yield from self.each(work, self.provision_done)

    def provision_done(self, change: Change, value: Any, error: Exception | None) -> None:
        """Record a provisioned tenant (and, in the journal, that its stored limits are enforced)."""
        if error is None and self.journal is not None and change.tenant_id is not None:
            self.journal.mark_enforced([change.tenant_id], self._moment())
        self._finish(change, error, "Exchange transport rule written: stored limits are enforced")

    # ---------------------------------------------------------------- Smartlead

    def _by_account(self) -> dict[int, list[Change]]:
        out: dict[int, list[Change]] = {}
        for change in self.plan.changes:
            if change.system == "smartlead" and change.account_id is not None:
                out.setdefault(change.account_id, []).append(change)
        return out

    def bulk_phase(self) -> Flow[None]:
        """One bulk update per group of accounts with the same target values, 100 per request."""
        groups: dict[tuple[tuple[str, int | None], ...], list[int]] = {}
        by_account = self._by_account()
        for account_id, changes in by_account.items():
            key = tuple(sorted((c.field, c.after) for c in changes))
            groups.setdefault(key, []).append(account_id)
        work: list[tuple[BulkKey, Flow[BatchResult[str]]]] = []
        for key, ids in groups.items():
            fields = dict(_bulk_field(f, v) for f, v in key)
            for batch in _batches(ids, BULK_BATCH):
                work.append(((batch, {i: by_account[i] for i in batch}), _calls.bulk_update(batch, **fields)))
        yield from self.each(work, self.bulk_done)

    def bulk_done(self, key: BulkKey, value: Any, error: Exception | None) -> None:
        """Record a bulk request; queue its failed accounts for per-account updates."""
        batch, changes = key
        failed_ids: set[int] = set()
        why = ""
        if error is not None:
            failed_ids = set(batch)
            why = describe_error(error)
        elif isinstance(value, BatchResult):
            for chunk in value.failed:  # a partial BatchResult
                failed_ids.update(chunk.ids)
                why = describe_error(chunk.error) if chunk.error is not None else "bulk chunk failed"
        for account_id in batch:
            if account_id in failed_ids:
                self.fallback.append((account_id, changes[account_id], why))
                continue
            for change in changes[account_id]:
                self._finish(change, None, f"bulk update ({len(batch)} accounts in the request)")

    def fallback_phase(self) -> Flow[None]:
        """Per-account updates for the accounts whose bulk request failed."""
        work: list[tuple[tuple[list[Change], str], Flow[Any]]] = []
        for account_id, changes, why in self.fallback:
            settings = {_UPDATE_FIELDS[c.field]: c.after for c in changes if c.field in _UPDATE_FIELDS}
            if settings:
                limited = [c for c in changes if c.field in _UPDATE_FIELDS]
                work.append(((limited, why), _calls.update_account(account_id, **settings)))
            for change in changes:
                if change.field == "warmup_per_day":
                    assert change.after is not None  # a warmup change always sets a volume (0: off)
                    flow = _calls.update_warmup(account_id, total_warmup_per_day=change.after)
                    work.append((([change], why), flow))
        self.fallback = []
        yield from self.each(work, self.fallback_done)

    def fallback_done(self, key: tuple[list[Change], str], value: Any, error: Exception | None) -> None:
        """Record a per-account update."""
        changes, why = key
        for change in changes:
            self._finish(change, error, f"per-account update (the bulk request failed: {why})")

    # ---------------------------------------------------------------- results and re-read

    def _finish(self, change: Change, error: Exception | None, detail: str) -> None:
        if error is None and change.system == "smartlead":
            self.sl_written[(change.subject, change.field)] = change
        self.collector.add(
            ItemResult(
                subject=change.subject,
                action=change.action,
                status="succeeded" if error is None else "failed",
                detail=detail if error is None else describe_error(error),
                error=error,
                account_id=change.account_id,
            )
        )

    def verify_phase(self) -> Flow[None]:
        """Re-read what was written (with ``verify``); a read that fails stops the run, as it always has."""
        if not self.verify:
            return
        if self.tc_written:
            tenants = sorted(self.tc_written)
            reads = [_calls.list_mailboxes(t) for t in tenants]
            outcomes: list[Outcome[list[Mailbox]]] = yield Gather(reads, concurrency=self.concurrency)
            for outcome in outcomes:
                if outcome.error is not None:
                    raise outcome.error
            lists = {t: o.value or [] for t, o in zip(tenants, outcomes, strict=True)}
            self.drift += self.verify_tenantcore(lists)
        if self.sl_written:
            self.drift += self.verify_smartlead((yield from self._read_written()))
            # The list omits the warmup volume, so each written one is read back by id: a write
            # that is never read back is not reported as landed.
            warmups = [c for (_, f), c in self.sl_written.items() if f == "warmup_per_day" and c.account_id]
            if warmups:
                gets = [_calls.get_account(int(c.account_id or 0)) for c in warmups]
                read: list[Outcome[EmailAccount]] = yield Gather(gets, concurrency=self.concurrency)
                for change, got in zip(warmups, read, strict=True):
                    if got.error is not None:
                        raise got.error
                    self.drift += self.verify_warmup(change, got.value)

    def _read_written(self) -> Flow[list[EmailAccount]]:
        """The accounts written, read in bulk: only the list pages that held them at load time.

        An account not on its page (the list changed since the load) is looked for in one walk
        of the whole list.
        """
        ids = {c.account_id for c in self.sl_written.values() if c.account_id is not None}
        positions = self.plan.list_positions
        accounts: list[EmailAccount] = []
        if ids and all(i in positions for i in ids):
            offsets = sorted({positions[i] // BULK_BATCH * BULK_BATCH for i in ids})
            reads = [_calls.list_page(offset) for offset in offsets]
            outcomes: list[Outcome[Page[EmailAccount]]] = yield Gather(reads, concurrency=self.concurrency)
            for outcome in outcomes:
                if outcome.error is not None:
                    raise outcome.error
                assert outcome.value is not None
                accounts += outcome.value.items
            if ids <= {a.id for a in accounts}:
                return accounts
        ahead = DEFAULT_READ_AHEAD if self.concurrency > 1 else 0
        return (yield from _calls.list_accounts(read_ahead=ahead))

    def verify_tenantcore(self, mailboxes: Mapping[str, Sequence[Mailbox]]) -> list[Drift]:
        """Stored limits that read back differently from the plan."""
        expected = {
            c.mailbox_id: c
            for c in self.plan.changes
            if c.field == "daily_send_limit" and str(c.tenant_id) in self.tc_written
        }
        drift: list[Drift] = []
        for items in mailboxes.values():
            for mailbox in items:
                change = expected.get(mailbox.id)
                if change is not None and mailbox.daily_send_limit != change.after:
                    drift.append(
                        Drift(
                            subject=change.subject,
                            field="daily_send_limit",
                            expected=change.after,
                            actual=mailbox.daily_send_limit,
                        )
                    )
        return drift

    def verify_warmup(self, change: Change, account: EmailAccount | None) -> list[Drift]:
        """The warmup volume read back by id, against the plan (0: warmup off)."""
        actual = FleetRow(address=change.subject, account=account).warmup_per_day if account else None
        if actual == change.after:
            return []
        return [Drift(subject=change.subject, field="warmup_per_day", expected=change.after, actual=actual)]

    def verify_smartlead(self, accounts: Iterable[EmailAccount]) -> list[Drift]:
        """Smartlead values that read back differently from the plan (or accounts gone)."""
        by_address = {normalize_address(a.from_email): a for a in accounts}
        drift: list[Drift] = []
        for (address, field), change in self.sl_written.items():
            account = by_address.get(address)
            if account is None:
                drift.append(Drift(subject=address, field="account", expected="present", actual=None))
                continue
            if field == "warmup_per_day":
                continue  # the list omits warmup volume: verify_warmup reads it back by id
            actual = (
                account.message_per_day if field == "message_per_day" else account.min_time_to_wait_in_mins
            )
            if actual != change.after:
                drift.append(Drift(subject=address, field=field, expected=change.after, actual=actual))
        return drift
