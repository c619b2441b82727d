"""The Microsoft sign-in surface for the secrets scan: every flow, its errors, with secrets collected.

Collected secrets: the client secret, every mailbox password used (right and wrong), every access
and refresh token the simulated platform issued, every authorization code, every PKCE verifier.
Texts: reprs, strs, error messages and bodies, pickles of errors, and
``traceback.TracebackException(capture_locals=True)`` renderings of every error raised.
"""

from __future__ import annotations

import pickle
import threading
import traceback
import urllib.request
from typing import Any

import attrs

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
from tenantlead.orchestration.checks_microsoft import finding_for
from tenantlead.sandbox import FaultRule, Sandbox


def _visit(url: str) -> None:
    """The browser's last leg, to the loopback listener (urllib: a browser's visit is not logged)."""
    with urllib.request.urlopen(url.replace("//localhost:", "//127.0.0.1:"), timeout=10) as page:
        page.read()


__all__ = ["exercise_microsoft"]


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

        def browser(url: str) -> None:
            def run() -> None:
                with sb.http_client() as client:
                    answer = client.get(url)
                if answer.status_code == 302:
                    _visit(answer.headers["location"])

            threading.Thread(target=run, daemon=True).start()

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
    scan.secrets |= set(verifiers)
    scan.secrets |= set(sb.microsoft.access_tokens) | set(sb.microsoft.grants) | set(sb.microsoft.codes)
    return ops
