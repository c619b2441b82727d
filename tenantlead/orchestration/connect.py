"""``connect``: add every TenantCore mailbox to Smartlead as its own email account.

``connect(fleet, strategy, ...)`` is pure: it checks the prerequisites of TenantCore's Smartlead
guide (tenant ready, domain verified, mailbox active, propagation over), detects accounts that
already exist, and plans one item per mailbox with the settings the new account gets (the
aligned daily limit, the sending gap, the agency client, tags). :meth:`ConnectPlan.apply` writes.

Strategies:

- ``"oauth"`` (recommended): Microsoft tokens from a :class:`MicrosoftTokenProvider` you pass,
  pushed with ``save-oauth`` as ``type: OUTLOOK``. TenantCore's guide connects through Microsoft
  sign-in, and Microsoft turns basic-auth SMTP off for existing tenants at the end of December
  2026.
- ``"smtp"`` (legacy): passwords from :func:`load_credentials` (a CSV copied from the TenantCore
  app - the API has no passwords), Office 365 SMTP/IMAP settings, one account per mailbox.
- ``"manual"``: a hand-off list a person follows in the Smartlead app; ``apply`` then finds the
  accounts they added and applies the settings, and :func:`wait_until_connected` polls until
  each shows connected.

Re-running is safe: existing accounts are detected in the fleet and, at apply time, Smartlead's
``ACCOUNT_ALREADY_EXIST`` answer is treated as "already there" (the settings are applied to it).
"""

from __future__ import annotations

import csv
import inspect
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TextIO, cast, runtime_checkable

import attrs

from tenantlead.errors import APIError, NotFoundError, TenantleadError
from tenantlead.orchestration._render import Tabular, text_table
from tenantlead.orchestration._runner import Op, check_concurrency, run_async, run_sync
from tenantlead.orchestration.fleet import Fleet, FleetRow, normalize_address
from tenantlead.orchestration.policy import LimitPolicy
from tenantlead.orchestration.results import (
    ApplyResult,
    ItemResult,
    Progress,
    _Collector,
    describe_error,
    partial_note,
)
from tenantlead.orchestration.views import (
    CONNECT_SUMMARY_COLUMNS,
    attach_tenants,
    connect_plan_rows,
    connect_plan_summary,
    subject_tenants,
)
from tenantlead.smartlead.models import EmailAccount
from tenantlead.tenantcore.models import ExchangeBootstrapStatus

if TYPE_CHECKING:
    from tenantlead.smartlead import AsyncSmartlead, Smartlead

__all__ = [
    "IMAP_HOST",
    "IMAP_PORT",
    "SMTP_HOST",
    "SMTP_PORT",
    "STRATEGIES",
    "ConnectItem",
    "ConnectPlan",
    "ConnectSettings",
    "Credentials",
    "CredentialsError",
    "MicrosoftTokenProvider",
    "await_until_connected",
    "connect",
    "load_credentials",
    "wait_until_connected",
]

#: Office 365 submission and IMAP endpoints (port 465 times out for Office 365: use 587).
SMTP_HOST = "smtp.office365.com"
SMTP_PORT = 587
IMAP_HOST = "outlook.office365.com"
IMAP_PORT = 993

Strategy = Literal["oauth", "smtp", "manual"]
STRATEGIES: tuple[str, ...] = ("oauth", "smtp", "manual")
ItemAction = Literal["create", "update", "skip", "manual"]

BASIC_AUTH_WARNING = (
    "SMTP (basic auth) is the legacy path: Microsoft turns basic-auth SMTP AUTH off by default for "
    "existing tenants at the end of December 2026 (then logins fail with 550 5.7.30); prefer "
    "OAuth: connect(fleet, 'oauth', tokens=...) in Python, or the Smartlead app's Microsoft "
    "sign-in (strategy 'manual' lists the mailboxes)"
)

_EMAIL = re.compile(r"^[^@\s,;<>]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


# ----------------------------------------------------------------------------- credentials


class CredentialsError(TenantleadError, ValueError):
    """A credentials source is unusable; the message names the row and what to fix."""


class Credentials:
    """Mailbox passwords by address. Never shown: ``repr``/``str`` give only a count.

    Build with :func:`load_credentials`. ``get(email)`` returns the password or None.
    """

    __slots__ = ("_lookup", "_passwords")

    def __init__(
        self,
        passwords: Mapping[str, str] | None = None,
        lookup: Callable[[str], str | None] | None = None,
    ) -> None:
        self._passwords = dict(passwords or {})
        self._lookup = lookup

    def get(self, email: str) -> str | None:
        """The password of ``email`` (case-insensitive), or None when the source has none."""
        key = normalize_address(email)
        if self._lookup is not None:
            value = self._lookup(key)
            if value is None:
                return None
            if not isinstance(value, str):
                raise CredentialsError(
                    f"the credentials callable returned {type(value).__name__} for {key}: return the "
                    "password as a str, or None when you have none"
                )
            return value or None
        return self._passwords.get(key)

    def __contains__(self, email: object) -> bool:
        return isinstance(email, str) and self.get(email) is not None

    @property
    def emails(self) -> list[str]:
        """The addresses with a password (empty for a callable source, which is asked per address)."""
        return sorted(self._passwords)

    def __len__(self) -> int:
        return len(self._passwords)

    def __repr__(self) -> str:
        if self._lookup is not None:
            return "<Credentials from a callable (passwords hidden)>"
        return f"<Credentials for {len(self._passwords)} mailboxes (passwords hidden)>"

    __str__ = __repr__


def _read_csv(handle: TextIO, origin: str) -> Credentials:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise CredentialsError(
            f"{origin} is empty: expected a header line 'email,password' and one row per mailbox"
        )
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in ("email", "password") if c not in names]
    if missing:
        raise CredentialsError(
            f"{origin} row 1 (header) has no {' or '.join(repr(m) for m in missing)} column: found "
            f"{', '.join(repr(h) for h in header) or 'nothing'}; name the columns email,password"
        )
    ei, pi = names.index("email"), names.index("password")
    out: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue  # blank lines (trailing newline, spreadsheet exports)
        if len(fields) <= max(ei, pi):
            raise CredentialsError(
                f"{origin} row {number} has {len(fields)} columns: it needs email and password"
            )
        if len(fields) > len(header):
            # An unquoted comma inside a password splits it: loading the first piece would fail
            # later as a wrong password, so stop here and say how to fix the file.
            raise CredentialsError(
                f"{origin} row {number} has {len(fields)} columns but the header has {len(header)}: "
                'a password containing a comma must be quoted ("pa,ss"); re-export the CSV'
            )
        email = fields[ei].strip()
        password = fields[pi]
        if not _EMAIL.match(email):
            raise CredentialsError(f"{origin} row {number}: {email!r} is not a valid email address")
        if not password.strip():
            raise CredentialsError(
                f"{origin} row {number}: the password of {email} is empty; copy it from the TenantCore app "
                "(Mailboxes page -> Copy the credentials)"
            )
        key = normalize_address(email)
        if key in out and out[key] != password:
            raise CredentialsError(
                f"{origin} row {number}: {email} already appeared on row {first_row[key]} with a different "
                "password; keep the one copied most recently from TenantCore (passwords are case-sensitive)"
            )
        out[key] = password
        first_row.setdefault(key, number)
    return Credentials(out)


def load_credentials(
    source: str | os.PathLike[str] | TextIO | Mapping[str, str] | Callable[[str], str | None] | Credentials,
) -> Credentials:
    """Mailbox passwords from a CSV (path, file object or text), a dict, or a callable.

    CSV: a header with ``email`` and ``password`` columns (any case; extra columns ignored), one
    row per mailbox - what you copy from the TenantCore app (the API returns no passwords).
    A dict maps email -> password; a callable takes an email and returns its password or None.
    Bad input raises :class:`CredentialsError` naming the row and the fix.
    """
    if isinstance(source, Credentials):
        return source
    if isinstance(source, os.PathLike):
        return _read_path(Path(source))
    if isinstance(source, str):
        if "\n" in source or "," in source:
            return _read_csv(io.StringIO(source), "credentials CSV")
        return _read_path(Path(source))
    if isinstance(source, Mapping):
        passwords: dict[str, str] = {}
        for email, password in source.items():
            if not isinstance(email, str) or not _EMAIL.match(email.strip()):
                raise CredentialsError(f"credentials key {email!r} is not a valid email address")
            if not isinstance(password, str) or not password.strip():
                raise CredentialsError(f"the password of {email} is empty or not a string")
            passwords[normalize_address(email)] = password
        return Credentials(passwords)
    if hasattr(source, "read"):
        return _read_csv(cast(TextIO, source), getattr(source, "name", "credentials file"))
    if callable(source):
        return Credentials(lookup=source)
    raise CredentialsError(
        f"credentials must be a CSV path, file object or text, a dict email -> password, or a callable; "
        f"got {type(source).__name__}"
    )


def _read_path(path: Path) -> Credentials:
    if not path.is_file():
        raise CredentialsError(
            f"no credentials file at {str(path)!r}: pass a CSV path, or the CSV text itself (header email,password)"
        )
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return _read_csv(handle, path.name)


# ----------------------------------------------------------------------------- OAuth tokens


@runtime_checkable
class MicrosoftTokenProvider(Protocol):
    """Supplies Microsoft OAuth tokens for mailboxes (you run the consent; Smartlead has no API for it).

    ``get_token(email)`` returns the ``save-oauth`` token shape: ``scope``
    (``https://outlook.office.com/.default``), ``token_type`` ``Bearer``, ``access_token``,
    ``refresh_token``, ``expiry_date`` (ms since the epoch); Microsoft's ``expires_in`` is also
    accepted. An async provider may return an awaitable (used by ``aapply``). See
    docs/orchestration.md for an MSAL example.
    """

    def get_token(self, email: str) -> Mapping[str, Any]:
        """The token for ``email``."""
        ...


class _CallableProvider:
    def __init__(self, fn: Callable[[str], Mapping[str, Any]]) -> None:
        self._fn = fn

    def get_token(self, email: str) -> Mapping[str, Any]:
        return self._fn(email)

    def __repr__(self) -> str:
        return "<token provider>"


def _provider(tokens: Any) -> MicrosoftTokenProvider:
    if isinstance(tokens, MicrosoftTokenProvider):
        return tokens
    if callable(tokens):
        return _CallableProvider(tokens)
    raise TypeError(
        "tokens must be a MicrosoftTokenProvider (an object with get_token(email)) or a callable "
        f"email -> token dict, got {type(tokens).__name__}"
    )


# ----------------------------------------------------------------------------- the plan


@attrs.frozen(kw_only=True)
class ConnectSettings:
    """What a connected account gets: daily limit, sending gap, client, tags, warmup."""

    max_email_per_day: int | None = None
    time_to_wait_in_mins: int | None = None
    client_id: int | None = None
    tag_ids: tuple[int, ...] = ()
    warmup_per_day: int | None = None

    def update_fields(self) -> dict[str, Any]:
        """Keyword arguments for ``sl.email_accounts.update`` (only what is set)."""
        out: dict[str, Any] = {}
        if self.max_email_per_day is not None:
            out["max_email_per_day"] = self.max_email_per_day
        if self.time_to_wait_in_mins is not None:
            out["time_to_wait_in_mins"] = self.time_to_wait_in_mins
        if self.client_id is not None:
            out["client_id"] = self.client_id
        return out

    def create_fields(self) -> dict[str, Any]:
        """Keyword options for ``create_smtp`` / ``create_oauth``."""
        out = self.update_fields()
        if self.warmup_per_day is not None:
            out["warmup_enabled"] = True
            out["total_warmup_per_day"] = self.warmup_per_day
        return out

    def describe(self) -> str:
        """The settings in words (for tables and the manual hand-off)."""
        parts = []
        if self.max_email_per_day is not None:
            parts.append(f"daily limit {self.max_email_per_day}")
        if self.time_to_wait_in_mins is not None:
            parts.append(f"gap {self.time_to_wait_in_mins} min")
        if self.warmup_per_day is not None:
            parts.append(f"warmup {self.warmup_per_day}/day")
        if self.client_id is not None:
            parts.append(f"client {self.client_id}")
        if self.tag_ids:
            parts.append(f"tags {list(self.tag_ids)}")
        return ", ".join(parts) or "Smartlead defaults"


@attrs.frozen(kw_only=True)
class ConnectItem:
    """One mailbox of a connect plan: what will happen and why."""

    address: str
    action: ItemAction
    reason: str
    tenant_id: str | None = None
    mailbox_id: str | None = None
    account_id: int | None = None
    from_name: str | None = None
    login: str | None = None
    settings: ConnectSettings = ConnectSettings()
    code: str | None = None
    tenant_name: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A flat JSON-ready dict (never a password)."""
        return {
            "address": self.address,
            "tenant_name": self.tenant_name,
            "action": self.action,
            "reason": self.reason,
            "settings": self.settings.describe() if self.action != "skip" else "",
            "code": self.code,
            "tenant_id": self.tenant_id,
            "mailbox_id": self.mailbox_id,
            "account_id": self.account_id,
            "max_email_per_day": self.settings.max_email_per_day,
            "time_to_wait_in_mins": self.settings.time_to_wait_in_mins,
            "client_id": self.settings.client_id,
            "tag_ids": list(self.settings.tag_ids),
        }


def _by_tenant(value: Any, row: FleetRow, what: str) -> Any:
    if value is None or not isinstance(value, Mapping):
        return value
    for key in (row.tenant_id, row.tenant.tenant_name if row.tenant is not None else None):
        if key is not None and key in value:
            return value[key]
    return None


def _check_tenant_keys(fleet: Fleet, mapping: Any, what: str) -> None:
    """A ``clients=``/``tags=`` key that names no tenant would silently leave accounts unassigned."""
    if not isinstance(mapping, Mapping):
        return
    known = {t.tenant_id for t in fleet.tenants} | {t.tenant_name for t in fleet.tenants if t.tenant_name}
    unknown = sorted(str(k) for k in mapping if k not in known)
    if unknown:
        names = ", ".join(sorted(f"{t.tenant_name!r} ({t.tenant_id})" for t in fleet.tenants)) or "none"
        raise ValueError(
            f"{what}= names tenants that are not in the fleet: {', '.join(repr(u) for u in unknown)}; "
            f"use a tenant GUID or its exact name (the fleet has {names})"
        )


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_clients_and_tags(clients: Any, tags: Any) -> None:
    """Refuse shapes that would otherwise send nonsense ids (a str is a Sequence of characters)."""
    if clients is not None and not _is_id(clients):
        if not isinstance(clients, Mapping):
            raise ValueError(
                "clients must be one Smartlead client id (int) or a dict tenant GUID/name -> client id, "
                f"got {type(clients).__name__}"
            )
        for key, value in clients.items():
            if value is not None and not _is_id(value):
                raise ValueError(
                    f"client id for {key!r} must be an int (Smartlead's client id), got {value!r}"
                )
    if tags is None:
        return

    def tag_list(value: Any) -> bool:
        return isinstance(value, Sequence) and not isinstance(value, str) and all(_is_id(v) for v in value)

    if isinstance(tags, Mapping):
        for key, value in tags.items():
            if value is not None and not tag_list(value):
                raise ValueError(
                    f"tags for {key!r} must be a list of Smartlead tag ids (ints), got {value!r}"
                )
    elif not tag_list(tags):
        raise ValueError(
            "tags must be a list of Smartlead tag ids (ints), or a dict tenant GUID/name -> list of tag ids, "
            f"got {tags!r}"
        )


def _prerequisite_problem(row: FleetRow, fleet: Fleet) -> tuple[str, str] | None:
    mailbox = row.mailbox
    assert mailbox is not None
    tenant = row.tenant
    if tenant is not None:
        # The same test as troubleshoot's TL107: a value the API did not report is not a failure.
        status = tenant.exchange_bootstrap_status
        reasons = []
        if status is not None and status != ExchangeBootstrapStatus.READY:
            reasons.append(f"Exchange bootstrap is {status}")
        if tenant.discovery_completed is False:
            reasons.append("discovery has not completed")
        if reasons:
            return "TL107", (
                f"tenant not ready ({' and '.join(reasons)}); connect it once TenantCore shows it ready"
            )
    if row.domain is None:
        return "TL103", (
            f"domain {row.domain_name} is not among the tenant's TenantCore domains (tc.domains.list): "
            "add and verify it first (the guide's prerequisite)"
        )
    if row.domain.is_verified is not True:
        return (
            "TL103",
            "domain not verified in TenantCore: finish DNS verification first (the guide's prerequisite)",
        )
    if mailbox.account_enabled is False:
        return "TL101", "mailbox is not active in TenantCore (account_enabled false): enable it first"
    if mailbox.is_propagating(fleet.loaded_at):
        ready = mailbox.ready_at
        when = ready.strftime("%H:%M UTC") if ready is not None else "a few minutes"
        return "TL105", f"mailbox still propagating in Exchange (ready about {when}): re-run after that"
    return None


def _settings_for(
    row: FleetRow, policy: LimitPolicy, client_id: int | None, tag_ids: Sequence[int]
) -> ConnectSettings:
    mailbox = row.mailbox
    assert mailbox is not None
    ceiling = mailbox.daily_send_limit if mailbox.daily_send_limit is not None else policy.default_ceiling
    warmup = policy.warmup_per_day
    limit = policy.allowed(ceiling, warmup or 0) if ceiling is not None else None
    gap = policy.needed_gap(limit) if limit is not None else None
    return ConnectSettings(
        max_email_per_day=limit,
        time_to_wait_in_mins=gap,
        client_id=client_id,
        tag_ids=tuple(tag_ids),
        warmup_per_day=warmup,
    )


def connect(
    fleet: Fleet,
    strategy: Strategy = "oauth",
    *,
    credentials: Any = None,
    tokens: MicrosoftTokenProvider | Callable[[str], Mapping[str, Any]] | None = None,
    policy: LimitPolicy | None = None,
    clients: Mapping[str, int] | int | None = None,
    tags: Mapping[str, Sequence[int]] | Sequence[int] | None = None,
    use_whitelabel_credentials: bool = False,
) -> ConnectPlan:
    """Plan connecting the fleet's TenantCore mailboxes to Smartlead (pure: no I/O).

    Args:
        fleet: the snapshot (``Fleet.load(tc, sl)``).
        strategy: ``"oauth"`` (recommended), ``"smtp"`` (legacy) or ``"manual"``.
        credentials: for ``"smtp"``: anything :func:`load_credentials` accepts.
        tokens: for ``"oauth"``: a :class:`MicrosoftTokenProvider` or a callable email -> token.
        policy: the :class:`LimitPolicy` new accounts are aligned with (default ``LimitPolicy()``):
            daily limit = the TenantCore ceiling minus headroom and planned warmup; gap from the
            sending window; ``warmup_per_day`` enables warmup at that volume.
        clients: agency option: Smartlead client id per tenant (keyed by tenant GUID or name),
            or one id for all. Existing accounts with another client are moved.
        tags: tag ids per tenant (GUID or name), or one list for all; added to new accounts.
        use_whitelabel_credentials: ``save-oauth`` flag for tokens minted by your own Azure app.
    """
    if strategy not in STRATEGIES:
        raise ValueError(
            f"unknown strategy {strategy!r}: use one of {', '.join(repr(s) for s in STRATEGIES)}"
        )
    if not isinstance(fleet, Fleet):
        raise TypeError(f"connect() needs a Fleet (Fleet.load(tc, sl)), got {type(fleet).__name__}")
    policy = policy if policy is not None else LimitPolicy()
    if not isinstance(policy, LimitPolicy):
        raise TypeError(f"policy must be a LimitPolicy, got {type(policy).__name__}")
    _check_clients_and_tags(clients, tags)
    _check_tenant_keys(fleet, clients, "clients")
    _check_tenant_keys(fleet, tags, "tags")
    creds: Credentials | None = None
    provider: MicrosoftTokenProvider | None = None
    if strategy == "smtp":
        if credentials is None:
            raise ValueError(
                "strategy='smtp' needs credentials=: a CSV (email,password) copied from the TenantCore app, "
                "a dict or a callable"
            )
        creds = load_credentials(credentials)
    elif strategy == "oauth":
        if tokens is None:
            raise ValueError(
                "strategy='oauth' needs tokens=: a MicrosoftTokenProvider (get_token(email) -> token dict); "
                "see docs/orchestration.md for an MSAL example"
            )
        provider = _provider(tokens)

    items: list[ConnectItem] = []
    for row in fleet.rows:
        mailbox = row.mailbox
        if mailbox is None:
            continue  # orphans are troubleshoot's business (TL203)
        client_id: int | None = clients if isinstance(clients, int) else _by_tenant(clients, row, "clients")
        tag_ids = tags if isinstance(tags, Sequence) else _by_tenant(tags, row, "tags") or ()
        settings = _settings_for(row, policy, client_id, tag_ids)
        common: dict[str, Any] = {
            "address": row.address,
            "tenant_id": row.tenant_id,
            "mailbox_id": mailbox.id,
            "from_name": mailbox.display_name or row.address,
            "login": (mailbox.user_principal_name or row.address),
        }
        account = row.account
        if account is not None:
            if client_id is not None and account.client_id != client_id:
                items.append(
                    ConnectItem(
                        **common,
                        action="update",
                        reason=f"already connected (account {account.id}); move it to client {client_id}",
                        account_id=account.id,
                        settings=ConnectSettings(client_id=client_id),
                    )
                )
            else:
                items.append(
                    ConnectItem(
                        **common,
                        action="skip",
                        reason=f"already connected (account {account.id}): nothing to create",
                        account_id=account.id,
                    )
                )
            continue
        problem = _prerequisite_problem(row, fleet)
        if problem is not None:
            items.append(ConnectItem(**common, action="skip", reason=problem[1], code=problem[0]))
            continue
        if strategy == "smtp":
            assert creds is not None
            if creds.get(row.address) is None:
                items.append(
                    ConnectItem(
                        **common,
                        action="skip",
                        reason=(
                            "no password for this mailbox in the credentials: copy it from the TenantCore app "
                            "(Mailboxes page -> Copy the credentials)"
                        ),
                    )
                )
                continue
            reason = f"add as SMTP account ({SMTP_HOST}:{SMTP_PORT}, IMAP {IMAP_HOST}:{IMAP_PORT})"
        elif strategy == "oauth":
            reason = "add as OUTLOOK account from Microsoft OAuth tokens (save-oauth)"
        else:
            reason = (
                "in Smartlead: Email Accounts -> Add Account -> Microsoft 365 -> sign in as this mailbox "
                "and Accept; then apply() sets: " + settings.describe()
            )
        items.append(
            ConnectItem(
                **common,
                action="manual" if strategy == "manual" else "create",
                reason=reason,
                settings=settings,
            )
        )

    warnings: list[str] = []
    if strategy == "smtp":
        warnings.append(BASIC_AUTH_WARNING)
    return ConnectPlan(
        strategy=strategy,
        items=attach_tenants(items, fleet),
        warnings=tuple(warnings),
        use_whitelabel_credentials=use_whitelabel_credentials,
        credentials=creds,
        tokens=provider,
    )


@attrs.frozen(kw_only=True)
class ConnectPlan(Tabular):
    """The per-mailbox connect plan; :meth:`apply` / :meth:`aapply` write it (idempotently)."""

    strategy: Strategy
    items: tuple[ConnectItem, ...] = ()
    warnings: tuple[str, ...] = ()
    use_whitelabel_credentials: bool = False
    credentials: Credentials | None = attrs.field(default=None, repr=False, eq=False)
    tokens: MicrosoftTokenProvider | None = attrs.field(default=None, repr=False, eq=False)

    columns = ("tenant_name", "address", "action", "settings", "reason")
    summary_columns = CONNECT_SUMMARY_COLUMNS
    row_noun = "mailboxes"
    view_name = "plan"
    int_columns = ("account_id", "max_email_per_day", "time_to_wait_in_mins", "client_id")

    @property
    def to_create(self) -> list[ConnectItem]:
        """Items that create an account (or, for ``manual``, that a person must add)."""
        return [i for i in self.items if i.action in ("create", "manual")]

    @property
    def to_update(self) -> list[ConnectItem]:
        """Existing accounts whose client changes."""
        return [i for i in self.items if i.action == "update"]

    @property
    def skipped(self) -> list[ConnectItem]:
        """Items left alone, each with its reason."""
        return [i for i in self.items if i.action == "skip"]

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to create or update."""
        return not self.to_create and not self.to_update

    def counts(self) -> dict[str, int]:
        """Items per action."""
        out = {"create": 0, "update": 0, "manual": 0, "skip": 0}
        for item in self.items:
            out[item.action] += 1
        return out

    def handoff(self) -> list[dict[str, Any]]:
        """For ``manual``: the list a person follows in the Smartlead app, one row per mailbox."""
        return [
            {
                "address": i.address,
                "sign_in_as": i.login,
                "steps": "Email Accounts -> Add Account -> Outlook / Microsoft 365 -> sign in -> Accept",
                "then_set": i.settings.describe(),
            }
            for i in self.items
            if i.action == "manual"
        ]

    def to_records(self) -> list[dict[str, Any]]:
        """One record per mailbox."""
        return [i.to_record() for i in self.items]

    def summary_records(self) -> list[dict[str, Any]]:
        """One record per tenant, problems first: mailboxes to connect, to update, blocked, connected."""
        return connect_plan_summary(self)

    def view_records(self) -> list[dict[str, Any]]:
        """Mailboxes a prerequisite blocks first (by the TL code's severity), then the work, then the rest."""
        return connect_plan_rows(self)

    def _view_notes(self) -> tuple[str, ...]:
        return self.warnings

    def to_dict(self) -> dict[str, Any]:
        """Strategy, warnings, counts and items as a JSON-ready dict (no passwords or tokens)."""
        return {
            "strategy": self.strategy,
            "warnings": list(self.warnings),
            "counts": self.counts(),
            "items": self.to_records(),
        }

    def _html_summary(self) -> str:
        c = self.counts()
        return (
            f"strategy {self.strategy}: {c['create'] + c['manual']} to connect, {c['update']} to update, "
            f"{c['skip']} skipped"
        )

    def __str__(self) -> str:
        lines = [f"ConnectPlan {self._html_summary()}"]
        lines += [f"WARNING: {w}" for w in self.warnings]
        connected = [i for i in self.items if i.action == "skip" and i.account_id is not None]
        shown = [i.to_record() for i in self.items if not (i.action == "skip" and i.account_id is not None)]
        lines.append(text_table(shown, list(self.columns), max_rows=self.max_display_rows))
        if connected:
            lines.append(f"{len(connected)} mailboxes already connected (see to_records() for each)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ConnectPlan {self._html_summary()}>"

    # ------------------------------------------------------------------ apply

    def apply(self, *, sl: Smartlead, progress: Progress | None = None) -> ApplyResult:
        """Create the planned accounts, then apply settings and tags; never stops at a failed item.

        An address Smartlead already has (``ACCOUNT_ALREADY_EXIST``, e.g. after an interrupted
        run) is not created twice: its settings are applied instead. On ``KeyboardInterrupt``
        the accounts already created stand; the exception carries ``partial_result``.
        """
        run = _ConnectRun(self, sl, progress)
        try:
            for phase in run.phases():
                ops, done = phase()
                run_sync(ops, done)
        except BaseException as exc:
            partial_note(
                exc, run.collector, "Load the fleet again and re-run connect: nothing is created twice."
            )
            raise
        return run.collector.result(verified=False)

    async def aapply(
        self, *, sl: AsyncSmartlead, progress: Progress | None = None, concurrency: int = 4
    ) -> ApplyResult:
        """Async :meth:`apply`, at most ``concurrency`` requests at a time."""
        gate = check_concurrency(concurrency)
        run = _ConnectRun(self, sl, progress)
        try:
            for phase in run.phases():
                ops, done = phase()
                await run_async(ops, done, gate)
        except BaseException as exc:
            partial_note(
                exc, run.collector, "Load the fleet again and re-run connect: nothing is created twice."
            )
            raise
        return run.collector.result(verified=False)


# ----------------------------------------------------------------------------- apply machinery


def _already_exists(error: Exception) -> tuple[bool, int | None]:
    """(True, id or None) when Smartlead answered ACCOUNT_ALREADY_EXIST."""
    if isinstance(error, APIError) and error.code == "ACCOUNT_ALREADY_EXIST":
        body = getattr(error, "body", None)
        account_id = body.get("emailAccountId") if isinstance(body, Mapping) else None
        return True, account_id if isinstance(account_id, int) else None
    return False, None


def _chain(first: Any, then: Callable[[Any], Any]) -> Any:
    """``then(first)``, awaiting ``first`` (and the result) when the client is async."""
    if inspect.isawaitable(first):

        async def chained() -> Any:
            value = then(await first)
            return (await value) if inspect.isawaitable(value) else value

        return chained()
    return then(first)


class _ConnectRun:
    """One apply run: phases of independent calls, shared by the sync and async drivers."""

    def __init__(self, plan: ConnectPlan, sl: Any, progress: Progress | None) -> None:
        if sl is None:
            raise ValueError("apply() needs sl= (a Smartlead client)")
        self.plan = plan
        self.sl = sl
        self.collector = _Collector(len(plan.items), progress, tenants=subject_tenants(plan.items))
        self.settle: list[tuple[ConnectItem, int, str]] = []  # (item, account id, how it was found)
        self.tag_targets: dict[tuple[int, ...], list[tuple[ConnectItem, int]]] = {}
        for item in plan.items:
            if item.action == "skip":
                self.collector.add(
                    ItemResult(
                        subject=item.address,
                        action="connect",
                        status="skipped",
                        detail=item.reason,
                        account_id=item.account_id,
                    )
                )

    def phases(
        self,
    ) -> list[Callable[[], tuple[list[Op[Any]], Callable[[Any, Any, Exception | None], None]]]]:
        return [self.create_phase, self.settle_phase, self.tag_phase]

    # ---------------------------------------------------------------- phase 1: create / look up

    def _create_call(self, item: ConnectItem) -> Callable[[], Any]:
        accounts = self.sl.email_accounts
        options = item.settings.create_fields()
        if self.plan.strategy == "smtp":
            creds = self.plan.credentials
            assert creds is not None
            return partial(
                accounts.create_smtp,
                from_name=item.from_name or item.address,
                from_email=item.address,
                user_name=item.login or item.address,
                password=creds.get(item.address) or "",
                smtp_host=SMTP_HOST,
                smtp_port=SMTP_PORT,
                imap_host=IMAP_HOST,
                imap_port=IMAP_PORT,
                **options,
            )
        provider = self.plan.tokens
        assert provider is not None

        def call() -> Any:
            return _chain(
                provider.get_token(item.address),
                lambda token: accounts.create_oauth(
                    from_name=item.from_name or item.address,
                    from_email=item.address,
                    username=item.login or item.address,
                    token=_check_token(token, item.address),
                    type="OUTLOOK",
                    use_whitelabel_credentials=self.plan.use_whitelabel_credentials,
                    **options,
                ),
            )

        return call

    def create_phase(
        self,
    ) -> tuple[list[Op[ConnectItem]], Callable[[ConnectItem, Any, Exception | None], None]]:
        ops: list[Op[ConnectItem]] = []
        for item in self.plan.items:
            if item.action == "create":
                ops.append(Op(item, self._create_call(item)))
            elif item.action == "manual":
                ops.append(Op(item, partial(self.sl.email_accounts.get_by_email, item.address)))
            elif item.action == "update" and item.account_id is not None:
                self.settle.append((item, item.account_id, "existing account"))
        return ops, self.created

    def created(self, item: ConnectItem, value: Any, error: Exception | None) -> None:
        if error is None:
            assert isinstance(value, EmailAccount)
            if item.action == "manual":
                self.settle.append((item, value.id, "connected by hand"))
                return
            self._tags_for(item, value.id)
            self.collector.add(
                ItemResult(
                    subject=item.address,
                    action=f"create {'SMTP' if self.plan.strategy == 'smtp' else 'OUTLOOK'} account",
                    status="succeeded",
                    detail=f"connected as account {value.id} ({item.settings.describe()})",
                    account_id=value.id,
                )
            )
            return
        if item.action == "manual" and isinstance(error, NotFoundError):
            self.collector.add(
                ItemResult(
                    subject=item.address,
                    action="find hand-added account",
                    status="skipped",
                    detail="not in Smartlead yet: follow the hand-off steps (plan.handoff()), then apply again",
                )
            )
            return
        exists, account_id = _already_exists(error)
        if exists and account_id is not None:
            self.settle.append((item, account_id, "already existed (ACCOUNT_ALREADY_EXIST)"))
            return
        detail = describe_error(error)
        if exists:
            detail = "the address is connected in another Smartlead user's workspace: " + detail
        self.collector.add(
            ItemResult(
                subject=item.address,
                action=f"connect ({self.plan.strategy})",
                status="failed",
                detail=detail,
                error=error,
            )
        )

    # ---------------------------------------------------------------- phase 2: settings on existing accounts

    def settle_phase(self) -> tuple[list[Op[tuple[ConnectItem, int, str]]], Callable[..., None]]:
        ops: list[Op[tuple[ConnectItem, int, str]]] = []
        for item, account_id, how in self.settle:
            call = self._settle_call(item, account_id)
            if call is not None:
                ops.append(Op((item, account_id, how), call))
            else:
                self.settled((item, account_id, how), None, None)
        return ops, self.settled

    def _settle_call(self, item: ConnectItem, account_id: int) -> Callable[[], Any] | None:
        """The writes that give an existing account the planned settings (None: nothing to write).

        A hand-added account, or one created by an interrupted run, has not had the planned
        warmup applied (``create_*`` sets it only on accounts it creates), so it is set here
        after the limit - the limit was planned with that warmup volume under the ceiling.
        """
        accounts = self.sl.email_accounts
        fields = item.settings.update_fields()
        warmup = item.settings.warmup_per_day if item.action != "update" else None
        if not fields and warmup is None:
            return None

        def warm(_: Any = None) -> Any:
            return accounts.update_warmup(account_id, warmup_enabled=True, total_warmup_per_day=warmup)

        if not fields:
            return warm
        if warmup is None:
            return partial(accounts.update, account_id, **fields)
        return lambda: _chain(accounts.update(account_id, **fields), warm)

    def settled(self, key: tuple[ConnectItem, int, str], value: Any, error: Exception | None) -> None:
        item, account_id, how = key
        if error is None and item.action != "update":
            self._tags_for(item, account_id)
        self.collector.add(
            ItemResult(
                subject=item.address,
                action="apply settings" if item.action != "update" else "move to client",
                status="succeeded" if error is None else "failed",
                detail=(
                    f"{how} (account {account_id}): {item.settings.describe()}"
                    if error is None
                    else describe_error(error)
                ),
                error=error,
                account_id=account_id,
            )
        )

    # ---------------------------------------------------------------- phase 3: tags

    def _tags_for(self, item: ConnectItem, account_id: int) -> None:
        if item.settings.tag_ids:
            self.tag_targets.setdefault(item.settings.tag_ids, []).append((item, account_id))

    def tag_phase(self) -> tuple[list[Op[list[tuple[ConnectItem, int]]]], Callable[..., None]]:
        ops: list[Op[list[tuple[ConnectItem, int]]]] = []
        for tag_ids, targets in self.tag_targets.items():
            ids = [a for _, a in targets]
            ops.append(Op(targets, partial(self.sl.email_accounts.add_tags, ids, list(tag_ids))))
        return ops, self.tagged

    def tagged(self, targets: list[tuple[ConnectItem, int]], value: Any, error: Exception | None) -> None:
        failed_ids: set[int] = set(getattr(value, "failed_ids", ()) or ())
        failed_ids |= {i.email_account_id for i in getattr(value, "failed_items", ()) if i.email_account_id}
        for item, account_id in targets:
            bad = error is not None or account_id in failed_ids
            self.collector.add(
                ItemResult(
                    subject=item.address,
                    action=f"add tags {list(item.settings.tag_ids)}",
                    status="failed" if bad else "succeeded",
                    detail=describe_error(error)
                    if error is not None
                    else ("tag request failed" if bad else "tagged"),
                    error=error,
                    account_id=account_id,
                )
            )


def _check_token(token: Any, email: str) -> Mapping[str, Any]:
    if not isinstance(token, Mapping):
        raise TypeError(
            f"the token provider returned {type(token).__name__} for {email}: return the token dict "
            "(scope, token_type, access_token, refresh_token, expiry_date)"
        )
    if token.get("expiry_date") is None and token.get("expires_in") is not None:
        from tenantlead.smartlead.models import OAuthToken

        return OAuthToken.from_microsoft(token).to_wire()
    return token


# ----------------------------------------------------------------------------- waiting for connections


def _connected(account: EmailAccount) -> bool:
    return account.is_smtp_success is True and account.is_imap_success is True


def _wait_outcome(
    emails: Sequence[str], seen: Mapping[str, EmailAccount], *, final: bool
) -> list[ItemResult]:
    out: list[ItemResult] = []
    for email in emails:
        account = seen.get(email)
        if account is not None and _connected(account):
            out.append(
                ItemResult(
                    subject=email,
                    action="wait until connected",
                    status="succeeded",
                    detail="connected",
                    account_id=account.id,
                )
            )
        elif final:
            detail = (
                "not in Smartlead yet"
                if account is None
                else (
                    f"added but not connected: {account.smtp_failure_error or account.imap_failure_error or 'pending'}"
                )
            )
            out.append(
                ItemResult(
                    subject=email,
                    action="wait until connected",
                    status="failed",
                    detail=f"timed out: {detail}",
                    account_id=account.id if account is not None else None,
                )
            )
    return out


def _wait_args(emails: Iterable[str], timeout: float, interval: float) -> list[str]:
    if isinstance(emails, str):
        raise TypeError("emails must be a list of addresses, not a single string")
    wanted = list(dict.fromkeys(normalize_address(e) for e in emails))
    if timeout < 0 or interval <= 0:
        raise ValueError("timeout must be >= 0 and interval > 0 (seconds)")
    return wanted


def wait_until_connected(
    sl: Smartlead,
    emails: Iterable[str],
    *,
    timeout: float = 600.0,
    interval: float = 30.0,
    progress: Progress | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> ApplyResult:
    """Poll Smartlead (one list pass, ``ceil(n/100)`` requests) until every address shows connected.

    Connected means the account exists with ``is_smtp_success`` and ``is_imap_success`` true.
    Returns succeeded per connected address and failed (with the last error text) for those
    still missing or failing at ``timeout`` seconds. Uses the client's clock and sleeper unless
    ``clock`` / ``sleep`` are given.
    """
    wanted = _wait_args(emails, timeout, interval)
    now: Callable[[], float] = clock or sl._clock
    pause: Callable[[float], None] = sleep or sl._sleep
    deadline = now() + timeout
    collector = _Collector(len(wanted), progress)
    pending = list(wanted)
    while True:
        seen = {normalize_address(a.from_email): a for a in sl.email_accounts.list()}
        final = now() >= deadline
        for result in _wait_outcome(pending, seen, final=final):
            collector.add(result)
        done = {r.subject for r in collector.items}
        pending = [e for e in pending if e not in done]
        if not pending:
            return collector.result(verified=True)
        pause(min(interval, max(0.0, deadline - now())) or interval)


async def await_until_connected(
    sl: AsyncSmartlead,
    emails: Iterable[str],
    *,
    timeout: float = 600.0,
    interval: float = 30.0,
    progress: Progress | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], Any] | None = None,
) -> ApplyResult:
    """Async :func:`wait_until_connected`."""
    wanted = _wait_args(emails, timeout, interval)
    now: Callable[[], float] = clock or sl._clock
    pause: Callable[[float], Any] = sleep or sl._sleep
    deadline = now() + timeout
    collector = _Collector(len(wanted), progress)
    pending = list(wanted)
    while True:
        seen = {normalize_address(a.from_email): a async for a in sl.email_accounts.list()}
        final = now() >= deadline
        for result in _wait_outcome(pending, seen, final=final):
            collector.add(result)
        done = {r.subject for r in collector.items}
        pending = [e for e in pending if e not in done]
        if not pending:
            return collector.result(verified=True)
        await pause(min(interval, max(0.0, deadline - now())) or interval)
