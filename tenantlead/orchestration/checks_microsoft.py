"""TL4xx: Microsoft sign-in and OAuth SMTP failures, one check per [SignInCause][tenantlead.microsoft.SignInCause].

Each check reads the fleet's Smartlead **OUTLOOK** (OAuth) accounts whose SMTP/IMAP login fails
and classifies the error text Smartlead keeps (an ``AADSTSnnnnn`` code from its token refresh,
or Exchange's ``535``/``550`` reply) with [classify_text][tenantlead.microsoft.classify_text].
A sign-in that failed before anything reached Smartlead (the password or browser flow) becomes
the same finding through [finding_for][tenantlead.orchestration.checks_microsoft.finding_for],
which is what ``connect`` over OAuth reports per mailbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from tenantlead.microsoft import Diagnosis, MicrosoftApp, SignInCause, SignInError, classify_text
from tenantlead.microsoft.classify import BASIC_AUTH_FIX
from tenantlead.orchestration.checks_model import CheckFunction, CheckPolicy, Finding, Severity, SubjectKind
from tenantlead.orchestration.checks_rules import CHECKS, _finding, _ids, _register
from tenantlead.smartlead.models import EmailAccount, EmailAccountType

if TYPE_CHECKING:
    from tenantlead.orchestration.fleet import Fleet

__all__ = ["CODE_FOR_CAUSE", "finding_for", "oauth_failure", "resave_fix"]

_C = SignInCause
_CONSENT = "MicrosoftApp().admin_consent_url(tenant_id) or `tenantlead consent`"


def resave_fix(account_id: int | str = "<account id>") -> str:
    """How to save a fresh OAuth token on an existing OUTLOOK account, in place (TL409, TL413).

    ``connect`` plans an account that exists as skip or update and never saves a token on it,
    and ``tenantlead migrate`` moves only SMTP accounts, so the working step is the
    ``save-oauth`` update with the account's ``id``: it keeps the id, campaigns and warmup
    history. ``account_id`` fills the call in (a finding passes its account's id).
    """
    return (
        "Keep the account (deleting it loses its warmup history) and save a fresh OAuth token on it in place - "
        "sign the mailbox in again with the agency app (MicrosoftIdentity(app).sign_in_with_password(credential), "
        "or browser_sign_in(tenant_id, address) behind MFA), then "
        f"sl.email_accounts.create_oauth(id={account_id}, from_name=..., from_email=..., username=<UPN>, "
        "token=token.to_smartlead(), use_whitelabel_credentials=True), Smartlead's save-oauth update, which keeps "
        "the id and campaigns. `tenantlead connect` does not do this: it skips an account that exists."
    )


#: What comes before the re-save step in the fix of each cause whose step it is.
_RESAVE_PREFIX: Final[dict[SignInCause, str]] = {
    _C.GRANT_EXPIRED: "A new sign-in mints a new grant: ",
    _C.SMTP_TOKEN_REJECTED: "Check the token's audience is https://outlook.office.com and its user the "
    "mailbox, and that SMTP AUTH is on (TL412); then ",
}


def _resave(cause: SignInCause, account_id: int | str = "<account id>") -> str:
    step = resave_fix(account_id)
    return _RESAVE_PREFIX[cause] + step[:1].lower() + step[1:]


#: (code, cause, severity, subject, title, description, fix): one row per TL4xx check.
_TABLE: Final[tuple[tuple[str, SignInCause, Severity, SubjectKind, str, str, str], ...]] = (
    (
        "TL401",
        _C.BAD_CREDENTIALS,
        Severity.ERROR,
        "mailbox",
        "Microsoft sign-in: wrong password or user",
        "Microsoft refused the mailbox's UPN or password (AADSTS50126, 50034, 50056).",
        "Re-copy the password from the TenantCore app's Mailboxes page (case-sensitive, no surrounding "
        "spaces) and run again; the SDK tries a mailbox at most twice per run because smart lockout locks "
        "it after 10 failures.",
    ),
    (
        "TL402",
        _C.ACCOUNT_DISABLED,
        Severity.ERROR,
        "mailbox",
        "Microsoft sign-in: account disabled",
        "The mailbox's Entra account is disabled (AADSTS50057): it cannot sign in or refresh its token.",
        "Enable it in TenantCore: tc.mailboxes.update(tenant_id, mailbox_id, account_enabled=True), then "
        "run connect again.",
    ),
    (
        "TL403",
        _C.ACCOUNT_LOCKED,
        Severity.ERROR,
        "mailbox",
        "Microsoft sign-in: account locked",
        "Smart lockout or a risky-IP block locked the account (AADSTS50053).",
        "Stop retrying it; wait at least a minute (longer after repeated lockouts), check the tenant's "
        "sign-in logs, re-copy the password from TenantCore, then run again.",
    ),
    (
        "TL404",
        _C.PASSWORD_EXPIRED,
        Severity.ERROR,
        "mailbox",
        "Microsoft sign-in: password expired",
        "The mailbox's password has expired (AADSTS50055).",
        "Reset the password in TenantCore or the Microsoft 365 admin center, copy the new one into the "
        "credentials file, and run again.",
    ),
    (
        "TL405",
        _C.MFA_OR_POLICY,
        Severity.ERROR,
        "mailbox",
        "Microsoft sign-in: MFA, security defaults or Conditional Access",
        "The password flow cannot pass the tenant's MFA, security defaults or Conditional Access (AADSTS50076, "
        "50079, 50072, 50074, 50158, 53003, 530035, 530032, 50131, 50107).",
        "Sign the mailbox in with the browser flow (MicrosoftIdentity.browser_sign_in, a person completes "
        "MFA), or have a tenant admin turn security defaults off (Entra admin center → Overview → Properties) "
        "or exclude the mailboxes from the Conditional Access policy.",
    ),
    (
        "TL406",
        _C.CONSENT_MISSING,
        Severity.ERROR,
        "tenant",
        "Microsoft sign-in: admin consent missing",
        "No admin of the tenant has consented to the agency's app (AADSTS65001, 65004, 65005, 650056, "
        "650057, 700016): no mailbox there can sign in.",
        f"A tenant admin opens that tenant's admin-consent URL ({_CONSENT}) and accepts; then run again.",
    ),
    (
        "TL407",
        _C.APP_MISCONFIGURED,
        Severity.ERROR,
        "mailbox",
        "Microsoft sign-in: app misconfigured or secret expired",
        "The Azure app registration, its secret, or the tokens' client type is wrong (AADSTS7000218, "
        "700025, 7000215, 70002, 7000222, 50194, 70011, 700022, or a token without a refresh token).",
        "In Entra: make the app multi-tenant, keep Web redirects only (Smartlead's callback and "
        "http://localhost/tenantlead/callback), turn 'Allow public client flows' off, grant the Outlook "
        "delegated permissions plus offline_access, create a new secret if it expired; put the same client "
        "id and secret in MICROSOFT_CLIENT_ID/MICROSOFT_CLIENT_SECRET and in Smartlead → Settings → OAuth "
        "Configuration → Outlook, then sign the mailboxes in again.",
    ),
    (
        "TL408",
        _C.TENANT_NOT_FOUND,
        Severity.ERROR,
        "tenant",
        "Microsoft sign-in: tenant not found",
        "Microsoft does not know the tenant, or it has no Exchange Online yet (AADSTS90002, 500011).",
        "Check the tenant GUID in TenantCore (tc.tenants.list()); for a brand-new tenant wait until TenantCore "
        "reports Exchange ready, then run again.",
    ),
    (
        "TL409",
        _C.GRANT_EXPIRED,
        Severity.ERROR,
        "mailbox",
        "Microsoft OAuth: grant revoked or expired",
        "The refresh token was revoked or expired (AADSTS50173, 70008, 700082, 70043, 54005, 70000): "
        "Smartlead can no longer refresh the account.",
        _resave(_C.GRANT_EXPIRED),
    ),
    (
        "TL410",
        _C.THROTTLED,
        Severity.WARNING,
        "mailbox",
        "Microsoft sign-in: throttled",
        "Microsoft throttled the sign-in (HTTP 429, AADSTS50196, 90055); the SDK backed off and gave up "
        "for this run.",
        "Run again later (finished mailboxes are skipped), with lower concurrency per tenant.",
    ),
    (
        "TL411",
        _C.TRANSIENT,
        Severity.INFO,
        "mailbox",
        "Microsoft sign-in: transient failure",
        "A transient Microsoft error or no answer (5xx, AADSTS50000, 50033, 90024, a timeout).",
        "Run again; completed mailboxes are skipped.",
    ),
    (
        "TL412",
        _C.SMTP_AUTH_DISABLED,
        Severity.ERROR,
        "mailbox",
        "OAuth SMTP: SMTP AUTH disabled",
        "Exchange answers 535 5.7.139: SMTP AUTH is off for the tenant or mailbox, and OAuth SMTP needs it too.",
        "Enable Authenticated SMTP for the mailbox (Exchange admin center → mailbox → Email apps, or "
        "Set-CASMailbox -SmtpClientAuthenticationDisabled $false) or the tenant (Set-TransportConfig "
        "-SmtpClientAuthenticationDisabled $false); security defaults also turn it off. Then reconnect.",
    ),
    (
        "TL413",
        _C.SMTP_TOKEN_REJECTED,
        Severity.ERROR,
        "mailbox",
        "OAuth SMTP: token rejected",
        "Exchange answers 535 5.7.3 to the OAuth login: the token is for another resource (Graph) or user, "
        "expired, or SMTP AUTH is blocked.",
        _resave(_C.SMTP_TOKEN_REJECTED),
    ),
    (
        "TL414",
        _C.BASIC_AUTH_RETIRED,
        Severity.ERROR,
        "mailbox",
        "Outlook account on basic auth",
        "Exchange answers 550 5.7.30 to an Outlook account: Smartlead logged in with a password (basic auth), "
        "which Exchange no longer accepts for the tenant, so the account holds no OAuth token it uses.",
        BASIC_AUTH_FIX,
    ),
    (
        "TL415",
        _C.UNKNOWN,
        Severity.WARNING,
        "mailbox",
        "Microsoft sign-in: unknown error",
        "A Microsoft error the SDK does not classify; Microsoft's own text is kept in the finding.",
        "Read Microsoft's text and look the code up at https://login.microsoftonline.com/error?code=<number>; "
        "other mailboxes are not affected.",
    ),
)

#: The TL4xx code of each cause.
CODE_FOR_CAUSE: Final = {cause: code for code, cause, *_ in _TABLE}


def oauth_failure(account: EmailAccount | None) -> tuple[Diagnosis, str] | None:
    """``(diagnosis, text)`` when ``account`` is an OUTLOOK account whose login fails for Microsoft's reason.

    The reason is read from the text Smartlead keeps (an ``AADSTSnnnnn`` code or an Exchange
    ``535``/``550`` reply); None for any other account. Such an account is reported by its TL4xx
    check alone: TL202 leaves it out, so one cause gives one finding.
    """
    if account is None or account.type != EmailAccountType.OUTLOOK:
        return None
    if account.is_smtp_success is not False and account.is_imap_success is not False:
        return None
    text = account.smtp_failure_error or account.imap_failure_error or ""
    diagnosis = classify_text(text)
    return None if diagnosis is None else (diagnosis, text.strip())


def _oauth_failures(fleet: Fleet, cause: SignInCause) -> Iterator[tuple[object, Diagnosis, str]]:
    for row in fleet.rows:
        failure = oauth_failure(row.account)
        if failure is not None and failure[0].cause is cause:
            yield row, failure[0], failure[1]


def _make(code: str, cause: SignInCause) -> CheckFunction:
    def check(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
        seen: set[str] = set()
        for row, diagnosis, text in _oauth_failures(fleet, cause):
            tenant_id = row.tenant_id  # type: ignore[attr-defined]
            subject = row.address if CHECKS[code].subject_kind == "mailbox" else str(tenant_id)  # type: ignore[attr-defined]
            if subject in seen:
                continue
            seen.add(subject)
            fix = diagnosis.fix
            if diagnosis.cause in _RESAVE_PREFIX:
                fix = _resave(diagnosis.cause, row.account.id)  # type: ignore[attr-defined]
            yield _finding(
                code,
                subject,
                tenant_id,
                f"Smartlead's OAuth login fails — {diagnosis.cause.value}: {text}",
                fix,
                **_ids(row),  # type: ignore[arg-type]
                cause=diagnosis.cause.value,
                error_code=diagnosis.code,
                error=text,
            )

    check.__doc__ = f"{code}: OUTLOOK accounts whose login fails with a {cause.value} error."
    return check


for _code, _cause, _severity, _subject, _title, _description, _fix in _TABLE:
    _register(_code, title=_title, severity=_severity, subject=_subject, description=_description, fix=_fix)(
        _make(_code, _cause)
    )


def finding_for(
    error: SignInError, *, app: MicrosoftApp | None = None, subject: str | None = None
) -> Finding:
    """The TL4xx finding for a failed sign-in (password flow, browser flow, preflight or consent).

    ``app`` adds the tenant's admin-consent URL to a TL406 fix. ``subject`` defaults to the
    mailbox (or the tenant GUID for tenant-level codes). Microsoft's text, the code, trace and
    correlation ids go in ``details``; no secret is ever part of a ``SignInError``.
    """
    code = CODE_FOR_CAUSE[error.cause]
    check = CHECKS[code]
    fix = error.fix
    if error.cause is SignInCause.CONSENT_MISSING and error.tenant_id:
        where = app.admin_consent_url(error.tenant_id) if app is not None else _CONSENT
        fix = f"A tenant admin opens {where} and accepts; then run again."
    if subject is None:
        subject = (
            (error.tenant_id if check.subject_kind == "tenant" else error.username) or error.tenant_id or "?"
        )
    return _finding(
        code,
        subject,
        error.tenant_id,
        f"{error.cause.value}: {error.detail}",
        fix,
        username=error.username,
        error_code=error.code,
        status_code=error.status_code,
        retryable=error.retryable,
        attempts=error.attempts,
        trace_id=error.trace_id,
        correlation_id=error.correlation_id,
    )
