"""``align_limits``: keep every Smartlead daily limit at or below the TenantCore ceiling.

Planning is pure: ``align_limits(fleet, policy)`` reads the snapshot and returns a
:class:`LimitPlan` of :class:`Change` rows (field, before, after and the reason in words).
Only :meth:`LimitPlan.apply` / :meth:`LimitPlan.aapply` write (the run itself is in
``limits_apply``):

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

from typing import TYPE_CHECKING, Any, Literal

import attrs

from tenantlead.orchestration import _drive
from tenantlead.orchestration._render import Tabular, jsonable, text_table
from tenantlead.orchestration.fleet import Fleet, FleetRow
from tenantlead.orchestration.limits_apply import BULK_BATCH, LimitRun
from tenantlead.orchestration.policy import LimitPolicy
from tenantlead.orchestration.results import ApplyResult, OnProgress, Progress, progress_callback
from tenantlead.orchestration.views import (
    LIMIT_SUMMARY_COLUMNS,
    attach_tenants,
    limit_plan_rows,
    limit_plan_summary,
)
from tenantlead.smartlead.models import EmailAccount

if TYPE_CHECKING:
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.tenantcore import AsyncTenantCore, TenantCore

__all__ = ["BULK_BATCH", "Change", "LimitPlan", "Skip", "align_limits"]

System = Literal["tenantcore", "smartlead"]


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
        on_progress: OnProgress | None = None,
        verify: bool = True,
        progress: Progress | None = None,
    ) -> ApplyResult:
        """Write the plan: TenantCore first, then Smartlead (bulk where possible), then re-read.

        ``tc`` is needed only when the plan has TenantCore changes, ``sl`` only for Smartlead
        changes. Every change ends succeeded, skipped or failed; ``on_progress(event)`` runs
        after each (a [ProgressEvent][tenantlead.orchestration.ProgressEvent], stage
        ``"align"``; ``progress=`` is its deprecated older form). On ``KeyboardInterrupt`` the
        writes already made stand: the exception carries ``partial_result`` and a fresh plan
        finishes the job.
        """
        report = progress_callback("align", on_progress, progress)
        return _drive.apply(LimitRun(self, tc, sl, report, verify=verify), tc, sl)

    async def aapply(
        self,
        *,
        tc: AsyncTenantCore | None = None,
        sl: AsyncSmartlead | None = None,
        on_progress: OnProgress | None = None,
        verify: bool = True,
        concurrency: int = 8,
        progress: Progress | None = None,
    ) -> ApplyResult:
        """Async :meth:`apply`: independent requests run concurrently, at most ``concurrency`` at a time."""
        _drive.check_concurrency(concurrency)
        run = LimitRun(self, tc, sl, progress_callback("align", on_progress, progress), verify=verify)
        return await _drive.aapply(run, tc, sl, concurrency=concurrency)
