"""Smartlead's save-oauth and sending day against the simulated Microsoft identity platform."""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead.errors import APIError
from tenantlead.sandbox import Sandbox
from tenantlead.smartlead import Smartlead

SCOPE = "https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All offline_access"


@pytest.fixture
def sb() -> Sandbox:
    sb = Sandbox(seed=4)
    tc = sb.tenantcore
    tenant = tc.add_tenant(sb.tc_account, "Fabrikam")
    domain = tc.add_domain(sb.tc_account, tenant, "fabrikam-mail.com")
    for nick in ("ann", "bob", "cat", "dan"):
        tc.add_mailbox(sb.tc_account, domain, nick, nick.title())
    sb.microsoft.grant_consent(tenant.tenant_id, sb.authority.smartlead_app.client_id)
    return sb


def _mailbox(sb: Sandbox, nick: str) -> Any:
    return next(m for m in sb.tc_account.mailboxes.values() if m.mail_nickname == nick)


def _minted(
    sb: Sandbox, nick: str, *, client_id: str | None = None, confidential: bool = True
) -> dict[str, Any]:
    mailbox = _mailbox(sb, nick)
    body = sb.microsoft.mint(client_id or sb.authority.smartlead_app.client_id, mailbox.tenant_id,
                             mailbox.user_principal_name, SCOPE, confidential=confidential)  # fmt: skip
    return {**body, "expiry_date": int(sb.clock.timestamp() * 1000) + body["expires_in"] * 1000}


def _save(sl: Smartlead, sb: Sandbox, nick: str, token: dict[str, Any]) -> Any:
    mailbox = _mailbox(sb, nick)
    return sl.email_accounts.create_oauth(
        from_name=nick, from_email=mailbox.primary_smtp, username=mailbox.user_principal_name, token=token,
        use_whitelabel_credentials=True,
    )  # fmt: skip


def test_save_oauth_accepts_only_tokens_minted_for_that_mailbox_and_app(sb: Sandbox) -> None:
    other_app = sb.microsoft.register_app()
    with Smartlead(sb.smartlead_api_key, **sb.client_options()) as sl:
        account = _save(sl, sb, "ann", _minted(sb, "ann"))
        assert account.is_smtp_success is not False
        refusals = {
            "another mailbox's token": (_minted(sb, "ann"), "bob", "not issued for this mailbox"),
            "another app's token": (
                _minted(sb, "cat", client_id=other_app.client_id),
                "cat",
                "OAuth Configuration",
            ),
            "no refresh token": ({**_minted(sb, "dan"), "refresh_token": None}, "dan", "no refresh_token"),
            "forged access token": (
                {**_minted(sb, "dan"), "access_token": "EwA" + "f" * 60},
                "dan",
                "not issued",
            ),
        }
        for what, (token, nick, words) in refusals.items():
            with pytest.raises(APIError) as info:
                _save(sl, sb, nick, token)
            assert words in info.value.message, what


def test_the_sending_day_refreshes_and_disconnects_dead_grants(sb: Sandbox) -> None:
    sb.authority.smartlead_app.allow_public_client = True
    with Smartlead(sb.smartlead_api_key, **sb.client_options()) as sl:
        tokens = {nick: _minted(sb, nick) for nick in ("ann", "bob", "cat")}
        tokens["dan"] = _minted(sb, "dan", confidential=False)  # e.g. device code: a public token
        for nick, token in tokens.items():
            _save(sl, sb, nick, token)
    sb.microsoft.revoke_grants(_mailbox(sb, "bob").user_principal_name)
    for grant in sb.microsoft.iter_grants(_mailbox(sb, "cat").user_principal_name):
        grant.last_used_at -= 91 * 86400  # unused for more than 90 days

    day = sb.simulate_day(campaign_volume=3)

    accounts = {a.from_email.split("@")[0]: a for a in sb.sl_user.accounts.values()}
    assert [row["email"].split("@")[0] for row in day.per_account] == ["ann"]
    assert (
        accounts["ann"].oauth_token["refresh_token"] != tokens["ann"]["refresh_token"]
    )  # rotated by the refresh
    for nick, code in (("bob", "AADSTS50173"), ("cat", "AADSTS700082"), ("dan", "AADSTS700025")):
        assert accounts[nick].is_smtp_success is False
        assert (accounts[nick].smtp_failure_error or "").startswith(code), nick
    day2 = sb.simulate_day(campaign_volume=3)
    assert day2.ndrs == 0
    assert [row["email"].split("@")[0] for row in day2.per_account] == [
        "ann"
    ]  # the new grant refreshes again
