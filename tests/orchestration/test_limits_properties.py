"""Invariants of align_limits on generated fleets (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=300, deadline=None)
@given(st.lists(row, max_size=12), policies)
def test_after_a_cap_plan_every_planned_mailbox_fits_under_its_ceiling(rows, policy):
    policy = LimitPolicy(**{**policy.to_dict(), "mode": "cap"})
    fleet = build(rows)
    plan = align_limits(fleet, policy)
    after = applied(fleet, plan)
    skipped = {s.subject for s in plan.skipped}
    for r in after.rows:
        if r.status != "connected" or r.address in skipped:
            continue
        assert r.daily_send_limit is not None
        warmup = (r.warmup_per_day or 0) if policy.count_warmup else 0
        # Only impossible ceilings (below headroom + warmup) leave a limit of 0 still above.
        assert r.message_per_day is not None
        assert r.message_per_day + warmup + policy.headroom <= r.daily_send_limit or r.message_per_day == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(row, max_size=12), policies)
def test_a_second_plan_after_apply_is_empty(rows, policy):
    fleet = build(rows)
    plan = align_limits(fleet, policy)
    again = align_limits(applied(fleet, plan), policy)
    assert [c for c in again.changes if c.field != "mailbox_limits" or policy.enforce == "changed"] == []


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
