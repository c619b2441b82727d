"""The sign-in flows, written once on the flow seam (``tenantlead/_core/flow.py``).

Each flow yields request descriptions and receives their answers, so the blocking and the async
client run exactly the same lines. Secrets (the client secret, passwords, codes, PKCE verifiers,
tokens) are held in ``Secret`` wrappers or token objects whose ``repr`` hides them, never in
plain local variables, so a traceback rendered with its frames' locals cannot show them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from tenantlead._core.flow import Flow, Gather, Now, Outcome, Sleep
from tenantlead._core.request import APIRequest, Response
from tenantlead.errors import APIConnectionError, APIError, APIResponseError, RateLimitError
from tenantlead.microsoft._app import MicrosoftApp, validate_tenant_id
from tenantlead.microsoft._profile import oauth_error_fields
from tenantlead.microsoft._types import MicrosoftToken, SignInError, SignInLedger
from tenantlead.microsoft.classify import Diagnosis, SignInCause, classify_oauth_error

__all__ = [
    "PKCE",
    "MailboxCredential",
    "Secret",
    "TENANT_WIDE",
    "SignInOutcome",
    "as_sign_in_error",
    "code_flow",
    "password_flow",
    "refresh_flow",
    "sign_in_flow",
    "sign_in_many_flow",
]

#: Causes that every mailbox of the tenant would hit too: after the first, the rest are not tried.
TENANT_WIDE: Final = frozenset(
    {SignInCause.CONSENT_MISSING, SignInCause.TENANT_NOT_FOUND, SignInCause.APP_MISCONFIGURED}
)
#: Flow-level tries of a refresh that Microsoft throttles with HTTP 400 (AADSTS50196 / 90055).
_REFRESH_TRIES: Final = 3
_MAX_BACKOFF: Final = 60.0


class Secret:
    """A secret string that never shows itself in ``repr``/``str`` and can be dropped.

    ``reveal()`` returns the value; ``clear()`` forgets it (a later ``reveal()`` raises).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, got {type(value).__name__}")
        self._value: str | None = value

    def reveal(self) -> str:
        """The value; ``ValueError`` once cleared."""
        if self._value is None:
            raise ValueError("this secret was already used and dropped")
        return self._value

    def clear(self) -> None:
        """Forget the value."""
        self._value = None

    @property
    def dropped(self) -> bool:
        """True once ``clear()`` was called."""
        return self._value is None

    def __repr__(self) -> str:
        return "Secret('***')" if self._value is not None else "Secret(<dropped>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is not picklable")


class MailboxCredential:
    """One mailbox's UPN and password (from the TenantCore export), for the password flow.

    The password is handed over once (``take_password``) to the flow that uses it, and the
    credential forgets it: Microsoft's ROPC guidance says never to keep it.
    """

    __slots__ = ("_password", "tenant_id", "username")

    def __init__(self, tenant_id: str, username: str, password: str) -> None:
        self.tenant_id = validate_tenant_id(tenant_id)
        if not isinstance(username, str) or "@" not in username or username != username.strip():
            raise ValueError(f"username must be the mailbox's UPN (user@domain), got {username!r}")
        if not isinstance(password, str) or not password:
            raise ValueError(f"the password for {username} is empty: copy it from TenantCore")
        if password != password.strip():
            raise ValueError(
                f"the password for {username} has leading or trailing whitespace, which Microsoft's password "
                "flow does not support: re-copy it from TenantCore"
            )
        self.username = username
        self._password = Secret(password)

    @property
    def used(self) -> bool:
        """True once the password was handed to a flow."""
        return self._password.dropped

    def take_password(self) -> Secret:
        """The password as a [Secret][tenantlead.microsoft.Secret]; the credential drops its copy."""
        taken = Secret(self._password.reveal())
        self._password.clear()
        return taken

    def __repr__(self) -> str:
        return f"MailboxCredential(tenant_id={self.tenant_id!r}, username={self.username!r}, password='***')"

    def __reduce__(self) -> Any:
        raise TypeError("a MailboxCredential is not picklable (it carries a password)")


@attrs.frozen
class PKCE:
    """A PKCE pair (RFC 7636, S256): the verifier stays here, the challenge goes in the URL."""

    verifier: Secret = attrs.field(repr=False)
    challenge: str

    @classmethod
    def new(cls) -> PKCE:
        """A fresh random pair (a 64-character verifier)."""
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(Secret(verifier), base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


@attrs.frozen(kw_only=True)
class SignInOutcome:
    """How one mailbox of a bulk sign-in ended: a (preflighted) token, or the classified error."""

    tenant_id: str
    username: str
    token: MicrosoftToken | None = None
    error: SignInError | None = None
    #: True when no request was sent for this mailbox (its tenant failed tenant-wide first).
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """True when a token was obtained."""
        return self.token is not None


# ----------------------------------------------------------------------------- building blocks


@attrs.frozen
class _NoRefreshToken:
    """A 2xx token answer without a refresh (or access) token: refused, its contents dropped."""

    keys: tuple[str, ...]

    @property
    def has_access_token(self) -> bool:
        """True when the answer carried an access token (so only the refresh token is missing)."""
        return "access_token" in self.keys


def _token_parser(tenant_id: str, username: str, now: float) -> Callable[[Response], Any]:
    def parse(response: Response) -> MicrosoftToken | _NoRefreshToken:
        data = response.data
        if not isinstance(data, Mapping):
            return _NoRefreshToken(())
        if not data.get("refresh_token") or not data.get("access_token"):
            return _NoRefreshToken(tuple(sorted(str(k) for k in data)))
        return MicrosoftToken.from_response(data, tenant_id=tenant_id, username=username, now=now)

    return parse


def _token_request(
    app: MicrosoftApp, tenant_id: str, form: dict[str, str], parse: Callable[[Response], Any], *, safe: bool
) -> APIRequest[Any]:
    return APIRequest(method="POST", path=app.token_url(tenant_id), form=form, parse=parse, retry_safe=safe)


def _no_refresh_error(found: _NoRefreshToken, tenant_id: str, username: str | None) -> SignInError:
    if not found.has_access_token:
        # Not a token answer at all (a proxy's or a cut-off 200): as transient as a reset connection.
        return SignInError(
            Diagnosis(
                cause=SignInCause.TRANSIENT,
                code="no_token",
                retryable=True,
                message="the token endpoint answered 2xx without a token (a proxy, or a cut-off answer)",
                fix="Run again; if it persists, check proxies between this machine and Microsoft.",
            ),
            tenant_id=tenant_id,
            username=username,
        )
    return SignInError(
        Diagnosis(
            cause=SignInCause.APP_MISCONFIGURED,
            code="no_refresh_token",
            retryable=False,
            message="Microsoft answered without a refresh token"
            + (
                f" (keys: {', '.join(k for k in found.keys if 'token' not in k or k == 'token_type')})"
                if found.keys
                else ""
            ),
            fix="Request offline_access (MicrosoftApp keeps it in scopes) and make sure the app's delegated "
            "permissions include offline_access; an access token alone cannot be refreshed by Smartlead.",
        ),
        tenant_id=tenant_id,
        username=username,
    )


def as_sign_in_error(
    exc: Exception, *, tenant_id: str | None, username: str | None, attempts: int = 0
) -> SignInError:
    """Classify any error of a token request into a [SignInError][tenantlead.microsoft.SignInError]."""
    if isinstance(exc, SignInError):
        if exc.username is None or exc.tenant_id is None or exc.attempts != attempts:
            exc.username = exc.username or username
            exc.tenant_id = exc.tenant_id or tenant_id
            exc.attempts = max(exc.attempts, attempts)
        return exc
    if isinstance(exc, APIConnectionError | APIResponseError):
        diagnosis = Diagnosis(
            cause=SignInCause.TRANSIENT,
            code=type(exc).__name__,
            retryable=True,
            message=exc.message,
            fix="No usable answer from Microsoft (timeout, network, a cut-off body): run again; completed "
            "mailboxes are skipped.",
        )
        return SignInError(
            diagnosis,
            tenant_id=tenant_id,
            username=username,
            method=exc.method,
            url=exc.url,
            attempts=attempts,
        )
    if isinstance(exc, APIError):
        error, codes, description = oauth_error_fields(exc.body)
        diagnosis = classify_oauth_error(
            error=error, error_codes=codes, description=description or exc.message, status=exc.status_code
        )
        body = exc.body if isinstance(exc.body, Mapping) else {}
        return SignInError(
            diagnosis,
            tenant_id=tenant_id,
            username=username,
            status_code=exc.status_code,
            method=exc.method,
            url=exc.url,
            trace_id=body.get("trace_id") if isinstance(body.get("trace_id"), str) else None,
            correlation_id=body.get("correlation_id")
            if isinstance(body.get("correlation_id"), str)
            else None,
            attempts=attempts,
            body=exc.body,
        )
    return SignInError(
        Diagnosis(
            cause=SignInCause.UNKNOWN,
            code=type(exc).__name__,
            retryable=False,
            message=f"unexpected {type(exc).__name__} during sign-in",
            fix="Report this with the SDK version; other mailboxes were not affected.",
        ),
        tenant_id=tenant_id,
        username=username,
        attempts=attempts,
    )


def _backoff(error: Exception, attempt: int) -> float:
    if isinstance(error, RateLimitError) and error.retry_after:
        return float(min(error.retry_after, _MAX_BACKOFF))
    return float(min(2.0**attempt, _MAX_BACKOFF))


# ----------------------------------------------------------------------------- flows


def password_flow(
    app: MicrosoftApp, tenant_id: str, username: str, password: Secret, ledger: SignInLedger
) -> Flow[MicrosoftToken]:
    """Confidential ROPC: one password sign-in (retried once when throttled or transient).

    At most ``ledger.max_password_attempts`` requests carry this mailbox's password in a run;
    the password is dropped when the flow ends, whatever the outcome.
    """
    tenant = validate_tenant_id(tenant_id)
    last: SignInError | None = None
    try:
        while True:
            number = ledger.try_attempt(username)
            if number is None:
                if last is not None:
                    raise last
                raise SignInError(
                    Diagnosis(
                        cause=SignInCause.BAD_CREDENTIALS,
                        code="attempt_cap",
                        retryable=False,
                        message=f"{ledger.max_password_attempts} password attempts were already made for this "
                        "mailbox in this run; not trying again (Microsoft's smart lockout locks at 10)",
                        fix="Check the earlier failure for this mailbox, fix its cause, and start a new run.",
                    ),
                    tenant_id=tenant,
                    username=username,
                    attempts=ledger.attempts(username),
                )
            now = yield Now()
            try:
                minted = yield _token_request(
                    app,
                    tenant,
                    {
                        "client_id": app.client_id,
                        "client_secret": app.client_secret,
                        "grant_type": "password",
                        "username": username,
                        "password": password.reveal(),
                        "scope": app.scope,
                    },
                    _token_parser(tenant, username, now),
                    safe=False,
                )
                if isinstance(minted, _NoRefreshToken):
                    raise _no_refresh_error(minted, tenant, username)
            except APIError as exc:
                last = as_sign_in_error(exc, tenant_id=tenant, username=username, attempts=number)
                if last.retryable and number < ledger.max_password_attempts:
                    yield Sleep(_backoff(exc, number))
                    continue
                ledger.record(tenant, username, last.cause)
                raise last from None
            ledger.record(tenant, username, None)
            assert isinstance(minted, MicrosoftToken)
            return minted
    finally:
        password.clear()


def refresh_flow(app: MicrosoftApp, token: MicrosoftToken) -> Flow[MicrosoftToken]:
    """Redeem ``token``'s refresh token once with the app's secret: exactly what Smartlead will do.

    Returns the new token (refresh tokens replace themselves on use), marked ``preflighted``.
    A public-client token fails here with AADSTS700025, an app without a secret with 7000218.
    """
    tenant = validate_tenant_id(token.tenant_id)
    for attempt in range(1, _REFRESH_TRIES + 1):
        now = yield Now()
        try:
            fresh = yield _token_request(
                app,
                tenant,
                {
                    "client_id": app.client_id,
                    "client_secret": app.client_secret,
                    "grant_type": "refresh_token",
                    "refresh_token": token.refresh_token,
                    "scope": app.scope,
                },
                _token_parser(tenant, token.username, now),
                safe=True,
            )
            if isinstance(fresh, _NoRefreshToken):
                raise _no_refresh_error(fresh, tenant, token.username)
        except APIError as exc:
            error = as_sign_in_error(exc, tenant_id=tenant, username=token.username)
            if error.retryable and attempt < _REFRESH_TRIES:
                yield Sleep(_backoff(exc, attempt))
                continue
            raise error from None
        assert isinstance(fresh, MicrosoftToken)
        return attrs.evolve(fresh, preflighted=True)
    raise AssertionError("unreachable")  # pragma: no cover


def code_flow(
    app: MicrosoftApp,
    tenant_id: str,
    username: str,
    code: Secret,
    verifier: Secret,
    *,
    redirect_uri: str,
    preflight: bool = True,
) -> Flow[MicrosoftToken]:
    """Redeem an authorization code (PKCE verifier and the secret sent), then preflight.

    A code is single-use, so the redemption is never resent after a lost answer (that would
    fail with AADSTS54005); only a throttled refusal is waited out once.
    """
    tenant = validate_tenant_id(tenant_id)
    try:
        for attempt in (1, 2):
            now = yield Now()
            try:
                minted = yield _token_request(
                    app,
                    tenant,
                    {
                        "client_id": app.client_id,
                        "client_secret": app.client_secret,
                        "grant_type": "authorization_code",
                        "code": code.reveal(),
                        "redirect_uri": redirect_uri,
                        "code_verifier": verifier.reveal(),
                        "scope": f"{app.scope} openid",
                    },
                    _token_parser(tenant, username, now),
                    safe=False,
                )
            except APIError as exc:
                error = as_sign_in_error(exc, tenant_id=tenant, username=username)
                if error.cause is SignInCause.THROTTLED and attempt == 1:
                    yield Sleep(_backoff(exc, attempt))
                    continue
                raise error from None
            break
        if isinstance(minted, _NoRefreshToken):
            raise _no_refresh_error(minted, tenant, username)
    finally:
        code.clear()
        verifier.clear()
    assert isinstance(minted, MicrosoftToken)
    signed_in = _id_token_user(minted.id_token)
    if signed_in is not None and signed_in.lower() != username.lower():
        # A person may sign in with another account than the pre-filled one: that token would
        # connect the wrong mailbox, so it is dropped here.
        raise SignInError(
            Diagnosis(
                cause=SignInCause.BAD_CREDENTIALS,
                code="wrong_account",
                retryable=False,
                message=f"the browser sign-in was completed as {signed_in}, not as {username}",
                fix=f"Sign in again and choose {username} (use another browser profile or a private window "
                "if the browser keeps picking a signed-in account).",
            ),
            tenant_id=tenant,
            username=username,
        )
    if not preflight:
        return minted
    return (yield from refresh_flow(app, minted))


def _id_token_user(id_token: str | None) -> str | None:
    """``preferred_username`` (or ``upn``) of an ID token straight from the token endpoint, else None.

    No signature check is needed for this use: the token came over TLS from the token endpoint
    itself, in answer to our own code redemption.
    """
    if not id_token or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict):
        return None
    user = claims.get("preferred_username") or claims.get("upn")
    return user if isinstance(user, str) and "@" in user else None


def sign_in_flow(
    app: MicrosoftApp, credential: MailboxCredential, ledger: SignInLedger, *, preflight: bool = True
) -> Flow[MicrosoftToken]:
    """Password sign-in for one mailbox, then (by default) the refresh preflight."""
    minted = yield from password_flow(
        app, credential.tenant_id, credential.username, credential.take_password(), ledger
    )
    if not preflight:
        return minted
    return (yield from refresh_flow(app, minted))


def _outcome(credential: MailboxCredential, done: Outcome[Any]) -> SignInOutcome:
    if done.ok:
        return SignInOutcome(tenant_id=credential.tenant_id, username=credential.username, token=done.value)
    assert done.error is not None
    error = as_sign_in_error(done.error, tenant_id=credential.tenant_id, username=credential.username)
    return SignInOutcome(tenant_id=credential.tenant_id, username=credential.username, error=error)


def _tenant_flow(
    app: MicrosoftApp,
    credentials: Sequence[MailboxCredential],
    ledger: SignInLedger,
    *,
    per_tenant: int,
    preflight: bool,
    on_done: Callable[[SignInOutcome], None] | None,
) -> Flow[list[SignInOutcome]]:
    def report(outcome: SignInOutcome) -> SignInOutcome:
        if on_done is not None:
            on_done(outcome)
        return outcome

    first, rest = credentials[0], list(credentials[1:])
    [done] = yield Gather([sign_in_flow(app, first, ledger, preflight=preflight)])
    results = [report(_outcome(first, done))]
    failed = results[0].error
    if failed is not None and failed.cause in TENANT_WIDE:
        # Every mailbox of this tenant would get the same answer: send nothing more for it.
        for credential in rest:
            credential.take_password().clear()
            error = SignInError(
                failed.diagnosis, tenant_id=credential.tenant_id, username=credential.username
            )
            results.append(
                report(
                    SignInOutcome(
                        tenant_id=credential.tenant_id,
                        username=credential.username,
                        error=error,
                        skipped=True,
                    )
                )
            )
        return results
    outcomes = yield Gather(
        [sign_in_flow(app, c, ledger, preflight=preflight) for c in rest],
        concurrency=per_tenant,
        on_done=(lambda i, o: on_done(_outcome(rest[i], o))) if on_done is not None else None,
    )
    results += [_outcome(c, o) for c, o in zip(rest, outcomes, strict=True)]
    return results


def sign_in_many_flow(
    app: MicrosoftApp,
    credentials: Sequence[MailboxCredential],
    ledger: SignInLedger,
    *,
    per_tenant: int = 2,
    tenants_at_once: int = 8,
    preflight: bool = True,
    on_done: Callable[[SignInOutcome], None] | None = None,
) -> Flow[list[SignInOutcome]]:
    """Sign many mailboxes in: tenants in parallel, at most ``per_tenant`` at once within one.

    The first mailbox of each tenant goes alone; when it fails for a tenant-wide reason
    (consent missing, tenant not found, app misconfigured) the others are reported with the
    same cause and ``skipped=True`` without a request. One outcome per credential, in order.
    """
    for name, value in (("per_tenant", per_tenant), ("tenants_at_once", tenants_at_once)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    seen: set[str] = set()
    groups: dict[str, list[MailboxCredential]] = {}
    for credential in credentials:
        if not isinstance(credential, MailboxCredential):
            raise TypeError(f"expected MailboxCredential items, got {type(credential).__name__}")
        key = credential.username.lower()
        if key in seen:
            raise ValueError(f"{credential.username} is listed twice: give each mailbox once")
        seen.add(key)
        groups.setdefault(credential.tenant_id, []).append(credential)
    tenants = list(groups)
    done = yield Gather(
        [
            _tenant_flow(app, groups[t], ledger, per_tenant=per_tenant, preflight=preflight, on_done=on_done)
            for t in tenants
        ],
        concurrency=tenants_at_once,
    )
    by_user: dict[str, SignInOutcome] = {}
    for tenant, outcome in zip(tenants, done, strict=True):
        if outcome.ok:
            for item in outcome.value:
                by_user[item.username.lower()] = item
        else:  # a bug in the tenant flow itself: account for every mailbox anyway
            assert outcome.error is not None
            for credential in groups[tenant]:
                error = as_sign_in_error(outcome.error, tenant_id=tenant, username=credential.username)
                by_user[credential.username.lower()] = SignInOutcome(
                    tenant_id=tenant, username=credential.username, error=error
                )
    return [by_user[c.username.lower()] for c in credentials]
