"""State of the simulated Microsoft identity platform: app registrations, grants, codes, policies."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AppRegistration", "AuthCode", "Grant", "TenantPolicy", "UserState"]


@dataclass
class AppRegistration:
    """One Entra app registration (an agency's multi-tenant app, or another vendor's).

    ``web_redirects`` are the Web-platform redirect URIs (a code redeemed through one needs the
    secret: confidential); ``public_redirects`` are "Mobile and desktop" ones (the secret is
    refused: public). ``allow_public_client`` is the portal's "Allow public client flows".
    """

    client_id: str
    secret: str = field(repr=False)
    secret_expires_at: float | None = None  # Unix seconds; None: never
    web_redirects: list[str] = field(default_factory=list)
    public_redirects: list[str] = field(default_factory=list)
    allow_public_client: bool = False
    multi_tenant: bool = True
    home_tenant: str | None = None


@dataclass
class Grant:
    """One refresh token and what it is bound to (user + client; confidential or public)."""

    refresh_token: str = field(repr=False)
    client_id: str
    tenant_id: str
    upn: str
    scope: str
    confidential: bool
    issued_at: float
    last_used_at: float
    revoked: bool = False
    #: Minted by an interactive sign-in, whose MFA claim the refreshes keep (Microsoft's behaviour).
    interactive: bool = False


@dataclass
class AuthCode:
    """An authorization code waiting to be redeemed (about 10 minutes, once)."""

    code: str = field(repr=False)
    client_id: str
    tenant_id: str
    upn: str
    redirect_uri: str
    code_challenge: str
    scope: str
    expires_at: float
    redeemed: bool = False
    #: The PKCE ``code_verifier`` a redemption presented (right or wrong), for secrets scans.
    verifier: str = field(default="", repr=False)


@dataclass
class TenantPolicy:
    """Planted Microsoft-side posture of one tenant.

    ``security_defaults``: the password flow gets AADSTS50079 (MFA registration required);
    ``conditional_access``: a policy blocks the password flow (AADSTS53003); ``declines_consent``:
    the admin declines on the consent screen (AADSTS65004); ``throttle``: the next N token
    requests for the tenant are answered with AADSTS50196 (loop detected / throttled);
    ``smtp_auth_disabled``: SMTP AUTH is off for the tenant, which OAuth SMTP needs too, so
    Smartlead's OAuth accounts there fail with ``535 5.7.139`` on the sending day. (The
    TenantCore tenant's own ``smtp_auth_enabled`` flag keeps deciding basic-auth SMTP logins only,
    as the demo fleet was built on.)
    """

    security_defaults: bool = False
    conditional_access: bool = False
    declines_consent: bool = False
    throttle: int = 0
    smtp_auth_disabled: bool = False


@dataclass
class UserState:
    """Per-user sign-in state: MFA, password expiry, smart lockout counters."""

    mfa_required: bool = False
    password_expired: bool = False
    failed_passwords: int = 0
    lockouts: int = 0
    locked_until: float = 0.0
    #: Password evaluations by the token endpoint (what the two-attempt cap protects).
    password_checks: int = 0
