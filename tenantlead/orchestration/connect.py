"""``connect``: add every TenantCore mailbox to Smartlead as its own email account.

``connect(fleet, strategy, ...)`` is pure: it checks the prerequisites of TenantCore's Smartlead
guide (tenant ready, domain verified, mailbox active, propagation over), detects accounts that
already exist, and plans one item per mailbox with the settings the new account gets (the
aligned daily limit, the sending gap, the agency client, tags). [`ConnectPlan.apply`][tenantlead.orchestration.connect.ConnectPlan.apply] writes.

Strategies:

- ``"oauth"`` (recommended): with ``microsoft=`` (the agency's own Azure app,
  [MicrosoftApp][tenantlead.microsoft.MicrosoftApp]) and ``credentials=`` (the TenantCore
  export), each mailbox is signed in headless (password flow), its refresh token preflighted,
  and the tokens pushed with ``save-oauth`` as ``type: OUTLOOK`` (see ``connect_oauth``); or
  tokens from a [`MicrosoftTokenProvider`][tenantlead.orchestration.connect.MicrosoftTokenProvider] you pass (``tokens=``). TenantCore's guide
  connects through Microsoft sign-in, and Microsoft turns basic-auth SMTP off for existing
  tenants at the end of December 2026.
- ``"smtp"`` (legacy): passwords from [`load_credentials`][tenantlead.orchestration.credentials.load_credentials] (a CSV copied from the TenantCore
  app - the API has no passwords), Office 365 SMTP/IMAP settings, one account per mailbox.
- ``"manual"``: a hand-off list a person follows in the Smartlead app; ``apply`` then finds the
  accounts they added and applies the settings, and [`wait_connected`][tenantlead.orchestration.connect_wait.wait_connected] polls until each
  shows connected.

This module is the planner and the plan; the apply run is ``connect_apply``, waiting is
``connect_wait`` and the passwords are ``credentials`` (every name stays importable from here).

Re-running is safe and converges: existing accounts are detected in the fleet and compared with
the plan's client and tags (``connect_targets``): what one lacks - the tags an interrupted run
never wrote, a client - is planned as an ``"update"``, not skipped as "already connected". At
apply time, Smartlead's ``ACCOUNT_ALREADY_EXIST`` answer is treated as "already there" (the
settings are applied to it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import attrs

from tenantlead._core.redact import hide
from tenantlead.orchestration import _drive
from tenantlead.orchestration._render import Tabular, text_table
from tenantlead.orchestration._rules import not_ready_reasons
from tenantlead.orchestration.checks_migration import is_basic_auth_office365
from tenantlead.orchestration.connect_apply import (
    IMAP_HOST,
    IMAP_PORT,
    SMTP_HOST,
    SMTP_PORT,
    ConnectRun,
    adrive,
    browser_fallback,
    drive,
    resolve_tokens,
)
from tenantlead.orchestration.connect_oauth import (
    Passwords,
    TenantConsent,
    check_microsoft,
    consent_states,
    consent_table,
)
from tenantlead.orchestration.connect_targets import (
    by_tenant,
    check_clients_and_tags,
    check_tenant_keys,
    converge,
)
from tenantlead.orchestration.connect_wait import (
    await_connected,
    await_until_connected,
    wait_connected,
    wait_until_connected,
)
from tenantlead.orchestration.credentials import Credentials, CredentialsError, load_credentials
from tenantlead.orchestration.fleet import Fleet, FleetRow
from tenantlead.orchestration.policy import CONNECT_WARMUP_PER_DAY, LimitPolicy
from tenantlead.orchestration.results import (
    ApplyResult,
    OnProgress,
    Progress,
    partial_note,
    progress_callback,
)
from tenantlead.orchestration.views import (
    CONNECT_SUMMARY_COLUMNS,
    attach_tenants,
    connect_plan_rows,
    connect_plan_summary,
)
from tenantlead.orchestration.warmup_cache import WarmupCache

if TYPE_CHECKING:
    from tenantlead.microsoft import AsyncMicrosoftIdentity, MicrosoftApp, MicrosoftIdentity
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
    "TenantConsent",
    "await_connected",
    "await_until_connected",
    "connect",
    "load_credentials",
    "wait_connected",
    "wait_until_connected",
]

Strategy = Literal["oauth", "smtp", "manual"]
STRATEGIES: tuple[str, ...] = ("oauth", "smtp", "manual")
ItemAction = Literal["create", "update", "skip", "manual"]

BASIC_AUTH_WARNING = (
    "SMTP (basic auth) is the legacy path: Microsoft turns basic-auth SMTP AUTH off by default for "
    "existing tenants at the end of December 2026 (then logins fail with 550 5.7.30); prefer "
    "OAuth: tenantlead connect --strategy oauth --credentials FILE, or connect(fleet, 'oauth', "
    "microsoft=MicrosoftApp(), credentials=...) in Python"
)


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
        # The user's dict, as a mapping whose repr masks every value (frame locals, logs).
        return hide(self._fn(email))  # type: ignore[no-any-return]

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


def _prerequisite_problem(row: FleetRow, fleet: Fleet) -> tuple[str, str] | None:
    mailbox = row.mailbox
    assert mailbox is not None
    tenant = row.tenant
    reasons = not_ready_reasons(tenant) if tenant is not None else []
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
    # New accounts warm up by default; the warmup never takes more than the ceiling leaves.
    volume = CONNECT_WARMUP_PER_DAY if policy.warmup_per_day is None else policy.warmup_per_day
    if ceiling is not None and policy.count_warmup:
        volume = policy.warmup_that_fits(ceiling, volume)
    warmup = volume or None  # nothing fits under the ceiling: warmup stays off
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
    use_whitelabel_credentials: bool | None = None,
    microsoft: MicrosoftApp | None = None,
    consent: Any = None,
    per_tenant: int = 2,
    tenants_at_once: int = 8,
) -> ConnectPlan:
    """Plan connecting the fleet's TenantCore mailboxes to Smartlead (pure: no I/O).

    Args:
        fleet: the snapshot (``Fleet.load(tc, sl)``).
        strategy: ``"oauth"`` (recommended), ``"smtp"`` (legacy) or ``"manual"``.
        credentials: for ``"smtp"``, and ``"oauth"`` with ``microsoft=``: the mailboxes'
            passwords, anything [`load_credentials`][tenantlead.orchestration.credentials.load_credentials] accepts (the TenantCore export).
        tokens: for ``"oauth"`` without ``microsoft=``: a [`MicrosoftTokenProvider`][tenantlead.orchestration.connect.MicrosoftTokenProvider] or a
            callable email -> token.
        policy: the [`LimitPolicy`][tenantlead.orchestration.policy.LimitPolicy] new accounts are aligned with (default ``LimitPolicy()``):
            daily limit = the TenantCore ceiling minus headroom and planned warmup; gap from the
            sending window (default 09:00-17:00); warmup is enabled at ``warmup_per_day``
            (default ``CONNECT_WARMUP_PER_DAY``, 5), never above what the ceiling leaves.
        clients: agency option: Smartlead client id per tenant (keyed by tenant GUID or name),
            or one id for all. Existing accounts with another client are moved.
        tags: tag ids per tenant (GUID or name), or one list for all; added to new accounts, and
            to existing ones that lack them (an interrupted run's accounts included: Smartlead's
            account list shows no tags, so an existing account is planned an ``"update"`` that
            adds them - additive and idempotent - unless its tags are known to hold them).
        use_whitelabel_credentials: ``save-oauth`` flag for tokens minted by your own Azure app
            (default True with ``microsoft=``, else False).
        microsoft: for ``"oauth"``: the agency's Azure app
            ([MicrosoftApp][tenantlead.microsoft.MicrosoftApp], the one in Smartlead's OAuth
            Configuration); apply signs each mailbox in with it (pass ``ms=`` to apply).
        consent: tenants known to have (True) or lack (False) admin consent for the app: a dict
            GUID -> bool, a list of consented GUIDs, or
            [ConsentResult][tenantlead.microsoft.ConsentResult] values. A tenant known to lack it
            is skipped (TL406, with its consent URL); unknown tenants are tried.
        per_tenant: with ``microsoft=``: mailboxes of one tenant signed in at once.
        tenants_at_once: with ``microsoft=``: tenants signed in at once (and the batch size).
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
    check_clients_and_tags(clients, tags)
    check_tenant_keys(fleet, clients, "clients")
    check_tenant_keys(fleet, tags, "tags")
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
        if microsoft is not None:
            check_microsoft(microsoft, tokens, credentials, per_tenant, tenants_at_once)
            creds = load_credentials(credentials)
        elif tokens is None:
            raise ValueError(
                "strategy='oauth' needs microsoft= (your Azure app: MicrosoftApp(), with credentials= from the "
                "TenantCore export) or tokens= (a MicrosoftTokenProvider); see docs/how-to/connect-oauth.md"
            )
        else:
            provider = _provider(tokens)
    if microsoft is not None and strategy != "oauth":
        raise ValueError(f"microsoft= is for strategy='oauth', not {strategy!r}")
    consented = consent_states(consent)
    signs_in = strategy == "oauth" and microsoft is not None

    items: list[ConnectItem] = []
    for row in fleet.rows:
        mailbox = row.mailbox
        if mailbox is None:
            continue  # orphans are troubleshoot's business (TL203)
        client_id: int | None = clients if isinstance(clients, int) else by_tenant(clients, row)
        tag_ids = tags if isinstance(tags, Sequence) else by_tenant(tags, row) or ()
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
            # A re-run converges: what the account lacks of the plan's client and tags is written
            # (an interrupted run's account has its save's settings, not the tags that follow it).
            lacks = converge(account, client_id, tag_ids)
            if lacks is not None:
                items.append(
                    ConnectItem(
                        **common,
                        action="update",
                        reason=f"already connected (account {account.id}); {lacks.describe()}",
                        account_id=account.id,
                        settings=ConnectSettings(client_id=lacks.client_id, tag_ids=lacks.tag_ids),
                    )
                )
            elif is_basic_auth_office365(account):
                # Connected, but over basic-auth SMTP: connect creates nothing; the migration moves it.
                items.append(
                    ConnectItem(
                        **common,
                        action="skip",
                        reason=f"migrate with `tenantlead migrate --credentials FILE --apply` (account {account.id} "
                        "is on basic-auth SMTP, which Microsoft turns off at the end of December 2026; in Python "
                        "migrate_to_oauth(fleet, ...))",
                        account_id=account.id,
                        code="TL206",
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
        if signs_in and consented.get((row.tenant_id or "").lower()) is False:
            assert microsoft is not None
            items.append(
                ConnectItem(
                    **common,
                    action="skip",
                    code="TL406",
                    reason="the tenant has not consented to the agency app: a tenant admin opens "
                    f"{microsoft.admin_consent_url(row.tenant_id or '')} and accepts (or: tenantlead consent)",
                )
            )
            continue
        if strategy == "smtp" or signs_in:
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
            reason = (
                "sign in (password flow), preflight the refresh token, add as OUTLOOK account (save-oauth)"
                if signs_in
                else f"add as SMTP account ({SMTP_HOST}:{SMTP_PORT}, IMAP {IMAP_HOST}:{IMAP_PORT})"
            )
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
    whitelabel = use_whitelabel_credentials if use_whitelabel_credentials is not None else signs_in
    if not signs_in:
        return ConnectPlan(
            strategy=strategy,
            items=attach_tenants(items, fleet),
            warnings=tuple(warnings),
            use_whitelabel_credentials=whitelabel,
            credentials=creds,
            tokens=provider,
        )
    assert microsoft is not None
    creates = [i for i in items if i.action == "create"]
    return ConnectPlan(
        strategy=strategy,
        items=attach_tenants(items, fleet),
        warnings=tuple(warnings),
        use_whitelabel_credentials=whitelabel,
        microsoft=microsoft,
        passwords=Passwords(creds, [i.address for i in creates]),
        consent=consent_table(fleet, items, microsoft, consented),
        per_tenant=per_tenant,
        tenants_at_once=tenants_at_once,
    )


@attrs.frozen(kw_only=True)
class ConnectPlan(Tabular):
    """The per-mailbox connect plan; [`apply`][tenantlead.orchestration.connect.ConnectPlan.apply] / [`aapply`][tenantlead.orchestration.connect.ConnectPlan.aapply] write it (idempotently)."""

    strategy: Strategy
    items: tuple[ConnectItem, ...] = ()
    warnings: tuple[str, ...] = ()
    use_whitelabel_credentials: bool = False
    credentials: Credentials | None = attrs.field(default=None, repr=False, eq=False)
    tokens: MicrosoftTokenProvider | None = attrs.field(default=None, repr=False, eq=False)
    #: The agency's Azure app when apply signs the mailboxes in (``connect(..., microsoft=)``).
    microsoft: MicrosoftApp | None = attrs.field(default=None, repr=False, eq=False)
    #: The planned mailboxes' passwords, each handed to one sign-in and dropped (never shown).
    passwords: Passwords | None = attrs.field(default=None, repr=False, eq=False)
    #: Admin-consent state and URL of each tenant the plan signs mailboxes in.
    consent: tuple[TenantConsent, ...] = ()
    per_tenant: int = 2
    tenants_at_once: int = 8

    columns = ("tenant_name", "address", "action", "settings", "reason")
    summary_columns = CONNECT_SUMMARY_COLUMNS
    row_noun = "mailboxes"
    view_name = "plan"
    int_columns = ("account_id", "max_email_per_day", "time_to_wait_in_mins", "client_id")

    def __getstate__(self) -> dict[str, Any]:
        # A pickled plan carries no secret: not the app's client secret, not a password.
        state = {f.name: getattr(self, f.name) for f in attrs.fields(type(self))}
        state["microsoft"] = None
        state["passwords"] = None
        state["credentials"] = None
        state["tokens"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @property
    def to_create(self) -> list[ConnectItem]:
        """Items that create an account (or, for ``manual``, that a person must add)."""
        return [i for i in self.items if i.action in ("create", "manual")]

    @property
    def to_update(self) -> list[ConnectItem]:
        """Existing accounts that lack the plan's client or tags (moved, tagged)."""
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
        out: dict[str, Any] = {
            "strategy": self.strategy,
            "warnings": list(self.warnings),
            "counts": self.counts(),
            "items": self.to_records(),
        }
        if self.microsoft is not None:
            out["microsoft_client_id"] = self.microsoft.client_id
            out["consent"] = [c.to_record() for c in self.consent]
        return out

    def _html_summary(self) -> str:
        c = self.counts()
        return (
            f"strategy {self.strategy}: {c['create'] + c['manual']} to connect, {c['update']} to update, "
            f"{c['skip']} skipped"
        )

    def __str__(self) -> str:
        lines = [f"ConnectPlan {self._html_summary()}"]
        lines += [f"WARNING: {w}" for w in self.warnings]
        existing = [i for i in self.items if i.action == "skip" and i.account_id is not None]
        basic = [i for i in existing if i.code == "TL206"]
        shown = [i.to_record() for i in self.items if not (i.action == "skip" and i.account_id is not None)]
        lines.append(text_table(shown, list(self.columns), max_rows=self.max_display_rows))
        if len(existing) > len(basic):
            lines.append(
                f"{len(existing) - len(basic)} mailboxes already connected (see to_records() for each)"
            )
        if basic:
            lines.append(
                f"{len(basic)} mailboxes are on basic-auth SMTP: migrate with `tenantlead migrate --credentials FILE "
                "--apply` (TL206)"
            )
        for tenant in self.consent:
            lines.append(
                f"tenant {tenant.tenant_name} ({tenant.tenant_id}): {tenant.mailboxes} to sign in, admin consent "
                f"{tenant.state}; consent URL: {tenant.consent_url}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ConnectPlan {self._html_summary()}>"

    # ------------------------------------------------------------------ apply

    def _check_ms(self, ms: Any) -> None:
        if self.microsoft is None:
            if ms is not None:
                raise ValueError("ms= is only used by a plan made with connect(..., microsoft=app)")
            return
        if ms is None:
            raise ValueError(
                "this plan signs mailboxes in: pass ms= (MicrosoftIdentity(app), or AsyncMicrosoftIdentity for aapply)"
            )
        if getattr(getattr(ms, "app", None), "client_id", None) != self.microsoft.client_id:
            raise ValueError("ms= must be a client for the plan's app (the same client id as microsoft=)")

    def apply(
        self,
        *,
        sl: Smartlead,
        ms: MicrosoftIdentity | None = None,
        on_progress: OnProgress | None = None,
        progress: Progress | None = None,
        browser: Callable[[str], Any] | None = None,
        browser_timeout: float | None = 300.0,
        warmup_cache: WarmupCache | None = None,
    ) -> ApplyResult:
        """Create the planned accounts, then apply settings and tags; never stops at a failed item.

        One Smartlead save per new account (its id comes from the save's answer), then one walk
        of the account list reads everything back: a written account missing, or with another
        limit, gap or client than planned, is reported as drift. ``warmup_cache`` remembers the
        warmup volumes written (see [WarmupCache][tenantlead.orchestration.WarmupCache]).
        An address Smartlead already has (``ACCOUNT_ALREADY_EXIST``, e.g. after an interrupted
        run) is not created twice: its settings are applied instead. ``on_progress(event)`` runs
        as each item ends (a [ProgressEvent][tenantlead.orchestration.ProgressEvent], stage
        ``"connect"``; ``progress=`` is its deprecated older form). On ``KeyboardInterrupt``
        the accounts already created stand; the exception carries ``partial_result``.

        A plan made with ``microsoft=`` needs ``ms=`` (a
        [MicrosoftIdentity][tenantlead.microsoft.MicrosoftIdentity] for that app): each mailbox
        is signed in, preflighted and saved; a failed one carries its TL4xx ``code`` and ``fix``.
        ``browser=`` (e.g. ``webbrowser.open``) offers the browser flow to the mailboxes that met
        MFA or Conditional Access (TL405): it is called with each one's sign-in URL and the
        redirect is awaited on a loopback listener for ``browser_timeout`` seconds.
        """
        report = progress_callback("connect", on_progress, progress)
        self._check_ms(ms)
        if self.microsoft is None:
            return _drive.apply(ConnectRun(self, sl, report, None, warmup_cache), None, sl)
        assert ms is not None
        run = ConnectRun(self, sl, report, None, warmup_cache)
        result = drive(run, sl, ms)
        if browser is not None and run.needs_browser:
            result = browser_fallback(run, result, sl, ms, browser, browser_timeout)
        return result

    async def aapply(
        self,
        *,
        sl: AsyncSmartlead,
        ms: AsyncMicrosoftIdentity | None = None,
        on_progress: OnProgress | None = None,
        progress: Progress | None = None,
        concurrency: int = 4,
        warmup_cache: WarmupCache | None = None,
    ) -> ApplyResult:
        """Async [`apply`][tenantlead.orchestration.connect.ConnectPlan.apply], at most ``concurrency`` requests at a time.

        An async token provider's ``get_token`` may return an awaitable; the tokens are
        awaited before the accounts are created. A plan made with ``microsoft=`` needs ``ms=``
        (an [AsyncMicrosoftIdentity][tenantlead.microsoft.AsyncMicrosoftIdentity]).
        """
        _drive.check_concurrency(concurrency)
        self._check_ms(ms)
        if self.microsoft is not None:
            return await adrive(
                ConnectRun(self, sl, progress_callback("connect", on_progress, progress), None, warmup_cache),
                sl,
                ms,
                concurrency=concurrency,
            )
        run = ConnectRun(self, sl, progress_callback("connect", on_progress, progress), {}, warmup_cache)
        try:
            run.tokens = await resolve_tokens(self, concurrency)
        except BaseException as exc:
            partial_note(exc, run.collector, run.rerun_hint())
            raise
        return await _drive.aapply(run, None, sl, concurrency=concurrency)
