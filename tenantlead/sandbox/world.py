"""The [`Sandbox`][tenantlead.sandbox.world.Sandbox] facade: one virtual clock, a TenantCore world and a Smartlead world, linked.

The link is a [`MailboxAuthority`][tenantlead.sandbox.state.MailboxAuthority] implemented over the
TenantCore world (standing in for Microsoft 365): when Smartlead saves an SMTP account or an
OAuth token for an address that is a TenantCore mailbox, the login is checked against that
mailbox's credential and its tenant's policy, with Exchange's own reply texts.
"""

from __future__ import annotations

import hmac
import random
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx

from tenantlead._core.microsoft365 import (
    BASIC_AUTH_RETIRED_REPLY,
    BASIC_AUTH_SMTP_CUTOFF,
    is_office365_smtp_host,
)

from ._http import SimRequest, SimResponse
from ._routing import SimApi
from .clock import VirtualClock
from .faults import FaultInjector
from .microsoft import AppRegistration, MicrosoftIdentityWorld
from .smartlead import SmartleadConfig, SmartleadWorld
from .state import SlAccount, SlUser, TcAccount
from .tenantcore import TenantCoreConfig, TenantCoreWorld

if TYPE_CHECKING:
    from .sending import DayReport
    from .server import SandboxServer

__all__ = ["MicrosoftAuthority", "Sandbox"]

_NOT_FOUND = b'{"detail": "Not Found"}'
#: Where the in-process transport and the loopback server serve the TenantCore app's
#: credentials export (``email,password`` CSV; Bearer TenantCore key required).
CREDENTIALS_PATH = "/sandbox/credentials.csv"

OUTLOOK_SCOPES = ("https://outlook.office.com/.default", "https://outlook.office.com/SMTP.Send")

#: SMTP replies (Exchange Online wording) the authority returns.
SMTP_BAD_CREDENTIALS = "535 5.7.3 Authentication unsuccessful"
SMTP_AUTH_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
)
#: After Microsoft's cutoff every tenant answers basic-auth logins with this (shared constant).
SMTP_BASIC_RETIRED = BASIC_AUTH_RETIRED_REPLY
#: Sandbox choice: a mailbox still propagating is not known to Exchange yet.
SMTP_NOT_YET_AVAILABLE = "550 5.1.1 Recipient address rejected: mailbox not yet available"


class MicrosoftAuthority:
    """Microsoft 365 as seen from Smartlead: SMTP logins and OAuth tokens for TenantCore mailboxes.

    OAuth tokens are checked against the simulated identity platform
    ([MicrosoftIdentityWorld][tenantlead.sandbox.microsoft.MicrosoftIdentityWorld]): only tokens it
    minted for that mailbox and for the app in Smartlead's OAuth Configuration are accepted, and
    the sending day refreshes them as Smartlead does (client id + secret).
    """

    def __init__(
        self, tenantcore: TenantCoreWorld, clock: VirtualClock, seed: int, identity: MicrosoftIdentityWorld
    ) -> None:
        self._tc = tenantcore
        self._clock = clock
        self.identity = identity
        #: The app saved in Smartlead → Settings → OAuth Configuration (it refreshes every token).
        self.smartlead_app: AppRegistration = identity.register_app()

    def _precheck(self, email: str) -> tuple[str | None, bool]:
        """(error, known): error text for disabled/propagating mailboxes, and whether TC knows it."""
        found = self._tc.find_mailbox(email)
        if found is None:
            domain = email.rpartition("@")[2]
            if self._tc.find_domain(domain) is not None:
                # A TenantCore domain but no such mailbox: Exchange rejects the login.
                return SMTP_BAD_CREDENTIALS, True
            return None, False
        mailbox = found[1]
        if not mailbox.account_enabled:
            return SMTP_BAD_CREDENTIALS, True
        if not self._tc.is_ready(mailbox):
            return SMTP_NOT_YET_AVAILABLE, True
        return None, True

    def check_smtp_login(self, email: str, username: str, password: str, smtp_host: str) -> str | None:
        """None when the SMTP login would succeed, else Exchange's reply text."""
        error, known = self._precheck(email)
        if not known or error is not None:
            return error
        found = self._tc.find_mailbox(email)
        assert found is not None
        mailbox = found[1]
        tenant = found[0].tenants.get(mailbox.tenant_id)
        if tenant is not None and tenant.basic_auth_retired:
            return SMTP_BASIC_RETIRED
        if self._clock.now() >= BASIC_AUTH_SMTP_CUTOFF and is_office365_smtp_host(smtp_host):
            # Microsoft's default for existing tenants from the end of December 2026.
            return SMTP_BASIC_RETIRED
        if tenant is not None and not tenant.smtp_auth_enabled:
            return SMTP_AUTH_DISABLED
        if username.lower() not in (mailbox.user_principal_name.lower(), mailbox.primary_smtp.lower()):
            return SMTP_BAD_CREDENTIALS
        # Passwords are case-sensitive (TenantCore's Smartlead guide).
        if not hmac.compare_digest(password.encode(), mailbox.password.encode()):
            return SMTP_BAD_CREDENTIALS
        return None

    def check_oauth_token(self, email: str, token: dict[str, Any]) -> str | None:
        """None when ``token`` is a valid Microsoft token for ``email``, else why not."""
        error, known = self._precheck(email)
        if not known:
            return None
        if error is not None:
            return error
        access = token.get("access_token")
        minted = self.identity.access_tokens.get(access) if isinstance(access, str) else None
        if minted is None:
            return "AADSTS50000: The access token is malformed or was not issued by Microsoft."
        found = self._tc.find_mailbox(email)
        assert found is not None
        if minted[0] not in (found[1].user_principal_name.lower(), found[1].primary_smtp.lower()):
            return "AADSTS50000: The access token was not issued for this mailbox."
        problem = self.identity.check_saved_token(email, self.smartlead_app.client_id, token)
        if problem is not None:
            return problem
        scopes = str(token.get("scope") or "").split()
        if not any(s in OUTLOOK_SCOPES for s in scopes):
            return "AADSTS65001: The token lacks the https://outlook.office.com SMTP.Send scope."
        expiry = token.get("expiry_date")
        if not isinstance(expiry, int | float) or isinstance(expiry, bool):
            return "The token has no expiry_date (milliseconds since the epoch)."
        if expiry <= self._clock.timestamp() * 1000:
            return "AADSTS700082: The token has expired. Sign in again to get a new token."
        return None

    def refresh_account(self, account: SlAccount) -> str | None:
        """Smartlead's refresh of an OAuth account before it sends: None, or the error that disconnects it.

        A revoked, public or expired grant (or a tenant with SMTP AUTH off) fails with Microsoft's
        text; a success stores the new tokens on the account.
        """
        token = account.oauth_token
        if account.type != "OUTLOOK" or token is None:
            return None
        app = self.smartlead_app
        body, problem = self.identity.refresh_as_client(
            str(token.get("refresh_token") or ""), app.client_id, app.secret
        )
        if problem is not None:
            return problem
        assert body is not None
        found = self._tc.find_mailbox(account.from_email)
        if found is not None and self.identity.policy(found[1].tenant_id).smtp_auth_disabled:
            return SMTP_AUTH_DISABLED
        now_ms = int(self._clock.timestamp() * 1000)
        account.oauth_token = {**token, **body, "expiry_date": now_ms + int(body["expires_in"]) * 1000}
        return None

    def issue_token(self, email: str, *, scope: str, expires_in: int) -> dict[str, Any]:
        """A Microsoft token dict in the save-oauth ``token`` shape, minted for ``email`` and Smartlead's app.

        It stands for a token obtained elsewhere (a person signing in), so the tenant's consent of
        the app is recorded too.
        """
        found = self._tc.find_mailbox(email)
        tenant_id = found[1].tenant_id if found is not None else "00000000-0000-0000-0000-000000000000"
        upn = found[1].user_principal_name if found is not None else email
        self.identity.grant_consent(tenant_id, self.smartlead_app.client_id)
        body = self.identity.mint(
            self.smartlead_app.client_id,
            tenant_id,
            upn,
            f"{scope} offline_access openid",
            confidential=True,
            lifetime=expires_in,
        )
        body["scope"] = scope
        return {**body, "expiry_date": int(self._clock.timestamp() * 1000) + expires_in * 1000}


class Sandbox:
    """Both simulated APIs over one virtual clock, ready for in-process or loopback use.

    ``Sandbox(seed=0)`` has empty worlds with one TenantCore account and one Smartlead user;
    [`demo`][tenantlead.sandbox.world.Sandbox.demo] builds a seeded agency fleet with one planted instance of every TL code.
    """

    #: Hosts the in-process transport recognises (the SDK clients' production base URLs).
    TENANTCORE_HOST = "api.tenantcore.io"
    SMARTLEAD_HOST = "server.smartlead.ai"
    MICROSOFT_HOST = "login.microsoftonline.com"

    def __init__(
        self,
        seed: int = 0,
        clock: VirtualClock | None = None,
        tenantcore: TenantCoreConfig | None = None,
        smartlead: SmartleadConfig | None = None,
    ) -> None:
        self.seed = seed
        self.clock = clock or VirtualClock()
        self.tenantcore = TenantCoreWorld(self.clock, tenantcore, seed=seed)
        self.microsoft = MicrosoftIdentityWorld(self.tenantcore, self.clock, seed)
        self.authority = MicrosoftAuthority(self.tenantcore, self.clock, seed, self.microsoft)
        self.smartlead = SmartleadWorld(
            self.clock, smartlead or SmartleadConfig(seed=seed), authority=self.authority
        )
        self.tc_account: TcAccount = self.tenantcore.add_account()
        rng = random.Random(f"smartlead-key:{seed}")
        sl_key = f"{uuid.UUID(int=rng.getrandbits(128), version=4)}_{rng.getrandbits(24):06x}"
        self.sl_user: SlUser = self.smartlead.add_user(sl_key)
        self.faults = FaultInjector(seed, self.clock)
        #: TL code -> subjects where the demo planted it (empty for a plain sandbox).
        self.planted: dict[str, list[str]] = {}
        #: One lock around world handling: the loopback server is threaded.
        self.lock = threading.RLock()
        self._transport: httpx.MockTransport | None = None
        #: Mounted APIs by name, and production host -> API name (see `mount()`).
        self.apis: dict[str, SimApi] = {}
        self.hosts: dict[str, str] = {}
        self.mount("tenantcore", self.tenantcore, host=self.TENANTCORE_HOST)
        self.mount("smartlead", self.smartlead, host=self.SMARTLEAD_HOST)
        self.mount("microsoft", self.microsoft, host=self.MICROSOFT_HOST)

    def __repr__(self) -> str:
        return (
            f"Sandbox(seed={self.seed}, tenants={len(self.tc_account.tenants)}, "
            f"mailboxes={len(self.tc_account.mailboxes)}, smartlead_accounts={len(self.sl_user.accounts)}, "
            f"now={self.clock.now().isoformat()})"
        )

    # ------------------------------------------------------------------ construction

    @classmethod
    def demo(
        cls,
        seed: int = 7,
        tenants: int = 6,
        *,
        clock: VirtualClock | None = None,
        tenantcore: TenantCoreConfig | None = None,
        smartlead: SmartleadConfig | None = None,
    ) -> Sandbox:
        """A seeded agency fleet (``tenants`` 1..100) with every TL code planted; see docs/sandbox.md."""
        from .demo import build_demo

        sandbox = cls(seed=seed, clock=clock, tenantcore=tenantcore, smartlead=smartlead)
        build_demo(sandbox, tenants=tenants)
        return sandbox

    # ------------------------------------------------------------------ keys and credentials

    @property
    def tenantcore_api_key(self) -> str:
        """The default TenantCore account's (fake) key; follows rotation."""
        return self.tc_account.api_key

    @property
    def smartlead_api_key(self) -> str:
        """The default Smartlead user's (fake) key."""
        return self.sl_user.api_key

    def credentials_csv(self, account: TcAccount | None = None) -> str:
        """``email,password`` rows for every TenantCore mailbox, as copied from the TenantCore app.

        ``account`` limits the export to one TenantCore account's mailboxes (the app exports
        the signed-in account's); by default every account's.
        """
        lines = ["email,password"]
        for owner, mailbox in self.tenantcore.iter_mailboxes():
            if account is not None and owner is not account:
                continue
            password = mailbox.password
            if any(c in password for c in ',"\r\n'):
                password = '"' + password.replace('"', '""') + '"'
            lines.append(f"{mailbox.primary_smtp},{password}")
        return "\r\n".join(lines) + "\r\n"

    def microsoft_token(
        self, email: str, *, scope: str = "https://outlook.office.com/.default", expires_in: int = 3600
    ) -> dict[str, Any]:
        """A signed Microsoft OAuth token for ``email`` in the save-oauth ``token`` shape."""
        if expires_in < 0:
            raise ValueError("expires_in is seconds from now and must be >= 0")
        return self.authority.issue_token(email, scope=scope, expires_in=expires_in)

    # ------------------------------------------------------------------ serving

    def mount(self, name: str, api: SimApi, *, host: str) -> None:
        """Serve ``api`` at ``https://<host>/...`` and, on any host, under ``/<name>/...``.

        Every simulated API plugs in this way (see ``tenantlead/sandbox/_routing.py`` for the
        shape of one); requests reach ``api.handle`` with the mount prefix stripped.
        """
        if not name or "/" in name:
            raise ValueError("an API name is one path segment, e.g. 'tenantcore'")
        self.apis[name] = api
        self.hosts[host] = name

    def route(self, host: str, path: str) -> tuple[str, str] | None:
        """``(api name, path for the API)`` for a request, or None when no mounted API serves it.

        A production host keeps the path; any other host (loopback, a test base URL) needs the
        ``/<name>/`` prefix, which is stripped.
        """
        name = self.hosts.get(host)
        if name is not None:
            return name, path
        first, sep, rest = path[1:].partition("/")
        if sep and first in self.apis:
            return first, "/" + rest
        return None

    def request(
        self,
        method: str,
        host: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> SimResponse:
        """Serve one HTTP request as the in-process transport and the loopback server receive it.

        Routes by host or path prefix (`route()`), then `dispatch()`; a path no mounted
        API serves gets ``404 {"detail": "Not Found"}``. ``headers`` keys are lower-case.
        Raises `Hang` (``tenantlead.sandbox.faults``) for an injected hung response.
        """
        if path == CREDENTIALS_PATH:
            return self._credentials_export(method, headers)
        target = self.route(host, path)
        if target is None:
            return SimResponse(404, _NOT_FOUND, {"content-type": "application/json"})
        api, api_path = target
        return self.dispatch(api, SimRequest(method.upper(), api_path, query, headers, body))

    def _credentials_export(self, method: str, headers: Mapping[str, str]) -> SimResponse:
        # What the TenantCore app's export gives a signed-in user: the passwords the API never
        # returns, for the account whose key is presented (so only the key holder reads them).
        if method.upper() not in ("GET", "HEAD"):
            return SimResponse(
                405,
                b'{"detail": "Method Not Allowed"}',
                {"content-type": "application/json", "allow": "GET, HEAD"},
            )
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self.lock:
            account = self.tenantcore.accounts.get(token)
            if account is None:
                return SimResponse(
                    401,
                    b'{"detail": {"message": "Send a TenantCore API key as Bearer", "code": "invalid_api_key"}}',
                    {"content-type": "application/json"},
                )
            text = self.credentials_csv(account)
        return SimResponse(
            200, text.encode(), {"content-type": "text/csv; charset=utf-8", "cache-control": "no-store"}
        )

    def dispatch(self, api: str, req: SimRequest) -> SimResponse:
        """Serve one request to ``api`` ("tenantcore" or "smartlead"), applying faults.

        Raises `Hang` for an injected hung response.
        """
        faults = self.faults
        if not faults.rules:
            return self._handle(api, req)
        # Fault decisions share one seeded random source: take them under the world lock so
        # concurrent loopback requests stay reproducible in order of arrival.
        with self.lock:
            plan = faults.plan(api, req.method, req.path)
            if plan.kind is None:
                return self._handle(api, req)
            real = self._handle(api, req) if plan.rule is not None and plan.rule.apply == "after" else None
            return faults.response(plan, api, real)

    def _handle(self, api: str, req: SimRequest) -> SimResponse:
        with self.lock:
            return self.apis[api].handle(req)

    @property
    def transport(self) -> httpx.MockTransport:
        """An ``httpx.MockTransport`` serving both APIs (sync and async clients)."""
        if self._transport is None:
            from .transport import make_transport

            self._transport = make_transport(self)
        return self._transport

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` wired to [`transport`][tenantlead.sandbox.world.Sandbox.transport] (keyword arguments pass through)."""
        return httpx.Client(transport=self.transport, **kwargs)

    def async_http_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` wired to [`transport`][tenantlead.sandbox.world.Sandbox.transport]."""
        return httpx.AsyncClient(transport=self.transport, **kwargs)

    def client_options(self, *, asynchronous: bool = False) -> dict[str, Any]:
        """Keyword arguments that wire an SDK client to this sandbox: transport, clock and sleeper.

        ``TenantCore(sb.tenantcore_api_key, **sb.client_options())``, or
        ``AsyncSmartlead(sb.smartlead_api_key, **sb.client_options(asynchronous=True))``. The
        client then waits (backoff, rate limits, propagation) on the virtual clock, instantly;
        with a real-time sleeper it would wait for windows that only virtual time can free.
        """
        if asynchronous:
            return {
                "http_client": self.async_http_client(),
                "clock": self.clock.timestamp,
                "sleep": self.clock.asleep,
            }
        return {"http_client": self.http_client(), "clock": self.clock.timestamp, "sleep": self.clock.sleep}

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """A loopback HTTP server for this sandbox; use as a context manager or ``start()``/``stop()``."""
        from .server import SandboxServer

        return SandboxServer(self, host=host, port=port)

    # ------------------------------------------------------------------ simulation

    def simulate_day(self, *, campaign_volume: int | None = None) -> DayReport:
        """Advance through one business day of sending; see `tenantlead.sandbox.sending`."""
        from .sending import simulate_day

        with self.lock:
            return simulate_day(self, campaign_volume=campaign_volume)

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0) -> None:
        """Move the shared virtual clock forward (resets and propagation follow)."""
        self.clock.advance(seconds, minutes=minutes, hours=hours)
        with self.lock:
            self.tenantcore.maybe_reset()

    @contextmanager
    def locked(self) -> Iterator[Sandbox]:
        """Hold the world lock while editing state from another thread than the server's."""
        with self.lock:
            yield self
