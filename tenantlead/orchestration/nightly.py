"""The nightly check: load once, doctor, plan, optionally apply, doctor again, one report.

    run = nightly_check(tc, sl, LimitPolicy(default_ceiling=25), apply=True)
    run.exit_status(fail_on="warning")      # "ok" / "findings" / "failed"
    run.to_dict()                           # one JSON document

The fleet is read once (with warmup details, which TL302 and the warmup budget need). The
second doctor runs on that snapshot with the apply's successful writes (and any drift its
re-read found) laid over it, so a nightly run costs one load plus the writes and their re-read,
not a second load. Both doctors use the limit policy's window and gap
([LimitPolicy.check_policy][tenantlead.orchestration.policy.LimitPolicy.check_policy]), so a
mailbox the plan aligned is not flagged by the very next check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from tenantlead.orchestration._render import jsonable
from tenantlead.orchestration.checks import CHECKS, Report, troubleshoot
from tenantlead.orchestration.checks_model import CheckPolicy, Finding, Severity
from tenantlead.orchestration.fleet import Fleet
from tenantlead.orchestration.limits import LimitPlan, align_limits
from tenantlead.orchestration.policy import LimitPolicy
from tenantlead.orchestration.results import ApplyResult, OnProgress
from tenantlead.smartlead.models import EmailAccount, WarmupStatus
from tenantlead.tenantcore.models import Mailbox

if TYPE_CHECKING:
    from tenantlead.smartlead import Smartlead
    from tenantlead.tenantcore import TenantCore

__all__ = ["CheckRun", "ExitStatus", "check_codes", "nightly_check", "project"]

#: What a run amounts to: nothing at or above the chosen severity, findings, or failed writes.
ExitStatus = Literal["ok", "findings", "failed"]

_FAIL_ON = ("error", "warning", "info")


def check_codes(codes: Iterable[str], what: str = "ignore") -> tuple[str, ...]:
    """Upper-cased check codes, each one of `CHECKS` (else ValueError)."""
    out: list[str] = []
    for code in codes:
        if not isinstance(code, str):
            raise TypeError(f"{what} takes check codes such as 'TL305', got {code!r}")
        wanted = code.strip().upper()
        if wanted not in CHECKS:
            raise ValueError(f"unknown check code {code!r} in {what}; known codes: {', '.join(CHECKS)}")
        if wanted not in out:
            out.append(wanted)
    return tuple(out)


def _check_fail_on(fail_on: str) -> Severity:
    if fail_on not in _FAIL_ON:
        raise ValueError(f"fail_on must be 'error', 'warning' or 'info', got {fail_on!r}")
    return Severity(fail_on)


def failing(report: Report, fail_on: str = "warning", ignore: Iterable[str] = ()) -> list[Finding]:
    """The findings at or above ``fail_on`` whose code is not in ``ignore``."""
    threshold = _check_fail_on(fail_on).rank
    skip = set(check_codes(ignore))
    return [f for f in report.findings if f.severity.rank <= threshold and f.code not in skip]


@attrs.frozen(kw_only=True)
class CheckRun:
    """One nightly check: the doctor before, the plan, what apply did, the doctor after.

    Attributes:
        before: the doctor's report on the loaded fleet.
        plan: the limit plan for it.
        result: what apply did (None when not applied, or when the plan was empty).
        after: the doctor's report after the apply (None when not applied).
        fleet_counts: rows per status of the loaded fleet.
        applied: whether apply was asked for.
    """

    before: Report
    plan: LimitPlan
    result: ApplyResult | None = None
    after: Report | None = None
    fleet_counts: dict[str, int] = attrs.field(factory=dict)
    applied: bool = False

    @property
    def final(self) -> Report:
        """The last doctor report (after the apply when there was one)."""
        return self.after if self.after is not None else self.before

    def failing(self, fail_on: str = "warning", ignore: Iterable[str] = ()) -> list[Finding]:
        """The final findings at or above ``fail_on`` (``error``/``warning``/``info``), less ``ignore`` codes."""
        return failing(self.final, fail_on, ignore)

    def exit_status(self, fail_on: str = "warning", ignore: Iterable[str] = ()) -> ExitStatus:
        """``failed`` when a write failed or drifted, else ``findings`` when any finding fails, else ``ok``."""
        if self.result is not None and not self.result.ok:
            return "failed"
        return "findings" if self.failing(fail_on, ignore) else "ok"

    def to_dict(self, fail_on: str = "warning", ignore: Iterable[str] = ()) -> dict[str, Any]:
        """The whole run as one JSON-ready document."""
        codes = check_codes(ignore)
        return {
            "status": self.exit_status(fail_on, codes),
            "fail_on": fail_on,
            "ignored": list(codes),
            "failing": [f.to_dict() for f in self.failing(fail_on, codes)],
            "fleet": dict(self.fleet_counts),
            "doctor_before": self.before.to_dict(),
            "plan": self.plan.to_dict(),
            "applied": self.applied,
            "result": self.result.to_dict() if self.result is not None else None,
            "doctor_after": self.after.to_dict() if self.after is not None else None,
        }

    def to_json(self, fail_on: str = "warning", ignore: Iterable[str] = ()) -> str:
        """[`to_dict`][tenantlead.orchestration.nightly.CheckRun.to_dict] as JSON text."""
        import json

        return json.dumps(jsonable(self.to_dict(fail_on, ignore)), indent=2)


def nightly_check(
    tc: TenantCore,
    sl: Smartlead,
    policy: LimitPolicy | None = None,
    *,
    apply: bool = False,
    allow_drastic: bool = False,
    tenant_ids: Sequence[str] | None = None,
    check_policy: CheckPolicy | None = None,
    fleet: Fleet | None = None,
    on_progress: OnProgress | None = None,
) -> CheckRun:
    """Load the fleet once, run the doctor, plan alignment, optionally apply it, and run the doctor again.

    Args:
        tc: a TenantCore client.
        sl: a Smartlead client.
        policy: how to align (default [LimitPolicy][tenantlead.orchestration.policy.LimitPolicy]()).
        apply: write the plan (a drastic plan also needs ``allow_drastic=True``, else
            [DrasticPlanError][tenantlead.orchestration.guard.DrasticPlanError] before any write).
        allow_drastic: allow a plan that sets limits to 0 or halves a tenant's sending.
        tenant_ids: only these tenants (GUIDs or names, as for ``Fleet.load``).
        check_policy: the doctor's thresholds; its window and gap default to the limit policy's.
        fleet: an already-loaded snapshot to use instead of loading one.
        on_progress: ``on_progress(event)`` for the load and the apply (a
            [ProgressEvent][tenantlead.orchestration.ProgressEvent] per step).
    """
    policy = policy if policy is not None else LimitPolicy()
    checks = policy.check_policy(check_policy)
    if fleet is None:
        fleet = Fleet.load(tc, sl, tenant_ids, with_warmup_details=True, on_progress=on_progress)
    before = troubleshoot(fleet, policy=checks)
    plan = align_limits(fleet, policy)
    if not apply:
        return CheckRun(before=before, plan=plan, fleet_counts=fleet.counts())
    plan.check_drastic(allow_drastic)
    result = None
    after_fleet = fleet
    if not plan.is_empty:
        result = plan.apply(tc=tc, sl=sl, on_progress=on_progress, allow_drastic=allow_drastic)
        after_fleet = project(fleet, plan, result)
    after = troubleshoot(after_fleet, policy=checks)
    return CheckRun(
        before=before, plan=plan, result=result, after=after, fleet_counts=fleet.counts(), applied=True
    )


def project(fleet: Fleet, plan: LimitPlan, result: ApplyResult | None = None) -> Fleet:
    """``fleet`` as it reads after ``plan`` (pure): its writes that succeeded, then any drift the re-read saw.

    Without ``result`` every change counts as written (what the plan would leave).
    """
    done = None if result is None else {(i.subject, i.action) for i in result.succeeded}
    limits: dict[str, int | None] = {}
    account_edits: dict[int, dict[str, int | None]] = {}
    provisioned: set[str] = set()
    for change in plan.changes:
        if done is not None and (change.subject, change.action) not in done:
            continue
        if change.field == "daily_send_limit" and change.mailbox_id is not None:
            limits[change.mailbox_id] = change.after
        elif change.field == "mailbox_limits" and change.tenant_id is not None:
            provisioned.add(change.tenant_id)
        elif change.system == "smartlead" and change.account_id is not None:
            account_edits.setdefault(change.account_id, {})[change.field] = change.after
    drifted: dict[str, dict[str, Any]] = {}
    for drift in result.drift if result is not None else ():
        drifted.setdefault(drift.subject, {})[drift.field] = drift.actual

    def mailbox(m: Mailbox) -> Mailbox:
        value = drifted.get(m.address, {}).get("daily_send_limit", limits.get(m.id, m.daily_send_limit))
        return m if value == m.daily_send_limit else attrs.evolve(m, daily_send_limit=value)

    def account(a: EmailAccount) -> EmailAccount:
        edits: dict[str, Any] = dict(account_edits.get(a.id, {}))
        edits.update(drifted.get(a.from_email.strip().lower(), {}))
        edits.pop("account", None)
        if not edits:
            return a
        volume = edits.pop("warmup_per_day", None)
        if volume is not None and a.warmup_details is not None:
            if volume == 0:
                edits["warmup_details"] = attrs.evolve(a.warmup_details, status=WarmupStatus.INACTIVE)
            else:
                edits["warmup_details"] = attrs.evolve(a.warmup_details, max_email_per_day=volume)
        return attrs.evolve(a, **edits)

    return Fleet.build(
        tenants=fleet.tenants,
        domains=fleet.domains,
        mailboxes={t: [mailbox(m) for m in ms] for t, ms in fleet.mailboxes.items()},
        accounts=[account(a) for a in fleet.accounts],
        events=fleet.events,
        loaded_at=fleet.loaded_at,
        unenforced=fleet.unenforced - provisioned,
    )
