"""``MicrosoftApp``: the agency's own multi-tenant Azure app, and the URLs built from it.

The app is the one whose client id and secret are saved in Smartlead → Settings → OAuth
Configuration → Outlook: Smartlead refreshes every token with that same id and secret, so
tokens must be minted by that app in a *confidential* exchange (the secret sent).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import urlencode, urlsplit

import attrs

from tenantlead._core.config import describe_secret, resolve_base_url
from tenantlead.errors import ConfigurationError

__all__ = [
    "DEFAULT_AUTHORITY_HOST",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_SCOPES",
    "ENV_AUTHORITY_HOST",
    "ENV_CLIENT_ID",
    "ENV_CLIENT_SECRET",
    "MicrosoftApp",
    "validate_tenant_id",
]

DEFAULT_AUTHORITY_HOST: Final = "https://login.microsoftonline.com"
#: SMTP + IMAP on Exchange Online, and ``offline_access`` for the refresh token Smartlead needs.
DEFAULT_SCOPES: Final = (
    "https://outlook.office.com/SMTP.Send",
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "offline_access",
)
#: A loopback redirect registered on the app's **Web** platform (the port is ignored when matching).
DEFAULT_REDIRECT_URI: Final = "http://localhost/tenantlead/callback"
ENV_CLIENT_ID: Final = "MICROSOFT_CLIENT_ID"
ENV_CLIENT_SECRET: Final = "MICROSOFT_CLIENT_SECRET"
ENV_AUTHORITY_HOST: Final = "MICROSOFT_AUTHORITY_HOST"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9-]{1,63}\.)+[a-zA-Z]{2,63}$")
_OIDC_SCOPES: Final = frozenset({"offline_access", "openid", "profile", "email"})


def validate_tenant_id(tenant_id: object) -> str:
    """The tenant as a path segment: a GUID or a verified domain; ``common``/``consumers`` refused.

    The password flow needs a tenant-specific authority (Microsoft answers ``common`` with
    AADSTS9001023), and every flow here pins the tenant TenantCore reports.
    """
    if not isinstance(tenant_id, str) or not tenant_id.strip():
        raise ConfigurationError(f"tenant_id must be the tenant's GUID (from TenantCore), got {tenant_id!r}")
    value = tenant_id.strip()
    if value.lower() in ("common", "consumers", "organizations"):
        raise ConfigurationError(
            f"tenant_id {value!r} is not a tenant: pass the tenant GUID TenantCore reports (tenant.tenant_id); "
            "the password flow fails on /common and /consumers."
        )
    if not (_GUID.match(value) or _DOMAIN.match(value)):
        raise ConfigurationError(
            f"tenant_id must be a tenant GUID such as '0f2c...-....' (TenantCore's tenant_id), got {value[:60]!r}"
        )
    return value.lower()


def _validate_secret(secret: str) -> str | None:
    if any(ch.isspace() for ch in secret):
        return "it contains whitespace; copy the secret's Value alone"
    if not secret.isprintable():
        return "it contains non-printable characters; copy it again"
    if len(secret) < 16:
        return "it is shorter than 16 characters; copy the secret's Value (not its Secret ID)"
    return None


def _scopes(scopes: str | Iterable[str]) -> tuple[str, ...]:
    items = scopes.split() if isinstance(scopes, str) else [s for part in scopes for s in str(part).split()]
    out = tuple(dict.fromkeys(items))
    if "offline_access" not in out:
        raise ConfigurationError(
            "scopes must include 'offline_access': without it Microsoft issues no refresh token, and Smartlead "
            "cannot keep the account connected."
        )
    resources = {s.rsplit("/", 1)[0] for s in out if s not in _OIDC_SCOPES and "/" in s}
    if len(resources) > 1:
        raise ConfigurationError(
            f"scopes span more than one resource ({', '.join(sorted(resources))}); Microsoft refuses that "
            "(AADSTS70011). Request only https://outlook.office.com scopes plus offline_access."
        )
    if not resources:
        raise ConfigurationError(
            "scopes name no Exchange permission: include https://outlook.office.com/SMTP.Send "
            "(and https://outlook.office.com/IMAP.AccessAsUser.All)."
        )
    return out


def _redirect(uri: str) -> str:
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")
    if not (loopback or parts.scheme == "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(
            f"redirect_uri must be an https URL or an http://localhost loopback URL without a query, got {uri[:80]!r}"
        )
    return uri


@attrs.frozen(init=False)
class MicrosoftApp:
    """The agency's multi-tenant Azure app (the one pasted into Smartlead's OAuth Configuration).

    ``MicrosoftApp()`` reads ``MICROSOFT_CLIENT_ID`` and ``MICROSOFT_CLIENT_SECRET`` (and
    ``MICROSOFT_AUTHORITY_HOST``, for the sandbox). The secret is kept out of ``repr``.

    Args:
        client_id: the Application (client) ID, a GUID; default ``$MICROSOFT_CLIENT_ID``.
        client_secret: a client secret's *Value*; default ``$MICROSOFT_CLIENT_SECRET``.
        scopes: the delegated scopes requested; must contain ``offline_access`` and name one
            resource (default: Outlook SMTP.Send + IMAP.AccessAsUser.All + offline_access).
        redirect_uri: the Web-platform loopback redirect used by the browser flow and the admin
            consent landing (default ``http://localhost/tenantlead/callback``).
        authority_host: default ``https://login.microsoftonline.com`` (or
            ``$MICROSOFT_AUTHORITY_HOST``); the authority is ``{authority_host}/{tenant GUID}``.
        environ: the environment to read instead of ``os.environ`` (tests).
    """

    client_id: str
    client_secret: str = attrs.field(repr=False)
    scopes: tuple[str, ...]
    redirect_uri: str
    authority_host: str

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        scopes: str | Iterable[str] = DEFAULT_SCOPES,
        redirect_uri: str = DEFAULT_REDIRECT_URI,
        authority_host: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        cid = client_id if client_id is not None else env.get(ENV_CLIENT_ID)
        if cid is None or not cid.strip():
            raise ConfigurationError(
                f"Microsoft app client id missing: pass client_id=... or set {ENV_CLIENT_ID} (the Application "
                "(client) ID on the app's Overview page in the Entra admin center)."
            )
        if not _GUID.match(cid.strip()):
            raise ConfigurationError(
                f"Microsoft app client id must be a GUID (the Application (client) ID), got {cid.strip()[:40]!r}."
            )
        secret = client_secret if client_secret is not None else env.get(ENV_CLIENT_SECRET)
        if secret is None or not secret.strip():
            raise ConfigurationError(
                f"Microsoft app client secret missing: pass client_secret=... or set {ENV_CLIENT_SECRET} (Entra "
                "admin center → App registrations → your app → Certificates & secrets; the same secret "
                "Smartlead's OAuth Configuration holds)."
            )
        problem = _validate_secret(secret)
        if problem:
            raise ConfigurationError(
                f"Microsoft app client secret is malformed: {problem} (got {describe_secret(secret)})."
            )
        host = resolve_base_url(
            authority_host,
            env_var=ENV_AUTHORITY_HOST,
            default=DEFAULT_AUTHORITY_HOST,
            service="Microsoft authority",
            environ=env,
        )
        self.__attrs_init__(cid.strip().lower(), secret, _scopes(scopes), _redirect(redirect_uri), host)

    @property
    def scope(self) -> str:
        """The scopes as the space-separated string the token endpoint takes."""
        return " ".join(self.scopes)

    def authority(self, tenant_id: str) -> str:
        """``{authority_host}/{tenant_id}``."""
        return f"{self.authority_host}/{validate_tenant_id(tenant_id)}"

    def token_url(self, tenant_id: str) -> str:
        """The tenant's v2 token endpoint."""
        return f"{self.authority(tenant_id)}/oauth2/v2.0/token"

    def authorize_url(
        self,
        tenant_id: str,
        *,
        state: str,
        code_challenge: str,
        redirect_uri: str | None = None,
        login_hint: str | None = None,
        prompt: str | None = None,
        extra_scopes: Iterable[str] = ("openid",),
    ) -> str:
        """The authorization-code URL (PKCE S256) a person opens to sign one mailbox in.

        ``openid`` is added so the redemption returns an ID token naming who actually signed in.
        """
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri or self.redirect_uri,
            "response_mode": "query",
            "scope": " ".join(dict.fromkeys([*self.scopes, *extra_scopes])),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        if login_hint:
            params["login_hint"] = login_hint
        if prompt:
            params["prompt"] = prompt
        return f"{self.authority(tenant_id)}/oauth2/v2.0/authorize?{urlencode(params)}"

    def admin_consent_url(
        self, tenant_id: str, *, state: str | None = None, redirect_uri: str | None = None
    ) -> str:
        """The v2 admin-consent URL for one tenant: a tenant admin opens it once and accepts.

        It asks for the Outlook scopes explicitly (not ``/.default``), so the grant covers exactly
        what the password flow requests. On acceptance Microsoft redirects to ``redirect_uri``
        with ``admin_consent=True&tenant=<guid>&state=...``.
        """
        scopes = " ".join(s for s in self.scopes if s not in _OIDC_SCOPES)
        params = {
            "client_id": self.client_id,
            "scope": scopes,
            "redirect_uri": redirect_uri or self.redirect_uri,
            "state": state if state is not None else secrets.token_urlsafe(16),
        }
        return f"{self.authority(tenant_id)}/v2.0/adminconsent?{urlencode(params)}"
