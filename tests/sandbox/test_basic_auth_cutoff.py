"""The simulator's side of the OAuth migration: the cutoff on the virtual clock, and save-oauth with an id."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tenantlead._core.microsoft365 import BASIC_AUTH_RETIRED_REPLY, BASIC_AUTH_SMTP_CUTOFF
from tenantlead.sandbox import Sandbox, SmartleadConfig
from tests.orchestration.migrate_world import AccountSpec, build_world

SL = "https://server.smartlead.ai/api/v1"


def smtp_accounts(sb: Sandbox) -> list[str]:
    return sorted(
        a.from_email
        for a in sb.sl_user.accounts.values()
        if not a.deleted and a.type == "SMTP" and a.is_smtp_success
    )


def test_before_the_cutoff_the_demo_s_smtp_accounts_send() -> None:
    sb = Sandbox.demo(seed=7)

    day = sb.simulate_day()

    assert day.login_failures == []
    assert "logins refused" not in str(day)


def test_after_the_cutoff_every_basic_auth_login_fails_with_5_7_30_in_the_sending_day() -> None:
    sb = Sandbox.demo(seed=7)
    sending_smtp = {row["email"] for row in sb.simulate_day().per_account} & set(smtp_accounts(sb))
    assert len(sending_smtp) > 100
    sb.clock.set(BASIC_AUTH_SMTP_CUTOFF)

    day = sb.simulate_day()

    refused = {row["email"]: row["error"] for row in day.login_failures}
    assert set(refused) == sending_smtp
    assert set(refused.values()) == {BASIC_AUTH_RETIRED_REPLY}
    assert not sending_smtp & {row["email"] for row in day.per_account}  # they sent nothing
    assert f"{len(refused)} SMTP logins refused" in str(day)
    account = next(a for a in sb.sl_user.accounts.values() if a.from_email in refused)
    assert account.is_smtp_success is False
    assert account.smtp_failure_error == BASIC_AUTH_RETIRED_REPLY
    assert day.to_dict()["login_failures"][0]["error"] == BASIC_AUTH_RETIRED_REPLY


def test_after_the_cutoff_saving_a_new_basic_auth_account_is_refused() -> None:
    sb = build_world([[AccountSpec()]])
    mailbox = next(iter(sb.tc_account.mailboxes.values()))
    sb.sl_user.accounts.clear()
    sb.clock.set(datetime(2027, 1, 2, tzinfo=UTC))
    body = {
        "from_name": "A", "from_email": mailbox.primary_smtp, "user_name": mailbox.primary_smtp,
        "password": mailbox.password, "smtp_host": "smtp.office365.com", "smtp_port": 587,
        "imap_host": "outlook.office365.com", "imap_port": 993, "warmup_enabled": False,
    }  # fmt: skip

    with httpx.Client(transport=sb.transport) as http:
        answer = http.post(f"{SL}/email-accounts/save", params={"api_key": sb.smartlead_api_key}, json=body)

    assert answer.status_code == 404
    assert answer.json()["errorCode"] == "ACCOUNT_VERIFICATION_FAILED"
    assert answer.json()["error"] == BASIC_AUTH_RETIRED_REPLY


def _switch(sb: Sandbox) -> tuple[int, httpx.Response]:
    account = next(iter(sb.sl_user.accounts.values()))
    token = sb.microsoft_token(account.from_email)
    body = {
        "id": account.id, "from_name": account.from_name, "from_email": account.from_email,
        "username": account.from_email, "type": "OUTLOOK", "token": token, "warmup_enabled": True,
        "use_whitelabel_credentials": True, "max_email_per_day": 11,
    }  # fmt: skip
    with httpx.Client(transport=sb.transport) as http:
        return account.id, http.post(
            f"{SL}/email-accounts/save-oauth", params={"api_key": sb.smartlead_api_key}, json=body
        )


def test_save_oauth_with_an_id_switches_the_account_in_place() -> None:
    sb = build_world([[AccountSpec(tags=(0, 1), campaigns=(0, 1))]])

    account_id, answer = _switch(sb)

    assert answer.json()["emailAccountId"] == account_id
    account = sb.sl_user.accounts[account_id]
    assert (account.type, account.message_per_day, len(account.tag_ids)) == ("OUTLOOK", 11, 2)
    assert sum(account_id in c.email_account_ids for c in sb.sl_user.campaigns.values()) == 2


def test_the_refuse_option_answers_already_exists_and_changes_nothing() -> None:
    sb = build_world([[AccountSpec()]], oauth_switch="refuse")

    account_id, answer = _switch(sb)

    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "ACCOUNT_ALREADY_EXIST"
    assert sb.sl_user.accounts[account_id].type == "SMTP"


def test_the_new_id_option_drops_the_old_account_and_its_memberships() -> None:
    sb = build_world([[AccountSpec(campaigns=(0,))]], oauth_switch="new_id")

    account_id, answer = _switch(sb)

    new_id = answer.json()["emailAccountId"]
    assert new_id != account_id
    assert sb.sl_user.accounts[account_id].deleted
    assert not any(new_id in c.email_account_ids for c in sb.sl_user.campaigns.values())


def test_an_unknown_switch_option_is_refused() -> None:
    with pytest.raises(ValueError, match="oauth_switch must be"):
        SmartleadConfig(oauth_switch="sideways")
