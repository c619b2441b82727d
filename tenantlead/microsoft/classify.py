"""Why a Microsoft sign-in or an OAuth SMTP login failed: a closed set of causes, each with a fix.

Pure functions, no I/O. ``classify_oauth_error`` reads an OAuth error answer from the token
endpoint (``error``, ``error_codes``, the ``AADSTSnnnnn:`` prefix of ``error_description``, the
HTTP status); ``classify_smtp_reply`` reads Exchange's SMTP replies once tokens are in use;
``classify_text`` finds either in free text (a Smartlead ``smtp_failure_error``).

Microsoft warns that error codes change over time and that apps should react to the OAuth
``error`` field; the AADSTS number is used as the diagnostic hint it is, and an unknown number
falls back to the ``error`` field (``invalid_client``, ``interaction_required``, ...) and then to
``SignInCause.UNKNOWN``, which keeps Microsoft's own text.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from typing import Final

import attrs

__all__ = [
    "AADSTS_CAUSES",
    "BASIC_AUTH_FIX",
    "Diagnosis",
    "SignInCause",
    "classify_oauth_error",
    "classify_smtp_reply",
    "classify_text",
]


class SignInCause(enum.StrEnum):
    """The closed set of reasons a mailbox cannot be connected over Microsoft OAuth."""

    BAD_CREDENTIALS = "bad_credentials"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_LOCKED = "account_locked"
    PASSWORD_EXPIRED = "password_expired"
    MFA_OR_POLICY = "mfa_or_policy"
    CONSENT_MISSING = "consent_missing"
    APP_MISCONFIGURED = "app_misconfigured"
    TENANT_NOT_FOUND = "tenant_not_found"
    GRANT_EXPIRED = "grant_expired"
    THROTTLED = "throttled"
    TRANSIENT = "transient"
    SMTP_AUTH_DISABLED = "smtp_auth_disabled"
    SMTP_TOKEN_REJECTED = "smtp_token_rejected"
    BASIC_AUTH_RETIRED = "basic_auth_retired"
    UNKNOWN = "unknown"

    @property
    def retryable(self) -> bool:
        """True when the same request may succeed later without anyone changing anything."""
        return self in (SignInCause.THROTTLED, SignInCause.TRANSIENT)


_C = SignInCause

#: Every AADSTS code of the reference table (shared/reference/microsoft-oauth.md §3.1), by cause.
AADSTS_CAUSES: Final[Mapping[int, SignInCause]] = {
    # wrong or stale credentials (50056: no password in the directory, so none can be right)
    50126: _C.BAD_CREDENTIALS,
    50034: _C.BAD_CREDENTIALS,
    50056: _C.BAD_CREDENTIALS,
    # account state
    50057: _C.ACCOUNT_DISABLED,
    50053: _C.ACCOUNT_LOCKED,
    50055: _C.PASSWORD_EXPIRED,
    # MFA, security defaults, Conditional Access, federation: the password flow cannot serve these
    50076: _C.MFA_OR_POLICY,
    50079: _C.MFA_OR_POLICY,
    50072: _C.MFA_OR_POLICY,
    50074: _C.MFA_OR_POLICY,
    50158: _C.MFA_OR_POLICY,
    53003: _C.MFA_OR_POLICY,
    530035: _C.MFA_OR_POLICY,
    530032: _C.MFA_OR_POLICY,
    50131: _C.MFA_OR_POLICY,
    50107: _C.MFA_OR_POLICY,
    # consent
    65001: _C.CONSENT_MISSING,
    65004: _C.CONSENT_MISSING,
    650056: _C.CONSENT_MISSING,
    650057: _C.CONSENT_MISSING,
    65005: _C.CONSENT_MISSING,
    700016: _C.CONSENT_MISSING,
    # the app registration, its secret, or how we call it
    7000218: _C.APP_MISCONFIGURED,
    700025: _C.APP_MISCONFIGURED,
    7000215: _C.APP_MISCONFIGURED,
    70002: _C.APP_MISCONFIGURED,
    7000222: _C.APP_MISCONFIGURED,
    50194: _C.APP_MISCONFIGURED,
    70011: _C.APP_MISCONFIGURED,
    700022: _C.APP_MISCONFIGURED,
    28002: _C.APP_MISCONFIGURED,
    50059: _C.APP_MISCONFIGURED,
    50128: _C.APP_MISCONFIGURED,
    90019: _C.APP_MISCONFIGURED,
    9001023: _C.APP_MISCONFIGURED,
    90124: _C.APP_MISCONFIGURED,
    90130: _C.APP_MISCONFIGURED,
    # the tenant (or its Exchange Online resource) does not exist
    90002: _C.TENANT_NOT_FOUND,
    500011: _C.TENANT_NOT_FOUND,
    # grants that are gone: sign in again
    50173: _C.GRANT_EXPIRED,
    70008: _C.GRANT_EXPIRED,
    700082: _C.GRANT_EXPIRED,
    70043: _C.GRANT_EXPIRED,
    50089: _C.GRANT_EXPIRED,
    54005: _C.GRANT_EXPIRED,
    70000: _C.GRANT_EXPIRED,
    # back off
    50196: _C.THROTTLED,
    90055: _C.THROTTLED,
    # retry
    90024: _C.TRANSIENT,
    50033: _C.TRANSIENT,
    50000: _C.TRANSIENT,
}

#: Fallback by the OAuth ``error`` field when the AADSTS number is unknown.
_ERROR_FIELD: Final[Mapping[str, SignInCause]] = {
    "invalid_client": _C.APP_MISCONFIGURED,
    "unauthorized_client": _C.APP_MISCONFIGURED,
    "invalid_scope": _C.APP_MISCONFIGURED,
    "consent_required": _C.CONSENT_MISSING,
    "interaction_required": _C.MFA_OR_POLICY,
    "temporarily_unavailable": _C.TRANSIENT,
    "server_error": _C.TRANSIENT,
}

#: Per-code detail that sharpens a cause's generic fix.
_CODE_FIX: Final[Mapping[int, str]] = {
    50034: "No such user in this tenant: check the UPN and that the mailbox belongs to this tenant GUID.",
    50056: "The account has no password in the directory: use the browser flow.",
    50079: "Security defaults require MFA registration: turn security defaults off for the tenant "
    "(Entra admin center → Overview → Properties → Manage security defaults), or use the browser flow.",
    530035: "Blocked by security defaults: turn them off for the tenant (Entra admin center → Overview → "
    "Properties → Manage security defaults), or use the browser flow.",
    53003: "A Conditional Access policy blocked the sign-in: a tenant admin must exclude these mailboxes "
    "from it (Entra admin center → Protection → Conditional Access), or use the browser flow.",
    50107: "The domain is federated: the password flow is cloud-only; use the browser flow.",
    700025: "The refresh token was minted by a public client (device code, a 'Mobile and desktop' "
    "redirect, or public client flows on): turn 'Allow public client flows' off, keep only Web redirects, "
    "and sign the mailbox in again with the password or browser flow.",
    7000218: "The request carried no client secret: give the app's secret (MICROSOFT_CLIENT_SECRET).",
    7000222: "The client secret has expired: create a new secret in Entra (App registrations → your app → "
    "Certificates & secrets), put it in MICROSOFT_CLIENT_SECRET and in Smartlead → Settings → OAuth "
    "Configuration → Outlook.",
    7000215: "The client secret is wrong: copy the secret's Value (not its ID) into MICROSOFT_CLIENT_SECRET "
    "and into Smartlead's OAuth Configuration.",
    70002: "The client secret is wrong: copy the secret's Value (not its ID) into MICROSOFT_CLIENT_SECRET and "
    "into Smartlead's OAuth Configuration.",
    50194: "The app is single-tenant: set 'Supported account types' to 'Accounts in any organizational "
    "directory' on the app registration.",
    70011: "The scopes are invalid or span two resources: request only https://outlook.office.com scopes "
    "plus offline_access.",
    700022: "The scopes span two resources: request only https://outlook.office.com scopes plus offline_access.",
    500011: "The tenant has no Exchange Online service principal yet (a brand-new or unlicensed tenant): "
    "wait for TenantCore to finish provisioning Exchange, then retry.",
    700016: "The app has no service principal in this tenant (never consented) or the client id is wrong: "
    "open this tenant's admin-consent URL.",
    65004: "The admin declined consent: open this tenant's admin-consent URL again and accept.",
}

#: The fix for ``550 5.7.30`` on an OUTLOOK account: Exchange refused a basic-auth (password) login,
#: so Smartlead is not logging in with the account's OAuth token. Saving a token on the same
#: account (``save-oauth`` with its ``id``, the documented update) keeps its id, campaigns and
#: warmup history; deleting and recreating it would lose the history.
BASIC_AUTH_FIX: Final = (
    "Smartlead logs in to this account with a password (basic auth), which Exchange no longer accepts for the "
    "tenant. Keep the account (deleting it loses its warmup history): save a fresh OAuth token on it in place - "
    "sign the mailbox in with the agency app (MicrosoftIdentity(app).sign_in_with_password(credential)), then "
    "sl.email_accounts.create_oauth(id=<account id>, from_name=..., from_email=..., username=<UPN>, "
    "token=token.to_smartlead(), use_whitelabel_credentials=True), Smartlead's save-oauth update, which keeps "
    "the id and campaigns. Re-enabling basic-auth SMTP for the tenant only postpones this."
)

_GENERIC_FIX: Final[Mapping[SignInCause, str]] = {
    _C.BAD_CREDENTIALS: "Re-copy the password from the TenantCore app's Mailboxes page (passwords are "
    "case-sensitive; no leading or trailing spaces) and run again; the SDK never tries a mailbox more than "
    "twice per run, because Microsoft's smart lockout locks it after 10 failures.",
    _C.ACCOUNT_DISABLED: "The mailbox's account is disabled: enable sign-in in TenantCore "
    "(tc.mailboxes.update(tenant_id, mailbox_id, account_enabled=True)), then run again.",
    _C.ACCOUNT_LOCKED: "Microsoft locked the account (too many failed sign-ins, or a risky IP): stop "
    "retrying it, wait at least a minute (longer after repeated lockouts), check the tenant's sign-in logs, "
    "and re-copy the password before the next run.",
    _C.PASSWORD_EXPIRED: "The password has expired: reset it in TenantCore (or the Microsoft 365 admin "
    "center), copy the new one and run again.",
    _C.MFA_OR_POLICY: "The password flow cannot pass MFA, security defaults or Conditional Access: sign "
    "this mailbox in with the browser flow (a person completes the sign-in), or have a tenant admin turn "
    "security defaults off / exclude the mailboxes from the MFA policy.",
    _C.CONSENT_MISSING: "No admin consent for the app in this tenant: open the tenant's admin-consent URL "
    "(MicrosoftApp.admin_consent_url(tenant_id)) as a tenant admin and accept, then run again.",
    _C.APP_MISCONFIGURED: "Fix the Azure app registration (multi-tenant, Web redirects only, public client "
    "flows off, the Outlook delegated permissions, a valid secret) and use the same client id and secret in "
    "the SDK and in Smartlead → Settings → OAuth Configuration.",
    _C.TENANT_NOT_FOUND: "Microsoft does not know this tenant: check the tenant GUID in TenantCore "
    "(tc.tenants.list()); a brand-new tenant may still be provisioning Exchange Online.",
    _C.GRANT_EXPIRED: "The grant was revoked or expired: sign the mailbox in again (password or browser "
    "flow) and save the new token in Smartlead.",
    _C.THROTTLED: "Microsoft is throttling sign-ins: the SDK backed off; run again later with lower "
    "concurrency per tenant.",
    _C.TRANSIENT: "A transient Microsoft error: run again (completed mailboxes are skipped).",
    _C.SMTP_AUTH_DISABLED: "SMTP AUTH is disabled for the tenant or mailbox, and OAuth SMTP needs it too: "
    "enable it (Exchange admin center → mailbox → Email apps → Authenticated SMTP, or "
    "Set-CASMailbox -SmtpClientAuthenticationDisabled $false; tenant-wide Set-TransportConfig "
    "-SmtpClientAuthenticationDisabled $false), then reconnect the account.",
    _C.SMTP_TOKEN_REJECTED: "Exchange refused the OAuth token (535 5.7.3): check the token is for "
    "https://outlook.office.com (not Graph) and for this mailbox, that SMTP AUTH is on, then sign the "
    "mailbox in again and save the new token.",
    _C.BASIC_AUTH_RETIRED: BASIC_AUTH_FIX,
    _C.UNKNOWN: "An error the SDK does not know: read Microsoft's text, or look the code up at "
    "https://login.microsoftonline.com/error?code=<number>.",
}


@attrs.frozen(kw_only=True)
class Diagnosis:
    """One classified failure.

    Attributes:
        cause: the ``SignInCause``.
        code: Microsoft's identifier of the failure: ``"AADSTS50126"``, ``"535 5.7.139"``,
            the OAuth ``error`` field, or ``"HTTP 503"``; None when nothing identified it.
        retryable: True when the same request may succeed later unchanged (throttled, transient).
        message: Microsoft's own text (the first line of ``error_description``, or the SMTP reply).
        fix: what to change, concretely.
    """

    cause: SignInCause
    code: str | None
    retryable: bool
    message: str
    fix: str


_AADSTS = re.compile(r"AADSTS(\d{4,7})")


_TRAILER = re.compile(r"\s*(Trace ID|Correlation ID|Timestamp):.*$", re.DOTALL)


def _first_line(text: str) -> str:
    # Microsoft appends "\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ..." lines.
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return _TRAILER.sub("", line).strip()


def _diagnosis(cause: SignInCause, code: str | None, message: str, number: int | None) -> Diagnosis:
    fix = _CODE_FIX.get(number, _GENERIC_FIX[cause]) if number is not None else _GENERIC_FIX[cause]
    return Diagnosis(cause=cause, code=code, retryable=cause.retryable, message=message, fix=fix)


def classify_oauth_error(
    *,
    error: str | None = None,
    error_codes: Sequence[int] = (),
    description: str | None = None,
    status: int | None = None,
) -> Diagnosis:
    """Classify one token-endpoint (or redirect) error answer.

    The AADSTS number comes from ``error_codes[0]`` or the ``AADSTSnnnnn:`` prefix of
    ``description``; HTTP 429 and 5xx are throttled and transient whatever the body says.
    """
    text = _first_line(description or "") or (error or "") or (f"HTTP {status}" if status else "no detail")
    numbers = [int(n) for n in error_codes if isinstance(n, int) and not isinstance(n, bool)]
    if not numbers and description:
        numbers = [int(m) for m in _AADSTS.findall(description)]
    number = numbers[0] if numbers else None
    code = f"AADSTS{number}" if number is not None else (error or (f"HTTP {status}" if status else None))
    if status == 429:
        return _diagnosis(_C.THROTTLED, code, text, None)
    if number is not None and number in AADSTS_CAUSES:
        return _diagnosis(AADSTS_CAUSES[number], code, text, number)
    if status is not None and status >= 500:
        return _diagnosis(_C.TRANSIENT, code, text, None)
    if error and error in _ERROR_FIELD:
        return _diagnosis(_ERROR_FIELD[error], code, text, None)
    return Diagnosis(cause=_C.UNKNOWN, code=code, retryable=False, message=text, fix=_GENERIC_FIX[_C.UNKNOWN])


# Exchange's replies, most specific first: "5.7.30" must not read as "5.7.3".
_SMTP: Final[tuple[tuple[re.Pattern[str], str, SignInCause], ...]] = (
    (re.compile(r"\b535[ -]5\.7\.139\b"), "535 5.7.139", _C.SMTP_AUTH_DISABLED),
    (re.compile(r"\b550[ -]5\.7\.30\b"), "550 5.7.30", _C.BASIC_AUTH_RETIRED),
    (re.compile(r"\b535[ -]5\.7\.3\b"), "535 5.7.3", _C.SMTP_TOKEN_REJECTED),
)


def classify_smtp_reply(reply: str) -> Diagnosis | None:
    """Classify an Exchange SMTP reply seen with an OAuth token, or None when it is none of the known ones."""
    for pattern, code, cause in _SMTP:
        if pattern.search(reply):
            return _diagnosis(cause, code, _first_line(reply), None)
    return None


def classify_text(text: str | None) -> Diagnosis | None:
    """Classify free text carrying an SMTP reply or an ``AADSTSnnnnn`` code; None when it has neither."""
    if not text:
        return None
    smtp = classify_smtp_reply(text)
    if smtp is not None:
        return smtp
    match = _AADSTS.search(text)
    if match is None:
        return None
    return classify_oauth_error(error_codes=[int(match.group(1))], description=text)
