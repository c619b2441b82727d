"""align_limits: the pure planner, on hand-built fleets."""

from __future__ import annotations

import json

import pytest

from tenantlead.orchestration.limits import align_limits
from tenantlead.orchestration.policy import LimitPolicy, parse_window
from tests.orchestration.factories import account, addr, domain, fleet, mailbox, simple_fleet, tenant


def fields(plan, field):
    return {c.subject: (c.before, c.after) for c in plan.changes if c.field == field}


# ----------------------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "lower"}, "mode must be 'cap'"),
        ({"headroom": -1}, "headroom must be 0..10000"),
        ({"default_ceiling": 10_001}, "default_ceiling must be 0..10000"),
        ({"sending_window": "9-17"}, "must look like '09:00-17:00'"),
        ({"sending_window": "17:00-09:00"}, "must end after it starts"),
        ({"sending_window": 0}, "1..1440"),
        ({"min_gap": 2}, "Smartlead rejects gaps under 3"),
        ({"warmup_per_day": 51}, "warmup_per_day"),
        ({"warmup_per_day": 0}, "warmup_per_day"),
        ({"count_warmup": "yes"}, "count_warmup must be True or False"),
        ({"enforce": "some"}, "enforce must be"),
    ],
)
def test_policy_rejects_bad_values_with_what_to_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LimitPolicy(**kwargs)


def test_window_parses_clock_ranges_and_minutes():
    assert parse_window("09:00-17:00") == 480
    assert parse_window(" 8:30 - 18:00 ") == 570
    assert parse_window("00:00-24:00") == 1440
    assert parse_window(300) == 300


# ----------------------------------------------------------------------------- cap / match


def test_cap_lowers_only_limits_above_the_allowed_maximum():
    f = simple_fleet(
        [
            (25, account(addr(0), limit=40, warmup_status=None)),
            (25, account(addr(1), limit=25, warmup_status=None)),
            (25, account(addr(2), limit=10, warmup_status=None)),
        ]
    )
    plan = align_limits(f, LimitPolicy())
    assert fields(plan, "message_per_day") == {addr(0): (40, 25)}
    change = plan.changes[0]
    assert "Exchange would block the excess" in change.reason
    assert change.account_id == f.rows[0].account.id


def test_match_sets_every_limit_to_the_allowed_maximum():
    f = simple_fleet(
        [
            (25, account(addr(0), limit=40, warmup_status=None)),
            (25, account(addr(1), limit=25, warmup_status=None)),
            (25, account(addr(2), limit=10, warmup_status=None)),
        ]
    )
    plan = align_limits(f, LimitPolicy(mode="match"))
    assert fields(plan, "message_per_day") == {addr(0): (40, 25), addr(2): (10, 25)}
    assert all("match mode" in c.reason for c in plan.changes if c.subject == addr(2))


def test_headroom_and_counted_warmup_come_off_the_ceiling():
    f = simple_fleet([(25, account(addr(0), limit=25, warmup=5))])
    plan = align_limits(f, LimitPolicy(headroom=2))
    assert fields(plan, "message_per_day") == {addr(0): (25, 18)}
    assert "warmup 5" in plan.changes[0].reason
    assert "headroom 2" in plan.changes[0].reason


def test_a_ceiling_under_the_warmup_lowers_the_warmup_instead_of_leaving_warmup_over_it():
    f = simple_fleet([(3, account(addr(0), limit=20, warmup=5))])
    plan = align_limits(f, LimitPolicy(headroom=1))
    # 3 - headroom 1 leaves 2: warmup goes to 2 and the campaign limit to 0 (the mailbox stays unblocked).
    assert fields(plan, "message_per_day") == {addr(0): (20, 0)}
    assert fields(plan, "warmup_per_day") == {addr(0): (5, 2)}
    warmup = next(c for c in plan.changes if c.field == "warmup_per_day")
    assert "under the warmup volume of 5/day" in warmup.reason
    limit = next(c for c in plan.changes if c.field == "message_per_day")
    assert "TenantCore ceiling 3 - warmup 2 - headroom 1 = 0" in limit.reason  # true arithmetic
    assert plan.unsafe == ()
    # Setting a limit to 0 is a drastic plan: the summary says so with the count.
    assert plan.counts()["set_to_zero"] == 1
    assert "sets 1 limit(s) to 0" in str(plan)


def test_a_ceiling_of_zero_turns_warmup_off():
    f = simple_fleet([(0, account(addr(0), limit=20, warmup=5))])
    plan = align_limits(f)
    assert fields(plan, "warmup_per_day") == {addr(0): (5, 0)}
    assert "turn warmup off" in next(c.action for c in plan.changes if c.field == "warmup_per_day")


def test_warmup_over_the_ceiling_refused_by_policy_caps_at_zero_and_names_the_mailbox():
    f = simple_fleet([(3, account(addr(0), limit=20, warmup=5))])
    plan = align_limits(f, LimitPolicy(warmup_over_ceiling="refuse"))
    assert fields(plan, "message_per_day") == {addr(0): (20, 0)}
    assert fields(plan, "warmup_per_day") == {}
    (unsafe,) = plan.unsafe
    assert unsafe.subject == addr(0)
    assert unsafe.code == "TL302"
    assert "refuse" in unsafe.reason
    assert "1 mailbox(es) cannot be made safe" in str(plan)
    with pytest.raises(ValueError, match="warmup_over_ceiling must be 'lower'"):
        LimitPolicy(warmup_over_ceiling="ignore")  # type: ignore[arg-type]


def test_uncounted_warmup_is_not_budgeted_even_when_unknown():
    f = simple_fleet([(25, account(addr(0), limit=25, warmup=None))])
    plan = align_limits(f, LimitPolicy(count_warmup=False))
    assert plan.is_empty
    assert plan.skipped == ()
    # Not budgeting warmup is the user's choice, but the plan still says the mailbox is not safe.
    (unsafe,) = plan.unsafe
    assert "count_warmup=False" in unsafe.reason


def test_unknown_warmup_volume_still_caps_at_the_ceiling_and_says_the_rest_needs_the_volume():
    f = simple_fleet([(25, account(addr(0), limit=40, warmup=None))])
    plan = align_limits(f)
    # The known overrun (40 > 25) is fixed whatever the warmup is.
    assert fields(plan, "message_per_day") == {addr(0): (40, 25)}
    assert plan.skipped == ()
    (unsafe,) = plan.unsafe
    assert unsafe.subject == addr(0)
    assert "with_warmup_details=True" in unsafe.reason
    assert "warmup_per_day" in unsafe.reason


def test_inactive_or_blocked_warmup_counts_as_zero():
    f = simple_fleet(
        [
            (25, account(addr(0), limit=25, warmup=None, warmup_status="INACTIVE")),
            (25, account(addr(1), limit=25, warmup=None, warmup_status="BLOCKED")),
            (25, account(addr(2), limit=25, warmup_status=None)),
        ]
    )
    plan = align_limits(f)
    assert plan.is_empty
    assert plan.skipped == ()


def test_policy_warmup_per_day_sets_active_warmup_and_budgets_it():
    f = simple_fleet(
        [
            (25, account(addr(0), limit=20, warmup=None)),  # unknown volume: set, not skipped
            (25, account(addr(1), limit=20, warmup=3)),
            (25, account(addr(2), limit=20, warmup=None, warmup_status="INACTIVE")),
        ]
    )
    plan = align_limits(f, LimitPolicy(warmup_per_day=8))
    assert fields(plan, "warmup_per_day") == {addr(0): (None, 8), addr(1): (3, 8)}
    assert fields(plan, "message_per_day") == {addr(0): (20, 17), addr(1): (20, 17)}
    assert plan.skipped == ()


# ----------------------------------------------------------------------------- TenantCore ceiling


def test_missing_tenantcore_limit_is_reported_tl106_by_default():
    f = simple_fleet([(None, account(addr(0), limit=40)), (None, None)])
    plan = align_limits(f)
    assert plan.is_empty
    assert [s.code for s in plan.skipped] == ["TL106", "TL106"]
    assert "default_ceiling" in plan.skipped[0].reason


def test_default_ceiling_plans_store_then_one_provision_per_tenant():
    t1, t2 = tenant(1), tenant(2)
    d1, d2 = domain("one.com"), domain("two.com")
    a = account("a@one.com", limit=40, warmup=5)
    f = fleet(
        {
            t1: {d1: [(mailbox("a@one.com", limit=None), a), (mailbox("b@one.com", limit=None), None)]},
            t2: {d2: [(mailbox("c@two.com", limit=25), account("c@two.com", limit=20))]},
        }
    )
    plan = align_limits(f, LimitPolicy(default_ceiling=30))
    tc = [c for c in plan.changes if c.system == "tenantcore"]
    assert [(c.subject, c.field, c.after) for c in tc] == [
        ("a@one.com", "daily_send_limit", 30),
        ("b@one.com", "daily_send_limit", 30),
        (t1.tenant_id, "mailbox_limits", None),
    ]
    assert fields(plan, "message_per_day") == {"a@one.com": (40, 25)}
    # TenantCore writes come first in the plan (apply order).
    assert plan.changes.index(tc[-1]) < min(i for i, c in enumerate(plan.changes) if c.system == "smartlead")


def test_enforce_all_reprovisions_every_tenant_with_a_stored_limit():
    f = simple_fleet([(25, account(addr(0), limit=20))])
    plan = align_limits(f, LimitPolicy(enforce="all"))
    assert [(c.field, c.subject) for c in plan.changes] == [("mailbox_limits", f.rows[0].tenant_id)]
    assert "enforce='all'" in plan.changes[0].reason


def test_orphans_are_skipped_and_not_connected_mailboxes_get_no_smartlead_change():
    t = tenant(1)
    d = domain("one.com")
    f = fleet({t: {d: [(None, account("sales@one.com", limit=99)), (mailbox("a@one.com", limit=25), None)]}})
    plan = align_limits(f, LimitPolicy(mode="match"))
    assert plan.is_empty
    assert [(s.subject, s.code) for s in plan.skipped] == [("sales@one.com", "TL203")]


# ----------------------------------------------------------------------------- gaps


def test_window_plans_the_gap_that_spreads_the_limit_in_cap_mode():
    f = simple_fleet(
        [
            (25, account(addr(0), limit=20, gap=1, warmup=5)),  # 480 // 20 = 24
            (25, account(addr(1), limit=20, gap=30, warmup=5)),  # longer than needed: left alone
            (25, account(addr(2), limit=100, gap=3, warmup_status=None)),  # capped to 25: 480 // 25 = 19
            (25, account(addr(3), limit=20, gap=None, warmup=5)),  # unknown gap: set
        ]
    )
    plan = align_limits(f, LimitPolicy(sending_window="09:00-17:00"))
    assert fields(plan, "min_time_to_wait_in_mins") == {
        addr(0): (1, 24),
        addr(2): (3, 19),
        addr(3): (None, 24),
    }
    assert "bursts" in next(c.reason for c in plan.changes if c.subject == addr(0))


def test_min_gap_floors_the_planned_gap_and_match_mode_sets_exact_gaps():
    f = simple_fleet([(25, account(addr(0), limit=20, gap=30, warmup=5))])
    assert (
        fields(align_limits(f, LimitPolicy(sending_window=120, min_gap=15)), "min_time_to_wait_in_mins") == {}
    )
    plan = align_limits(f, LimitPolicy(mode="match", sending_window=120, min_gap=15))
    assert fields(plan, "min_time_to_wait_in_mins") == {addr(0): (30, 15)}


def test_no_gap_is_planned_without_a_window_or_for_a_zero_limit():
    f = simple_fleet(
        [(25, account(addr(0), limit=20, gap=1, warmup=5)), (5, account(addr(1), limit=9, gap=1))]
    )
    assert fields(align_limits(f, LimitPolicy(sending_window=None)), "min_time_to_wait_in_mins") == {}
    plan = align_limits(f, LimitPolicy(sending_window="09:00-17:00", warmup_over_ceiling="refuse"))
    # addr(1): ceiling 5 - warmup 5 = 0 sends: nothing to spread.
    assert fields(plan, "message_per_day")[addr(1)] == (9, 0)
    assert addr(1) not in fields(plan, "min_time_to_wait_in_mins")


# ----------------------------------------------------------------------------- rendering


def test_plan_renders_as_text_dict_records_and_html():
    f = simple_fleet([(25, account(addr(0), limit=40, warmup=5)), (None, None)])
    plan = align_limits(f, LimitPolicy(sending_window=None))
    text = str(plan)
    assert "message_per_day" in text
    assert "Skipped:" in text
    assert "TL106" not in text or "default_ceiling" in text
    data = json.loads(plan.to_json())
    assert data["counts"] == {
        "message_per_day": 1,
        "skipped": 1,
        "unsafe": 0,
        "set_to_zero": 0,
        "tenants_halved": 0,
    }
    assert data["changes"][0]["before"] == 40
    assert data["changes"][0]["after"] == 20
    assert data["skipped"][0]["code"] == "TL106"
    assert plan.to_records()[0]["field"] == "message_per_day"
    assert "<table>" in plan._repr_html_()
    assert "1 changes" in repr(plan)


def test_planner_rejects_wrong_arguments():
    with pytest.raises(TypeError, match="needs a Fleet"):
        align_limits([], LimitPolicy())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="LimitPolicy"):
        align_limits(simple_fleet([]), {"mode": "cap"})  # type: ignore[arg-type]
