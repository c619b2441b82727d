"""The simulated Microsoft identity platform, linked to the TenantCore world.

Serves ``/{tenant}/oauth2/v2.0/token`` (grants ``password``, ``refresh_token``,
``authorization_code``), ``/{tenant}/oauth2/v2.0/authorize``, ``/{tenant}/v2.0/adminconsent``
and ``/{tenant}/v2.0/.well-known/openid-configuration``, with Microsoft's error body shape
(``error``, ``error_description`` starting ``AADSTSnnnnn:``, ``error_codes``, ``trace_id``,
``correlation_id``, ``timestamp``, ``error_uri``).

The TenantCore world supplies tenants (by GUID), mailboxes (UPN, password, ``account_enabled``)
and SMTP AUTH posture; this module adds app registrations, per-tenant admin consent, planted
MFA / security defaults / Conditional Access, smart lockout (10 bad passwords lock the account
for a minute, longer each time), and refresh tokens marked confidential or public.

There is no person at the authorize endpoint: the simulated user named by ``login_hint`` signs
in (passing any MFA, as a person would), so a test stands in for the browser with plain GETs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from .._http import SimRequest, SimResponse, json_response, text_response
from ._common import Ctx
from .state import AppRegistration, AuthCode, Grant, TenantPolicy, UserState

if TYPE_CHECKING:
    from ..clock import VirtualClock
    from ..state import TcMailbox, TcTenant
    from ..tenantcore import TenantCoreWorld

__all__ = ["HOST", "LOCKOUT_THRESHOLD", "MicrosoftIdentityWorld", "SimError"]

HOST = "login.microsoftonline.com"
#: Smart lockout (Azure public cloud): locked after this many failed passwords.
LOCKOUT_THRESHOLD = 10
LOCKOUT_SECONDS = 60.0
#: Refresh tokens die after 90 days without use (AADSTS700082).
INACTIVITY_SECONDS = 90 * 86400
CODE_SECONDS = 600
_OIDC = frozenset({"offline_access", "openid", "profile", "email"})


class SimError(Exception):
    """An OAuth error answer: raised inside the handlers, turned into Microsoft's body shape."""

    def __init__(self, status: int, error: str, code: int, text: str) -> None:
        super().__init__(f"AADSTS{code}: {text}")
        self.status, self.error, self.code, self.text = status, error, code, text


def match_redirect(uri: str, registered: list[str]) -> bool:
    """Microsoft's rule: exact match, except the port of a ``localhost`` URI is ignored."""
    parts = urlsplit(uri)
    for item in registered:
        reg = urlsplit(item)
        if uri == item:
            return True
        if (
            parts.scheme == reg.scheme == "http"
            and parts.hostname == reg.hostname
            and parts.hostname in ("localhost", "127.0.0.1")
            and parts.path == reg.path
        ):
            return True
    return False


class MicrosoftIdentityWorld:
    """Microsoft Entra as the sandbox sees it; ``handle(SimRequest)`` serves its endpoints."""

    def __init__(self, tenantcore: TenantCoreWorld, clock: VirtualClock, seed: int) -> None:
        self._tc = tenantcore
        self._clock = clock
        self._rng = random.Random(f"microsoft-identity:{seed}")
        self._key = hashlib.sha256(f"tenantlead-sandbox-entra:{seed}".encode()).digest()
        self.apps: dict[str, AppRegistration] = {}
        #: (tenant GUID, client id) pairs with admin consent.
        self.consents: set[tuple[str, str]] = set()
        self.policies: dict[str, TenantPolicy] = {}
        self.users: dict[str, UserState] = {}
        self.grants: dict[str, Grant] = {}
        self.codes: dict[str, AuthCode] = {}
        #: access token -> (upn, client id, expiry Unix seconds, scope)
        self.access_tokens: dict[str, tuple[str, str, float, str]] = {}
        #: login_hint -> the UPN the simulated person actually signs in with (default: the hint).
        self.signs_in_as: dict[str, str] = {}
        #: Every token request served, as (grant_type, tenant, username or None).
        self.requests: list[tuple[str, str, str | None]] = []

    def __repr__(self) -> str:
        return f"MicrosoftIdentityWorld(apps={len(self.apps)}, consents={len(self.consents)}, grants={len(self.grants)})"

    # ------------------------------------------------------------------ setup (tests, demo)

    def register_app(
        self,
        *,
        client_id: str | None = None,
        secret: str | None = None,
        web_redirects: list[str] | None = None,
        public_redirects: list[str] | None = None,
        allow_public_client: bool = False,
        multi_tenant: bool = True,
        secret_expires_at: float | None = None,
    ) -> AppRegistration:
        """Register an app (defaults: multi-tenant, Web redirects for Smartlead and localhost)."""
        app = AppRegistration(
            client_id=(client_id or str(uuid.UUID(int=self._rng.getrandbits(128), version=4))).lower(),
            secret=secret
            or "sbx~"
            + "".join(self._rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGH0123456789._-") for _ in range(36)),
            secret_expires_at=secret_expires_at,
            web_redirects=list(
                web_redirects
                if web_redirects is not None
                else [
                    "https://server.intellioauth.com/api/email-account/microsoft/callback",
                    "http://localhost/tenantlead/callback",
                ]
            ),
            public_redirects=list(public_redirects or []),
            allow_public_client=allow_public_client,
            multi_tenant=multi_tenant,
        )
        self.apps[app.client_id] = app
        return app

    def grant_consent(self, tenant_id: str, client_id: str) -> None:
        """Record admin consent of ``client_id`` in ``tenant_id`` (what the consent screen does)."""
        self.consents.add((tenant_id.lower(), client_id.lower()))

    def revoke_consent(self, tenant_id: str, client_id: str) -> None:
        """Remove the consent (the enterprise application deleted)."""
        self.consents.discard((tenant_id.lower(), client_id.lower()))

    def policy(self, tenant_id: str) -> TenantPolicy:
        """The planted posture of a tenant (created on first use)."""
        return self.policies.setdefault(tenant_id.lower(), TenantPolicy())

    def user(self, upn: str) -> UserState:
        """The sign-in state of a user (created on first use)."""
        return self.users.setdefault(upn.lower(), UserState())

    def revoke_grants(self, upn: str) -> int:
        """Revoke every refresh token of a user (an admin's "revoke sessions"); returns how many."""
        count = 0
        for grant in self.grants.values():
            if grant.upn == upn.lower() and not grant.revoked:
                grant.revoked, count = True, count + 1
        return count

    # ------------------------------------------------------------------ TenantCore links

    def tenant(self, tenant_id: str) -> TcTenant | None:
        """The TenantCore tenant with this GUID (or onmicrosoft domain), None when Microsoft would not know it."""
        key = tenant_id.lower()
        for account in self._tc.accounts.values():
            tenant = account.tenants.get(key)
            if tenant is None:
                tenant = next(
                    (
                        t
                        for t in account.tenants.values()
                        if t.tenant_id.lower() == key or t.tenant_domain.lower() == key
                    ),
                    None,
                )
            if tenant is not None and not tenant.deprovisioned:
                return tenant
        return None

    def mailbox(self, username: str) -> TcMailbox | None:
        """The TenantCore mailbox whose UPN or primary address is ``username``."""
        found = self._tc.find_mailbox(username)
        if found is not None:
            return found[1]
        key = username.lower()
        for _account, mailbox in self._tc.iter_mailboxes():
            if mailbox.user_principal_name.lower() == key:
                return mailbox
        return None

    # ------------------------------------------------------------------ tokens

    def token_value(self, prefix: str, length: int = 40) -> str:
        """A random token-looking string (seeded, reproducible)."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return prefix + "".join(self._rng.choice(alphabet) for _ in range(length))

    def mint(
        self,
        client_id: str,
        tenant_id: str,
        upn: str,
        scope: str,
        *,
        confidential: bool,
        lifetime: int | None = None,
        interactive: bool = False,
    ) -> dict[str, Any]:
        """Issue an access token (and a refresh token when ``offline_access`` was asked) for a user."""
        now = self._clock.timestamp()
        if lifetime is None:
            lifetime = 3600 + self._rng.randrange(0, 1800)  # 60-90 minutes, never exactly one hour
        granted = " ".join(s for s in scope.split() if s not in ("offline_access",)) or scope
        access = self.token_value("EwA", 60)
        self.access_tokens[access] = (upn.lower(), client_id, now + lifetime, granted)
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": granted,
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access,
        }
        if "offline_access" in scope.split():
            refresh = self.token_value("1.AQ" if confidential else "0.AQ", 80)
            self.grants[refresh] = Grant(
                refresh_token=refresh,
                client_id=client_id,
                tenant_id=tenant_id.lower(),
                upn=upn.lower(),
                scope=scope,
                confidential=confidential,
                interactive=interactive,
                issued_at=now,
                last_used_at=now,
            )
            body["refresh_token"] = refresh
        if "openid" in scope.split():
            claims = {"aud": client_id, "tid": tenant_id, "preferred_username": upn, "upn": upn}
            payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            body["id_token"] = f"eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.{payload}."
        return body

    def grant_for(self, refresh_token: str) -> Grant | None:
        """The grant behind a refresh token (Smartlead's save-oauth check uses it)."""
        return self.grants.get(refresh_token)

    def check_saved_token(self, email: str, client_id: str, token: Mapping[str, Any]) -> str | None:
        """None when ``token`` was minted here for ``email`` and ``client_id`` with a refresh token, else why not.

        The texts are Microsoft's: what Smartlead shows when its first refresh fails.
        """
        refresh = token.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            return (
                "AADSTS9002313: Invalid request. Request is malformed or invalid. (no refresh_token: the account "
                "would disconnect when the access token expires)"
            )
        grant = self.grants.get(refresh)
        if grant is None:
            return "AADSTS70000: The provided value for the 'refresh_token' is not valid."
        mailbox = self.mailbox(email)
        if mailbox is None or grant.upn not in (
            mailbox.user_principal_name.lower(),
            mailbox.primary_smtp.lower(),
        ):
            return "AADSTS70000: The refresh token was issued to another user."
        if grant.client_id != client_id.lower():
            return (
                f"AADSTS70000: The refresh token was issued to application '{grant.client_id}', not to "
                f"'{client_id}' (the app in Smartlead's OAuth Configuration)."
            )
        return None

    def refresh_as_client(
        self, refresh_token: str, client_id: str, secret: str | None
    ) -> tuple[dict[str, Any] | None, str | None]:
        """Redeem a refresh token the way a confidential client does (Smartlead's refresh).

        Returns (new token body, None) or (None, Microsoft's error text).
        """
        form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
        if secret is not None:
            form["client_secret"] = secret
        grant = self.grants.get(refresh_token)
        tenant = grant.tenant_id if grant is not None else "organizations"
        try:
            from .token import token_grant

            return token_grant(self, tenant, form), None
        except SimError as exc:
            return None, str(exc)

    # ------------------------------------------------------------------ serving

    def handle(self, req: SimRequest) -> SimResponse:
        """Serve one request (paths relative to the authority host: ``/{tenant}/...``)."""
        from .routes import ROUTER

        path = req.path.strip("/")
        found = ROUTER.match(req.method, path)
        if found is None:
            status = 405 if ROUTER.methods(path) else 404
            return text_response(status, "<html><body>Not found</body></html>")
        handler, params = found
        try:
            return handler(Ctx(self, req, params))
        except SimError as exc:
            return self.error_response(exc)

    def error_response(self, exc: SimError) -> SimResponse:
        """Microsoft's error body for ``exc`` (fresh trace and correlation ids)."""
        trace, correlation = (str(uuid.UUID(int=self._rng.getrandbits(128), version=4)) for _ in range(2))
        stamp = datetime.fromtimestamp(self._clock.timestamp(), tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return json_response(
            exc.status,
            {
                "error": exc.error,
                "error_description": f"AADSTS{exc.code}: {exc.text}\r\nTrace ID: {trace}\r\nCorrelation ID: "
                f"{correlation}\r\nTimestamp: {stamp}",
                "error_codes": [exc.code],
                "timestamp": stamp,
                "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": f"https://{HOST}/error?code={exc.code}",
            },
        )

    def known_tenant(self, tenant_id: str, *, grant_type: str | None = None) -> str:
        """The tenant GUID for a path segment; AADSTS90002 when unknown, 9001023/90130 on /common."""
        if tenant_id.lower() in ("common", "consumers"):
            if grant_type == "password":
                raise SimError(
                    400,
                    "invalid_request",
                    9001023,
                    "The grant type isn't supported over the /common or /consumers endpoints.",
                )
            raise SimError(
                400,
                "invalid_request",
                90130,
                "Application is not supported over the /common or /consumers endpoints.",
            )
        tenant = self.tenant(tenant_id)
        if tenant is None:
            raise SimError(
                400,
                "invalid_tenant",
                90002,
                f"Tenant '{tenant_id}' not found. Check to make sure you have the correct tenant ID and are signing "
                "into the correct cloud.",
            )
        return tenant.tenant_id.lower()

    def app_for(self, client_id: str | None, tenant: str) -> AppRegistration:
        """The registered app; AADSTS700016 when the client id is unknown."""
        app = self.apps.get((client_id or "").lower())
        if app is None:
            raise SimError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can "
                "happen if the application has not been installed by the administrator of the tenant or consented "
                "to by any user in the tenant.",
            )
        return app

    def authenticate_client(self, app: AppRegistration, form: Mapping[str, str], *, public_ok: bool) -> bool:
        """Check the client secret; True for a confidential exchange (False: a public one)."""
        """Authenticate the client; True for a confidential exchange (the secret was sent and valid)."""
        secret = form.get("client_secret")
        if secret is None:
            if public_ok and app.allow_public_client:
                return False
            raise SimError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
        if app.secret_expires_at is not None and app.secret_expires_at <= self._clock.timestamp():
            raise SimError(
                401,
                "invalid_client",
                7000222,
                f"The provided client secret keys for app '{app.client_id}' are expired.",
            )
        if not hmac.compare_digest(secret.encode(), app.secret.encode()):
            raise SimError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                "value, not the client secret ID, for a secret added to app '" + app.client_id + "'.",
            )
        return True

    def throttle(self, tenant: str) -> None:
        """Answer AADSTS50196 while the tenant has planted throttled requests left."""
        policy = self.policies.get(tenant)
        if policy is not None and policy.throttle > 0:
            policy.throttle -= 1
            raise SimError(
                400,
                "invalid_request",
                50196,
                "The server terminated an operation because it encountered a client request loop. Please contact "
                "your app vendor.",
            )

    def require_consent(self, tenant: str, app: AppRegistration) -> None:
        """AADSTS65001 unless the tenant consented to the app."""
        if (tenant, app.client_id) not in self.consents and app.home_tenant != tenant:
            raise SimError(
                400,
                "invalid_grant",
                65001,
                f"The user or administrator has not consented to use the application with ID '{app.client_id}'. "
                "Send an interactive authorization request for this user and resource.",
            )

    def check_account(self, mailbox: TcMailbox, state: UserState, tenant: str, *, interactive: bool) -> None:
        """Account state, then (for non-interactive sign-ins) Conditional Access, security defaults, MFA."""
        if not mailbox.account_enabled:
            raise SimError(400, "invalid_grant", 50057, "The user account is disabled.")
        if state.password_expired:
            raise SimError(400, "invalid_grant", 50055, "The password is expired.")
        if interactive:
            return  # the person at the browser passes MFA and Conditional Access prompts
        policy = self.policies.get(tenant, TenantPolicy())
        if policy.conditional_access:
            raise SimError(
                400, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies."
            )
        if policy.security_defaults:
            raise SimError(
                400,
                "invalid_grant",
                50079,
                "Due to a configuration change made by your administrator, or because you moved to a new location, "
                "you must enroll in multifactor authentication to access '00000002-0000-0ff1-ce00-000000000000'.",
            )
        if state.mfa_required:
            raise SimError(
                400,
                "invalid_grant",
                50076,
                "Due to a configuration change made by your administrator, or because you moved to a new location, "
                "you must use multifactor authentication to access '00000002-0000-0ff1-ce00-000000000000'.",
            )

    def user_for(self, username: str, tenant: str) -> tuple[TcMailbox, UserState]:
        """The mailbox and sign-in state of ``username`` in ``tenant``; AADSTS50034 when not there."""
        mailbox = self.mailbox(username)
        if mailbox is None or mailbox.tenant_id.lower() != tenant:
            raise SimError(
                400,
                "invalid_grant",
                50034,
                f"The user account {username} does not exist in the {tenant} directory. To sign into this "
                "application, the account must be added to the directory.",
            )
        return mailbox, self.user(mailbox.user_principal_name)

    def check_lock(self, state: UserState) -> None:
        """AADSTS50053 while smart lockout holds the account."""
        if state.locked_until > self._clock.timestamp():
            raise SimError(
                400,
                "invalid_grant",
                50053,
                "Your account is locked because you've tried to sign in too many times with an incorrect user ID or "
                "password.",
            )

    # ------------------------------------------------------------------ browser endpoints

    def redirect(self, uri: str, params: Mapping[str, str]) -> SimResponse:
        """A 302 to ``uri`` with ``params`` in the query."""
        return SimResponse(status=302, headers={"location": f"{uri}?{urlencode(params)}"})

    def redirect_error(self, uri: str, state: str | None, exc: SimError, **extra: str) -> SimResponse:
        """A 302 carrying an OAuth error (``error``, ``error_description``) to ``uri``."""
        params = {"error": exc.error, "error_description": f"AADSTS{exc.code}: {exc.text}", **extra}
        if state is not None:
            params["state"] = state
        return self.redirect(uri, params)

    def browser_app(self, tenant_path: str, query: Mapping[str, str]) -> tuple[str, AppRegistration, str]:
        """Tenant, app and redirect URI of an authorize/adminconsent request (the redirect must be registered)."""
        tenant = self.known_tenant(tenant_path)
        app = self.app_for(query.get("client_id"), tenant)
        redirect = query.get("redirect_uri", "")
        if not match_redirect(redirect, app.web_redirects + app.public_redirects):
            raise SimError(
                400,
                "invalid_request",
                50011,
                f"The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured "
                f"for the application '{app.client_id}'.",
            )
        return tenant, app, redirect

    def iter_grants(self, upn: str) -> Iterator[Grant]:
        """Every grant of a user."""
        return (g for g in self.grants.values() if g.upn == upn.lower())
