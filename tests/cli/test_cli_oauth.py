"""``tenantlead connect --strategy oauth`` and ``tenantlead consent`` on the demo sandbox (issue 12's done-when)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenantlead.cli import _session
from tenantlead.sandbox import Sandbox
from tests.cli.conftest import Run


@pytest.fixture
def osb(monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The demo with its connect-over-OAuth plants, as ``--sandbox`` builds it."""
    sandbox = Sandbox.demo(seed=7, tenants=6, oauth_plants=True)
    monkeypatch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sandbox)
    return sandbox


def _secrets(sb: Sandbox) -> list[str]:
    values = [m.password for m in sb.tc_account.mailboxes.values()]
    values += list(sb.exported_passwords.values())
    values.append(sb.authority.smartlead_app.secret)
    for grant in sb.microsoft.grants:
        values.append(grant)
    values += list(sb.microsoft.access_tokens)
    return [v for v in values if len(v) >= 8]


def test_done_when_oauth_connects_every_ready_mailbox_reports_the_plants_and_reruns_create_nothing(
    osb: Sandbox, run: Run, tmp_path: Path
) -> None:
    export = tmp_path / "mailboxes.csv"
    export.write_text(osb.credentials_csv(), encoding="utf-8")
    osb.advance(minutes=10)  # the propagating mailbox is ready now
    planted = {address: code for code, addresses in osb.planted_sign_in.items() for address in addresses}
    ready = set(osb.planted["TL201"]) - set(planted)

    code, out, err = run(
        "--sandbox", "--json", "connect", "--strategy", "oauth", "--credentials", export, "--apply"
    )
    assert code == 3  # the three planted failures (exit 3: failed items)
    result = json.loads(out)["result"]
    failed = {i["subject"]: i for i in result["items"] if i["status"] == "failed"}
    assert {s: i["code"] for s, i in failed.items()} == planted
    assert all(i["fix"] for i in failed.values())
    assert "adminconsent" in next(i["fix"] for i in failed.values() if i["code"] == "TL406")
    accounts = {a.from_email: a for a in osb.sl_user.accounts.values() if not a.deleted}
    assert ready <= set(accounts)
    assert {accounts[a].type for a in ready} == {"OUTLOOK"}
    assert not set(planted) & set(accounts)
    # At most two password requests per mailbox; the wrong password is not retried at all.
    stale = osb.planted_sign_in["TL401"][0]
    assert osb.microsoft.user(stale).password_checks == 1
    texts = out + err
    assert not [s for s in _secrets(osb) if s in texts]

    count = len(osb.sl_user.accounts)
    code, out, _ = run("--sandbox", "connect", "--strategy", "oauth", "--credentials", export, "--apply")
    assert code == 3
    assert len(osb.sl_user.accounts) == count  # a second run creates nothing
    assert "TL405" in out
    assert "--browser-fallback" in _


def test_browser_fallback_signs_the_mfa_mailbox_in(osb: Sandbox, run: Run, tmp_path: Path) -> None:
    export = tmp_path / "mailboxes.csv"
    export.write_text(osb.credentials_csv(), encoding="utf-8")
    mfa = osb.planted_sign_in["TL405"][0]
    code, _out, err = run(
        "--sandbox",
        "connect",
        "--strategy",
        "oauth",
        "--credentials",
        export,
        "--browser-fallback",
        "--browser-timeout",
        "20",
        "--apply",
    )
    assert "browser sign-in needed" in err
    assert "login_hint=" in err
    account = next(a for a in osb.sl_user.accounts.values() if a.from_email == mfa)
    assert account.type == "OUTLOOK"
    assert code == 3  # the stale password and the unconsented tenant still fail


def test_oauth_against_the_real_apis_needs_the_app_and_never_takes_the_secret_as_a_flag(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICROSOFT_CLIENT_ID", raising=False)
    monkeypatch.delenv("MICROSOFT_CLIENT_SECRET", raising=False)
    export = tmp_path / "mailboxes.csv"
    export.write_text("email,password\na@example.com,Secret-123\n", encoding="utf-8")
    keys = ("--tenantcore-key", "tc_live_" + "0" * 48, "--smartlead-key", "f" * 36)
    code, out, err = run("--json", "connect", "--strategy", "oauth", "--credentials", export, *keys)
    assert code == 2
    assert "MICROSOFT_CLIENT_ID" in err
    assert json.loads(out)["error"]["type"] == "CliError"
    monkeypatch.setenv("MICROSOFT_CLIENT_ID", "0f2c1c1e-1111-4222-8333-944455556666")
    code, _, err = run("connect", "--strategy", "oauth", "--credentials", export, *keys)
    assert code == 2
    assert "--client-secret-file" in err
    code, _, err = run("connect", "--strategy", "oauth", "--client-secret", "x" * 20, *keys)
    assert code == 2  # no such flag


def test_consent_lists_and_waits_for_each_tenants_answer(osb: Sandbox, run: Run) -> None:
    code, out, _ = run("--sandbox", "--json", "consent")
    assert code == 0
    rows = json.loads(out)["tenants"]
    assert len(rows) == len(osb.tc_account.tenants)
    assert all("/v2.0/adminconsent?" in r["consent_url"] for r in rows)
    no_consent = osb.tc_account.mailboxes
    code, out, _ = run("--sandbox", "--json", "consent", "--open", "--wait", "--timeout", "20")
    answers = json.loads(out)["tenants"]
    assert all(r["granted"] is True for r in answers)  # the simulated admins accept
    assert code == 0
    app = osb.authority.smartlead_app.client_id
    assert all((t.lower(), app) in osb.microsoft.consents for t in (r["tenant_id"] for r in answers))
    assert no_consent
