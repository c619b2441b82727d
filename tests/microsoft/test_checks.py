"""Every TL4xx cause produced by the simulated Microsoft platform, on both twins, and found on a fleet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tenantlead.microsoft import (
    PKCE,
    AsyncMicrosoftIdentity,
    MailboxCredential,
    MicrosoftIdentity,
    Secret,
    SignInCause,
    SignInError,
)
from tenantlead.orchestration import CHECKS, Fleet, connect, troubleshoot
from tenantlead.orchestration.checks_microsoft import CODE_FOR_CAUSE, finding_for
from tenantlead.sandbox import FaultRule
from tenantlead.smartlead import Smartlead
from tenantlead.tenantcore import TenantCore
from tests.microsoft.conftest import World, call

Client = MicrosoftIdentity | AsyncMicrosoftIdentity
UNKNOWN_TENANT = "0badc0de-0000-4000-8000-000000000000"


def _password(world: World, ms: Client, **kwargs: Any) -> Any:
    return ms.sign_in_with_password(world.credential(world.mailbox(), **kwargs))


def _setup_locked(world: World) -> None:
    world.sb.microsoft.user(world.mailbox().user_principal_name).locked_until = (
        world.sb.clock.timestamp() + 60
    )


async def _grant_revoked(world: World, ms: Client) -> Any:
    token = await call(ms.sign_in_with_password(world.credential(world.mailbox()), preflight=False))
    world.sb.microsoft.revoke_grants(world.mailbox().user_principal_name)
    return await call(ms.preflight(token))


async def _pkce_mismatch(world: World, ms: Client) -> Any:
    """An AADSTS code outside the reference table (501481): kept as unknown, with Microsoft's text."""
    mailbox = world.mailbox()
    pkce = PKCE.new()
    code = world.sb.microsoft.token_value("0.AXcA", 90)
    from tenantlead.sandbox.microsoft import AuthCode

    world.sb.microsoft.codes[code] = AuthCode(
        code=code, client_id=world.app.client_id, tenant_id=mailbox.tenant_id, upn=mailbox.user_principal_name,
        redirect_uri=world.app.redirect_uri, code_challenge=pkce.challenge, scope=world.app.scope,
        expires_at=world.sb.clock.timestamp() + 600,
    )  # fmt: skip
    return await call(
        ms.redeem_code(
            mailbox.tenant_id,
            mailbox.user_principal_name,
            Secret(code),
            PKCE.new().verifier,
            redirect_uri=world.app.redirect_uri,
        )
    )


# (cause, what to plant in the sandbox, the call that fails, the AADSTS code Microsoft answers)
CASES: list[tuple[SignInCause, Callable[[World], None], Callable[[World, Client], Any], str]] = [
    (SignInCause.BAD_CREDENTIALS, lambda w: None, lambda w, ms: _password(w, ms, password="Wrong-pass-7"), "AADSTS50126"),
    (SignInCause.ACCOUNT_DISABLED, lambda w: setattr(w.mailbox(), "account_enabled", False), _password, "AADSTS50057"),
    (SignInCause.ACCOUNT_LOCKED, _setup_locked, _password, "AADSTS50053"),
    (SignInCause.PASSWORD_EXPIRED, lambda w: setattr(w.sb.microsoft.user(w.mailbox().user_principal_name), "password_expired", True), _password, "AADSTS50055"),
    (SignInCause.MFA_OR_POLICY, lambda w: setattr(w.sb.microsoft.policy(w.mailbox().tenant_id), "security_defaults", True), _password, "AADSTS50079"),
    (SignInCause.MFA_OR_POLICY, lambda w: setattr(w.sb.microsoft.policy(w.mailbox().tenant_id), "conditional_access", True), _password, "AADSTS53003"),
    (SignInCause.MFA_OR_POLICY, lambda w: setattr(w.sb.microsoft.user(w.mailbox().user_principal_name), "mfa_required", True), _password, "AADSTS50076"),
    (SignInCause.CONSENT_MISSING, lambda w: w.sb.microsoft.revoke_consent(w.mailbox().tenant_id, w.app.client_id), _password, "AADSTS65001"),
    (SignInCause.APP_MISCONFIGURED, lambda w: setattr(w.reg, "secret_expires_at", w.sb.clock.timestamp() - 1), _password, "AADSTS7000222"),
    (SignInCause.APP_MISCONFIGURED, lambda w: setattr(w.reg, "secret", "another-secret-value-123"), _password, "AADSTS7000215"),
    (SignInCause.TENANT_NOT_FOUND, lambda w: None,
     lambda w, ms: ms.sign_in_with_password(MailboxCredential(UNKNOWN_TENANT, w.mailbox().user_principal_name, "x")), "AADSTS90002"),
    (SignInCause.GRANT_EXPIRED, lambda w: None, _grant_revoked, "AADSTS50173"),
    (SignInCause.THROTTLED, lambda w: setattr(w.sb.microsoft.policy(w.mailbox().tenant_id), "throttle", 10), _password, "AADSTS50196"),
    (SignInCause.TRANSIENT, lambda w: w.sb.faults.add(FaultRule(api="microsoft", error_rate=1.0)), _password, None),
    (SignInCause.UNKNOWN, lambda w: None, _pkce_mismatch, "AADSTS501481"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cause", "plant", "fail", "code"), CASES, ids=[f"{c[0].value}-{c[3]}" for c in CASES]
)
async def test_each_cause_becomes_its_tl4xx_finding(
    world: World, ms: Client, cause: SignInCause, plant: Any, fail: Any, code: str | None
) -> None:
    plant(world)
    with pytest.raises(SignInError) as info:
        await call(fail(world, ms))
    error = info.value
    assert error.cause is cause
    if code is not None:
        assert error.code == code
    assert error.retryable is cause.retryable

    finding = finding_for(error, app=world.app)
    assert finding.code == CODE_FOR_CAUSE[cause]
    assert finding.severity == CHECKS[finding.code].severity
    assert finding.fix
    assert finding.tenant_id == error.tenant_id
    if cause is SignInCause.CONSENT_MISSING:
        assert finding.subject == world.mailbox().tenant_id
        assert world.app.admin_consent_url(world.mailbox().tenant_id).split("&state=")[0] in finding.fix
    if cause is SignInCause.UNKNOWN:
        assert "Code_Verifier does not match" in finding.message  # Microsoft's own text kept


def test_every_cause_has_one_check() -> None:
    assert sorted(CODE_FOR_CAUSE) == sorted(SignInCause)
    assert sorted(CODE_FOR_CAUSE.values()) == [f"TL4{i:02d}" for i in range(1, 16)]


# ----------------------------------------------------------------------------- on a fleet


def _connect_outlook(world: World, ms: MicrosoftIdentity, sl: Smartlead, index: int) -> str:
    mailbox = world.mailbox("a", index)
    token = ms.sign_in_with_password(world.credential(mailbox))
    sl.email_accounts.create_oauth(
        from_name="X", from_email=mailbox.primary_smtp, username=mailbox.user_principal_name,
        token=token.to_smartlead(), use_whitelabel_credentials=True,
    )  # fmt: skip
    return mailbox.primary_smtp


def test_smartlead_refresh_failures_show_on_the_fleet_as_tl4xx(world: World) -> None:
    sb = world.sb
    opts = sb.client_options()
    ms = MicrosoftIdentity(world.app, **sb.client_options())
    tc = TenantCore(sb.tenantcore_api_key, **opts)
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    revoked, other, fine = (_connect_outlook(world, ms, sl, i) for i in range(3))
    assert Fleet.load(tc, sl).rows  # all three connected
    sb.microsoft.revoke_grants(revoked)

    day = sb.simulate_day(campaign_volume=5)

    assert day.ndrs == 0
    fleet = Fleet.load(tc, sl)
    tl409 = CHECKS["TL409"](fleet)
    assert [f.subject for f in tl409] == [revoked]
    assert "AADSTS50173" in tl409[0].message
    report = troubleshoot(fleet)
    assert {f.subject for f in report.findings if f.code.startswith("TL4")} == {revoked}
    sending = {row["email"] for row in day.per_account}
    assert fine in sending
    assert other in sending
    assert revoked not in sending


def test_smtp_side_replies_on_oauth_accounts(world: World) -> None:
    sb = world.sb
    ms = MicrosoftIdentity(world.app, **sb.client_options())
    tc = TenantCore(sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    off, rejected, retired = (_connect_outlook(world, ms, sl, i) for i in range(3))
    sb.microsoft.policy(world.tenants["a"].tenant_id).smtp_auth_disabled = True
    sb.simulate_day(campaign_volume=1)  # 5.7.139 for every OAuth account of the tenant
    accounts = {a.from_email: a for a in sb.sl_user.accounts.values()}
    accounts[rejected].smtp_failure_error = "535 5.7.3 Authentication unsuccessful [BN0PR04CA0012]"
    accounts[
        retired
    ].smtp_failure_error = "550 5.7.30 Basic authentication is not supported for Client Submission."

    fleet = Fleet.load(tc, sl)

    assert [f.subject for f in CHECKS["TL412"](fleet)] == [off]
    assert [f.subject for f in CHECKS["TL413"](fleet)] == [rejected]
    assert [f.subject for f in CHECKS["TL414"](fleet)] == [retired]
    assert "Set-CASMailbox" in CHECKS["TL412"](fleet)[0].fix


def test_one_finding_per_cause_the_tl4xx_not_tl202_for_oauth_accounts(world: World) -> None:
    """An OUTLOOK account failing for Microsoft's reason is reported once, by its TL4xx check."""
    sb = world.sb
    ms = MicrosoftIdentity(world.app, **sb.client_options())
    tc = TenantCore(sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    revoked, retired, timeout = (_connect_outlook(world, ms, sl, i) for i in range(3))
    accounts = {a.from_email: a for a in sb.sl_user.accounts.values()}
    texts = {
        revoked: "AADSTS50173: The provided grant has expired due to it being revoked.",
        retired: "550 5.7.30 Basic authentication is not supported for Client Submission.",
        timeout: "Connection timed out",  # not Microsoft's answer: TL202 keeps it
    }
    for address, text in texts.items():
        accounts[address].is_smtp_success = False
        accounts[address].smtp_failure_error = text

    report = troubleshoot(Fleet.load(tc, sl))

    login = [f for f in report.findings if f.code == "TL202" or f.code.startswith("TL4")]
    by_subject = {a: [f.code for f in login if f.subject == a] for a in texts}
    assert by_subject == {revoked: ["TL409"], retired: ["TL414"], timeout: ["TL202"]}


def test_tl414_fix_saves_a_token_on_the_same_account_instead_of_deleting_it(world: World) -> None:
    """550 5.7.30 is a basic-auth login refused: the fix is save-oauth with the account's id, in place."""
    sb = world.sb
    ms = MicrosoftIdentity(world.app, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    retired = _connect_outlook(world, ms, sl, 0)
    account = next(a for a in sb.sl_user.accounts.values() if a.from_email == retired)
    account.is_smtp_success = False
    account.smtp_failure_error = "550 5.7.30 Basic authentication is not supported for Client Submission."

    [finding] = CHECKS["TL414"](Fleet.load(TenantCore(sb.tenantcore_api_key, **sb.client_options()), sl))

    for fix in (finding.fix, CHECKS["TL414"].fix):
        assert "create_oauth(id=" in fix
        assert "password (basic auth)" in fix
        assert "delete" not in fix.lower().replace("deleting it loses", "")
    # The fix works as written: a fresh token saved on the account's id keeps the id and connects it.
    token = ms.sign_in_with_password(world.credential(world.mailbox("a", 0)))
    saved = sl.email_accounts.create_oauth(
        id=account.id, from_name="X", from_email=retired, username=world.mailbox("a", 0).user_principal_name,
        token=token.to_smartlead(), use_whitelabel_credentials=True,
    )  # fmt: skip
    assert saved.id == account.id
    assert saved.is_smtp_success is True


def _follow_resave_fix(
    world: World, ms: MicrosoftIdentity, sl: Smartlead, address: str, account_id: int
) -> Any:
    """The TL409/TL413 fix as written: sign in again, save-oauth with the account's id."""
    mailbox = next(m for m in world.mailboxes["a"] if m.primary_smtp == address)
    token = ms.sign_in_with_password(world.credential(mailbox))
    return sl.email_accounts.create_oauth(
        id=account_id, from_name="X", from_email=address, username=mailbox.user_principal_name,
        token=token.to_smartlead(), use_whitelabel_credentials=True,
    )  # fmt: skip


def _assert_resave_fix(fix: str, account_id: object) -> None:
    assert f"create_oauth(id={account_id}," in fix
    assert "sign_in_with_password" in fix
    assert 'connect(fleet, "oauth"' not in fix  # connect skips accounts that exist: it saves no token


def test_tl409_fix_saves_a_new_token_on_the_same_account_and_it_sends_again(world: World) -> None:
    """A revoked grant: connect would skip the account; save-oauth with its id reconnects it, in place."""
    sb = world.sb
    ms = MicrosoftIdentity(world.app, **sb.client_options())
    tc = TenantCore(sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    revoked = _connect_outlook(world, ms, sl, 0)
    sb.microsoft.revoke_grants(revoked)
    sb.simulate_day(campaign_volume=1)  # Smartlead's refresh fails: AADSTS50173
    fleet = Fleet.load(tc, sl)
    [finding] = CHECKS["TL409"](fleet)
    account_id = finding.details["account_id"]

    _assert_resave_fix(finding.fix, account_id)
    _assert_resave_fix(CHECKS["TL409"].fix, "<account id>")
    # What the old fix said does nothing here: connect plans the existing account as a skip.
    plan = connect(fleet, "oauth", microsoft=world.app, credentials={revoked: world.mailbox("a", 0).password})
    assert [i.action for i in plan.items if i.address == revoked] == ["skip"]

    saved = _follow_resave_fix(world, ms, sl, revoked, account_id)

    assert saved.id == account_id
    assert saved.is_smtp_success is True
    assert CHECKS["TL409"](Fleet.load(tc, sl)) == []
    day = sb.simulate_day(campaign_volume=1)
    assert revoked in {row["email"] for row in day.per_account}  # Smartlead refreshes the new grant


def test_tl413_fix_saves_a_new_token_on_the_same_account(world: World) -> None:
    """535 5.7.3 to the OAuth login: a fresh Outlook token saved on the account's id connects it again."""
    sb = world.sb
    ms = MicrosoftIdentity(world.app, **sb.client_options())
    tc = TenantCore(sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    rejected = _connect_outlook(world, ms, sl, 1)
    account = next(a for a in sb.sl_user.accounts.values() if a.from_email == rejected)
    account.is_smtp_success = False
    account.smtp_failure_error = "535 5.7.3 Authentication unsuccessful [BN0PR04CA0012]"

    [finding] = CHECKS["TL413"](Fleet.load(tc, sl))

    _assert_resave_fix(finding.fix, account.id)
    _assert_resave_fix(CHECKS["TL413"].fix, "<account id>")
    assert "https://outlook.office.com" in finding.fix
    saved = _follow_resave_fix(world, ms, sl, rejected, account.id)
    assert saved.id == account.id
    assert saved.is_smtp_success is True
    assert CHECKS["TL413"](Fleet.load(tc, sl)) == []
