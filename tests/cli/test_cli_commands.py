"""doctor, align, connect and demo against the sandbox, checked through the simulated world."""

from __future__ import annotations

import json
from pathlib import Path

from tenantlead.sandbox import Sandbox
from tests.cli.conftest import Run


def _limits(sb: Sandbox) -> tuple[dict[str, int], dict[str, int | None]]:
    smartlead = {a.from_email: a.message_per_day for a in sb.sl_user.accounts.values()}
    tenantcore = {m.primary_smtp: m.daily_send_limit for m in sb.tc_account.mailboxes.values()}
    return smartlead, tenantcore


def test_doctor_exits_1_on_the_demo_fleet_and_groups_findings_by_code(sb: Sandbox, run: Run) -> None:
    code, out, _ = run("--sandbox", "doctor", "--warmup-details")
    assert code == 1
    for planted in sb.planted:
        assert planted in out
    code, out, _ = run("--sandbox", "doctor", "--json")
    report = json.loads(out)
    assert code == 1
    assert report["counts"]["error"] > 0
    assert set(report["summary"]) <= set(sb.planted)


def test_align_without_apply_writes_nothing(sb: Sandbox, run: Run) -> None:
    before = _limits(sb)
    code, out, _ = run("--sandbox", "align", "--default-ceiling", "25", "--window", "09:00-17:00")
    assert code == 0
    assert sb.planted["TL301"][0] in out
    assert "--apply" in out
    assert _limits(sb) == before


def test_align_apply_fixes_the_overrun_and_a_second_run_plans_nothing(sb: Sandbox, run: Run) -> None:
    [overrun] = sb.planted["TL301"]
    code, out, _ = run("--sandbox", "align", "--apply", "--default-ceiling", "25")
    assert code == 0
    assert "0 failed" in out
    smartlead, tenantcore = _limits(sb)
    assert smartlead[overrun] <= 25 - 5  # ceiling minus the account's warmup
    assert None not in {tenantcore[m] for m in sb.planted["TL106"]}

    code, out, _ = run("--sandbox", "align", "--json", "--default-ceiling", "25")
    assert code == 0
    assert json.loads(out)["plan"]["changes"] == []


def test_align_rejects_an_impossible_window(sb: Sandbox, run: Run) -> None:
    code, out, err = run("--sandbox", "align", "--window", "17:00-09:00")
    assert code == 2
    assert out == ""
    assert "sending_window" in err


def test_connect_smtp_apply_creates_the_missing_accounts_once(sb: Sandbox, run: Run, tmp_path: Path) -> None:
    csv = tmp_path / "mailboxes.csv"
    csv.write_text(sb.credentials_csv(), encoding="utf-8")
    sb.advance(minutes=10)  # let the propagating mailbox finish (TL105)
    missing = set(sb.planted["TL201"])
    code, out, _ = run("--sandbox", "connect", "--strategy", "smtp", "--credentials", csv, "--apply")
    assert code == 0
    addresses = {a.from_email for a in sb.sl_user.accounts.values() if not a.deleted}
    assert missing <= addresses
    # No password from the file is ever printed.
    passwords = {m.password for m in sb.tc_account.mailboxes.values()}
    assert not any(p in out for p in passwords)

    count = len(sb.sl_user.accounts)
    code, out, _ = run("--sandbox", "connect", "--strategy", "smtp", "--credentials", csv, "--apply")
    assert code == 0
    assert len(sb.sl_user.accounts) == count


def test_connect_manual_prints_the_hand_off_and_writes_nothing(sb: Sandbox, run: Run) -> None:
    count = len(sb.sl_user.accounts)
    code, out, _ = run("--sandbox", "connect", "--strategy", "manual")
    assert code == 0
    assert "Add Account" in out
    assert sb.planted["TL201"][0] in out
    assert len(sb.sl_user.accounts) == count

    code, out, _ = run("--sandbox", "connect", "--strategy", "manual", "--json")
    assert code == 0
    assert {h["address"] for h in json.loads(out)["handoff"]} & set(sb.planted["TL201"])


def test_connect_smtp_without_credentials_and_oauth_against_real_apis_are_usage_errors(
    sb: Sandbox, run: Run
) -> None:
    code, _, err = run("--sandbox", "connect", "--strategy", "smtp")
    assert code == 2
    assert "--credentials" in err
    keys = ("--tenantcore-key", "tc_live_" + "0" * 48, "--smartlead-key", "f" * 36)
    code, _, err = run("connect", "--strategy", "oauth", *keys)
    assert code == 2
    assert "--credentials" in err


def test_connect_oauth_in_the_sandbox_signs_in_with_the_simulators_app(
    sb: Sandbox, run: Run, tmp_path: Path
) -> None:
    csv = tmp_path / "mailboxes.csv"
    csv.write_text(sb.credentials_csv(), encoding="utf-8")
    target = sb.planted["TL201"][0]
    code, _, _ = run("--sandbox", "connect", "--strategy", "oauth", "--credentials", csv, "--apply")
    assert code == 0
    account = next(a for a in sb.sl_user.accounts.values() if a.from_email == target)
    assert account.type == "OUTLOOK"


def test_demo_tells_the_story_and_ends_with_zero_blocks(run: Run) -> None:
    code, out, _ = run("demo")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) <= 60
    before, after = (line for line in lines if line.strip().startswith(("before:", "after:")))
    assert "0 mailboxes" not in before
    assert "blocked 0 mailboxes, 0 NDRs" in after
    # The new client's connected accounts send too (their campaign was started), within limits.
    sending = [int(line.split(" accounts sent")[0].split()[-1]) for line in (before, after)]
    assert sending[1] > sending[0]
    for step in ("1. Status", "2. Doctor", "3. A sending day", "4. Connect", "5. Align", "6. The next"):
        assert step in out


def test_demo_json_is_one_document_with_the_storys_numbers(run: Run) -> None:
    code, out, _ = run("demo", "--json")
    assert code == 0
    story = json.loads(out)
    assert list(story) == ["status", "doctor", "day_before", "connect", "align", "day_after"]
    assert story["status"]["new_client"] == "Quarry Roofing"
    assert story["day_before"]["ndrs"] > 0
    # The three planted sign-in failures, each with its code and fix; nothing else fails.
    assert sorted(f["code"] for f in story["connect"]["failures"])[:1] == ["TL401"]
    assert {f["code"] for f in story["connect"]["failures"]} == {"TL401", "TL405", "TL406"}
    assert all(f["fix"] for f in story["connect"]["failures"])
    assert len(story["connect"]["handed_off"]) == 1
    assert story["align"]["applied"]["failed"] == 0
    assert story["day_after"]["enforcement_blocks"] == story["day_after"]["ndrs"] == 0


def _closing_line(out: str) -> str:
    return out.rstrip("\n").splitlines()[-1]


def test_connect_closing_hint_says_what_apply_would_do(sb: Sandbox, run: Run, tmp_path: Path) -> None:
    """Create N, update M, or nothing at all: the hint never promises accounts --apply would not create."""
    csv = tmp_path / "mailboxes.csv"
    csv.write_text(sb.credentials_csv(), encoding="utf-8")
    sb.advance(minutes=10)
    smtp = ("--sandbox", "connect", "--strategy", "smtp", "--credentials", csv)

    code, out, _ = run(*smtp, "--json")
    counts = json.loads(out)["plan"]["counts"]
    assert code == 0
    assert counts["create"] > 1
    assert counts["update"] == 0
    code, out, _ = run(*smtp)
    assert (
        _closing_line(out) == f"nothing written; run again with --apply to create {counts['create']} accounts"
    )
    assert run(*smtp, "--apply")[0] == 0

    code, out, _ = run(*smtp)  # nothing left to create or update: no hint at all
    assert code == 0
    assert "run again" not in out
    assert _closing_line(out).startswith("  skipped ")

    code, out, _ = run(*smtp, "--client", "77", "--json")  # client convergence only: updates
    updates = json.loads(out)["plan"]["counts"]["update"]
    assert updates > 1
    code, out, _ = run(*smtp, "--client", "77")
    assert code == 0
    assert (
        _closing_line(out) == f"nothing written; run again with --apply to update {updates} existing accounts"
    )


def test_connect_manual_hint_counts_the_updates_too(sb: Sandbox, run: Run) -> None:
    code, out, _ = run("--sandbox", "connect", "--strategy", "manual", "--client", "77", "--json")
    counts = json.loads(out)["plan"]["counts"]
    assert counts["manual"] > 0
    assert counts["update"] > 0

    code, out, _ = run("--sandbox", "connect", "--strategy", "manual", "--client", "77")

    assert code == 0
    assert _closing_line(out) == (
        "after adding them in the Smartlead app, run again with --apply to set their limits "
        f"(and to update {counts['update']} existing accounts)"
    )
