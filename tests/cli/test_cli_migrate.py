"""``tenantlead migrate`` on the demo: plan, apply, resume, JSON, the app settings, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenantlead.cli import _session
from tenantlead.sandbox import Sandbox, SmartleadConfig
from tests.cli.conftest import Run


@pytest.fixture
def export(sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MICROSOFT_CLIENT_ID", raising=False)
    monkeypatch.delenv("MICROSOFT_CLIENT_SECRET", raising=False)
    path = tmp_path / "demo-export.csv"
    path.write_text(sb.credentials_csv(), encoding="utf-8")
    return path


def smtp(sb: Sandbox) -> set[str]:
    return {a.from_email for a in sb.sl_user.accounts.values() if not a.deleted and a.type == "SMTP"}


def test_doctor_reports_the_smtp_accounts_with_the_days_left(sb: Sandbox, run: Run) -> None:
    code, out, _ = run("--sandbox", "doctor", "--json")

    tl206 = [f for f in json.loads(out)["findings"] if f["code"] == "TL206"]
    assert code == 1
    assert {f["subject"] for f in tl206} == set(sb.planted["TL206"]) == smtp(sb)
    warnings = [f for f in tl206 if f["severity"] == "warning"]
    assert {f["details"]["days_left"] for f in warnings} == {35}  # the demo's clock: 2026-11-26 08:00 UTC
    assert all("35 days left" in f["message"] for f in warnings)
    assert all("tenantlead migrate" in f["fix"] for f in tl206)


def test_migrate_prints_the_plan_and_writes_nothing(sb: Sandbox, run: Run, export: Path) -> None:
    before = smtp(sb)

    code, out, _ = run("--sandbox", "migrate", "--credentials", export)

    assert code == 0
    assert "to migrate" in out
    assert "save-oauth with id" in out
    assert "--apply" in out
    assert smtp(sb) == before
    assert not (export.parent / "tenantlead-migration-snapshot.json").exists()


def test_migrate_apply_moves_every_smtp_account_and_a_rerun_has_nothing_left(
    sb: Sandbox, run: Run, export: Path
) -> None:
    movable = smtp(sb) - set(sb.planted["TL101"]) - set(sb.planted["TL203"])

    code, out, err = run("--sandbox", "migrate", "--credentials", export, "--apply", "--json")

    payload = json.loads(out)
    assert code == 0
    assert payload["result"]["counts"]["succeeded"] == len(movable)
    assert payload["result"]["counts"]["failed"] == 0
    assert smtp(sb) & movable == set()
    snapshot = export.parent / "tenantlead-migration-snapshot.json"
    assert "snapshot of every account before any write" in err
    text = snapshot.read_text(encoding="utf-8") + out + err
    for mailbox in sb.tc_account.mailboxes.values():
        assert mailbox.password not in text
    for account in sb.sl_user.accounts.values():
        if account.oauth_token:
            assert account.oauth_token["refresh_token"] not in text

    code, out, _ = run("--sandbox", "migrate", "--credentials", export, "--apply", "--json")
    again = json.loads(out)
    assert code == 0
    assert {i["detail"].split(" (")[0] for i in again["result"]["items"] if i["status"] == "succeeded"} == {
        "already OUTLOOK"
    }


def test_refused_switches_exit_1_and_say_how_to_recreate(
    run: Run, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = Sandbox.demo(seed=7, smartlead=SmartleadConfig(seed=7, oauth_switch="refuse"))
    monkeypatch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sb)
    before = smtp(sb)

    code, out, _ = run(
        "--sandbox", "migrate", "--credentials", export, "--apply", "--tenant", sb.planted["TL107"][0]
    )

    assert code == 1
    assert "in-place switch refused" in out
    assert smtp(sb) == before

    code, out, _ = run(
        "--sandbox",
        "migrate",
        "--credentials",
        export,
        "--apply",
        "--allow-recreate",
        "--tenant",
        sb.planted["TL107"][0],
    )
    assert code == 0
    assert "recreate as OAuth" in out


def test_the_real_apis_need_the_app_and_never_take_the_secret_as_a_flag_value(
    run: Run, export: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TENANTCORE_API_KEY", "tc_live_" + "0" * 48)
    monkeypatch.setenv("SMARTLEAD_API_KEY", "00000000-0000-4000-8000-000000000000_abcdef")

    code, _, err = run("migrate", "--credentials", export)
    assert code == 2
    assert "client id" in err

    code, _, err = run(
        "migrate", "--credentials", export, "--client-id", "0f2c1111-2222-4333-8444-555566667777"
    )
    assert code == 2
    assert "MICROSOFT_CLIENT_SECRET or --client-secret-file" in err

    empty = tmp_path / "secret.txt"
    empty.write_text("\n", encoding="utf-8")
    code, _, err = run("migrate", "--credentials", export, "--client-secret-file", empty, "--client-id", "x")
    assert code == 2
    assert "is empty" in err

    code, _, err = run("migrate", "--credentials", export, "--client-secret", "hunter2-hunter2-hunter2")
    assert code == 2  # no such flag: argparse refuses it


def test_a_missing_credentials_file_is_a_usage_error(sb: Sandbox, run: Run, tmp_path: Path) -> None:
    code, _, err = run("--sandbox", "migrate", "--credentials", tmp_path / "nope.csv")

    assert code == 2
    assert "no such file" in err
