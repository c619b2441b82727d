"""Invariants of align_limits on generated fleets (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlead.orchestration.checks import troubleshoot
from tenantlead.orchestration.limits import align_limits
from tenantlead.orchestration.policy import LimitPolicy
from tests.orchestration.factories import account, addr, applied, simple_fleet

row = st.tuples(
    st.one_of(st.none(), st.integers(0, 60)),  # TenantCore limit
    st.booleans(),  # connected
    st.one_of(st.none(), st.integers(0, 120)),  # Smartlead limit
    st.one_of(st.none(), st.integers(0, 120)),  # gap
    st.sampled_from(["ACTIVE", "INACTIVE", "BLOCKED", None]),
    st.one_of(st.none(), st.integers(1, 50)),  # warmup volume (None = unknown)
)
policies = st.builds(
    LimitPolicy,
    mode=st.sampled_from(["cap", "match"]),
    headroom=st.integers(0, 10),
    count_warmup=st.booleans(),
    warmup_per_day=st.one_of(st.none(), st.integers(1, 50)),
    default_ceiling=st.one_of(st.none(), st.integers(0, 60)),
    sending_window=st.one_of(st.none(), st.sampled_from(["09:00-17:00", 120, 600])),
    min_gap=st.integers(3, 30),
    warmup_over_ceiling=st.sampled_from(["lower", "refuse"]),
)


def build(rows):
    return simple_fleet(
        [
            (
                limit,
                account(addr(i), limit=sl, gap=gap, warmup=warm, warmup_status=status) if connected else None,
            )
            for i, (limit, connected, sl, gap, status, warm) in enumerate(rows)
        ]
    )


def _room(r, policy):
    return max(0, r.daily_send_limit - policy.headroom)


@settings(max_examples=400, deadline=None)
@given(st.lists(row, max_size=12), policies)
def test_after_a_cap_plan_every_mailbox_fits_under_its_ceiling_or_the_plan_says_why_not(rows, policy):
    """Issue 15's invariant: limit + real warmup (+ headroom) <= ceiling, or the mailbox is in plan.unsafe."""
    policy = LimitPolicy(**{**policy.to_dict(), "mode": "cap"})
    fleet = build(rows)
    plan = align_limits(fleet, policy)
    after = applied(fleet, plan)
    unsafe = {s.subject: s for s in plan.unsafe}
    skipped = {s.subject for s in plan.skipped}
    assert not set(unsafe) & skipped
    for r in after.rows:
        if r.status != "connected" or r.address in skipped:
            continue
        # Every connected mailbox the plan does not skip has a ceiling (stored, or default_ceiling).
        assert r.daily_send_limit is not None
        assert r.message_per_day is not None
        if r.address in unsafe:
            assert unsafe[r.address].reason
            # The plan only gives up on what it cannot know or was told to leave.
            assert (
                r.warmup_per_day is None or not policy.count_warmup or policy.warmup_over_ceiling == "refuse"
            )
            # The known overrun is fixed anyway: never above the ceiling on its own.
            assert r.message_per_day <= _room(r, policy)
            continue
        # Exchange counts warmup whatever the policy says: the real volume must fit.
        assert r.warmup_per_day is not None
        assert r.message_per_day + r.warmup_per_day <= _room(r, policy)


@settings(max_examples=300, deadline=None)
@given(st.lists(row, max_size=12), policies)
def test_a_second_plan_after_apply_is_empty_and_doctor_finds_no_tl30x_on_the_planned_subjects(rows, policy):
    fleet = build(rows)
    plan = align_limits(fleet, policy)
    after = applied(fleet, plan)
    again = align_limits(after, policy)
    assert [c for c in again.changes if c.field != "mailbox_limits" or policy.enforce == "changed"] == []
    assert {s.subject for s in again.unsafe} == {s.subject for s in plan.unsafe}
    report = troubleshoot(after, policy=policy.check_policy())
    unsafe = {s.subject for s in plan.unsafe}
    planned = {c.subject for c in plan.changes if c.system == "smartlead"} - unsafe
    codes = {"TL301", "TL302"} | ({"TL304"} if policy.sending_window is not None else set())
    for finding in report.findings:
        if finding.code in codes:
            assert finding.subject not in planned, finding
    # Doctor agrees with the plan's unsafe list: TL302 for every certain overrun of the ceiling (an
    # unknown active warmup is at least 1/day), and a note for warmup volumes it cannot judge.
    tl302 = set(report.subjects("TL302"))
    for subject in unsafe:
        r = after.row(subject)
        assert r is not None
        assert r.daily_send_limit is not None
        assert r.message_per_day is not None
        warmup = r.warmup_per_day
        if r.message_per_day + (1 if warmup is None else warmup) > r.daily_send_limit:
            assert subject in tl302, subject
        elif warmup is None:
            assert any("unknown volume" in note for note in report.notes)


@settings(max_examples=200, deadline=None)
@given(st.lists(row, max_size=12), policies)
def test_cap_mode_never_raises_a_limit_and_every_change_has_a_reason(rows, policy):
    policy = LimitPolicy(**{**policy.to_dict(), "mode": "cap"})
    plan = align_limits(build(rows), policy)
    for c in plan.changes:
        assert c.reason
        if c.field == "message_per_day" and c.before is not None:
            assert c.after is not None
            assert c.after < c.before
        if c.field == "min_time_to_wait_in_mins":
            assert c.after is not None
            assert c.after >= policy.min_gap
            assert c.before is None or c.after > c.before


@settings(max_examples=200, deadline=None)
@given(st.lists(row, max_size=12), policies)
def test_every_connected_mailbox_is_either_planned_or_skipped_with_a_reason(rows, policy):
    fleet = build(rows)
    plan = align_limits(fleet, policy)
    skipped = {s.subject: s for s in plan.skipped}
    for r in fleet.rows:
        if r.status != "connected":
            continue
        if r.address in skipped:
            assert skipped[r.address].reason
            continue
        # Either it already fits, or the plan changes it: the invariant test covers the values.
        assert r.daily_send_limit is not None or policy.default_ceiling is not None
