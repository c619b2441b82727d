"""TL206 and the migration plan, pure: no I/O but the local snapshot file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tenantlead._core.microsoft365 import BASIC_AUTH_SMTP_CUTOFF, is_office365_smtp_host
from tenantlead.orchestration import CHECKS, connect, troubleshoot
from tenantlead.orchestration.migrate import migrate_to_oauth
from tenantlead.orchestration.migrate_snapshot import MigrationSnapshot, SnapshotError
from tests.orchestration.factories import account, build_fleet, mailbox

A, B = "anna@acme-mail.com", "ben@acme-mail.com"


def smtp(address: str, **over: Any) -> Any:
    return account(address, type="SMTP", smtp_host="smtp.office365.com", **over)


def fleet_at(moment: datetime, *accounts: Any) -> Any:
    return build_fleet([mailbox(a.from_email) for a in accounts], list(accounts), loaded_at=moment)


def provider(email: str) -> dict[str, Any]:
    return {
        "scope": "https://outlook.office.com/.default",
        "expiry_date": 1,
        "access_token": "a",
        "refresh_token": "r",
    }


# ----------------------------------------------------------------------------- TL206


def test_the_cutoff_is_the_end_of_december_2026_in_utc() -> None:
    assert datetime(2027, 1, 1, tzinfo=UTC) == BASIC_AUTH_SMTP_CUTOFF
    assert is_office365_smtp_host("SMTP.Office365.com")
    assert is_office365_smtp_host("smtp-legacy.office365.com")
    assert not is_office365_smtp_host("smtp.gmail.com")
    assert not is_office365_smtp_host(None)


@pytest.mark.parametrize(
    ("moment", "severity", "words"),
    [
        (datetime(2026, 12, 1, 9, tzinfo=UTC), "warning", "30 days left"),
        (datetime(2026, 12, 31, 18, tzinfo=UTC), "warning", "less than a day left"),
        (datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC), "error", "has passed"),
    ],
)
def test_tl206_counts_down_from_the_fleets_clock(moment: datetime, severity: str, words: str) -> None:
    [finding] = troubleshoot(fleet_at(moment, smtp(A)), codes="TL206").findings

    assert finding.severity.value == severity
    assert words in finding.message
    assert "tenantlead migrate" in finding.fix
    assert finding.details["days_left"] == (BASIC_AUTH_SMTP_CUTOFF - moment).days


def test_tl206_is_an_error_once_the_tenant_already_refuses_basic_auth() -> None:
    failing = smtp(
        A, is_smtp_success=False, smtp_failure_error="550 5.7.30 Basic authentication is not supported"
    )

    [finding] = troubleshoot(fleet_at(datetime(2026, 12, 1, tzinfo=UTC), failing), codes="TL206").findings

    assert finding.severity.value == "error"
    assert "5.7.30" in finding.message


def test_tl206_ignores_oauth_accounts_and_other_hosts() -> None:
    others = [account(A), account(B, type="SMTP", smtp_host="smtp.gmail.com")]

    assert troubleshoot(fleet_at(datetime(2026, 12, 1, tzinfo=UTC), *others), codes="TL206").findings == ()


def test_tl202_fixes_for_5_7_30_and_5_7_139_name_the_migration() -> None:
    for reply in ("550 5.7.30 Basic authentication is not supported", "535 5.7.139 SmtpClientAuthentication"):
        failing = smtp(A, is_smtp_success=False, smtp_failure_error=reply)
        [finding] = troubleshoot(fleet_at(datetime(2026, 12, 1, tzinfo=UTC), failing), codes="TL202").findings
        assert "tenantlead migrate" in finding.fix, reply
    assert "tenantlead migrate" in CHECKS["TL202"].fix


def test_connect_reports_smtp_accounts_as_to_migrate_not_already_connected() -> None:
    fleet = fleet_at(datetime(2026, 12, 1, tzinfo=UTC), smtp(A), account(B))

    plan = connect(fleet, "oauth", tokens=provider)

    by_address = {i.address: i for i in plan.items}
    assert by_address[A].reason.startswith("migrate with `tenantlead migrate")
    assert by_address[A].code == "TL206"
    assert "already connected" in by_address[B].reason
    assert "1 mailboxes are on basic-auth SMTP" in str(plan)


# ----------------------------------------------------------------------------- the plan


def test_plan_lists_each_smtp_account_with_its_path_and_cost(tmp_path: Path) -> None:
    fleet = fleet_at(datetime(2026, 12, 1, tzinfo=UTC), smtp(A, campaign_count=2), account(B))

    plan = migrate_to_oauth(fleet, microsoft=provider, credentials={A: "pw-A1"}, snapshot=tmp_path / "s.json")
    recreate = migrate_to_oauth(
        fleet, microsoft=provider, credentials={A: "pw-A1"}, snapshot=tmp_path / "s.json", allow_recreate=True
    )

    [item] = plan.items
    assert item.action == "migrate"
    assert "save-oauth with id" in item.path
    assert "stop for this account" in item.path
    assert item.cost.startswith("nothing lost")
    [again] = recreate.items
    assert "remove from 2 campaigns, delete, create as OAuth" in again.path
    assert "warmup history and stats are lost" in again.cost
    assert plan.days_left() == 31  # 2026-12-01 00:00 to 2027-01-01 00:00 UTC
    assert "31 days before" in repr(plan)
    assert not (tmp_path / "s.json").exists()  # planning writes nothing


def test_plan_skips_what_it_cannot_sign_in_as(tmp_path: Path) -> None:
    disabled = "dis@acme-mail.com"
    fleet = build_fleet(
        [mailbox(A), mailbox(B), mailbox(disabled, account_enabled=False)],
        [smtp(A), smtp(B), smtp(disabled)],
        loaded_at=datetime(2026, 12, 1, tzinfo=UTC),
    )

    plan = migrate_to_oauth(
        fleet, microsoft=provider, credentials={A: "pw-A1", disabled: "x"}, snapshot=tmp_path / "s"
    )

    reasons = {i.address: i.reason for i in plan.skipped}
    assert "no password" in reasons[B]
    assert "disabled in TenantCore" in reasons[disabled]
    assert [i.address for i in plan.to_migrate] == [A]


def test_plan_and_its_json_hold_no_password(tmp_path: Path) -> None:
    fleet = fleet_at(datetime(2026, 12, 1, tzinfo=UTC), smtp(A))
    plan = migrate_to_oauth(
        fleet, microsoft=provider, credentials={A: "s3cret-Passw0rd"}, snapshot=tmp_path / "s"
    )

    for text in (str(plan), repr(plan), json.dumps(plan.to_dict())):
        assert "s3cret-Passw0rd" not in text


def test_bad_arguments_say_what_to_pass(tmp_path: Path) -> None:
    fleet = fleet_at(datetime(2026, 12, 1, tzinfo=UTC), smtp(A))

    with pytest.raises(ValueError, match="needs microsoft="):
        migrate_to_oauth(fleet, microsoft=None, credentials={A: "x"})
    with pytest.raises(ValueError, match="needs credentials="):
        migrate_to_oauth(fleet, microsoft=provider, credentials=None)
    with pytest.raises(TypeError, match="token minter"):
        migrate_to_oauth(fleet, microsoft=42, credentials={A: "x"})
    with pytest.raises(TypeError, match="needs a Fleet"):
        migrate_to_oauth([], microsoft=provider, credentials={A: "x"})  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- snapshot file


def test_a_snapshot_from_an_earlier_run_turns_items_into_resumes(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    fleet = fleet_at(datetime(2026, 12, 1, tzinfo=UTC), smtp(A), account(B, type="OUTLOOK"))
    from tenantlead.orchestration.migrate_snapshot import AccountSnapshot

    gone = "gone@acme-mail.com"
    entries = [
        AccountSnapshot.of(smtp(a), tenant_id=fleet.tenants[0].tenant_id, gap=24, tag_ids=[7])
        for a in (A, B, gone)
    ]
    MigrationSnapshot(path=path).with_accounts(entries, datetime(2026, 12, 1, tzinfo=UTC)).write()

    plan = migrate_to_oauth(fleet, microsoft=provider, credentials={A: "x", B: "y"}, snapshot=path)

    actions = {i.address: (i.action, i.path) for i in plan.items}
    assert actions[A][0] == "resume"
    assert actions[B] == ("resume", "verify and restore from the snapshot")
    assert actions[gone] == ("resume", "needs --allow-recreate")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "cannot be read"),
        ('{"format": "something-else"}', "is not a tenantlead migration snapshot"),
        ('{"format": "tenantlead-oauth-migration-snapshot", "version": 9}', "version 9"),
        (
            '{"format": "tenantlead-oauth-migration-snapshot", "version": 1, "accounts": [{"email": 1}]}',
            "damaged",
        ),
    ],
)
def test_an_unusable_snapshot_file_is_refused_with_what_to_do(
    tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "s.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(SnapshotError, match=words):
        MigrationSnapshot.load(path)


def test_the_snapshot_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "s.json"
    snap = MigrationSnapshot(path=path).with_accounts([], datetime(2026, 12, 1, tzinfo=UTC))

    snap.write()
    snap.write()

    assert [p.name for p in path.parent.iterdir()] == ["s.json"]
    assert MigrationSnapshot.load(path).accounts == {}


def test_days_left_is_whole_days() -> None:
    from tenantlead.orchestration.checks_migration import days_left

    assert days_left(BASIC_AUTH_SMTP_CUTOFF - timedelta(days=2, hours=1)) == 2
    assert days_left(BASIC_AUTH_SMTP_CUTOFF + timedelta(seconds=1)) == -1
