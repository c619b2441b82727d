"""``MicrosoftIdentity`` and ``AsyncMicrosoftIdentity``: the agency app's client for Microsoft's token endpoint.

Both run the same flows (``_flows.py``) on the SDK's shared core: timeouts, retries of safe
requests, redaction, transport injection (``http_client=``, the sandbox) and an injectable
clock and sleeper. Only the waits for a browser differ: the async twin waits in a thread.

Why there is no device-code flow: device code is a *public-client* flow, so its refresh tokens
are public, and Smartlead refreshes with the app's client secret, which Microsoft refuses for a
public token (AADSTS700025). MSAL's ``acquire_token_interactive`` (a "Mobile and desktop"
redirect) has the same problem. Every flow here is confidential: the secret is sent.
"""

from __future__ import annotations

import asyncio
import secrets
import webbrowser
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import httpx

from tenantlead._core.flow import arun_flow, run_flow
from tenantlead._core.http import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, AsyncAPIClient, SyncAPIClient
from tenantlead._core.retry import RetryPolicy
from tenantlead._core.types import AsyncSleeper, Clock, Sleeper
from tenantlead.microsoft._app import MicrosoftApp, validate_tenant_id
from tenantlead.microsoft._flows import (
    PKCE,
    MailboxCredential,
    Secret,
    SignInOutcome,
    code_flow,
    refresh_flow,
    sign_in_flow,
    sign_in_many_flow,
)
from tenantlead.microsoft._profile import PROFILE
from tenantlead.microsoft._types import MicrosoftToken, SignInError, SignInLedger
from tenantlead.microsoft.classify import Diagnosis, SignInCause, classify_oauth_error
from tenantlead.microsoft.loopback import CallbackAnswer, LoopbackListener

__all__ = ["AsyncMicrosoftIdentity", "ConsentResult", "MicrosoftIdentity"]

#: What the browser flow and admin consent call with the URL a person must open.
Opener = Callable[[str], Any]


@attrs.frozen(kw_only=True)
class ConsentResult:
    """The answer of one tenant's admin consent.

    Attributes:
        tenant_id: the tenant GUID.
        url: the admin-consent URL that was opened.
        granted: True when the admin accepted; False when Microsoft redirected with an error;
            None when no answer arrived before the timeout (the tenant still needs consent).
        error: the classified error when ``granted`` is False.
    """

    tenant_id: str
    url: str
    granted: bool | None
    error: SignInError | None = None


class _Shared:
    """The parts of both twins that do no I/O."""

    app: MicrosoftApp

    def _init_app(
        self, app: MicrosoftApp | None, client_id: str | None, client_secret: str | None
    ) -> MicrosoftApp:
        if app is not None and (client_id is not None or client_secret is not None):
            raise ValueError("pass app= or client_id=/client_secret=, not both")
        self.app = app if app is not None else MicrosoftApp(client_id, client_secret)
        return self.app

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.app.client_id!r}, authority_host={self.app.authority_host!r}, client_secret='***')"

    def _secrets(self) -> tuple[str, ...]:
        return (self.app.client_secret,)

    def _browser_start(
        self, tenant_id: str, username: str, listener: LoopbackListener, opener: Opener
    ) -> tuple[str, PKCE]:
        pkce = PKCE.new()
        state = secrets.token_urlsafe(16)
        opener(
            self.app.authorize_url(
                tenant_id,
                state=state,
                code_challenge=pkce.challenge,
                redirect_uri=listener.redirect_uri,
                login_hint=username,
            )
        )
        return state, pkce

    def _browser_answer(
        self, answer: CallbackAnswer | None, tenant_id: str, username: str, timeout: float | None
    ) -> Secret:
        tenant = validate_tenant_id(tenant_id)
        if answer is None:
            raise SignInError(
                Diagnosis(
                    cause=SignInCause.TRANSIENT,
                    code="no_redirect",
                    retryable=True,
                    message=f"no answer on the loopback redirect within {timeout:g} s",
                    fix="Open the sign-in URL again and finish the sign-in (the mailbox's UPN is pre-filled).",
                ),
                tenant_id=tenant,
                username=username,
            )
        if answer.error is not None or not answer.code:
            raise SignInError(
                classify_oauth_error(error=answer.error or "no_code", description=answer.error_description),
                tenant_id=tenant,
                username=username,
            )
        return Secret(answer.code)

    def _consent_start(
        self, tenant_ids: Iterable[str], listener: LoopbackListener, opener: Opener
    ) -> list[tuple[str, str, str]]:
        started = []
        for tenant_id in dict.fromkeys(validate_tenant_id(t) for t in tenant_ids):
            state = secrets.token_urlsafe(16)
            url = self.app.admin_consent_url(tenant_id, state=state, redirect_uri=listener.redirect_uri)
            opener(url)
            started.append((tenant_id, state, url))
        return started

    @staticmethod
    def _consent_result(
        tenant_id: str, url: str, answer: CallbackAnswer | None, ledger: SignInLedger | None
    ) -> ConsentResult:
        if answer is None:
            return ConsentResult(tenant_id=tenant_id, url=url, granted=None)
        if answer.error is None and answer.admin_consent and (answer.tenant or "").lower() == tenant_id:
            if ledger is not None:
                ledger.record_consent(tenant_id, True)
            return ConsentResult(tenant_id=tenant_id, url=url, granted=True)
        error = SignInError(
            classify_oauth_error(
                error=answer.error or "consent_mismatch",
                description=answer.error_description
                or f"the answer named tenant {answer.tenant!r}, not {tenant_id!r}",
            ),
            tenant_id=tenant_id,
        )
        if ledger is not None:
            ledger.record_consent(tenant_id, False)
        return ConsentResult(tenant_id=tenant_id, url=url, granted=False, error=error)


def _credentials(items: Iterable[MailboxCredential | tuple[str, str, str]]) -> list[MailboxCredential]:
    out = []
    for item in items:
        out.append(item if isinstance(item, MailboxCredential) else MailboxCredential(*item))
    return out


class MicrosoftIdentity(_Shared, SyncAPIClient):
    """Blocking client for the agency app's sign-ins (password, browser, refresh, admin consent).

    ``MicrosoftIdentity()`` builds a [MicrosoftApp][tenantlead.microsoft.MicrosoftApp] from
    ``MICROSOFT_CLIENT_ID`` / ``MICROSOFT_CLIENT_SECRET``; or pass ``app=``. Token requests
    that are safe to repeat (refresh) are retried on 429/5xx/timeouts; password and code
    requests are not resent by the transport, the flows decide (see
    [SignInLedger][tenantlead.microsoft.SignInLedger]).

    Args:
        app: the app configuration (else built from ``client_id``/``client_secret``/env).
        client_id: the Application (client) ID; default ``$MICROSOFT_CLIENT_ID``.
        client_secret: the client secret's Value; default ``$MICROSOFT_CLIENT_SECRET``.
        timeout: seconds per request (None disables).
        max_retries: retries for retry-safe requests.
        http_client: your own ``httpx.Client`` (proxies, the sandbox's transport).
        retry: a full [RetryPolicy][tenantlead.RetryPolicy].
        clock: Unix-time clock (token expiry, waits); inject a fake in tests.
        sleep: sleeper for backoff; inject a fake in tests.
        default_headers: extra headers on every request.
    """

    _profile = PROFILE

    def __init__(
        self,
        app: MicrosoftApp | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        sleep: Sleeper | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        app = self._init_app(app, client_id, client_secret)
        super().__init__(
            app.client_secret,
            base_url=app.authority_host,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            rate_limit=None,
            retry=retry,
            clock=clock,
            sleep=sleep,
            default_headers=default_headers,
        )

    def sign_in_with_password(
        self,
        credential: MailboxCredential,
        *,
        ledger: SignInLedger | None = None,
        preflight: bool = True,
    ) -> MicrosoftToken:
        """Confidential ROPC for one mailbox, then the refresh preflight; raises [SignInError][tenantlead.microsoft.SignInError].

        The credential's password is used for at most two requests (the ledger's cap) and dropped.
        """
        return run_flow(
            sign_in_flow(self.app, credential, ledger or SignInLedger(), preflight=preflight), self
        )

    def sign_in_many(
        self,
        credentials: Iterable[MailboxCredential],
        *,
        ledger: SignInLedger | None = None,
        per_tenant: int = 2,
        tenants_at_once: int = 8,
        preflight: bool = True,
        on_done: Callable[[SignInOutcome], None] | None = None,
    ) -> list[SignInOutcome]:
        """Password sign-in for many mailboxes; one [SignInOutcome][tenantlead.microsoft.SignInOutcome] each, in order.

        Never raises for one mailbox's failure. Blocking: tenants run in up to
        ``tenants_at_once`` threads, ``per_tenant`` mailboxes at once within a tenant.
        """
        return run_flow(
            sign_in_many_flow(
                self.app,
                _credentials(credentials),
                ledger or SignInLedger(),
                per_tenant=per_tenant,
                tenants_at_once=tenants_at_once,
                preflight=preflight,
                on_done=on_done,
            ),
            self,
        )

    def preflight(self, token: MicrosoftToken) -> MicrosoftToken:
        """Redeem the refresh token once with the secret (as Smartlead will); the new token, ``preflighted``."""
        return run_flow(refresh_flow(self.app, token), self)

    def redeem_code(
        self,
        tenant_id: str,
        username: str,
        code: Secret,
        verifier: Secret,
        *,
        redirect_uri: str,
        preflight: bool = True,
    ) -> MicrosoftToken:
        """Redeem an authorization code from your own redirect handling (both secrets are dropped after)."""
        return run_flow(
            code_flow(
                self.app, tenant_id, username, code, verifier, redirect_uri=redirect_uri, preflight=preflight
            ),
            self,
        )

    def browser_sign_in(
        self,
        tenant_id: str,
        username: str,
        *,
        open_browser: Opener = webbrowser.open,
        timeout: float | None = 300.0,
        listener: LoopbackListener | None = None,
        preflight: bool = True,
    ) -> MicrosoftToken:
        """Authorization code + PKCE for a mailbox the password flow cannot serve (MFA, Conditional Access).

        Starts a loopback listener (or uses ``listener``), calls ``open_browser(url)`` with the
        sign-in URL (``login_hint`` pre-fills the UPN), waits up to ``timeout`` seconds for the
        redirect, and redeems the code with the secret and the PKCE verifier, then preflights.
        """
        own = listener is None
        active = listener or LoopbackListener()
        try:
            state, pkce = self._browser_start(tenant_id, username, active, open_browser)
            answer = active.wait(state, timeout)
            code = self._browser_answer(answer, tenant_id, username, timeout)
            del answer
            return run_flow(
                code_flow(
                    self.app,
                    tenant_id,
                    username,
                    code,
                    pkce.verifier,
                    redirect_uri=active.redirect_uri,
                    preflight=preflight,
                ),
                self,
            )
        finally:
            if own:
                active.close()

    def admin_consent(
        self,
        tenant_ids: Iterable[str],
        *,
        open_browser: Opener = webbrowser.open,
        timeout: float | None = 600.0,
        ledger: SignInLedger | None = None,
        listener: LoopbackListener | None = None,
    ) -> list[ConsentResult]:
        """Open each tenant's admin-consent URL and capture the answers on the loopback redirect.

        Returns one [ConsentResult][tenantlead.microsoft.ConsentResult] per tenant (in order);
        ``granted=None`` for tenants that did not answer within ``timeout`` seconds overall.
        """
        own = listener is None
        active = listener or LoopbackListener()
        try:
            started = self._consent_start(tenant_ids, active, open_browser)
            answers = active.wait_all([state for _, state, _ in started], timeout)
            return [self._consent_result(t, url, answers[state], ledger) for t, state, url in started]
        finally:
            if own:
                active.close()


class AsyncMicrosoftIdentity(_Shared, AsyncAPIClient):
    """Async twin of [MicrosoftIdentity][tenantlead.microsoft.MicrosoftIdentity] (same arguments; ``http_client`` an ``httpx.AsyncClient``)."""

    _profile = PROFILE

    def __init__(
        self,
        app: MicrosoftApp | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        sleep: AsyncSleeper | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        app = self._init_app(app, client_id, client_secret)
        super().__init__(
            app.client_secret,
            base_url=app.authority_host,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            rate_limit=None,
            retry=retry,
            clock=clock,
            sleep=sleep,
            default_headers=default_headers,
        )

    async def sign_in_with_password(
        self,
        credential: MailboxCredential,
        *,
        ledger: SignInLedger | None = None,
        preflight: bool = True,
    ) -> MicrosoftToken:
        """Async twin of [MicrosoftIdentity.sign_in_with_password][tenantlead.microsoft.MicrosoftIdentity.sign_in_with_password]."""
        return await arun_flow(
            sign_in_flow(self.app, credential, ledger or SignInLedger(), preflight=preflight), self
        )

    async def sign_in_many(
        self,
        credentials: Iterable[MailboxCredential],
        *,
        ledger: SignInLedger | None = None,
        per_tenant: int = 2,
        tenants_at_once: int = 8,
        preflight: bool = True,
        on_done: Callable[[SignInOutcome], None] | None = None,
    ) -> list[SignInOutcome]:
        """Async twin of [MicrosoftIdentity.sign_in_many][tenantlead.microsoft.MicrosoftIdentity.sign_in_many] (concurrent tasks)."""
        return await arun_flow(
            sign_in_many_flow(
                self.app,
                _credentials(credentials),
                ledger or SignInLedger(),
                per_tenant=per_tenant,
                tenants_at_once=tenants_at_once,
                preflight=preflight,
                on_done=on_done,
            ),
            self,
        )

    async def preflight(self, token: MicrosoftToken) -> MicrosoftToken:
        """Async twin of [MicrosoftIdentity.preflight][tenantlead.microsoft.MicrosoftIdentity.preflight]."""
        return await arun_flow(refresh_flow(self.app, token), self)

    async def redeem_code(
        self,
        tenant_id: str,
        username: str,
        code: Secret,
        verifier: Secret,
        *,
        redirect_uri: str,
        preflight: bool = True,
    ) -> MicrosoftToken:
        """Async twin of [MicrosoftIdentity.redeem_code][tenantlead.microsoft.MicrosoftIdentity.redeem_code]."""
        return await arun_flow(
            code_flow(
                self.app, tenant_id, username, code, verifier, redirect_uri=redirect_uri, preflight=preflight
            ),
            self,
        )

    async def browser_sign_in(
        self,
        tenant_id: str,
        username: str,
        *,
        open_browser: Opener = webbrowser.open,
        timeout: float | None = 300.0,
        listener: LoopbackListener | None = None,
        preflight: bool = True,
    ) -> MicrosoftToken:
        """Async twin of [MicrosoftIdentity.browser_sign_in][tenantlead.microsoft.MicrosoftIdentity.browser_sign_in] (waits in a thread)."""
        own = listener is None
        active = listener or LoopbackListener()
        try:
            state, pkce = self._browser_start(tenant_id, username, active, open_browser)
            answer = await asyncio.to_thread(active.wait, state, timeout)
            code = self._browser_answer(answer, tenant_id, username, timeout)
            del answer
            return await arun_flow(
                code_flow(
                    self.app,
                    tenant_id,
                    username,
                    code,
                    pkce.verifier,
                    redirect_uri=active.redirect_uri,
                    preflight=preflight,
                ),
                self,
            )
        finally:
            if own:
                active.close()

    async def admin_consent(
        self,
        tenant_ids: Iterable[str],
        *,
        open_browser: Opener = webbrowser.open,
        timeout: float | None = 600.0,
        ledger: SignInLedger | None = None,
        listener: LoopbackListener | None = None,
    ) -> list[ConsentResult]:
        """Async twin of [MicrosoftIdentity.admin_consent][tenantlead.microsoft.MicrosoftIdentity.admin_consent]."""
        own = listener is None
        active = listener or LoopbackListener()
        try:
            started = self._consent_start(tenant_ids, active, open_browser)
            answers = await asyncio.to_thread(active.wait_all, [state for _, state, _ in started], timeout)
            return [self._consent_result(t, url, answers[state], ledger) for t, state, url in started]
        finally:
            if own:
                active.close()
