"""``align_limits``: keep every Smartlead daily limit at or below the TenantCore ceiling.

Planning is pure: ``align_limits(fleet, policy)`` reads the snapshot and returns a
[`LimitPlan`][tenantlead.orchestration.limits.LimitPlan] of [`Change`][tenantlead.orchestration.limit_rows.Change] rows (field, before, after and the reason in words).
Only [`LimitPlan.apply`][tenantlead.orchestration.limits.LimitPlan.apply] / [`LimitPlan.aapply`][tenantlead.orchestration.limits.LimitPlan.aapply] write (the run itself is in
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

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from tenantlead._core.validate import MAX_DAILY_LIMIT
from tenantlead.orchestration import _drive
from tenantlead.orchestration._render import Tabular, jsonable, text_table
from tenantlead.orchestration.fleet import Fleet
from tenantlead.orchestration.guard import Cut, DrasticPlanError, cuts_summary, find_cuts
from tenantlead.orchestration.journal import ApplyJournal
from tenantlead.orchestration.limit_rows import Change, Skip, plan_row
from tenantlead.orchestration.limits_apply import BULK_BATCH, LimitRun
from tenantlead.orchestration.policy import LimitPolicy
from tenantlead.orchestration.results import ApplyResult, OnProgress, Progress, progress_callback
from tenantlead.orchestration.views import (
    LIMIT_SUMMARY_COLUMNS,
    attach_tenants,
    limit_plan_rows,
    limit_plan_summary,
)
from tenantlead.orchestration.warmup_cache import WarmupCache

if TYPE_CHECKING:
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.tenantcore import AsyncTenantCore, TenantCore

__all__ = ["BULK_BATCH", "Change", "LimitPlan", "Skip", "align_limits"]

# Change and Skip are defined with the row planner; re-exported here, where users import them.
_REEXPORTED = (Change, Skip)

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
    assumed: list[str] = []
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
        reported = mailbox.daily_send_limit_out_of_range
        if reported is not None:
            # A ceiling outside the documented range is unknown: never stored over, never aligned to.
            skipped.append(
                Skip(
                    subject=row.address,
                    reason=(
                        f"TenantCore reported daily_send_limit={reported!r}, outside its range (a whole "
                        f"number 0..{MAX_DAILY_LIMIT:,}): treated as unknown and left alone; check the "
                        "mailbox in the TenantCore app"
                    ),
                    account_id=account.id if account is not None else None,
                    tenant_id=tenant_id,
                )
            )
            continue
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
        if (
            row.address in fleet.warmup_assumed
            and row.warmup_active
            and policy.warmup_per_day is None
            and policy.count_warmup
        ):
            assumed.append(row.address)
        planned = plan_row(row, account, ceiling, policy)
        sl_changes.extend(planned.changes)
        if planned.unsafe is not None:
            unsafe.append(planned.unsafe)

    provision_for = limited_tenants if policy.enforce == "all" else list(stored_on)
    # A tenant an earlier apply stored limits on without finishing provisioning (the journal):
    # the API shows those limits as stored, so only this keeps them from staying unenforced.
    provision_for += [t.tenant_id for t in fleet.tenants if t.tenant_id in fleet.unenforced]
    for tenant_id in dict.fromkeys(provision_for):
        n = stored_on.get(tenant_id, 0)
        if n:
            reason = f"stored limits only bite once Exchange's transport rule is written ({n} new limit(s) on this tenant)"
        elif tenant_id in fleet.unenforced:
            reason = (
                "TL110: an earlier apply stored limits on this tenant but did not finish provisioning them "
                "(apply journal): provision so Exchange enforces them"
            )
        else:
            reason = "enforce='all': re-provision so every stored limit of this tenant is enforced"
        tc_changes.append(_provision(tenant_id, reason))
    changes = (*tc_changes, *sl_changes)
    return LimitPlan(
        policy=policy,
        changes=attach_tenants(changes, fleet),
        skipped=attach_tenants(skipped, fleet),
        unsafe=attach_tenants(unsafe, fleet),
        cuts=find_cuts(fleet, changes),
        warmup_assumed=tuple(sorted(assumed)),
        list_positions={a.id: i for i, a in enumerate(fleet.accounts)},
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
    """What [`align_limits`][tenantlead.orchestration.limits.align_limits] would change; [`apply`][tenantlead.orchestration.limits.LimitPlan.apply] / [`aapply`][tenantlead.orchestration.limits.LimitPlan.aapply] write it."""

    policy: LimitPolicy
    changes: tuple[Change, ...] = ()
    skipped: tuple[Skip, ...] = ()
    unsafe: tuple[Skip, ...] = ()
    cuts: tuple[Cut, ...] = ()
    #: Accounts whose warmup volume the budget took from a [WarmupCache][tenantlead.orchestration.WarmupCache]
    #: (written or read by tenantlead within its ttl) instead of reading it from Smartlead.
    warmup_assumed: tuple[str, ...] = ()
    #: Each account's place in the fleet's list order (the apply's verification reads only the
    #: list pages holding what it wrote).
    list_positions: Mapping[int, int] = attrs.field(factory=dict, repr=False, eq=False)

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
        """One record per change (skips are in [`to_dict`][tenantlead.orchestration.limits.LimitPlan.to_dict])."""
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
            "unsafe": [s.to_record() for s in self.unsafe],
            "cuts": [c.to_record() for c in self.cuts],
            "warnings": self.warnings(),
            "warmup_assumed": list(self.warmup_assumed),
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
        if self.warmup_assumed:
            shown = ", ".join(self.warmup_assumed[: self.max_display_rows])
            more = len(self.warmup_assumed) - self.max_display_rows
            lines.append(
                f"Warmup volume assumed from the warmup cache for {len(self.warmup_assumed)} accounts: "
                f"{shown}{f' and {more} more' if more > 0 else ''}"
            )
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
        allow_drastic: bool = False,
        journal: ApplyJournal | bool = True,
        warmup_cache: WarmupCache | None = None,
    ) -> ApplyResult:
        """Write the plan: TenantCore first, then Smartlead (bulk where possible), then re-read.

        ``tc`` is needed only when the plan has TenantCore changes, ``sl`` only for Smartlead
        changes. Every change ends succeeded, skipped or failed; ``on_progress(event)`` runs
        after each (a [ProgressEvent][tenantlead.orchestration.ProgressEvent], stage
        ``"align"``; ``progress=`` is its deprecated older form). On ``KeyboardInterrupt`` the
        writes already made stand: the exception carries ``partial_result`` and a fresh plan
        finishes the job. ``warmup_cache`` remembers the warmup volumes written (see
        [WarmupCache][tenantlead.orchestration.WarmupCache]). A plan that sets a limit to 0 or halves a tenant's sending
        (``plan.cuts``) raises [DrasticPlanError][tenantlead.orchestration.guard.DrasticPlanError]
        before writing anything, unless ``allow_drastic=True``. Before storing limits on a tenant
        the [apply journal][tenantlead.orchestration.journal.ApplyJournal] records it as not yet
        enforced, and after provisioning as enforced, so an interruption between the two is
        finished by the next plan (``journal``: True for the default file, an ``ApplyJournal``,
        or False for none).
        """
        self.check_drastic(allow_drastic)
        report = progress_callback("align", on_progress, progress)
        run = LimitRun(
            self, tc, sl, report, verify=verify, journal=_open_journal(journal), warmup_cache=warmup_cache
        )
        return _drive.apply(run, tc, sl)

    async def aapply(
        self,
        *,
        tc: AsyncTenantCore | None = None,
        sl: AsyncSmartlead | None = None,
        on_progress: OnProgress | None = None,
        verify: bool = True,
        concurrency: int = 8,
        progress: Progress | None = None,
        allow_drastic: bool = False,
        journal: ApplyJournal | bool = True,
        warmup_cache: WarmupCache | None = None,
    ) -> ApplyResult:
        """Async [`apply`][tenantlead.orchestration.limits.LimitPlan.apply]: independent requests run concurrently, at most ``concurrency`` at a time."""
        self.check_drastic(allow_drastic)
        _drive.check_concurrency(concurrency)
        report = progress_callback("align", on_progress, progress)
        run = LimitRun(
            self, tc, sl, report, verify=verify, journal=_open_journal(journal), warmup_cache=warmup_cache
        )
        return await _drive.aapply(run, tc, sl, concurrency=concurrency)


def _open_journal(journal: ApplyJournal | bool) -> ApplyJournal | None:
    if isinstance(journal, ApplyJournal):
        return journal
    if not isinstance(journal, bool):
        raise TypeError(f"journal must be True, False or an ApplyJournal, got {journal!r}")
    return ApplyJournal() if journal else None
