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
from typing import TYPE_CHECKING, Any

import attrs

from tenantlead.orchestration._render import Tabular, jsonable, text_table
from tenantlead.orchestration._runner import Op, check_concurrency, chunks, run_async, run_sync
from tenantlead.orchestration.fleet import Fleet
from tenantlead.orchestration.guard import Cut, DrasticPlanError, cuts_summary, find_cuts
from tenantlead.orchestration.limit_rows import Change, Skip, plan_row
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
from tenantlead.smartlead.models import EmailAccount

if TYPE_CHECKING:
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.tenantcore import AsyncTenantCore, TenantCore

__all__ = ["BULK_BATCH", "Change", "LimitPlan", "Skip", "align_limits"]

# Change and Skip are defined with the row planner; re-exported here, where users import them.
_REEXPORTED = (Change, Skip)

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


# ----------------------------------------------------------------------------- planning (pure)


def align_limits(fleet: Fleet, policy: LimitPolicy | None = None) -> LimitPlan:
    """Plan the changes that keep each Smartlead account within its mailbox's TenantCore limit (pure).

    For each connected mailbox: allowed = ceiling - headroom - warmup (when counted), floored
    at 0; ``cap`` lowers limits above it, ``match`` sets every limit to it; with a sending
    window (default ``09:00-17:00``) the gap becomes ``max(min_gap, window // limit)``. A
    ceiling under the warmup volume lowers the warmup (``warmup_over_ceiling``); an unknown
    warmup volume still caps the limit at the ceiling.

    Rows that cannot be planned are in ``plan.skipped`` (no TenantCore limit and no
    ``default_ceiling``; no TenantCore mailbox); mailboxes the plan cannot make safe (warmup
    volume unknown, ``count_warmup=False``, ``warmup_over_ceiling="refuse"``) are in
    ``plan.unsafe`` with the reason. Limits set to 0 and tenants whose sending the plan cuts by
    more than half are in ``plan.cuts``; applying such a plan needs ``allow_drastic=True``.
    """
    if not isinstance(fleet, Fleet):
        raise TypeError(f"align_limits() needs a Fleet (Fleet.load(tc, sl)), got {type(fleet).__name__}")
    policy = policy if policy is not None else LimitPolicy()
    if not isinstance(policy, LimitPolicy):
        raise TypeError(f"policy must be a LimitPolicy, got {type(policy).__name__}")
    tc_changes: list[Change] = []
    sl_changes: list[Change] = []
    skipped: list[Skip] = []
    unsafe: list[Skip] = []
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
                        tenant_id=row.tenant_id,
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
                        tenant_id=tenant_id,
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
        planned = plan_row(row, account, ceiling, policy)
        sl_changes.extend(planned.changes)
        if planned.unsafe is not None:
            unsafe.append(planned.unsafe)

    provision_for = limited_tenants if policy.enforce == "all" else list(stored_on)
    for tenant_id in provision_for:
        n = stored_on.get(tenant_id, 0)
        reason = (
            f"stored limits only bite once Exchange's transport rule is written ({n} new limit(s) on this tenant)"
            if n
            else "enforce='all': re-provision so every stored limit of this tenant is enforced"
        )
        tc_changes.append(_provision(tenant_id, reason))
    changes = (*tc_changes, *sl_changes)
    return LimitPlan(
        policy=policy,
        changes=changes,
        skipped=tuple(skipped),
        unsafe=tuple(unsafe),
        cuts=find_cuts(fleet, changes),
    )


def _provision(tenant_id: str, reason: str) -> Change:
    return Change(
        subject=tenant_id,
        system="tenantcore",
        field="mailbox_limits",
        before=None,
        after=None,
        reason=reason,
        tenant_id=tenant_id,
    )


# ----------------------------------------------------------------------------- the plan


@attrs.frozen(kw_only=True)
class LimitPlan(Tabular):
    """What :func:`align_limits` would change; :meth:`apply` / :meth:`aapply` write it."""

    policy: LimitPolicy
    changes: tuple[Change, ...] = ()
    skipped: tuple[Skip, ...] = ()
    unsafe: tuple[Skip, ...] = ()
    cuts: tuple[Cut, ...] = ()

    columns = ("subject", "system", "field", "before", "after", "reason")

    @property
    def is_empty(self) -> bool:
        """True when nothing would change."""
        return not self.changes

    def __len__(self) -> int:
        return len(self.changes)

    def counts(self) -> dict[str, int]:
        """Changes per field, plus skipped and unsafe rows, limits set to 0 and tenants' sending halved."""
        out: dict[str, int] = {}
        for change in self.changes:
            out[change.field] = out.get(change.field, 0) + 1
        out["skipped"] = len(self.skipped)
        out["unsafe"] = len(self.unsafe)
        out["set_to_zero"] = sum(1 for c in self.cuts if c.kind == "zero")
        out["tenants_halved"] = sum(1 for c in self.cuts if c.kind == "halved")
        return out

    @property
    def is_drastic(self) -> bool:
        """True when the plan sets a limit to 0 or halves a tenant's sending (apply needs ``allow_drastic=True``)."""
        return bool(self.cuts)

    def check_drastic(self, allow_drastic: bool) -> None:
        """Raise [DrasticPlanError][tenantlead.orchestration.guard.DrasticPlanError] for a drastic plan not allowed."""
        if not isinstance(allow_drastic, bool):
            raise TypeError(f"allow_drastic must be True or False, got {allow_drastic!r}")
        if self.cuts and not allow_drastic:
            raise DrasticPlanError(self.cuts)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per change (skips are in :meth:`to_dict`)."""
        return [c.to_record() for c in self.changes]

    def to_dict(self) -> dict[str, Any]:
        """Policy, changes and skips as a JSON-ready dict."""
        return {
            "policy": jsonable(self.policy.to_dict()),
            "counts": self.counts(),
            "changes": self.to_records(),
            "skipped": [s.to_record() for s in self.skipped],
            "unsafe": [s.to_record() for s in self.unsafe],
            "cuts": [c.to_record() for c in self.cuts],
            "warnings": self.warnings(),
        }

    def warnings(self) -> list[str]:
        """What the summary warns about: drastic cuts (with counts) and mailboxes left unsafe."""
        out: list[str] = []
        if self.cuts:
            out.append(
                f"this plan {cuts_summary(self.cuts)}: applying it needs allow_drastic=True (CLI: --allow-drastic)"
            )
        if self.unsafe:
            out.append(
                f"{len(self.unsafe)} mailbox(es) cannot be made safe by this plan (limit + warmup may pass the "
                "ceiling): see plan.unsafe for each and why"
            )
        return out

    def _html_summary(self) -> str:
        accounts = len({c.subject for c in self.changes if c.system == "smartlead"})
        text = f"{len(self.changes)} changes ({accounts} Smartlead accounts), {len(self.skipped)} skipped"
        if self.unsafe:
            text += f", {len(self.unsafe)} unsafe"
        if self.cuts:
            text += f"; DRASTIC: {cuts_summary(self.cuts)}"
        return text

    def __str__(self) -> str:
        lines = [f"LimitPlan ({self.policy.mode} mode): {self._html_summary()}"]
        lines += [f"WARNING: {w}" for w in self.warnings()]
        lines.append(text_table(self.to_records(), list(self.columns), max_rows=self.max_display_rows))
        if self.skipped:
            lines.append("Skipped:")
            lines += [f"  {s.subject}: {s.reason}" for s in self.skipped[: self.max_display_rows]]
        if self.unsafe:
            lines.append("Unsafe:")
            lines += [f"  {s.subject}: {s.reason}" for s in self.unsafe[: self.max_display_rows]]
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
        allow_drastic: bool = False,
    ) -> ApplyResult:
        """Write the plan: TenantCore first, then Smartlead (bulk where possible), then re-read.

        ``tc`` is needed only when the plan has TenantCore changes, ``sl`` only for Smartlead
        changes. Every change ends succeeded, skipped or failed; ``progress(done, total, item)``
        runs after each. On ``KeyboardInterrupt`` the writes already made stand: the exception
        carries ``partial_result`` and a fresh plan finishes the job. A plan that sets a limit
        to 0 or halves a tenant's sending (``plan.cuts``) raises
        [DrasticPlanError][tenantlead.orchestration.guard.DrasticPlanError] before writing
        anything, unless ``allow_drastic=True``.
        """
        self.check_drastic(allow_drastic)
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
        allow_drastic: bool = False,
    ) -> ApplyResult:
        """Async :meth:`apply`: independent requests run concurrently, at most ``concurrency`` at a time."""
        self.check_drastic(allow_drastic)
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
        self.collector = _Collector(len(plan.changes) + len(plan.skipped), progress)
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
