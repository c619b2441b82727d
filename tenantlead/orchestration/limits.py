"""``align_limits``: keep every Smartlead daily limit at or below the TenantCore ceiling.

Planning is pure: ``align_limits(fleet, policy)`` reads the snapshot and returns a
:class:`LimitPlan` of :class:`Change` rows (field, before, after and the reason in words).
Only :meth:`LimitPlan.apply` / :meth:`LimitPlan.aapply` write:

1. TenantCore first: store ``daily_send_limit`` where a ceiling must be stored
   (``default_ceiling``), then ``tc.mailbox_limits.provision(tenant_id)`` once per tenant (a
   stored limit only bites once provisioned);
2. Smartlead: ``bulk_update`` for accounts sharing the same target values, 100 per request;
   accounts of a bulk request that failed fall back to per-account updates;
3. a re-read (``ceil(accounts / 100)`` list requests, plus one mailbox list per changed tenant)
   reporting any value that differs from the plan as drift.

Plans are computed from current state, so re-running is safe: after an apply a fresh plan is
empty, and a run interrupted half-way is finished by planning again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import attrs

from tenantlead.orchestration._render import Tabular, jsonable, text_table
from tenantlead.orchestration._runner import Op, check_concurrency, chunks, run_async, run_sync
from tenantlead.orchestration.fleet import Fleet, FleetRow
from tenantlead.orchestration.policy import LimitPolicy
from tenantlead.orchestration.results import (
    ApplyResult,
    Drift,
    ItemResult,
    Progress,
    _Collector,
    describe_error,
    partial_note,
)
from tenantlead.orchestration.views import (
    LIMIT_SUMMARY_COLUMNS,
    attach_tenants,
    limit_plan_rows,
    limit_plan_summary,
    subject_tenants,
)
from tenantlead.smartlead.models import EmailAccount

if TYPE_CHECKING:
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.tenantcore import AsyncTenantCore, TenantCore

__all__ = ["BULK_BATCH", "Change", "LimitPlan", "Skip", "align_limits"]

#: Accounts per Smartlead bulk-update request.
BULK_BATCH = 100

System = Literal["tenantcore", "smartlead"]

#: Plan field -> ``sl.email_accounts.bulk_update`` keyword.
_BULK_FIELDS = {
    "message_per_day": "message_per_day",
    "min_time_to_wait_in_mins": "min_time_to_wait_in_mins",
    "warmup_per_day": "warmup_max_email_per_day",
}
#: Plan field -> ``sl.email_accounts.update`` keyword (warmup goes through ``update_warmup``).
_UPDATE_FIELDS = {"message_per_day": "max_email_per_day", "min_time_to_wait_in_mins": "time_to_wait_in_mins"}


@attrs.frozen(kw_only=True)
class Change:
    """One value the plan writes.

    Attributes:
        subject: the mailbox address (the tenant id for ``mailbox_limits``).
        system: ``tenantcore`` or ``smartlead``.
        field: ``daily_send_limit`` / ``mailbox_limits`` (TenantCore), ``message_per_day`` /
            ``min_time_to_wait_in_mins`` / ``warmup_per_day`` (Smartlead, read-side names).
        before: the current value (None when unknown or unset).
        after: the planned value (None for ``mailbox_limits``, which provisions enforcement).
        reason: why, in words.
        tenant_id: the tenant's GUID; tenant_name: its name (filled in by ``align_limits``).
        mailbox_id: TenantCore's mailbox id; account_id: Smartlead's account id.
    """

    subject: str
    system: System
    field: str
    before: int | None
    after: int | None
    reason: str
    tenant_id: str | None = None
    mailbox_id: str | None = None
    account_id: int | None = None
    tenant_name: str | None = None

    @property
    def action(self) -> str:
        """Short text of the write (``set message_per_day 40 -> 20``)."""
        if self.field == "mailbox_limits":
            return "provision enforcement"
        return f"set {self.field} {_show(self.before)} -> {_show(self.after)}"

    def to_record(self) -> dict[str, Any]:
        """A flat JSON-ready dict."""
        return {
            "subject": self.subject,
            "tenant_name": self.tenant_name,
            "system": self.system,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "tenant_id": self.tenant_id,
            "mailbox_id": self.mailbox_id,
            "account_id": self.account_id,
        }


@attrs.frozen(kw_only=True)
class Skip:
    """A row the plan leaves alone, with the reason (and the TL code when one applies)."""

    subject: str
    reason: str
    code: str | None = None
    account_id: int | None = None
    tenant_id: str | None = None
    tenant_name: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A flat JSON-ready dict."""
        return {
            "subject": self.subject,
            "tenant_name": self.tenant_name,
            "code": self.code,
            "reason": self.reason,
            "account_id": self.account_id,
            "tenant_id": self.tenant_id,
        }


def _show(value: int | None) -> str:
    return "unset" if value is None else str(value)


# ----------------------------------------------------------------------------- planning (pure)


def _budget_text(ceiling: int, warmup: int, policy: LimitPolicy) -> str:
    """``TenantCore ceiling 25 - warmup 5 = 20`` (the arithmetic that gives the allowed limit)."""
    counted = warmup if policy.count_warmup else 0
    parts = [f"TenantCore ceiling {ceiling}"]
    if counted:
        parts.append(f"warmup {warmup}")
    if policy.headroom:
        parts.append(f"headroom {policy.headroom}")
    text = " - ".join(parts)
    if ceiling - counted - policy.headroom < 0:
        # Flooring at 0 must not read as false arithmetic; say what actually makes room.
        return (
            f"{text} leaves nothing (warmup and headroom already fill the ceiling: lower warmup with "
            "LimitPolicy(warmup_per_day=...) or sl.email_accounts.update_warmup), so 0"
        )
    return f"{text} = {policy.allowed(ceiling, warmup)}"


def _warmup_for(
    row: FleetRow, account: EmailAccount, policy: LimitPolicy
) -> tuple[int | None, Change | None]:
    """(warmup mails a day to budget, a warmup-volume change) - warmup None means unknown."""
    if not row.warmup_active:
        return 0, None
    if policy.warmup_per_day is not None:
        details = account.warmup_details
        known = details.max_email_per_day if details is not None else None
        change = None
        if known != policy.warmup_per_day:
            change = Change(
                subject=row.address,
                system="smartlead",
                field="warmup_per_day",
                before=known,
                after=policy.warmup_per_day,
                reason=(
                    f"the policy sets warmup to {policy.warmup_per_day}/day (was {_show(known)}), "
                    "so the budget under the ceiling is exact"
                ),
                tenant_id=row.tenant_id,
                account_id=account.id,
            )
        return policy.warmup_per_day, change
    return row.warmup_per_day, None


def _smartlead_changes(
    row: FleetRow, account: EmailAccount, ceiling: int, warmup: int, policy: LimitPolicy
) -> list[Change]:
    out: list[Change] = []
    allowed = policy.allowed(ceiling, warmup)
    budget = _budget_text(ceiling, warmup, policy)
    current = account.message_per_day
    limit = current
    if policy.mode == "cap" and (current is None or current > allowed):
        limit = allowed
        if current is None:
            why = f"Smartlead's limit is unknown; {budget} is the most Exchange lets through"
        else:
            why = (
                f"Smartlead would send {current}/day but {budget}: "
                "Exchange would block the excess and Smartlead would log NDRs"
            )
        reason = why
    elif policy.mode == "match" and current != allowed:
        limit = allowed
        reason = f"match mode: set to the allowed maximum, {budget} (was {_show(current)})"
    if limit != current:
        out.append(
            Change(
                subject=row.address,
                system="smartlead",
                field="message_per_day",
                before=current,
                after=limit,
                reason=reason,
                tenant_id=row.tenant_id,
                account_id=account.id,
            )
        )
    needed = policy.needed_gap(limit or 0)
    gap = account.min_time_to_wait_in_mins
    if needed is not None:
        too_short = gap is None or gap < needed
        if (policy.mode == "cap" and too_short) or (policy.mode == "match" and gap != needed):
            window = policy.window_minutes
            if too_short:
                why = (
                    f"{limit} sends over a {window}-minute window need at least {needed} minutes between "
                    f"sends (was {_show(gap)}): spread across business hours instead of bursts"
                )
            else:
                why = f"match mode: {limit} sends spread evenly over a {window}-minute window = every {needed} minutes"
            out.append(
                Change(
                    subject=row.address,
                    system="smartlead",
                    field="min_time_to_wait_in_mins",
                    before=gap,
                    after=needed,
                    reason=why,
                    tenant_id=row.tenant_id,
                    account_id=account.id,
                )
            )
    return out


def align_limits(fleet: Fleet, policy: LimitPolicy | None = None) -> LimitPlan:
    """Plan the changes that keep each Smartlead account within its mailbox's TenantCore limit (pure).

    For each connected mailbox: allowed = ceiling - headroom - warmup (when counted), floored
    at 0; ``cap`` lowers limits above it, ``match`` sets every limit to it; with a sending
    window the gap becomes ``max(min_gap, window // limit)``. Rows that cannot be planned safely
    are listed in ``plan.skipped`` with the reason (no TenantCore limit and no
    ``default_ceiling``; warmup active but its volume unknown; no TenantCore mailbox).
    """
    if not isinstance(fleet, Fleet):
        raise TypeError(f"align_limits() needs a Fleet (Fleet.load(tc, sl)), got {type(fleet).__name__}")
    policy = policy if policy is not None else LimitPolicy()
    if not isinstance(policy, LimitPolicy):
        raise TypeError(f"policy must be a LimitPolicy, got {type(policy).__name__}")
    tc_changes: list[Change] = []
    sl_changes: list[Change] = []
    skipped: list[Skip] = []
    stored_on: dict[str, int] = {}  # tenant_id -> mailboxes whose limit the plan stores
    limited_tenants: list[str] = []  # tenants with any stored limit (for enforce="all")

    for row in fleet.rows:
        account = row.account
        mailbox = row.mailbox
        if mailbox is None:
            if account is not None:
                skipped.append(
                    Skip(
                        subject=row.address,
                        code="TL203",
                        reason="no TenantCore mailbox behind this Smartlead account, so no ceiling to align to",
                        account_id=account.id,
                    )
                )
            continue
        tenant_id = row.tenant_id
        ceiling = mailbox.daily_send_limit
        if ceiling is None:
            if policy.default_ceiling is None or tenant_id is None:
                skipped.append(
                    Skip(
                        subject=row.address,
                        code="TL106",
                        reason=(
                            "no TenantCore daily limit stored, so Exchange enforces no ceiling; "
                            "pass LimitPolicy(default_ceiling=25) to store and enforce one"
                        ),
                        account_id=account.id if account is not None else None,
                    )
                )
                continue
            ceiling = policy.default_ceiling
            tc_changes.append(
                Change(
                    subject=row.address,
                    system="tenantcore",
                    field="daily_send_limit",
                    before=None,
                    after=ceiling,
                    reason=(
                        f"no TenantCore limit stored (TL106): store default_ceiling {ceiling} as the hard ceiling"
                    ),
                    tenant_id=tenant_id,
                    mailbox_id=mailbox.id,
                )
            )
            stored_on[tenant_id] = stored_on.get(tenant_id, 0) + 1
        if tenant_id is not None and tenant_id not in limited_tenants:
            limited_tenants.append(tenant_id)
        if account is None:
            continue
        warmup, warmup_change = _warmup_for(row, account, policy)
        if warmup is None:
            if policy.count_warmup:
                skipped.append(
                    Skip(
                        subject=row.address,
                        code="TL302",
                        reason=(
                            "warmup is active but its daily volume is unknown (Smartlead's list omits it): "
                            "load with Fleet.load(..., with_warmup_details=True) or set "
                            "LimitPolicy(warmup_per_day=...)"
                        ),
                        account_id=account.id,
                    )
                )
                continue
            warmup = 0
        if warmup_change is not None:
            sl_changes.append(warmup_change)
        sl_changes.extend(_smartlead_changes(row, account, ceiling, warmup, policy))

    provision_for = limited_tenants if policy.enforce == "all" else list(stored_on)
    for tenant_id in provision_for:
        n = stored_on.get(tenant_id, 0)
        reason = (
            f"stored limits only bite once Exchange's transport rule is written ({n} new limit(s) on this tenant)"
            if n
            else "enforce='all': re-provision so every stored limit of this tenant is enforced"
        )
        tc_changes.append(
            Change(
                subject=tenant_id,
                system="tenantcore",
                field="mailbox_limits",
                before=None,
                after=None,
                reason=reason,
                tenant_id=tenant_id,
            )
        )
    return LimitPlan(
        policy=policy,
        changes=attach_tenants((*tc_changes, *sl_changes), fleet),
        skipped=attach_tenants(skipped, fleet),
    )


# ----------------------------------------------------------------------------- the plan


@attrs.frozen(kw_only=True)
class LimitPlan(Tabular):
    """What :func:`align_limits` would change; :meth:`apply` / :meth:`aapply` write it."""

    policy: LimitPolicy
    changes: tuple[Change, ...] = ()
    skipped: tuple[Skip, ...] = ()

    columns = ("tenant_name", "subject", "system", "field", "before", "after", "reason")
    summary_columns = LIMIT_SUMMARY_COLUMNS
    row_noun = "changes and skips"
    view_name = "plan"
    int_columns = ("before", "after", "account_id")

    @property
    def is_empty(self) -> bool:
        """True when nothing would change."""
        return not self.changes

    def __len__(self) -> int:
        return len(self.changes)

    def counts(self) -> dict[str, int]:
        """Changes per field, plus skipped rows."""
        out: dict[str, int] = {}
        for change in self.changes:
            out[change.field] = out.get(change.field, 0) + 1
        out["skipped"] = len(self.skipped)
        return out

    def to_records(self) -> list[dict[str, Any]]:
        """One record per change (skips are in :meth:`to_dict`)."""
        return [c.to_record() for c in self.changes]

    def summary_records(self) -> list[dict[str, Any]]:
        """One record per tenant, problems first: changes, limits lowered/raised, ceilings stored, skips."""
        return limit_plan_summary(self)

    def view_records(self) -> list[dict[str, Any]]:
        """Changes and skips, problems first (skips by their TL code's severity, then lowered limits)."""
        return limit_plan_rows(self)

    def to_dict(self) -> dict[str, Any]:
        """Policy, changes and skips as a JSON-ready dict."""
        return {
            "policy": jsonable(self.policy.to_dict()),
            "counts": self.counts(),
            "changes": self.to_records(),
            "skipped": [s.to_record() for s in self.skipped],
        }

    def _html_summary(self) -> str:
        accounts = len({c.subject for c in self.changes if c.system == "smartlead"})
        return f"{len(self.changes)} changes ({accounts} Smartlead accounts), {len(self.skipped)} skipped"

    def __str__(self) -> str:
        lines = [f"LimitPlan ({self.policy.mode} mode): {self._html_summary()}"]
        lines.append(text_table(self.to_records(), list(self.columns), max_rows=self.max_display_rows))
        if self.skipped:
            lines.append("Skipped:")
            lines += [f"  {s.subject}: {s.reason}" for s in self.skipped[: self.max_display_rows]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<LimitPlan {self._html_summary()}>"

    # ------------------------------------------------------------------ apply

    def apply(
        self,
        *,
        tc: TenantCore | None = None,
        sl: Smartlead | None = None,
        progress: Progress | None = None,
        verify: bool = True,
    ) -> ApplyResult:
        """Write the plan: TenantCore first, then Smartlead (bulk where possible), then re-read.

        ``tc`` is needed only when the plan has TenantCore changes, ``sl`` only for Smartlead
        changes. Every change ends succeeded, skipped or failed; ``progress(done, total, item)``
        runs after each. On ``KeyboardInterrupt`` the writes already made stand: the exception
        carries ``partial_result`` and a fresh plan finishes the job.
        """
        run = _Apply(self, tc, sl, progress)
        try:
            run.tenantcore_phase(run_sync)
            run.smartlead_phase(run_sync)
            drift: list[Drift] = []
            if verify:
                if run.tc_written:
                    drift += run.verify_tenantcore({t: run.tc.mailboxes.list(t) for t in run.tc_written})
                if run.sl_written:
                    drift += run.verify_smartlead(list(run.sl.email_accounts.list()))
        except BaseException as exc:
            partial_note(exc, run.collector, run.rerun_hint())
            raise
        return run.collector.result(drift, verified=verify)

    async def aapply(
        self,
        *,
        tc: AsyncTenantCore | None = None,
        sl: AsyncSmartlead | None = None,
        progress: Progress | None = None,
        verify: bool = True,
        concurrency: int = 8,
    ) -> ApplyResult:
        """Async :meth:`apply`: independent requests run concurrently, at most ``concurrency`` at a time."""
        gate = check_concurrency(concurrency)
        run = _Apply(self, tc, sl, progress)

        try:
            await run.atenantcore(gate)
            await run.asmartlead(gate)
            drift: list[Drift] = []
            if verify:
                if run.tc_written:
                    tenants = sorted(run.tc_written)
                    lists = await asyncio.gather(*(run.tc.mailboxes.list(t) for t in tenants))
                    drift += run.verify_tenantcore(dict(zip(tenants, lists, strict=True)))
                if run.sl_written:
                    drift += run.verify_smartlead([a async for a in run.sl.email_accounts.list()])
        except BaseException as exc:
            partial_note(exc, run.collector, run.rerun_hint())
            raise
        return run.collector.result(drift, verified=verify)


# ----------------------------------------------------------------------------- apply machinery


class _Apply:
    """State of one apply run, shared by the sync and async drivers (no I/O of its own)."""

    def __init__(self, plan: LimitPlan, tc: Any, sl: Any, progress: Progress | None) -> None:
        self.plan = plan
        tc_needed = any(c.system == "tenantcore" for c in plan.changes)
        sl_needed = any(c.system == "smartlead" for c in plan.changes)
        if tc_needed and tc is None:
            raise ValueError("this plan changes TenantCore limits: pass tc= (a TenantCore client)")
        if sl_needed and sl is None:
            raise ValueError("this plan changes Smartlead accounts: pass sl= (a Smartlead client)")
        self.tc = tc
        self.sl = sl
        self.collector = _Collector(
            len(plan.changes) + len(plan.skipped),
            progress,
            tenants=subject_tenants((*plan.changes, *plan.skipped)),
        )
        self.tc_written: set[str] = set()  # tenants with a stored limit written
        self.sl_written: dict[tuple[str, str], Change] = {}  # (address, field) -> change written
        self.patched_ok: dict[str, int] = {}
        self.patch_planned: dict[str, int] = {}
        self.fallback: list[tuple[int, list[Change], str]] = []
        for skip in plan.skipped:
            self.collector.add(
                ItemResult(
                    subject=skip.subject,
                    action="align limits",
                    status="skipped",
                    detail=skip.reason,
                    account_id=skip.account_id,
                )
            )

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
            # A fresh plan sees these limits as stored and plans nothing for them.
            hint += (
                f" Limits were stored but not yet enforced on tenant(s) {', '.join(unenforced)}: plan with "
                'LimitPolicy(..., enforce="all") once to provision them.'
            )
        return hint

    # ---------------------------------------------------------------- TenantCore

    def patch_ops(self) -> list[Op[Change]]:
        ops: list[Op[Change]] = []
        for change in self.plan.changes:
            if change.system == "tenantcore" and change.field == "daily_send_limit":
                tenant_id, mailbox_id, after = change.tenant_id, change.mailbox_id, change.after
                self.patch_planned[str(tenant_id)] = self.patch_planned.get(str(tenant_id), 0) + 1
                ops.append(
                    Op(
                        change,
                        partial(self.tc.mailboxes.update, tenant_id, mailbox_id, daily_send_limit=after),
                    )
                )
        return ops

    def patch_done(self, change: Change, value: Any, error: Exception | None) -> None:
        if error is None:
            tenant = str(change.tenant_id)
            self.patched_ok[tenant] = self.patched_ok.get(tenant, 0) + 1
            self.tc_written.add(tenant)
        self._finish(change, error, "stored in TenantCore (enforced after provisioning)")

    def provision_ops(self) -> list[Op[Change]]:
        ops: list[Op[Change]] = []
        for change in self.plan.changes:
            if change.field != "mailbox_limits":
                continue
            tenant_id = str(change.tenant_id)
            if self.patch_planned.get(tenant_id) and not self.patched_ok.get(tenant_id):
                self.collector.add(
                    ItemResult(
                        subject=change.subject,
                        action=change.action,
                        status="skipped",
                        detail="not provisioned: storing every new limit of this tenant failed (see above)",
                    )
                )
                continue
            ops.append(Op(change, partial(self.tc.mailbox_limits.provision, tenant_id)))
        return ops

    def provision_done(self, change: Change, value: Any, error: Exception | None) -> None:
        self._finish(change, error, "Exchange transport rule written: stored limits are enforced")

    def tenantcore_phase(self, runner: Any) -> None:
        runner(self.patch_ops(), self.patch_done)
        runner(self.provision_ops(), self.provision_done)

    async def atenantcore(self, gate: asyncio.Semaphore) -> None:
        await run_async(self.patch_ops(), self.patch_done, gate)
        await run_async(self.provision_ops(), self.provision_done, gate)

    # ---------------------------------------------------------------- Smartlead

    def _by_account(self) -> dict[int, list[Change]]:
        out: dict[int, list[Change]] = {}
        for change in self.plan.changes:
            if change.system == "smartlead" and change.account_id is not None:
                out.setdefault(change.account_id, []).append(change)
        return out

    def bulk_ops(self) -> list[Op[tuple[list[int], dict[int, list[Change]]]]]:
        groups: dict[tuple[tuple[str, int | None], ...], list[int]] = {}
        by_account = self._by_account()
        for account_id, changes in by_account.items():
            key = tuple(sorted((c.field, c.after) for c in changes))
            groups.setdefault(key, []).append(account_id)
        ops: list[Op[tuple[list[int], dict[int, list[Change]]]]] = []
        for key, ids in groups.items():
            fields = {_BULK_FIELDS[f]: v for f, v in key}
            for batch in chunks(ids, BULK_BATCH):
                ops.append(
                    Op(
                        (batch, {i: by_account[i] for i in batch}),
                        partial(self.sl.email_accounts.bulk_update, batch, **fields),
                    )
                )
        return ops

    def bulk_done(
        self, key: tuple[list[int], dict[int, list[Change]]], value: Any, error: Exception | None
    ) -> None:
        batch, changes = key
        failed_ids: set[int] = set()
        why = ""
        if error is not None:
            failed_ids = set(batch)
            why = describe_error(error)
        else:
            for chunk in getattr(value, "failed", ()):  # a partial BatchResult
                failed_ids.update(chunk.ids)
                why = describe_error(chunk.error) if chunk.error is not None else "bulk chunk failed"
        for account_id in batch:
            if account_id in failed_ids:
                self.fallback.append((account_id, changes[account_id], why))
                continue
            for change in changes[account_id]:
                self._finish(change, None, f"bulk update ({len(batch)} accounts in the request)")

    def fallback_ops(self) -> list[Op[tuple[list[Change], str]]]:
        ops: list[Op[tuple[list[Change], str]]] = []
        for account_id, changes, why in self.fallback:
            settings = {_UPDATE_FIELDS[c.field]: c.after for c in changes if c.field in _UPDATE_FIELDS}
            if settings:
                ops.append(
                    Op(
                        ([c for c in changes if c.field in _UPDATE_FIELDS], why),
                        partial(self.sl.email_accounts.update, account_id, **settings),
                    )
                )
            for change in changes:
                if change.field == "warmup_per_day":
                    ops.append(
                        Op(
                            ([change], why),
                            partial(
                                self.sl.email_accounts.update_warmup,
                                account_id,
                                warmup_enabled=True,
                                total_warmup_per_day=change.after,
                            ),
                        )
                    )
        self.fallback = []
        return ops

    def fallback_done(self, key: tuple[list[Change], str], value: Any, error: Exception | None) -> None:
        changes, why = key
        for change in changes:
            self._finish(change, error, f"per-account update (the bulk request failed: {why})")

    def smartlead_phase(self, runner: Any) -> None:
        runner(self.bulk_ops(), self.bulk_done)
        runner(self.fallback_ops(), self.fallback_done)

    async def asmartlead(self, gate: asyncio.Semaphore) -> None:
        await run_async(self.bulk_ops(), self.bulk_done, gate)
        await run_async(self.fallback_ops(), self.fallback_done, gate)

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

    def verify_tenantcore(self, mailboxes: dict[str, Sequence[Any]]) -> list[Drift]:
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

    def verify_smartlead(self, accounts: Iterable[EmailAccount]) -> list[Drift]:
        by_address = {a.from_email.strip().lower(): a for a in accounts}
        drift: list[Drift] = []
        for (address, field), change in self.sl_written.items():
            account = by_address.get(address)
            if account is None:
                drift.append(Drift(subject=address, field="account", expected="present", actual=None))
                continue
            if field == "warmup_per_day":
                continue  # the list omits warmup volume; checking it would cost a GET per account
            actual = (
                account.message_per_day if field == "message_per_day" else account.min_time_to_wait_in_mins
            )
            if actual != change.after:
                drift.append(Drift(subject=address, field=field, expected=change.after, actual=actual))
        return drift
