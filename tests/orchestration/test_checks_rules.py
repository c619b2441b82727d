"""Each TL check on hand-built fleets: fires on the bad case, silent on the healthy case and the boundary."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantlead.microsoft import MicrosoftApp, MicrosoftIdentity
from tenantlead.orchestration import (
    CHECKS,
    CheckPolicy,
    Fleet,
    Severity,
    connect,
    migrate_to_oauth,
    troubleshoot,
)
from tenantlead.orchestration.checks import classify_login_failure
from tenantlead.sandbox import Sandbox
from tenantlead.smartlead import Smartlead
from tenantlead.tenantcore import TenantCore
from tests.orchestration.factories import (
    CLIENTS,
    NOW,
    TENANT_A,
    TENANT_B,
    account,
    build_fleet,
    connected_fleet,
    domain,
    event,
    healthy_fleet,
    mailbox,
    tenant,
)

ADDR = "anna@acme-mail.com"


def run(code: str, fleet, policy: CheckPolicy | None = None):  # type: ignore[no-untyped-def]
    return CHECKS[code](fleet, policy)


def subjects(code: str, fleet, policy: CheckPolicy | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.subject for f in run(code, fleet, policy))


def test_healthy_fleet_has_no_findings_at_all() -> None:
    report = troubleshoot(healthy_fleet())

    assert report.findings == ()
    assert report.ok
    assert report.notes == ()
    assert report.checked == tuple(CHECKS)


@pytest.mark.parametrize("code", list(CHECKS))
def test_every_check_is_silent_on_the_healthy_fleet(code: str) -> None:
    assert run(code, healthy_fleet()) == []


# ----------------------------------------------------------------------------- TL1xx


def test_tl101_disabled_mailbox() -> None:
    bad = connected_fleet(mailbox_over={"account_enabled": False})
    unknown = connected_fleet(mailbox_over={"account_enabled": None})

    [finding] = run("TL101", bad)

    assert finding.subject == ADDR
    assert finding.severity == Severity.ERROR
    assert "account_enabled=True" in finding.fix
    assert run("TL101", unknown) == []


def test_tl102_blocked_mailbox_names_the_numbers() -> None:
    bad = connected_fleet(mailbox_over={"blocked_at": NOW - timedelta(minutes=30), "sends_today": 26})

    [finding] = run("TL102", bad)

    assert finding.subject == ADDR
    assert "26 sends (limit 25)" in finding.message
    assert "align" in finding.fix


def test_tl103_unverified_domain_even_without_mailboxes() -> None:
    fleet = build_fleet(
        [mailbox(ADDR)],
        [account(ADDR)],
        domains={
            TENANT_A: [
                domain("acme-mail.com"),
                domain("acme-new.io", is_verified=False, spf_status="missing"),
            ]
        },
    )

    assert subjects("TL103", fleet) == ["acme-new.io"]
    # An unverified domain's missing DNS is TL103's business, not TL104's.
    assert run("TL104", fleet) == []


@pytest.mark.parametrize(
    ("over", "problem"),
    [
        ({"spf_status": "missing"}, "SPF missing"),
        ({"dkim_status": "partial"}, "DKIM partial"),
        ({"dkim_status": "missing"}, "DKIM missing"),
        ({"dmarc_status": "missing"}, "DMARC missing"),
        ({"mx_status": "missing"}, "MX missing"),
    ],
)
def test_tl104_dns_problem_on_verified_domain(over: dict[str, str], problem: str) -> None:
    fleet = build_fleet(
        [mailbox(ADDR)], [account(ADDR)], domains={TENANT_A: [domain("acme-mail.com", **over)]}
    )

    [finding] = run("TL104", fleet)

    assert finding.subject == "acme-mail.com"
    assert problem in finding.message
    assert "propagate" in finding.fix


@pytest.mark.parametrize(
    ("age", "fires"),
    [
        (timedelta(minutes=2), True),
        (timedelta(minutes=4, seconds=59), True),
        (timedelta(minutes=5), False),  # boundary: propagation is over
        (timedelta(days=3), False),
    ],
)
def test_tl105_propagating_mailbox(age: timedelta, fires: bool) -> None:
    fleet = build_fleet([mailbox(ADDR, created_at=NOW - age)])

    assert subjects("TL105", fleet) == ([ADDR] if fires else [])


def test_tl105_tells_when_the_mailbox_will_be_ready() -> None:
    fleet = build_fleet([mailbox(ADDR, created_at=NOW - timedelta(minutes=2))])

    [finding] = run("TL105", fleet)

    assert finding.severity == Severity.INFO
    assert "2026-11-26 12:03 UTC" in finding.fix


def test_tl105_uses_the_policy_propagation() -> None:
    fleet = build_fleet([mailbox(ADDR, created_at=NOW - timedelta(minutes=7))])

    assert subjects("TL105", fleet, CheckPolicy(propagation=timedelta(minutes=10))) == [ADDR]


def test_tl106_no_stored_limit() -> None:
    fleet = connected_fleet(mailbox_over={"daily_send_limit": None})

    [finding] = run("TL106", fleet)

    assert finding.severity == Severity.WARNING
    assert "daily_send_limit=25" in finding.fix
    # With no ceiling there is nothing to compare Smartlead's limit with.
    assert run("TL301", fleet) == []
    assert run("TL302", fleet) == []


@pytest.mark.parametrize(
    ("over", "fires"),
    [
        ({"exchange_bootstrap_status": "pending"}, True),
        ({"exchange_bootstrap_status": "failed"}, True),
        ({"discovery_completed": False}, True),
        ({"exchange_bootstrap_status": "ready", "discovery_completed": True}, False),
        ({"exchange_bootstrap_status": None, "discovery_completed": None}, False),  # unknown is not a problem
    ],
)
def test_tl107_tenant_not_ready(over: dict[str, object], fires: bool) -> None:
    fleet = build_fleet([mailbox(ADDR)], tenants=[tenant(TENANT_A, **over)])

    assert subjects("TL107", fleet) == ([TENANT_A] if fires else [])


@pytest.mark.parametrize(("count", "fires"), [(3, False), (4, True)])
def test_tl108_mailboxes_per_domain(count: int, fires: bool) -> None:
    boxes = [mailbox(f"user{i}@acme-mail.com") for i in range(count)]

    found = run("TL108", build_fleet(boxes))

    assert [f.subject for f in found] == (["acme-mail.com"] if fires else [])
    if fires:
        assert "4 mailboxes on one domain (at most 3)" in found[0].message


@pytest.mark.parametrize(("count", "fires"), [(12, False), (13, True)])
def test_tl108_domains_per_tenant(count: int, fires: bool) -> None:
    fleet = build_fleet([mailbox(ADDR)], domains={TENANT_A: [domain(f"acme{i}.com") for i in range(count)]})

    found = run("TL108", fleet)

    assert [(f.subject, f.subject_kind) for f in found] == ([(TENANT_A, "tenant")] if fires else [])


@pytest.mark.parametrize(("limit", "fires"), [(25, False), (26, True)])
def test_tl109_tenant_budget_boundary(limit: int, fires: bool) -> None:
    # 36 mailboxes x 25 = 900 exactly: fine; x 26 = 936: above the budget.
    boxes = [mailbox(f"u{i % 3}@acme{i // 3}.com", daily_send_limit=limit) for i in range(36)]

    found = run("TL109", build_fleet(boxes))

    assert [f.subject for f in found] == ([TENANT_A] if fires else [])
    if fires:
        assert "936 sends/day across 36 mailboxes" in found[0].message


def test_tl109_counts_missing_limits_as_zero_and_follows_the_policy() -> None:
    boxes = [mailbox(f"u{i}@acme{i}.com", daily_send_limit=None if i == 0 else 50) for i in range(3)]
    fleet = build_fleet(boxes)

    assert run("TL109", fleet) == []
    assert subjects("TL109", fleet, CheckPolicy(tenant_daily_budget=99)) == [TENANT_A]


# ----------------------------------------------------------------------------- TL2xx


def test_tl201_mailbox_without_account() -> None:
    fleet = build_fleet([mailbox(ADDR), mailbox("ben@acme-mail.com")], [account("ben@acme-mail.com")])

    assert subjects("TL201", fleet) == [ADDR]


@pytest.mark.parametrize(
    ("error", "reason", "fix_words"),
    [
        ("535 5.7.3 Authentication unsuccessful", "wrong_password", "case-sensitive"),
        (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
            "smtp_auth_disabled",
            "Exchange admin",
        ),
        (
            "550 5.7.30 Basic authentication is not supported for Client Submission.",
            "basic_auth_retired",
            "OUTLOOK",
        ),
        ("Connection timed out", "unknown", "reconnect_failed"),
    ],
)
def test_tl202_classifies_microsofts_reply(error: str, reason: str, fix_words: str) -> None:
    fleet = connected_fleet(
        account_over={
            "type": "SMTP",
            "is_smtp_success": False,
            "is_imap_success": False,
            "smtp_failure_error": error,
        }
    )

    [finding] = run("TL202", fleet)

    assert finding.details["reason"] == reason
    assert fix_words in finding.fix
    assert error in finding.message


def test_tl202_imap_only_failure_uses_the_imap_error() -> None:
    fleet = connected_fleet(
        account_over={
            "type": "SMTP",  # an OUTLOOK account's 5.7.3 is TL413's (one finding per cause)
            "is_imap_success": False,
            "imap_failure_error": "535 5.7.3 Authentication unsuccessful",
        }
    )

    [finding] = run("TL202", fleet)

    assert finding.message.startswith("IMAP login failing")
    assert finding.details["reason"] == "wrong_password"


def test_classify_login_failure_does_not_read_5_7_30_as_5_7_3() -> None:
    assert classify_login_failure("550 5.7.30 Basic authentication")[0] == "basic_auth_retired"
    assert classify_login_failure(None)[0] == "unknown"


def test_tl203_orphan_account_on_a_tenantcore_domain() -> None:
    fleet = build_fleet(
        [mailbox(ADDR)],
        [account(ADDR), account("sales@acme-mail.com"), account("someone@gmail.com")],
    )

    assert subjects("TL203", fleet) == ["sales@acme-mail.com"]  # gmail is not TenantCore's


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"is_suspended": True}, "suspended"),
        ({"warmup": {"status": "BLOCKED"}}, "warmup is blocked"),
        (
            {"warmup": {"is_warmup_blocked": True, "blocked_reason": "sign-in verification"}},
            "sign-in verification",
        ),
    ],
)
def test_tl204_suspended_or_warmup_blocked(over: dict[str, object], words: str) -> None:
    [finding] = run("TL204", connected_fleet(account_over=over))

    assert words in finding.message


def test_tl204_silent_for_paused_warmup() -> None:
    assert (
        run("TL204", connected_fleet(account_over={"warmup": {"status": "PAUSED"}, "is_suspended": False}))
        == []
    )


# ----------------------------------------------------------------------------- TL3xx


@pytest.mark.parametrize(("daily", "fires"), [(25, False), (26, True), (40, True)])
def test_tl301_smartlead_above_tenantcore(daily: int, fires: bool) -> None:
    fleet = connected_fleet(account_over={"message_per_day": daily, "warmup_status": None})

    found = run("TL301", fleet)

    assert [f.subject for f in found] == ([ADDR] if fires else [])
    if daily == 40:
        assert found[0].message == "Smartlead sends up to 40/day but Exchange blocks after 25"
        assert "max_email_per_day=25" in found[0].fix


@pytest.mark.parametrize(
    ("daily", "warmup", "fires"),
    [
        (20, 5, False),  # 25 == 25: exactly at the ceiling is fine
        (20, 6, True),
        (25, 0, False),
        (22, 8, True),
        (26, 5, False),  # over on its own: TL301, not TL302
    ],
)
def test_tl302_limit_plus_warmup(daily: int, warmup: int, fires: bool) -> None:
    fleet = connected_fleet(account_over={"message_per_day": daily, "warmup": {"max_email_per_day": warmup}})

    found = run("TL302", fleet)

    assert [f.subject for f in found] == ([ADDR] if fires else [])
    if (daily, warmup) == (22, 8):
        assert "22/day plus 8 warmup = 30, above the Exchange limit of 25" in found[0].message
        assert "max_email_per_day=17" in found[0].fix


def test_tl302_inactive_warmup_does_not_count() -> None:
    fleet = connected_fleet(
        account_over={"message_per_day": 25, "warmup": {"status": "PAUSED", "max_email_per_day": 9}}
    )

    assert run("TL302", fleet) == []


def test_tl302_unknown_warmup_is_skipped_with_a_note_or_assumed_by_policy() -> None:
    fleet = connected_fleet(account_over={"message_per_day": 22, "warmup": {"max_email_per_day": None}})

    report = troubleshoot(fleet)
    assumed = troubleshoot(fleet, policy=CheckPolicy(assumed_warmup_per_day=5))

    assert "TL302" not in report.codes()
    assert any("with_warmup_details=True" in note for note in report.notes)
    [finding] = assumed.filter(code="TL302").findings
    assert "(assumed)" in finding.message
    assert assumed.notes == ()


def test_tl302_warmup_alone_fills_the_limit() -> None:
    fleet = connected_fleet(account_over={"message_per_day": 0, "warmup": {"max_email_per_day": 30}})

    [finding] = run("TL302", fleet)

    assert "update_warmup" in finding.fix


def test_tl303_recent_block_only() -> None:
    fleet = build_fleet(
        [mailbox(ADDR), mailbox("ben@acme-mail.com"), mailbox("cleo@acme-mail.com")],
        events=[
            event(ADDR, at=NOW - timedelta(hours=18)),
            event(ADDR, at=NOW - timedelta(hours=8), action="unblocked"),
            event("ben@acme-mail.com", at=NOW - timedelta(hours=25)),  # outside the 24 h window
            event("cleo@acme-mail.com", at=NOW - timedelta(hours=2), action="unblocked"),
        ],
    )

    [finding] = run("TL303", fleet)

    assert finding.subject == ADDR
    assert "blocked 1 time(s) in the last 24 h" in finding.message


def test_tl303_leaves_a_currently_blocked_mailbox_to_tl102() -> None:
    fleet = build_fleet(
        [mailbox(ADDR, blocked_at=NOW - timedelta(minutes=30))],
        events=[event(ADDR, at=NOW - timedelta(minutes=30))],
    )

    assert run("TL303", fleet) == []
    assert subjects("TL102", fleet) == [ADDR]


@pytest.mark.parametrize(
    ("gap", "daily", "fires"),
    [
        (24, 20, False),  # 480 min: the whole window
        (12, 20, False),  # 240 min: exactly half the window is fine
        (11, 20, True),  # 220 min: a burst
        (10, 30, False),  # 10 min: the minimum safe gap
        (9, 60, True),  # spread, but under Smartlead's ~10-minute minimum
        (1, 20, True),
    ],
)
def test_tl304_gap(gap: int, daily: int, fires: bool) -> None:
    fleet = connected_fleet(
        mailbox_over={"daily_send_limit": 60}, account_over={"gap": gap, "message_per_day": daily}
    )

    found = run("TL304", fleet)

    assert [f.subject for f in found] == ([ADDR] if fires else [])
    if (gap, daily) == (1, 20):
        assert "time_to_wait_in_mins=24" in found[0].fix


def test_tl304_unknown_gap_is_skipped_with_a_note() -> None:
    report = troubleshoot(connected_fleet(account_over={"gap": None}))

    assert "TL304" not in report.codes()
    assert any(note.startswith("TL304 skipped 1") for note in report.notes)


def _two_tenants(a_over: dict[str, object], b_over: dict[str, object]):  # type: ignore[no-untyped-def]
    a, b = "anna@acme-mail.com", "bob@bright-mail.com"
    return build_fleet(
        {TENANT_A: [mailbox(a)], TENANT_B: [mailbox(b)]},
        [account(a, **a_over), account(b, **b_over)],
    )


def test_tl305_fires_when_two_tenants_share_the_unseparated_pool() -> None:
    fleet = _two_tenants({"client_id": None}, {"client_id": None})

    assert subjects("TL305", fleet) == ["anna@acme-mail.com", "bob@bright-mail.com"]


@pytest.mark.parametrize(
    "b_over",
    [
        {"client_id": CLIENTS[TENANT_B]},  # B has its client: A alone is unseparated
        {"client_id": None, "tags": [{"tag_id": 7, "tag_name": "Brightline"}]},  # B is tagged
    ],
)
def test_tl305_silent_when_only_one_tenant_is_unseparated(b_over: dict[str, object]) -> None:
    assert run("TL305", _two_tenants({"client_id": None}, b_over)) == []


# ----------------------------------------------------------------------------- property


@st.composite
def within_ceiling(draw: st.DrawFn) -> tuple[int, int, int, bool]:
    """(TenantCore limit, Smartlead limit, warmup per day, warmup active) with sl + active warmup <= limit."""
    limit = draw(st.integers(min_value=1, max_value=60))
    active = draw(st.booleans())
    # Inactive warmup may hold any stale volume: it sends nothing, so it must not count.
    warmup = draw(st.integers(min_value=0, max_value=limit if active else 60))
    daily = draw(st.integers(min_value=0, max_value=limit - (warmup if active else 0)))
    return limit, daily, warmup, active


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rows=st.lists(within_ceiling(), min_size=1, max_size=12))
def test_property_within_the_ceiling_means_no_tl301_or_tl302(rows: list[tuple[int, int, int, bool]]) -> None:
    boxes, accounts = [], []
    for i, (limit, daily, warmup, active) in enumerate(rows):
        address = f"m{i}@acme{i // 3}.com"
        boxes.append(mailbox(address, daily_send_limit=limit))
        accounts.append(
            account(
                address,
                message_per_day=daily,
                warmup={"status": "ACTIVE" if active else "INACTIVE", "max_email_per_day": warmup},
            )
        )

    report = troubleshoot(build_fleet(boxes, accounts), codes=["TL301", "TL302"])

    assert report.findings == ()


@settings(max_examples=100, deadline=None)
@given(limit=st.integers(min_value=1, max_value=60), over=st.integers(min_value=1, max_value=30))
def test_property_above_the_ceiling_is_always_tl301(limit: int, over: int) -> None:
    fleet = connected_fleet(
        mailbox_over={"daily_send_limit": limit}, account_over={"message_per_day": limit + over}
    )

    assert troubleshoot(fleet, codes="TL301").codes() == {"TL301"}


def test_tl102_and_tl303_do_not_print_none_for_unknown_numbers() -> None:
    blocked = connected_fleet(
        mailbox_over={
            "blocked_at": NOW - timedelta(minutes=30),
            "sends_today": None,
            "daily_send_limit": None,
        }
    )
    [finding] = run("TL102", blocked)
    assert "None" not in finding.message
    assert "blocked by enforcement since" in finding.message
    import attrs

    quiet = attrs.evolve(event(ADDR, at=NOW - timedelta(hours=2)), sent_count=None, limit_value=None)
    [finding] = run("TL303", build_fleet([mailbox(ADDR)], events=[quiet]))
    assert "None" not in finding.message


def test_tl202_wrong_password_fix_names_the_migration_and_following_it_connects_the_account(
    tmp_path: Path,
) -> None:
    """535 5.7.3 on an SMTP account: connect would skip it; `tenantlead migrate` moves it to OAuth in place."""
    sb = Sandbox.demo(seed=7)
    tc = TenantCore(sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    agency = sb.authority.smartlead_app
    app = MicrosoftApp(agency.client_id, agency.secret, environ={})
    fleet = Fleet.load(tc, sl)
    wrong = [
        f for f in troubleshoot(fleet, codes="TL202").findings if f.details["reason"] == "wrong_password"
    ]
    [finding] = wrong
    assert "tenantlead migrate" in finding.fix
    assert "connect" not in finding.fix
    assert "migrate to OAuth" in CHECKS["TL202"].fix.split("; 5.7.139")[0]
    one = fleet.filter(predicate=lambda row: row.address == finding.subject)
    assert connect(one, "oauth", microsoft=app, credentials=sb.credentials_csv()).items[0].action == "skip"

    ms = MicrosoftIdentity(app, **sb.client_options())
    result = migrate_to_oauth(
        one, microsoft=ms, credentials=sb.credentials_csv(), snapshot=tmp_path / "snapshot.json"
    ).apply(sl=sl)

    assert result.counts()["succeeded"] == 1
    after = Fleet.load(tc, sl)
    [row] = [r for r in after.rows if r.address == finding.subject]
    assert row.account is not None
    assert row.account.id == finding.details["account_id"]
    assert row.account.is_smtp_success is True
    assert finding.subject not in troubleshoot(after, codes="TL202").subjects("TL202")
