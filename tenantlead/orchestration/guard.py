"""Guard rails: a limit plan that stops sending needs to be asked for.

A plan that sets any limit to 0, or cuts a tenant's sending by more than half, lists those
cuts in ``plan.cuts`` and in its summary; ``plan.apply()`` refuses it with
[`DrasticPlanError`][tenantlead.orchestration.guard.DrasticPlanError] unless called with ``allow_drastic=True`` (``--allow-drastic`` on the
command line). One mistyped option (``--headroom 30``, ``--default-ceiling 0``) then cannot stop
a fleet's sending without a word.

A tenant's sending is what Exchange lets through: per connected mailbox the Smartlead limit,
capped at the stored TenantCore limit. Lowering a limit that was above the ceiling is
therefore no cut (that mail was blocked anyway); lowering it below the ceiling is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from tenantlead.errors import TenantleadError

if TYPE_CHECKING:
    from tenantlead.orchestration.fleet import Fleet
    from tenantlead.orchestration.limit_rows import Change

__all__ = ["Cut", "DrasticPlanError", "cuts_summary", "find_cuts"]

#: A tenant whose sending falls below this share of what it was is "cut by more than half".
CUT_SHARE = 0.5


@attrs.frozen(kw_only=True)
class Cut:
    """One drastic effect of a plan.

    Attributes:
        kind: ``zero`` (a limit set to 0) or ``halved`` (a tenant's sending cut by more than half).
        subject: the mailbox address (``zero``) or the tenant GUID (``halved``).
        field: the field set to 0 (``zero``), or ``sending`` (``halved``).
        before: the value (``zero``) or the tenant's sends per day (``halved``) before the plan.
        after: the same after the plan.
        tenant_id: the tenant.
        tenant_name: its name, when known.
    """

    kind: Literal["zero", "halved"]
    subject: str
    field: str
    before: int | None
    after: int
    tenant_id: str | None = None
    tenant_name: str | None = None

    def __str__(self) -> str:
        if self.kind == "zero":
            was = "unset" if self.before is None else str(self.before)
            return f"{self.subject}: {self.field} {was} -> 0"
        name = f" ({self.tenant_name})" if self.tenant_name else ""
        return f"tenant {self.subject}{name}: sending {self.before}/day -> {self.after}/day"

    def to_record(self) -> dict[str, Any]:
        """A flat JSON-ready dict."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "tenant_id": self.tenant_id,
            "tenant_name": self.tenant_name,
        }


class DrasticPlanError(TenantleadError, ValueError):
    """``apply()`` of a plan that sets limits to 0 or halves a tenant's sending, without ``allow_drastic=True``.

    Attributes:
        cuts: the drastic effects, as in ``plan.cuts``.
    """

    def __init__(self, cuts: Sequence[Cut]) -> None:
        self.cuts = tuple(cuts)
        shown = "; ".join(str(c) for c in self.cuts[:3])
        more = f"; and {len(self.cuts) - 3} more" if len(self.cuts) > 3 else ""
        super().__init__(
            f"refusing to apply: the plan {cuts_summary(self.cuts)} ({shown}{more}). If that is what you want, "
            "apply with allow_drastic=True (CLI: --allow-drastic); otherwise check the policy (headroom, "
            "default_ceiling, warmup_per_day)"
        )


def cuts_summary(cuts: Iterable[Cut]) -> str:
    """``sets 3 limit(s) to 0 and cuts 1 tenant(s)' sending by more than half`` (empty when none)."""
    items = list(cuts)
    zero = sum(1 for c in items if c.kind == "zero")
    halved = sum(1 for c in items if c.kind == "halved")
    parts = []
    if zero:
        parts.append(f"sets {zero} limit(s) to 0")
    if halved:
        parts.append(f"cuts {halved} tenant(s)' sending by more than half")
    return " and ".join(parts)


def _sending(limit: int | None, ceiling: int | None) -> int | None:
    if limit is None:
        return None
    return limit if ceiling is None else min(limit, ceiling)


def find_cuts(fleet: Fleet, changes: Sequence[Change]) -> tuple[Cut, ...]:
    """The drastic effects of ``changes`` on ``fleet`` (pure): limits set to 0, tenants' sending halved."""
    names = {t.tenant_id: t.tenant_name for t in fleet.tenants}
    out: list[Cut] = []
    for change in changes:
        if (
            change.field in ("message_per_day", "daily_send_limit")
            and change.after == 0
            and change.before != 0
        ):
            out.append(
                Cut(
                    kind="zero",
                    subject=change.subject,
                    field=change.field,
                    before=change.before,
                    after=0,
                    tenant_id=change.tenant_id,
                    tenant_name=names.get(change.tenant_id or ""),
                )
            )
    limits = {c.account_id: c.after for c in changes if c.field == "message_per_day"}
    ceilings = {c.mailbox_id: c.after for c in changes if c.field == "daily_send_limit"}
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    for row in fleet.rows:
        if row.status != "connected" or row.tenant_id is None:
            continue
        assert row.account is not None
        assert row.mailbox is not None
        old = _sending(row.account.message_per_day, row.mailbox.daily_send_limit)
        if old is None:
            continue  # unknown before: no basis for a share
        ceiling = ceilings.get(row.mailbox.id, row.mailbox.daily_send_limit)
        new = _sending(limits.get(row.account.id, row.account.message_per_day), ceiling)
        before[row.tenant_id] = before.get(row.tenant_id, 0) + old
        after[row.tenant_id] = after.get(row.tenant_id, 0) + (new or 0)
    for tenant_id, old_total in before.items():
        new_total = after[tenant_id]
        if old_total > 0 and new_total < old_total * CUT_SHARE:
            out.append(
                Cut(
                    kind="halved",
                    subject=tenant_id,
                    field="sending",
                    before=old_total,
                    after=new_total,
                    tenant_id=tenant_id,
                    tenant_name=names.get(tenant_id),
                )
            )
    return tuple(out)
