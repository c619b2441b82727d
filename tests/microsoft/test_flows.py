"""Every sign-in flow against the simulated Microsoft identity platform, on both twins."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tenantlead.microsoft import (
    AsyncMicrosoftIdentity,
    LoopbackListener,
    MicrosoftApp,
    MicrosoftIdentity,
    MicrosoftToken,
    SignInCause,
    SignInError,
    SignInLedger,
)
from tenantlead.sandbox import FaultRule
from tenantlead.sandbox.microsoft import LOCKOUT_THRESHOLD
from tests.microsoft.conftest import World, call

Client = MicrosoftIdentity | AsyncMicrosoftIdentity


async def test_password_flow_mints_a_preflighted_token_smartlead_accepts(world: World, ms: Client) -> None:
    mailbox = world.mailbox()
    token = await call(ms.sign_in_with_password(world.credential(mailbox)))

    assert isinstance(token, MicrosoftToken)
    assert token.preflighted
    assert token.refresh_token
    assert token.username == mailbox.user_principal_name
    grant = world.sb.microsoft.grant_for(token.refresh_token)
    assert grant is not None
    assert grant.confidential
    assert grant.client_id == world.app.client_id
    # mint + preflight: exactly one password request and one refresh
    kinds = [kind for kind, _, _ in world.sb.microsoft.requests]
    assert kinds == ["password", "refresh_token"]
    sl_token = token.to_smartlead()
    assert sl_token.refresh_token == token.refresh_token
    assert sl_token.expiry_date == int(token.expires_at * 1000)
    assert world.sb.authority.check_oauth_token(mailbox.primary_smtp, _wire(sl_token)) is None


def _wire(token: Any) -> dict[str, Any]:
    return {
        "scope": token.scope,
        "access_token": token.access_token,
        "refresh_token": token.refresh_token,
        "expiry_date": token.expiry_date,
        "token_type": token.token_type,
    }


async def test_without_preflight_the_token_cannot_be_pushed(world: World, ms: Client) -> None:
    token = await call(ms.sign_in_with_password(world.credential(world.mailbox()), preflight=False))
    assert not token.preflighted
    with pytest.raises(ValueError, match="not preflighted"):
        token.to_smartlead()
    again = await call(ms.preflight(token))
    assert again.preflighted
    assert again.refresh_token != token.refresh_token


def test_a_token_without_refresh_token_cannot_exist() -> None:
    with pytest.raises(ValueError, match="refresh_token is required"):
        MicrosoftToken(
            tenant_id="t", username="u@x.com", scope="s", access_token="a" * 20, refresh_token=None,  # type: ignore[arg-type]
            expires_at=0.0, expires_in=3600,
        )  # fmt: skip


def test_tokens_are_secrets_masked_in_repr_and_refused_by_pickle() -> None:
    """A pickled token (or the Smartlead token built from it) would store both tokens in clear."""
    import pickle

    from tenantlead.microsoft import CallbackAnswer

    token = MicrosoftToken(
        tenant_id="t", username="u@x.com", scope="s", access_token="EwA" + "a" * 30,
        refresh_token="1.AQ" + "r" * 30, id_token="eyJ.x.y", expires_at=0.0, expires_in=3600, preflighted=True,
    )  # fmt: skip
    saved = token.to_smartlead()
    assert saved.to_wire()["refresh_token"] == "1.AQ" + "r" * 30  # still sent as itself
    answer = CallbackAnswer({"code": "0.AXcA" + "c" * 40, "state": "s"})
    for value in (token, saved, answer):
        assert "rrrr" not in repr(value)
        assert "cccc" not in repr(value)
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(value)
    assert answer.code == "0.AXcA" + "c" * 40


async def test_an_answer_without_refresh_token_is_refused(world: World, mode: str) -> None:
    """What MSAL's cached token did to a user: an access token alone. The SDK raises instead."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"token_type": "Bearer", "access_token": "EwA" + "x" * 40, "expires_in": 3600}
        )

    transport = httpx.MockTransport(handler)
    ms: Client = (
        MicrosoftIdentity(world.app, http_client=httpx.Client(transport=transport))
        if mode == "sync"
        else AsyncMicrosoftIdentity(world.app, http_client=httpx.AsyncClient(transport=transport))
    )
    with pytest.raises(SignInError) as info:
        await call(ms.sign_in_with_password(world.credential(world.mailbox())))
    assert info.value.cause is SignInCause.APP_MISCONFIGURED
    assert info.value.code == "no_refresh_token"
    assert "offline_access" in info.value.fix


async def test_preflight_catches_a_public_client_token(world: World, ms: Client) -> None:
    world.reg.allow_public_client = True  # "Allow public client flows" on: a secret-less ROPC is public
    mailbox = world.mailbox()
    body = world.sb.microsoft.mint(world.app.client_id, mailbox.tenant_id, mailbox.user_principal_name,
                                   world.app.scope, confidential=False)  # fmt: skip
    token = MicrosoftToken.from_response(
        body, tenant_id=mailbox.tenant_id, username=mailbox.user_principal_name, now=0
    )
    with pytest.raises(SignInError) as info:
        await call(ms.preflight(token))
    assert info.value.cause is SignInCause.APP_MISCONFIGURED
    assert info.value.code == "AADSTS700025"
    assert "Allow public client flows" in info.value.fix


async def test_browser_flow_with_pkce_through_the_loopback_listener(world: World, ms: Client) -> None:
    mailbox = world.mailbox("b", 1)
    world.sb.microsoft.user(mailbox.user_principal_name).mfa_required = True  # the password flow cannot
    with pytest.raises(SignInError) as info:
        await call(ms.sign_in_with_password(world.credential(mailbox)))
    assert info.value.cause is SignInCause.MFA_OR_POLICY

    browser = world.browser()
    token = await call(
        ms.browser_sign_in(mailbox.tenant_id, mailbox.user_principal_name, open_browser=browser, timeout=20)
    )

    assert token.preflighted
    assert token.username == mailbox.user_principal_name
    url = browser.opened[0]  # type: ignore[attr-defined]
    query = httpx.URL(url).params
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["login_hint"] == mailbox.user_principal_name
    assert query["redirect_uri"].startswith("http://localhost:")
    assert query["redirect_uri"].endswith("/tenantlead/callback")
    code = next(iter(world.sb.microsoft.codes.values()))
    assert code.redeemed
    grant = world.sb.microsoft.grant_for(token.refresh_token)
    assert grant is not None
    assert grant.confidential


async def test_browser_flow_reports_the_redirected_error(world: World, ms: Client) -> None:
    mailbox = world.mailbox("a", 2)
    mailbox.account_enabled = False
    with pytest.raises(SignInError) as info:
        await call(
            ms.browser_sign_in(
                mailbox.tenant_id, mailbox.user_principal_name, open_browser=world.browser(), timeout=20
            )
        )
    assert info.value.cause is SignInCause.ACCOUNT_DISABLED


async def test_browser_flow_without_an_answer_times_out_cleanly(world: World, ms: Client) -> None:
    mailbox = world.mailbox()
    with pytest.raises(SignInError) as info:
        await call(
            ms.browser_sign_in(
                mailbox.tenant_id, mailbox.user_principal_name, open_browser=lambda url: None, timeout=0
            )
        )
    assert info.value.cause is SignInCause.TRANSIENT
    assert info.value.retryable


async def test_admin_consent_capture_per_tenant(world: World, ms: Client) -> None:
    a, b = world.tenants["a"].tenant_id, world.tenants["b"].tenant_id
    world.sb.microsoft.revoke_consent(a, world.app.client_id)
    world.sb.microsoft.revoke_consent(b, world.app.client_id)
    world.sb.microsoft.policy(b).declines_consent = True
    ledger = SignInLedger()
    outcomes = await call(ms.sign_in_many([world.credential(m) for m in world.mailboxes["a"]], ledger=ledger))
    assert {o.error.cause for o in outcomes if o.error} == {SignInCause.CONSENT_MISSING}
    assert [o.skipped for o in outcomes] == [False, True, True]  # the rest of the tenant is not tried
    assert ledger.tenants_needing_consent() == [a]

    results = await call(ms.admin_consent([a, b], open_browser=world.browser(), timeout=20, ledger=ledger))

    assert [(r.tenant_id, r.granted) for r in results] == [(a, True), (b, False)]
    assert results[1].error is not None
    assert results[1].error.cause is SignInCause.CONSENT_MISSING
    assert "AADSTS65004" in str(results[1].error)
    assert (a, world.app.client_id) in world.sb.microsoft.consents
    assert ledger.tenants_needing_consent() == []
    url = results[0].url
    assert url.startswith(
        f"https://login.microsoftonline.com/{a}/v2.0/adminconsent?client_id={world.app.client_id}"
    )
    token = await call(
        ms.sign_in_with_password(world.credential(world.mailbox("a", 1)), ledger=SignInLedger())
    )
    assert token.preflighted


async def test_admin_consent_without_answer_says_which_tenants_still_need_it(
    world: World, ms: Client
) -> None:
    a = world.tenants["a"].tenant_id
    with LoopbackListener() as listener:
        results = await call(
            ms.admin_consent([a], open_browser=lambda url: None, timeout=0, listener=listener)
        )
    assert results[0].granted is None
    assert results[0].error is None


async def test_never_more_than_two_password_attempts_per_mailbox_per_run(world: World, ms: Client) -> None:
    mailbox = world.mailbox()
    ledger = SignInLedger()
    for _ in range(3):
        with pytest.raises(SignInError) as info:
            await call(ms.sign_in_with_password(world.credential(mailbox, "Wrong-password-1"), ledger=ledger))
        assert info.value.cause is SignInCause.BAD_CREDENTIALS
    assert world.checks(mailbox) == 2
    assert ledger.attempts(mailbox.user_principal_name) == 2
    # A fresh run may try again (the right password now works).
    token = await call(ms.sign_in_with_password(world.credential(mailbox), ledger=SignInLedger()))
    assert token.preflighted
    assert world.checks(mailbox) == 3


async def test_a_transient_answer_is_retried_once_then_given_up(world: World, ms: Client) -> None:
    mailbox = world.mailbox()
    world.sb.microsoft.policy(mailbox.tenant_id).throttle = 1  # one AADSTS50196
    token = await call(ms.sign_in_with_password(world.credential(mailbox)))
    assert token.preflighted
    assert world.checks(mailbox) == 1
    world.sb.microsoft.policy(mailbox.tenant_id).throttle = 5
    with pytest.raises(SignInError) as info:
        await call(ms.sign_in_with_password(world.credential(world.mailbox("a", 1))))
    assert info.value.cause is SignInCause.THROTTLED
    assert info.value.attempts == 2


async def test_429s_are_waited_out(world: World, ms: Client) -> None:
    world.sb.faults.add(FaultRule(api="microsoft", rate_limit_burst=2, retry_after=3))
    token = await call(ms.sign_in_with_password(world.credential(world.mailbox())))
    assert token.preflighted
    assert world.sb.faults.stats["rate_limit"] == 2


async def test_a_fault_campaign_never_exceeds_two_password_attempts(world: World, ms: Client) -> None:
    world.sb.faults.add(
        FaultRule(api="microsoft", error_rate=0.3, malformed_rate=0.1, error_in_body_rate=0.1)
    )
    world.sb.faults.add(FaultRule(api="microsoft", apply="after", error_rate=0.2))  # lost answers
    creds = [world.credential(m) for t in ("a", "b") for m in world.mailboxes[t]]
    outcomes = await call(ms.sign_in_many(creds))
    assert len(outcomes) == len(creds)
    for outcome in outcomes:
        assert outcome.ok or (outcome.error is not None and outcome.error.retryable), outcome
    assert all(world.checks(m) <= 2 for t in ("a", "b") for m in world.mailboxes[t])
    assert sum(world.sb.faults.stats.values()) > 0


async def test_smart_lockout_after_ten_bad_passwords(world: World, ms: Client) -> None:
    mailbox = world.mailbox("b", 2)
    for _ in range(LOCKOUT_THRESHOLD):  # ten runs (bad passwords are never retried within one)
        with pytest.raises(SignInError):
            await call(
                ms.sign_in_with_password(
                    world.credential(mailbox, "Not-the-password-9"), ledger=SignInLedger()
                )
            )
    with pytest.raises(SignInError) as info:
        await call(ms.sign_in_with_password(world.credential(mailbox), ledger=SignInLedger()))
    assert info.value.cause is SignInCause.ACCOUNT_LOCKED
    assert info.value.code == "AADSTS50053"
    assert world.checks(mailbox) == LOCKOUT_THRESHOLD  # the locked account's password was not even checked
    world.sb.advance(minutes=2)
    assert (
        await call(ms.sign_in_with_password(world.credential(mailbox), ledger=SignInLedger()))
    ).preflighted


async def test_bulk_sign_in_accounts_for_every_mailbox_with_bounded_concurrency(
    world: World, ms: Client
) -> None:
    bad = world.mailbox("b", 0)
    creds = [
        world.credential(m, "Wrong-password-1" if m is bad else None)
        for t in ("a", "b")
        for m in world.mailboxes[t]
    ]
    seen: list[str] = []
    outcomes = await call(ms.sign_in_many(creds, per_tenant=2, on_done=lambda o: seen.append(o.username)))
    assert [o.username for o in outcomes] == [c.username for c in creds]
    assert sorted(seen) == sorted(c.username for c in creds)
    assert [o.ok for o in outcomes] == [True, True, True, False, True, True]
    assert outcomes[3].error is not None
    assert outcomes[3].error.cause is SignInCause.BAD_CREDENTIALS
    assert all(c.used for c in creds)  # every password was handed over once and dropped
    with pytest.raises(ValueError, match="already used"):
        creds[0].take_password()


async def test_the_clients_work_against_the_loopback_server(world: World, mode: str) -> None:
    with world.sb.serve() as server:
        app = MicrosoftApp(
            world.app.client_id, world.app.client_secret, authority_host=server.microsoft_authority_host
        )
        mailbox = world.mailbox("b", 0)
        if mode == "sync":
            with MicrosoftIdentity(app, clock=world.sb.clock.timestamp, sleep=world.sb.clock.sleep) as ms:
                token = ms.sign_in_with_password(world.credential(mailbox))
        else:
            async with AsyncMicrosoftIdentity(
                app, clock=world.sb.clock.timestamp, sleep=world.sb.clock.asleep
            ) as ams:
                token = await ams.sign_in_with_password(world.credential(mailbox))
    assert token.preflighted
    assert world.sb.microsoft.grant_for(token.refresh_token) is not None


async def test_browser_sign_in_as_another_account_is_refused(world: World, ms: Client) -> None:
    wanted, other = world.mailbox("a", 0), world.mailbox("a", 1)
    world.sb.microsoft.signs_in_as[wanted.user_principal_name.lower()] = other.user_principal_name
    with pytest.raises(SignInError) as info:
        await call(
            ms.browser_sign_in(
                wanted.tenant_id, wanted.user_principal_name, open_browser=world.browser(), timeout=20
            )
        )
    assert info.value.code == "wrong_account"
    assert other.user_principal_name in str(info.value)
    assert [kind for kind, _, _ in world.sb.microsoft.requests] == ["authorization_code"]  # not preflighted
