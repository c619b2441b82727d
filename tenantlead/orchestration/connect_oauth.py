"""Connect over OAuth with the agency's own Azure app, and the Smartlead slot prerequisite.

``connect(fleet, "oauth", microsoft=app, credentials=...)`` plans one item per mailbox; its
apply (``connect_apply``) runs, tenant batch by tenant batch:

1. **mint**: the password flow (confidential ROPC) per mailbox, at most ``per_tenant`` at once in
   a tenant, the first mailbox of each tenant alone (a tenant-wide refusal such as missing
   consent stops that tenant without another request), never more than two password requests
   per mailbox per run ([SignInLedger][tenantlead.microsoft.SignInLedger]);
2. **preflight**: each fresh refresh token redeemed once with the app's secret, exactly what
   Smartlead will do;
3. **save-oauth** (``type: OUTLOOK``, ``use_whitelabel_credentials=True``), then the account is
   read back and its connection state checked.

A mailbox that fails fails alone, with its TL4xx code and fix in the
[ItemResult][tenantlead.orchestration.ItemResult]. Passwords are held as
[Secret][tenantlead.microsoft.Secret] values, handed to the sign-in once and dropped.

**Free slots** (every strategy): Smartlead's API documents no count of the email-account slots a
plan has left, so the first create Smartlead refuses for the plan's limit stops further creates;
the remaining mailboxes are reported skipped with how many slots they need.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from tenantlead.errors import APIError, RateLimitError
from tenantlead.microsoft import (
    MailboxCredential,
    MicrosoftApp,
    Secret,
    SignInCause,
    SignInError,
    classify_text,
)
from tenantlead.orchestration.credentials import Credentials

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tenantlead.microsoft import ConsentResult, MicrosoftApp
    from tenantlead.orchestration.connect import ConnectItem
    from tenantlead.orchestration.fleet import Fleet

__all__ = [
    "MICROSOFT",
    "ConsentState",
    "Passwords",
    "SlotGate",
    "TenantConsent",
    "consent_for",
    "consent_states",
    "is_slot_limit",
    "read_back_problem",
    "text_finding",
]

#: The name orchestration flows address the Microsoft identity client by.
MICROSOFT: Final = "microsoft"

#: A tenant's admin-consent state in a plan: told granted or declined (``consent=``), else unknown.
ConsentState = Literal["granted", "declined", "unknown"]


# ----------------------------------------------------------------------------- consent per tenant


@attrs.frozen(kw_only=True)
class TenantConsent:
    """One tenant's admin-consent state for the agency app, as the plan knows it.

    Attributes:
        tenant_id: the tenant GUID.
        tenant_name: TenantCore's name for it.
        mailboxes: how many of its mailboxes the plan signs in.
        state: ``granted`` / ``declined`` when told (``consent=``, e.g. from
            ``tenantlead consent --wait``), else ``unknown``: the first sign-in of the tenant finds
            out, and a missing consent stops the tenant after that one request (TL406).
        consent_url: the URL a tenant admin opens to consent.
    """

    tenant_id: str
    tenant_name: str
    mailboxes: int
    state: ConsentState
    consent_url: str

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "tenant_id": self.tenant_id,
            "tenant_name": self.tenant_name,
            "mailboxes": self.mailboxes,
            "state": self.state,
            "consent_url": self.consent_url,
        }


def consent_states(consent: Any) -> dict[str, bool]:
    """``consent=`` as ``{tenant GUID (lower): granted}``.

    Accepts a mapping tenant GUID -> bool, an iterable of consented tenant GUIDs, or
    [ConsentResult][tenantlead.microsoft.ConsentResult] values (``granted=None`` is left unknown).
    """
    if consent is None:
        return {}
    if isinstance(consent, Mapping):
        out: dict[str, bool] = {}
        for key, value in consent.items():
            if not isinstance(value, bool):
                raise ValueError(f"consent[{key!r}] must be True or False, got {value!r}")
            out[str(key).lower()] = value
        return out
    if isinstance(consent, str):
        raise ValueError("consent= takes a list of tenant GUIDs (or a dict GUID -> bool), not one string")
    result: dict[str, bool] = {}
    for entry in consent:
        granted = getattr(entry, "granted", True)
        tenant = getattr(entry, "tenant_id", entry)
        if not isinstance(tenant, str):
            raise ValueError(f"consent= entries are tenant GUIDs or ConsentResult values, got {entry!r}")
        if granted is not None:
            result[tenant.lower()] = bool(granted)
    return result


def consent_for(results: Iterable[ConsentResult]) -> dict[str, bool]:
    """The ``consent=`` mapping from [admin_consent][tenantlead.microsoft.MicrosoftIdentity.admin_consent] answers."""
    return consent_states(list(results))


# ----------------------------------------------------------------------------- passwords


class Passwords:
    """The passwords of the mailboxes a plan signs in, each handed out once (then forgotten).

    Built at plan time from the credentials for the planned mailboxes only. ``repr`` shows a
    count; pickling carries no password (an unpickled copy is empty).
    """

    __slots__ = ("_secrets",)

    def __init__(self, credentials: Credentials | None = None, addresses: Iterable[str] = ()) -> None:
        self._secrets: dict[str, Secret] = {}
        if credentials is None:
            return
        for address in addresses:
            key = address.lower()
            if key in self._secrets:
                continue
            found = credentials.get(address)
            if found is not None:
                self._secrets[key] = Secret(found)

    def has(self, address: str) -> bool:
        """True while a password for ``address`` is held."""
        return address.lower() in self._secrets

    def take(self, address: str) -> Secret | None:
        """The password of ``address`` (a [Secret][tenantlead.microsoft.Secret]), removed from here."""
        return self._secrets.pop(address.lower(), None)

    def credential(self, item: ConnectItem) -> MailboxCredential | None:
        """The item's [MailboxCredential][tenantlead.microsoft.MailboxCredential], or None without a password.

        ``ValueError`` (the password has surrounding whitespace, the UPN is malformed) says what
        to fix and never quotes the password.
        """
        secret = self.take(item.address)
        if secret is None:
            return None
        try:
            return MailboxCredential(item.tenant_id or "", item.login or item.address, secret.reveal())
        finally:
            secret.clear()

    def __len__(self) -> int:
        return len(self._secrets)

    def __repr__(self) -> str:
        return f"<Passwords for {len(self._secrets)} mailboxes (hidden)>"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        return (Passwords, ())


# ----------------------------------------------------------------------------- the slot limit

#: Words of a refusal for the plan's email-account limit. Smartlead documents neither a slot
#: count nor the refusal's text, so it is recognised by its wording: a limit/plan word *and* an
#: account word, on an email-account create that is none of the documented refusals.
_LIMIT_WORDS = re.compile(r"\b(limit|limits|plan|upgrade|slots?|maximum|max|quota|seats?)\b", re.IGNORECASE)
_ACCOUNT_WORDS = re.compile(
    r"\b(e-?mail\s*accounts?|mail\s*boxes|mailboxes|mailbox|inboxes|inbox|accounts?)\b", re.I
)
_NOT_SLOTS = frozenset(
    {"ACCOUNT_ALREADY_EXIST", "ACCOUNT_VERIFICATION_FAILED", "ACCOUNT_NOT_FOUND", "RATE_LIMIT_EXCEEDED"}
)


def _texts(error: APIError) -> Iterator[str]:
    yield error.message or ""
    body = error.body
    if isinstance(body, Mapping):
        for key in ("message", "error", "errorCode"):
            value = body.get(key)
            if isinstance(value, str):
                yield value


def is_slot_limit(error: BaseException) -> bool:
    """True when Smartlead refused an email-account create because the plan has no free slot.

    Not a slot refusal: 429/rate limiting, ``ACCOUNT_ALREADY_EXIST``, a failed SMTP/IMAP
    verification, Joi validation errors, network failures.
    """
    if not isinstance(error, APIError) or isinstance(error, RateLimitError):
        return False
    if error.api != "smartlead" or error.status_code is None or error.status_code == 429:
        return False
    if error.status_code >= 500 and error.status_code != 500:
        return False  # 502/503/504: the gateway, not the plan
    if (error.code or "") in _NOT_SLOTS:
        return False
    body = error.body
    if isinstance(body, Mapping) and "validation" in body:
        return False  # Joi: a field is wrong
    text = " ".join(_texts(error))
    return bool(_LIMIT_WORDS.search(text) and _ACCOUNT_WORDS.search(text))


class SlotGate:
    """Stops creating once Smartlead refused a create for the plan's limit; counts what is left."""

    def __init__(self, planned: int) -> None:
        self.planned = planned
        self.full = False
        self.refusal = ""
        self.remaining = 0

    def close(self, error: BaseException, remaining: int) -> None:
        """Record the first slot refusal; ``remaining`` mailboxes (this one included) are not created."""
        if not self.full:
            self.full = True
            self.refusal = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self.remaining = remaining

    def reason(self) -> str:
        """The skip reason of a mailbox not created because the slots ran out."""
        n = self.remaining
        return (
            f"not created: Smartlead refused new email accounts for the plan's limit ({self.refusal}); "
            f"{n} mailbox{'es' if n != 1 else ''} of this run need {n} free slot{'s' if n != 1 else ''}"
        )

    def fix(self) -> str:
        """What to do about it."""
        return (
            f"Free or buy {self.remaining} email-account slots in Smartlead (Settings -> Plans, or delete "
            "unused accounts), then run connect again: accounts already created are skipped."
        )


# ----------------------------------------------------------------------------- read back


def text_finding(text: str | None) -> tuple[str, str] | None:
    """``(TL4xx code, fix)`` of free text naming Microsoft's reason (an AADSTS code or an SMTP reply), else None."""
    diagnosis = classify_text(text)
    if diagnosis is None:
        return None
    from tenantlead.orchestration.checks_microsoft import CODE_FOR_CAUSE

    return CODE_FOR_CAUSE[diagnosis.cause], diagnosis.fix


def read_back_problem(account: Any) -> tuple[str, str, str] | None:
    """``(code, detail, fix)`` when a saved OUTLOOK account reads back not connected, else None."""
    smtp_ok = getattr(account, "is_smtp_success", None)
    imap_ok = getattr(account, "is_imap_success", None)
    if smtp_ok is not False and imap_ok is not False:
        return None
    text = (
        getattr(account, "smtp_failure_error", None) or getattr(account, "imap_failure_error", None) or ""
    ).strip()
    found = text_finding(text)
    if found is None:
        from tenantlead.orchestration.checks_microsoft import CODE_FOR_CAUSE

        found = (CODE_FOR_CAUSE[SignInCause.UNKNOWN], "Read Smartlead's error text; reconnect the account.")
    code, fix = found
    return code, f"saved, but Smartlead reads it back not connected: {text or 'no error text'}", fix


def sign_in_result(error: SignInError, app: MicrosoftApp | None) -> tuple[str, str, str]:
    """``(code, detail, fix)`` of a failed sign-in (its TL4xx finding)."""
    from tenantlead.orchestration.checks_microsoft import finding_for

    finding = finding_for(error, app=app)
    return finding.code, f"Microsoft sign-in failed: {finding.message}", finding.fix


def check_microsoft(microsoft: Any, tokens: Any, credentials: Any, per_tenant: Any, at_once: Any) -> None:
    """Refuse ``connect(..., microsoft=...)`` arguments that cannot work, saying what to pass."""
    from tenantlead.microsoft import MicrosoftApp

    if not isinstance(microsoft, MicrosoftApp):
        raise TypeError(f"microsoft= must be a MicrosoftApp (your Azure app), got {type(microsoft).__name__}")
    if tokens is not None:
        raise ValueError("pass microsoft= (sign the mailboxes in) or tokens= (your own tokens), not both")
    if credentials is None:
        raise ValueError(
            "strategy='oauth' with microsoft= needs credentials=: the email,password CSV exported from the "
            "TenantCore app (Mailboxes page), a dict or a callable"
        )
    for name, value in (("per_tenant", per_tenant), ("tenants_at_once", at_once)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")


def consent_table(
    fleet: Fleet, items: Sequence[ConnectItem], app: MicrosoftApp, consented: Mapping[str, bool]
) -> tuple[TenantConsent, ...]:
    """Each tenant with mailboxes to sign in: how many, its admin-consent state and URL."""
    counts: dict[str, int] = {}
    for item in items:
        if item.tenant_id and (item.action == "create" or item.code == "TL406"):
            counts[item.tenant_id] = counts.get(item.tenant_id, 0) + (item.action == "create")
    names = {t.tenant_id: t.tenant_name for t in fleet.tenants}
    table = []
    for tenant_id, n in counts.items():
        known = consented.get(tenant_id.lower())
        state: Any = "unknown" if known is None else ("granted" if known else "declined")
        table.append(
            TenantConsent(
                tenant_id=tenant_id,
                tenant_name=str(names.get(tenant_id) or tenant_id),
                mailboxes=n,
                state=state,
                consent_url=app.admin_consent_url(tenant_id, state="tenantlead"),
            )
        )
    return tuple(table)
