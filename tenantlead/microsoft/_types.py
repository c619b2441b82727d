"""The values the Microsoft identity client hands back: tokens, sign-in errors, the attempt ledger."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from tenantlead._core.redact import hide
from tenantlead.errors import APIError
from tenantlead.microsoft.classify import Diagnosis, SignInCause

if TYPE_CHECKING:
    from tenantlead.smartlead.models import OAuthToken

__all__ = ["MicrosoftToken", "SignInError", "SignInLedger"]


def _required_secret(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        # Smartlead keeps an account connected only by refreshing it: an access token alone
        # drops within the hour, so a token without a refresh token is never a result here.
        raise ValueError(
            f"MicrosoftToken.{attribute.name} is required: a Microsoft token without a refresh token "
            "cannot be refreshed by Smartlead (request offline_access; never use cached MSAL tokens)"
        )


@attrs.frozen(kw_only=True)
class MicrosoftToken:
    """A delegated Microsoft token for one mailbox, always with its refresh token.

    Constructing one without ``refresh_token`` (or ``access_token``) raises ``ValueError``, so an
    access token alone can never travel on. The three token strings are held as
    [Secret][tenantlead._core.redact.Secret] strings: left out of ``repr``, masked in any
    rendering of a frame's locals, and refused by ``pickle`` (as is the Smartlead token
    ``to_smartlead()`` builds from them), so no token is ever written to disk in clear.

    Attributes:
        tenant_id: the tenant GUID the token was minted in.
        username: the mailbox's UPN it was minted for.
        scope: the scopes Microsoft granted (space-separated).
        access_token: the access token (secret).
        refresh_token: the refresh token (secret), issued to the confidential app.
        expires_at: Unix seconds when the access token expires (by the client's clock).
        expires_in: the access token's lifetime in seconds as Microsoft reported it.
        ext_expires_in: Microsoft's extended lifetime in seconds, when reported.
        token_type: ``Bearer``.
        id_token: the ID token when ``openid`` was requested (secret), else None.
        preflighted: True once the refresh token was redeemed with the app's secret (what
            Smartlead will do) and this token is the result; see
            [MicrosoftIdentity.preflight][tenantlead.microsoft.MicrosoftIdentity.preflight].
    """

    tenant_id: str
    username: str
    scope: str
    access_token: str = attrs.field(repr=False, converter=hide, validator=_required_secret)
    refresh_token: str = attrs.field(repr=False, converter=hide, validator=_required_secret)
    expires_at: float
    expires_in: int
    ext_expires_in: int | None = None
    token_type: str = "Bearer"
    id_token: str | None = attrs.field(default=None, repr=False, converter=hide)
    preflighted: bool = False

    @classmethod
    def from_response(
        cls, data: Mapping[str, Any], *, tenant_id: str, username: str, now: float
    ) -> MicrosoftToken:
        """From the token endpoint's JSON; ``ValueError`` when a refresh or access token is missing."""
        expires_in = int(data.get("expires_in") or 3600)
        ext = data.get("ext_expires_in")
        return cls(
            tenant_id=tenant_id,
            username=username,
            scope=str(data.get("scope") or ""),
            access_token=data.get("access_token"),  # validated
            refresh_token=data.get("refresh_token"),  # validated
            expires_at=now + expires_in,
            expires_in=expires_in,
            ext_expires_in=int(ext) if isinstance(ext, int | str) and str(ext).isdigit() else None,
            token_type=str(data.get("token_type") or "Bearer"),
            id_token=data.get("id_token") if isinstance(data.get("id_token"), str) else None,
        )

    def to_smartlead(self, *, require_preflight: bool = True) -> OAuthToken:
        """The ``token`` object of Smartlead's ``save-oauth`` (``expiry_date`` in ms).

        Raises ``ValueError`` for a token that was not preflighted unless
        ``require_preflight=False``: push only tokens whose refresh has been proven.
        """
        if require_preflight and not self.preflighted:
            raise ValueError(
                f"the token for {self.username} was not preflighted: redeem its refresh token once with "
                "MicrosoftIdentity.preflight(token) before saving it in Smartlead"
            )
        from tenantlead.smartlead.models import OAuthToken

        return OAuthToken.from_microsoft(
            {
                "scope": self.scope,
                "token_type": self.token_type,
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "id_token": self.id_token,
                "expires_in": self.expires_in,
                "ext_expires_in": self.ext_expires_in,
            },
            now_ms=int((self.expires_at - self.expires_in) * 1000),
        )


class SignInError(APIError):
    """A Microsoft sign-in, code redemption, refresh or consent failed, classified.

    Attributes:
        cause: the [SignInCause][tenantlead.microsoft.SignInCause].
        retryable: True when the same call may succeed later unchanged (throttled, transient).
        fix: what to change (also the error's ``hint``).
        tenant_id: the tenant GUID (None when unknown).
        username: the mailbox's UPN (None for tenant-level failures).
        trace_id: Microsoft's ``trace_id`` (quote it to Microsoft support), when sent.
        correlation_id: Microsoft's ``correlation_id``, when sent.
        attempts: password attempts made for this mailbox in this run (password flow only).
        detail: Microsoft's own text (the first line of ``error_description``), unchanged.
    """

    def __init__(
        self,
        diagnosis: Diagnosis,
        *,
        tenant_id: str | None = None,
        username: str | None = None,
        status_code: int | None = None,
        method: str = "",
        url: str = "",
        trace_id: str | None = None,
        correlation_id: str | None = None,
        attempts: int = 0,
        body: Any = None,
    ) -> None:
        self.cause = diagnosis.cause
        self.retryable = diagnosis.retryable
        self.fix = diagnosis.fix
        self.tenant_id = tenant_id
        self.username = username
        self.trace_id = trace_id
        self.correlation_id = correlation_id
        self.attempts = attempts
        who = f"{username}: " if username else (f"tenant {tenant_id}: " if tenant_id else "")
        text = re.sub(r"^AADSTS\d+:\s*", "", diagnosis.message)
        self.detail = diagnosis.message
        super().__init__(
            f"{who}{diagnosis.cause.value} — {text}",
            api="microsoft",
            status_code=status_code,
            code=diagnosis.code,
            method=method,
            url=url,
            hint=diagnosis.fix,
            body=body,
        )

    @property
    def diagnosis(self) -> Diagnosis:
        """The classification as a value (cause, code, retryable, message, fix)."""
        return Diagnosis(
            cause=self.cause, code=self.code, retryable=self.retryable, message=self.detail, fix=self.fix
        )


@attrs.define
class _Entry:
    attempts: int = 0
    outcome: SignInCause | None = None
    ok: bool = False


class SignInLedger:
    """Per-run bookkeeping shared by every sign-in of a bulk job (thread-safe).

    It counts password attempts per mailbox and refuses a third one
    (``max_password_attempts``, default 2: Microsoft's smart lockout locks an account after 10
    failures, and a person re-running a job a few times must stay far from that), and records
    per-tenant outcomes so a job can tell which tenants still need admin consent. Create one per
    run and pass it to every call; a new run starts a new ledger.

    An *attempt* is a password request Microsoft may have evaluated: every answer except a 429
    refusal, and every request whose answer was lost.
    """

    def __init__(self, *, max_password_attempts: int = 2) -> None:
        if isinstance(max_password_attempts, bool) or not isinstance(max_password_attempts, int):
            raise ValueError("max_password_attempts must be a whole number")
        if not 1 <= max_password_attempts <= 5:
            raise ValueError("max_password_attempts must be between 1 and 5 (smart lockout locks at 10)")
        self.max_password_attempts = max_password_attempts
        self._lock = threading.Lock()
        self._mailboxes: dict[str, _Entry] = {}
        self._tenants: dict[str, dict[str, int]] = {}

    def __repr__(self) -> str:
        return f"SignInLedger(mailboxes={len(self._mailboxes)}, tenants={len(self._tenants)})"

    def attempts(self, username: str) -> int:
        """Password attempts made for ``username`` in this run."""
        with self._lock:
            entry = self._mailboxes.get(username.lower())
            return entry.attempts if entry else 0

    def try_attempt(self, username: str) -> int | None:
        """Reserve one password attempt: its number (1-based), or None when the cap is reached."""
        with self._lock:
            entry = self._mailboxes.setdefault(username.lower(), _Entry())
            if entry.attempts >= self.max_password_attempts:
                return None
            entry.attempts += 1
            return entry.attempts

    def record(self, tenant_id: str, username: str | None, cause: SignInCause | None) -> None:
        """Record an outcome: ``cause`` None for a success."""
        with self._lock:
            counts = self._tenants.setdefault(tenant_id.lower(), {})
            key = "ok" if cause is None else cause.value
            counts[key] = counts.get(key, 0) + 1
            if username is not None:
                entry = self._mailboxes.setdefault(username.lower(), _Entry())
                entry.outcome, entry.ok = cause, cause is None

    def record_consent(self, tenant_id: str, granted: bool) -> None:
        """Record a captured admin-consent answer for a tenant."""
        with self._lock:
            counts = self._tenants.setdefault(tenant_id.lower(), {})
            counts["consent_granted" if granted else "consent_declined"] = 1
            if granted:
                counts.pop(SignInCause.CONSENT_MISSING.value, None)

    def tenants_needing_consent(self) -> list[str]:
        """Tenants where a sign-in hit missing consent and no granted consent was captured since."""
        with self._lock:
            return sorted(
                t
                for t, counts in self._tenants.items()
                if SignInCause.CONSENT_MISSING.value in counts and "ok" not in counts
            )

    def tenant_outcomes(self) -> dict[str, dict[str, int]]:
        """``{tenant: {"ok": n, cause: n, ...}}`` for every tenant seen in this run."""
        with self._lock:
            return {t: dict(c) for t, c in self._tenants.items()}
