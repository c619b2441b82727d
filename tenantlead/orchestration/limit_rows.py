"""What ``align_limits`` plans for one mailbox: the plan's rows and the budget arithmetic (pure).

The rule (issue 15): after a cap-mode apply every connected mailbox with a ceiling has
``limit + warmup + headroom <= ceiling``, or the plan names it in ``plan.unsafe`` with the
reason. So:

- an unknown warmup volume still caps the limit at the ceiling (minus headroom); only the
  further cut for warmup needs the volume, and the row is listed as unsafe until it is known;
- a ceiling under the warmup volume lowers the warmup (turning it off when nothing fits) and
  sets the limit to 0, or, with ``LimitPolicy(warmup_over_ceiling="refuse")``, sets the limit
  to 0 and lists the row as unsafe;
- ``count_warmup=False`` leaves warmup out of the budget, and every row whose warmup then does
  not fit is listed as unsafe (Exchange counts warmup mail like any other).

[`Change`][tenantlead.orchestration.limit_rows.Change] and [`Skip`][tenantlead.orchestration.limit_rows.Skip] (re-exported by [`tenantlead.orchestration.limits`][tenantlead.orchestration.limits]) live
here so the planner and the apply code share one definition.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from tenantlead.orchestration.fleet import FleetRow
from tenantlead.orchestration.policy import LimitPolicy
from tenantlead.smartlead.models import EmailAccount

__all__ = ["Change", "Skip", "plan_row", "show"]

System = Literal["tenantcore", "smartlead"]


@attrs.frozen(kw_only=True)
class Change:
    """One value the plan writes.

    Attributes:
        subject: the mailbox address (the tenant id for ``mailbox_limits``).
        system: ``tenantcore`` or ``smartlead``.
        field: ``daily_send_limit`` / ``mailbox_limits`` (TenantCore), ``message_per_day`` /
            ``min_time_to_wait_in_mins`` / ``warmup_per_day`` (Smartlead, read-side names;
            ``warmup_per_day`` 0 turns warmup off).
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
        if self.field == "warmup_per_day" and self.after == 0:
            return f"turn warmup off (was {show(self.before)}/day)"
        return f"set {self.field} {show(self.before)} -> {show(self.after)}"

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
    """A row the plan leaves alone (or cannot make safe), with the reason and the TL code when one applies."""

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


def show(value: int | None) -> str:
    """A value for a message: ``unset`` for None."""
    return "unset" if value is None else str(value)


@attrs.frozen(kw_only=True)
class RowPlan:
    """The changes for one connected mailbox, and why it is still unsafe after them (None when safe)."""

    changes: tuple[Change, ...] = ()
    unsafe: Skip | None = None


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
        return f"{text} leaves nothing, so 0"
    return f"{text} = {policy.allowed(ceiling, warmup)}"


def _change(
    row: FleetRow, account: EmailAccount, field: str, before: int | None, after: int, why: str
) -> Change:
    return Change(
        subject=row.address,
        system="smartlead",
        field=field,
        before=before,
        after=after,
        reason=why,
        tenant_id=row.tenant_id,
        account_id=account.id,
    )


def _unsafe(row: FleetRow, account: EmailAccount, code: str, reason: str) -> Skip:
    return Skip(subject=row.address, code=code, reason=reason, account_id=account.id, tenant_id=row.tenant_id)


def plan_row(row: FleetRow, account: EmailAccount, ceiling: int, policy: LimitPolicy) -> RowPlan:
    """The Smartlead changes that keep ``account`` within ``ceiling`` under ``policy`` (pure)."""
    room = max(0, ceiling - policy.headroom)  # what the mailbox may send in total
    changes: list[Change] = []
    unsafe: Skip | None = None
    known = account.warmup_details.max_email_per_day if account.warmup_details is not None else None
    warmup: int | None = 0
    if row.warmup_active:
        warmup = policy.warmup_per_day if policy.warmup_per_day is not None else known
    if not policy.count_warmup:
        budget = policy.allowed(ceiling, 0)
        if row.warmup_active and (warmup is None or budget + warmup > room):
            unsafe = _unsafe(
                row,
                account,
                "TL302",
                f"count_warmup=False leaves warmup ({show(warmup)}/day) out of the budget, but Exchange counts it: "
                f"up to {budget} campaign sends plus warmup can pass the ceiling of {ceiling}",
            )
        warmup_target = warmup if policy.warmup_per_day is not None else None
    elif warmup is None:
        # Capping at the ceiling is right whatever the warmup is; only the further cut needs the volume.
        budget = room
        warmup_target = None
        unsafe = _unsafe(
            row,
            account,
            "TL302",
            f"warmup is active but its daily volume is unknown, so the limit is capped at the ceiling ({room}) "
            "only; cutting further for warmup needs the volume: load with Fleet.load(..., "
            "with_warmup_details=True) (the CLI does by default) or set LimitPolicy(warmup_per_day=...)",
        )
    elif warmup > room:
        budget = 0
        if policy.warmup_over_ceiling == "refuse":
            warmup_target = None
            unsafe = _unsafe(
                row,
                account,
                "TL302",
                f"the ceiling of {ceiling}{_minus_headroom(policy)} is under the warmup volume of {warmup}/day: "
                "warmup alone gets the mailbox blocked, and warmup_over_ceiling='refuse' leaves it; lower warmup "
                "(LimitPolicy(warmup_per_day=...)) or raise the TenantCore limit",
            )
        else:
            warmup_target = policy.warmup_that_fits(ceiling, warmup)
    else:
        budget = room - warmup
        warmup_target = warmup if policy.warmup_per_day is not None else None

    if row.warmup_active and warmup_target is not None and warmup_target != known:
        if warmup is not None and warmup_target < warmup:
            what = "turn warmup off" if warmup_target == 0 else f"lower warmup to {warmup_target}/day"
            why = (
                f"the ceiling of {ceiling}{_minus_headroom(policy)} is under the warmup volume of {warmup}/day: "
                f"{what} so warmup alone does not get the mailbox blocked (campaign limit 0)"
            )
        else:
            why = (
                f"the policy sets warmup to {warmup_target}/day (was {show(known)}), "
                "so the budget under the ceiling is exact"
            )
        changes.append(_change(row, account, "warmup_per_day", known, warmup_target, why))

    counted = warmup_target if warmup_target is not None else (warmup or 0)
    budget_text = (
        _budget_text(ceiling, counted, policy) if warmup is not None else f"the ceiling leaves {room}"
    )
    current = account.message_per_day
    limit = current
    reason = ""
    if policy.mode == "cap" and (current is None or current > budget):
        limit = budget
        if current is None:
            reason = f"Smartlead's limit is unknown; {budget_text} is the most Exchange lets through"
        else:
            reason = (
                f"Smartlead would send {current}/day but {budget_text}: "
                "Exchange would block the excess and Smartlead would log NDRs"
            )
    elif policy.mode == "match" and current != budget:
        limit = budget
        reason = f"match mode: set to the allowed maximum, {budget_text} (was {show(current)})"
    if limit != current and limit is not None:
        changes.append(_change(row, account, "message_per_day", current, limit, reason))
    gap = _gap_change(row, account, limit or 0, policy)
    if gap is not None:
        changes.append(gap)
    return RowPlan(changes=tuple(changes), unsafe=unsafe)


def _minus_headroom(policy: LimitPolicy) -> str:
    return f" (less headroom {policy.headroom})" if policy.headroom else ""


def _gap_change(row: FleetRow, account: EmailAccount, limit: int, policy: LimitPolicy) -> Change | None:
    needed = policy.needed_gap(limit)
    gap = account.min_time_to_wait_in_mins
    if needed is None:
        return None
    too_short = gap is None or gap < needed
    if not ((policy.mode == "cap" and too_short) or (policy.mode == "match" and gap != needed)):
        return None
    window = policy.window_minutes
    if too_short:
        why = (
            f"{limit} sends over a {window}-minute window need at least {needed} minutes between "
            f"sends (was {show(gap)}): spread across business hours instead of bursts"
        )
    else:
        why = (
            f"match mode: {limit} sends spread evenly over a {window}-minute window = every {needed} minutes"
        )
    return _change(row, account, "min_time_to_wait_in_mins", gap, needed, why)
