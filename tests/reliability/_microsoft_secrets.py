"""The Microsoft sign-in surface for the secrets scan: every flow, its errors, with secrets collected.

Collected secrets: the client secret, every mailbox password used (right and wrong), every access
and refresh token the simulated platform issued, every authorization code, every PKCE verifier.
Texts: reprs, strs, error messages and bodies, pickles of errors, and
``traceback.TracebackException(capture_locals=True)`` renderings of every error raised.

``oauth_connect_surfaces`` does the same for connect over OAuth (password and browser flow, sync
and async), admin consent, the refresh preflight and the CLI's ``connect --strategy oauth`` and
``consent``; ``world_secrets`` collects what to search for from the sandbox's state.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
import traceback
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from tenantlead.cli import _session, main
from tenantlead.microsoft import (
    PKCE,
    AsyncMicrosoftIdentity,
    MailboxCredential,
    MicrosoftApp,
    MicrosoftIdentity,
    SignInError,
    SignInLedger,
    _flows,
)
from tenantlead.orchestration import Fleet, connect
from tenantlead.orchestration.checks_microsoft import finding_for
from tenantlead.orchestration.connect_oauth import consent_for
from tenantlead.sandbox import FaultRule, Sandbox
from tenantlead.smartlead import Smartlead
from tenantlead.tenantcore import TenantCore


def _visit(url: str) -> None:
    """The browser's last leg, to the loopback listener (urllib: a browser's visit is not logged)."""
    with urllib.request.urlopen(url.replace("//localhost:", "//127.0.0.1:"), timeout=10) as page:
        page.read()


__all__ = [
    "OAuthConnectRun",
    "exercise_microsoft",
    "headless_browser",
    "oauth_connect_surfaces",
    "world_secrets",
]


def headless_browser(sb: Sandbox) -> Callable[[str], None]:
    """The simulated person or admin at a browser: completes the sandbox's page, then the redirect."""

    def open_browser(url: str) -> None:
        def run() -> None:
            with sb.http_client() as client:
                answer = client.get(url)
            if answer.status_code == 302:
                _visit(answer.headers["location"])

        threading.Thread(target=run, daemon=True).start()

    return open_browser


def world_secrets(sb: Sandbox) -> dict[str, set[str]]:
    """Every secret of the sandbox's worlds, by kind, as its state holds them after a run.

    From the simulated identity platform: each app's client secret, every access and refresh token
    it minted, every authorization code it issued and every PKCE verifier a redemption presented;
    from TenantCore: every mailbox password and the stale ones planted in the export.
    """
    ms = sb.microsoft
    passwords = {m.password for _, m in sb.tenantcore.iter_mailboxes()} | set(sb.exported_passwords.values())
    kinds = {
        "API keys": {sb.tenantcore_api_key, sb.smartlead_api_key},
        "client secrets": {app.secret for app in ms.apps.values()},
        "passwords": passwords,
        "access tokens": set(ms.access_tokens),
        "refresh tokens": set(ms.grants),
        "authorization codes": set(ms.codes),
        "PKCE verifiers": {code.verifier for code in ms.codes.values() if code.verifier},
    }
    return {kind: {v for v in values if len(v) >= 6} for kind, values in kinds.items()}


def _render_error(scan: Any, where: str, exc: BaseException) -> None:
    scan.error(where, exc)
    # Frames of the SDK only: this scenario's own frame holds the secrets it plants on purpose.
    tb = exc.__traceback__
    while tb is not None and "/tenantlead/" not in tb.tb_frame.f_code.co_filename:
        tb = tb.tb_next
    assert tb is not None or exc.__traceback__ is None, f"{where}: the error has no SDK frame"
    rendered = traceback.TracebackException(type(exc), exc, tb, capture_locals=True)
    text = "".join(rendered.format())
    scan.texts.append((f"{where} traceback", text))
    if isinstance(exc, SignInError):
        scan.texts.append((f"{where} pickle", repr(pickle.dumps(exc))))
        scan.texts.append((f"{where} unpickled", repr(pickle.loads(pickle.dumps(exc)))))
        scan.add(f"{where} finding", finding_for(exc))


def exercise_microsoft(scan: Any) -> int:
    """Run the flows on a sandbox with planted failures; returns the operation count."""
    import asyncio

    sb = Sandbox(seed=21)
    tc = sb.tenantcore
    tenants = [tc.add_tenant(sb.tc_account, f"T{i}") for i in range(2)]
    mailboxes = []
    for i, tenant in enumerate(tenants):
        domain = tc.add_domain(sb.tc_account, tenant, f"secret-scan-{i}.com")
        mailboxes += [tc.add_mailbox(sb.tc_account, domain, f"m{j}", f"M {j}") for j in range(3)]
    reg = sb.authority.smartlead_app
    sb.microsoft.grant_consent(tenants[0].tenant_id, reg.client_id)
    app = MicrosoftApp(reg.client_id, reg.secret, environ={})
    scan.secrets |= {reg.secret} | {m.password for m in mailboxes}
    verifiers: list[str] = []
    real_new = PKCE.new

    def recording_new() -> PKCE:
        pair = real_new()
        verifiers.append(pair.verifier.reveal())
        return pair

    _flows.PKCE.new = recording_new  # type: ignore[method-assign]
    ops = 0
    try:
        ms = MicrosoftIdentity(app, **sb.client_options())
        scan.add("app", app)
        scan.add("client", ms)
        ledger = SignInLedger()
        wrong = "Wrong-Password-42"
        scan.secrets.add(wrong)
        sb.microsoft.user(mailboxes[1].user_principal_name).mfa_required = True
        creds = [MailboxCredential(m.tenant_id, m.user_principal_name, wrong if i == 2 else m.password)
                 for i, m in enumerate(mailboxes)]  # fmt: skip
        for credential in creds:
            scan.add("credential", credential)
        for outcome in ms.sign_in_many(creds, ledger=ledger):
            scan.add("outcome", outcome)
            if outcome.token is not None:
                scan.add("token", outcome.token)
                scan.add("smartlead token", outcome.token.to_smartlead())
            if outcome.error is not None:
                _render_error(scan, "bulk", outcome.error)
            ops += 1
        scan.add("ledger", ledger)

        browser = headless_browser(sb)
        token = ms.browser_sign_in(
            mailboxes[1].tenant_id, mailboxes[1].user_principal_name, open_browser=browser, timeout=20
        )
        scan.add("browser token", token)
        results = ms.admin_consent(
            [t.tenant_id for t in tenants], open_browser=browser, timeout=20, ledger=ledger
        )
        for result in results:
            scan.add("consent", result)
        ops += 3
        # Error paths: an expired secret, a revoked grant, faults, a wrong verifier, a throttled tenant.
        sb.microsoft.revoke_grants(mailboxes[0].user_principal_name)
        for attempt in (
            lambda: ms.preflight(attrs.evolve(token, preflighted=False)),  # still valid
            lambda: ms.sign_in_with_password(
                MailboxCredential(tenants[0].tenant_id, mailboxes[0].user_principal_name, wrong)
            ),
            lambda: ms.sign_in_with_password(
                MailboxCredential(
                    tenants[1].tenant_id, mailboxes[3].user_principal_name, mailboxes[3].password
                )
            ),
        ):
            try:
                scan.add("ok", attempt())
            except SignInError as exc:
                _render_error(scan, "error", exc)
            ops += 1
        sb.faults.add(FaultRule(api="microsoft", error_rate=0.5, malformed_rate=0.2))
        ams = AsyncMicrosoftIdentity(app, **sb.client_options(asynchronous=True))
        again = [MailboxCredential(m.tenant_id, m.user_principal_name, m.password) for m in mailboxes]
        for outcome in asyncio.run(ams.sign_in_many(again)):
            scan.add("async outcome", outcome)
            if outcome.error is not None:
                _render_error(scan, "async", outcome.error)
            ops += 1
        sb.faults.clear()
        reg.secret_expires_at = sb.clock.timestamp() - 1
        try:
            ms.sign_in_with_password(
                MailboxCredential(
                    tenants[0].tenant_id, mailboxes[4].user_principal_name, mailboxes[4].password
                )
            )
        except SignInError as exc:
            _render_error(scan, "expired secret", exc)
        ops += 1
    finally:
        _flows.PKCE.new = real_new  # type: ignore[method-assign]
    scan.secrets |= set(verifiers)  # those minted here, redeemed or not
    for values in world_secrets(sb).values():  # and every one the platform saw, with codes and tokens
        scan.secrets |= values
    return ops


# ----------------------------------------------------------------------------- connect over OAuth


@attrs.define
class OAuthConnectRun:
    """What ``oauth_connect_surfaces`` exercised: its sandboxes (whose secrets are searched) and counts."""

    sandboxes: list[Sandbox] = attrs.Factory(list)
    operations: int = 0
    cli_runs: int = 0


def _oauth_sandbox(seed: int, tenants: int = 6) -> Sandbox:
    sb = Sandbox.demo(seed=seed, tenants=tenants, oauth_plants=True)
    sb.advance(minutes=10)  # the propagating mailbox is ready
    return sb


def _app(sb: Sandbox) -> MicrosoftApp:
    reg = sb.authority.smartlead_app
    return MicrosoftApp(reg.client_id, reg.secret, environ={})


def _pickled(scan: Any, where: str, value: object) -> None:
    """A pickle of ``value`` and its unpickled repr, or the refusal's text (tokens refuse)."""
    try:
        blob = pickle.dumps(value)
    except TypeError as exc:
        scan.texts.append((f"{where} pickle refused", str(exc)))
        return
    scan.texts.append((f"{where} pickle", blob.decode("latin-1")))
    scan.texts.append((f"{where} unpickled", repr(pickle.loads(blob))))


def _outcome_texts(scan: Any, where: str, value: Any) -> None:
    """str/repr/JSON, a pickle, and each failed item's traceback rendered with its frames' locals."""
    scan.add(where, value)
    _pickled(scan, where, value)
    for item in getattr(value, "items", None) or ():
        error = getattr(item, "error", None)
        if isinstance(error, BaseException):
            rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
            scan.texts.append((f"{where} item traceback", "".join(rendered.format())))
            _pickled(scan, f"{where} item error", error)


def _library(scan: Any, run: OAuthConnectRun) -> None:
    sb = _oauth_sandbox(7)
    run.sandboxes.append(sb)
    app = _app(sb)
    tc = TenantCore(sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    ms = MicrosoftIdentity(app, **sb.client_options())
    scan.add("app", app)
    scan.add("identity client", ms)
    scan.add("async identity client", AsyncMicrosoftIdentity(app, **sb.client_options(asynchronous=True)))
    csv = sb.credentials_csv()
    browser = headless_browser(sb)
    with tc, sl, ms:
        # 1. connect: the password flow for every mailbox, the browser flow for the one behind MFA.
        plan = connect(Fleet.load(tc, sl), "oauth", microsoft=app, credentials=csv)
        _outcome_texts(scan, "connect plan", plan)
        result = plan.apply(sl=sl, ms=ms, browser=browser, browser_timeout=20)
        _outcome_texts(scan, "connect result", result)
        mfa = sb.planted_sign_in["TL405"][0]
        assert mfa in {i.subject for i in result.succeeded}, (
            "the browser flow really signed the MFA mailbox in"
        )
        assert {i.code for i in result.failed} == {"TL401", "TL406"}
        # 2. admin consent for every tenant (one admin declines), answers on the loopback listener.
        fleet = Fleet.load(tc, sl)
        unconsented = fleet.row(sb.planted_sign_in["TL406"][0]).tenant_id
        tenants = [t.tenant_id for t in fleet.tenants]
        declining = next(t for t in tenants if t != unconsented)
        sb.microsoft.policy(declining).declines_consent = True
        ledger = SignInLedger()
        answers = ms.admin_consent(tenants, open_browser=browser, timeout=20, ledger=ledger)
        for answer in answers:
            _outcome_texts(scan, "consent", answer)
            if answer.error is not None:
                _render_error(scan, "consent error", answer.error)
        scan.add("consent ledger", ledger)
        assert [a.granted for a in answers].count(False) == 1
        # 3. the re-run with the answers: the tenant that consented now connects, nothing twice.
        plan = connect(fleet, "oauth", microsoft=app, credentials=csv, consent=consent_for(answers))
        _outcome_texts(scan, "connect plan (re-run)", plan)
        _outcome_texts(scan, "connect result (re-run)", plan.apply(sl=sl, ms=ms))
        # 4. tokens, the refresh preflight, and a preflight of a revoked grant.
        boxes = [m for _, m in sb.tenantcore.iter_mailboxes() if m.tenant_id == unconsented][:3]
        creds = [MailboxCredential(m.tenant_id, m.user_principal_name, m.password) for m in boxes]
        for outcome in ms.sign_in_many(creds, preflight=False):
            scan.add("sign-in outcome", outcome)
            assert outcome.token is not None
            _outcome_texts(scan, "minted token", outcome.token)
            fresh = ms.preflight(outcome.token)
            _outcome_texts(scan, "preflighted token", fresh)
            _outcome_texts(scan, "smartlead token", fresh.to_smartlead())
            scan.texts.append(("smartlead token JSON", json.dumps(fresh.to_smartlead().to_dict())))
            sb.microsoft.revoke_grants(outcome.username)
            try:
                ms.preflight(fresh)
            except SignInError as exc:
                _render_error(scan, "revoked preflight", exc)
            run.operations += 3
        token = ms.browser_sign_in(
            unconsented, boxes[0].user_principal_name, open_browser=browser, timeout=20
        )
        _outcome_texts(scan, "browser token", token)
    run.operations += 7
    # 5. the async twin's connect on its own sandbox.
    asb = _oauth_sandbox(8)
    run.sandboxes.append(asb)
    from tests.orchestration.test_connect_oauth import _connect_async

    _outcome_texts(scan, "async connect result", asyncio.run(_connect_async(asb)))
    run.operations += 2


def _cli(scan: Any, run: OAuthConnectRun, capsys: Any, monkeypatch: Any, tmp_path: Path) -> None:
    sb = _oauth_sandbox(9)  # a seed of its own: no token value shared with the library's sandboxes
    run.sandboxes.append(sb)
    monkeypatch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sb)
    export = tmp_path / "mailboxes.csv"
    export.write_text(sb.credentials_csv(), encoding="utf-8")
    oauth = ["connect", "--strategy", "oauth", "--credentials", str(export)]
    commands = [
        oauth,
        [*oauth, "--apply"],
        [*oauth, "--browser-fallback", "--browser-timeout", "20", "--apply"],
        ["consent"],
        ["consent", "--open", "--wait", "--timeout", "20"],
    ]
    tenants = sorted(t.tenant_id for t in sb.tc_account.tenants.values())
    sb.microsoft.policy(tenants[0]).declines_consent = True  # a declined answer, with its fix
    for argv in commands:
        for extra in ([], ["--json"]):
            capsys.readouterr()
            code = main(["--sandbox", "--debug", *extra, *argv])
            out, err = capsys.readouterr()
            assert code in (0, 1, 3), (argv, extra, code, err)
            scan.texts.append((f"cli {' '.join(argv[:3])} {' '.join(extra)}", out + err))
            run.cli_runs += 1
    mfa = sb.planted_sign_in["TL405"][0]
    assert any(a.from_email == mfa and a.type == "OUTLOOK" for a in sb.sl_user.accounts.values())
    # Against the real APIs (every base URL a closed loopback port, so nothing leaves the machine):
    # a malformed secret from the environment and from --client-secret-file is refused unquoted.
    for name, url in (("TENANTCORE", "http://127.0.0.1:9"), ("SMARTLEAD", "http://127.0.0.1:9")):
        monkeypatch.setenv(f"{name}_BASE_URL", url)
    monkeypatch.setenv("MICROSOFT_AUTHORITY_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("MICROSOFT_CLIENT_ID", "0f2c1c1e-1111-4222-8333-944455556666")
    spaced, short = "sbx spaced Secret-Value-1234567", "short-Secret"
    scan.secrets |= {spaced, short}
    (tmp_path / "secret.txt").write_text(short + "\n", encoding="utf-8")
    keys = ["--tenantcore-key", "tc_live_" + "0" * 48, "--smartlead-key", "f" * 36]
    for env, argv in (
        (spaced, [*oauth, *keys]),
        (None, ["consent", "--client-secret-file", str(tmp_path / "secret.txt"), *keys]),
    ):
        if env is not None:
            monkeypatch.setenv("MICROSOFT_CLIENT_SECRET", env)
        else:
            monkeypatch.delenv("MICROSOFT_CLIENT_SECRET", raising=False)
        for extra in ([], ["--json"]):
            capsys.readouterr()
            assert main(["--debug", *extra, *argv]) == 2
            out, err = capsys.readouterr()
            assert "malformed" in out + err
            scan.texts.append((f"cli bad secret {argv[0]} {' '.join(extra)}", out + err))
            run.cli_runs += 1


def oauth_connect_surfaces(scan: Any, capsys: Any, monkeypatch: Any, tmp_path: Path) -> OAuthConnectRun:
    """Connect over OAuth (password and browser flow), consent, preflight, sync and async, and the CLI."""
    run = OAuthConnectRun()
    _library(scan, run)
    _cli(scan, run, capsys, monkeypatch, tmp_path)
    return run
