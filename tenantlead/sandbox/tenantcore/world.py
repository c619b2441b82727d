"""The simulated TenantCore API: accounts, tenants, domains, shared mailboxes and enforcement.

Documented behaviour follows shared/reference/tenantcore-api.md exactly. Where the public docs are
silent, the shapes are the ones the project decided (same as the SDK client) and every choice
that could turn out differently on the real API lives in [`TenantCoreConfig`][tenantlead.sandbox.tenantcore.world.TenantCoreConfig].

The world is a pure-ish function ``handle(SimRequest) -> SimResponse`` over the ``Tc*`` state
records plus a few sandbox-only controls (``add_account``, ``add_tenant``, ``verify_domain``,
``record_send`` ...) used by the demo seeder, the simulated sending day and tests. The route
handlers live one module per resource beside this one (``tenants``, ``domains``,
``mailboxes``, ``mailbox_limits``, ``enforcement``, ``api_keys``), in the handler shape every
simulated API shares (``tenantlead/sandbox/_routing.py``).
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .._http import SimRequest, SimResponse
from .._routing import ApiReply, Router
from ..clock import VirtualClock
from ..state import TcAccount, TcDomain, TcEvent, TcMailbox, TcTenant
from . import api_keys, domains, enforcement, mailbox_limits, mailboxes, tenants
from ._common import JSON_CT, NOT_ALLOWED, NOT_FOUND, Ctx, error, format_ts

__all__ = ["TenantCoreConfig", "TenantCoreWorld", "format_ts", "healthy_dns", "key_fingerprint"]

_KEY_RE = re.compile(r"^tc_live_[0-9a-fA-F]{48}$")
_KEY_RE_LOWER = re.compile(r"^tc_live_[0-9a-f]{48}$")
_PASSWORD_ALPHABET_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_PASSWORD_ALPHABET_LOWER = "abcdefghijkmnopqrstuvwxyz"
_PASSWORD_DIGITS = "23456789"
_PASSWORD_SYMBOLS = "!#$%*+?@"


@dataclass(frozen=True)
class TenantCoreConfig:
    """Every behaviour choice the public TenantCore docs leave open, in one place.

    Defaults follow the project's decisions (shared/reference §1.8, §4.1, §4.3 [SIM] notes).
    Change a value here when the real API teaches us otherwise.
    """

    #: 2-5 minutes of Exchange Online propagation after provisioning a shared mailbox [DOC].
    propagation_min_seconds: float = 120.0
    propagation_max_seconds: float = 300.0
    #: "utc_midnight" (default) or "rolling_24h": when sends_today resets [SIM, docs conflict].
    reset_policy: Literal["utc_midnight", "rolling_24h"] = "utc_midnight"
    #: Recommended domains per tenant; a hard 409 only when ``domain_limit_hard`` [SIM].
    domains_per_tenant: int = 12
    domain_limit_hard: bool = False
    #: Mailboxes per domain, always hard [DOC "Each domain supports up to 3 mailboxes"].
    mailboxes_per_domain: int = 3
    #: Accept A-F in keys as well as a-f (the docs do not state the case) [SIM].
    accept_uppercase_hex: bool = True
    #: Deprovisioning is how an account gets back under its ceiling, so it is not refused [SIM].
    deprovision_exempt_from_tenant_limit: bool = True
    #: Enforcement-events paging bounds [DOC].
    events_default_limit: int = 50
    events_max_limit: int = 200
    #: Stop counting sends once a mailbox is blocked (sends_today stays at limit + 1) [SIM].
    count_blocked_sends: bool = False
    #: Strip one trailing slash instead of FastAPI's 307 redirect [SIM: friendlier, same data].
    lenient_trailing_slash: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.propagation_min_seconds <= self.propagation_max_seconds:
            raise ValueError("TenantCoreConfig: need 0 <= propagation_min_seconds <= propagation_max_seconds")
        if self.reset_policy not in ("utc_midnight", "rolling_24h"):
            raise ValueError("TenantCoreConfig.reset_policy must be 'utc_midnight' or 'rolling_24h'")
        if self.mailboxes_per_domain < 1 or self.domains_per_tenant < 1:
            raise ValueError("TenantCoreConfig: per-tenant and per-domain limits must be >= 1")


def healthy_dns(domain_name: str) -> dict[str, str]:
    """The four DNS status values of a correctly configured Microsoft 365 domain."""
    return {
        "spf_status": "v=spf1 include:spf.protection.outlook.com -all",
        "dkim_status": "healthy",
        "dmarc_status": f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain_name}",
        "mx_status": f"{domain_name.replace('.', '-')}.mail.protection.outlook.com.",
    }


def _dns_records(domain_name: str, verification_code: str, ok: bool) -> list[dict[str, Any]]:
    # Microsoft 365's usual record set (reference §2.5 [INF]); TenantCore generates these.
    status = "ok" if ok else "missing"
    dashed = domain_name.replace(".", "-")
    rows: list[tuple[str, str, str, str]] = [
        ("TXT", "@", f"MS=ms{verification_code}", "verification"),
        ("MX", "@", f"{dashed}.mail.protection.outlook.com", "mx"),
        ("TXT", "@", "v=spf1 include:spf.protection.outlook.com -all", "spf"),
        ("CNAME", "autodiscover", "autodiscover.outlook.com", "autodiscover"),
        ("CNAME", "selector1._domainkey", f"selector1-{dashed}._domainkey.onmicrosoft.com", "dkim"),
        ("CNAME", "selector2._domainkey", f"selector2-{dashed}._domainkey.onmicrosoft.com", "dkim"),
        ("TXT", "_dmarc", f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain_name}", "dmarc"),
    ]
    return [
        {"type": t, "name": n, "value": v, "ttl": 3600, "purpose": p, "status": status} for t, n, v, p in rows
    ]


#: Every route, resource by resource, as in the SDK's ``tenantlead.tenantcore.resources``.
_ROUTER: Router[Ctx] = Router(
    (
        *tenants.ROUTES,
        *domains.ROUTES,
        *mailboxes.ROUTES,
        *mailbox_limits.ROUTES,
        *enforcement.ROUTES,
        *api_keys.ROUTES,
    )
)

_Group = tuple[list[TcDomain], list[TcMailbox]]
_EMPTY_GROUP: _Group = ([], [])


class TenantCoreWorld:
    """The TenantCore side of the sandbox: state plus the HTTP handler.

    ``accounts`` maps API key -> [`TcAccount`][tenantlead.sandbox.state.TcAccount]. Every time-dependent rule (propagation,
    daily resets) reads the injected [`VirtualClock`][tenantlead.sandbox.clock.VirtualClock]; random choices (propagation delays,
    generated passwords, ids) come from a ``random.Random`` seeded from ``seed``.
    """

    def __init__(self, clock: VirtualClock, config: TenantCoreConfig | None = None, *, seed: int = 0) -> None:
        self.clock = clock
        self.config = config or TenantCoreConfig()
        self.accounts: dict[str, TcAccount] = {}
        self._rng = random.Random(f"tenantcore:{seed}")
        self._key_re = _KEY_RE if self.config.accept_uppercase_hex else _KEY_RE_LOWER
        # Mailbox address -> (account, mailbox); kept up to date by the world's own writes and
        # rebuilt by reindex() after state is edited directly.
        self._by_address: dict[str, tuple[TcAccount, TcMailbox]] = {}
        self._domain_owner: dict[str, tuple[TcAccount, TcDomain]] = {}
        # Reset bookkeeping: the next moment a reset may be due, and rolling-window starts.
        self._window_start: dict[str, datetime] = {}
        self._next_reset = self._next_midnight(clock.now())
        # Per-account grouping of domains/mailboxes by tenant, rebuilt when membership changes.
        self._version = 0
        self._groups: dict[int, tuple[tuple[int, int, int], dict[str, _Group]]] = {}

    # ------------------------------------------------------------------ ids and randomness

    def new_uuid(self) -> str:
        """A deterministic (seeded) random UUID string."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def new_api_key(self) -> str:
        """A fresh, seeded ``tc_live_`` + 48 lowercase hex key."""
        return "tc_live_" + "".join(f"{self._rng.getrandbits(8):02x}" for _ in range(24))

    def new_password(self) -> str:
        """A mailbox password like the app generates: 16 chars, mixed case, digits, a symbol."""
        rng = self._rng
        chars = [
            rng.choice(_PASSWORD_ALPHABET_UPPER),
            rng.choice(_PASSWORD_ALPHABET_LOWER),
            rng.choice(_PASSWORD_DIGITS),
            rng.choice(_PASSWORD_SYMBOLS),
        ]
        pool = _PASSWORD_ALPHABET_UPPER + _PASSWORD_ALPHABET_LOWER + _PASSWORD_DIGITS
        chars += [rng.choice(pool) for _ in range(12)]
        rng.shuffle(chars)
        # Always start with a letter so spreadsheets never mangle it into a formula or number.
        return rng.choice(_PASSWORD_ALPHABET_UPPER) + "".join(chars[1:])

    def propagation_delay(self) -> float:
        """Seconds until a newly provisioned mailbox can send (uniform within the config range)."""
        return self._rng.uniform(self.config.propagation_min_seconds, self.config.propagation_max_seconds)

    # ------------------------------------------------------------------ sandbox controls

    def add_account(
        self,
        api_key: str | None = None,
        *,
        user_email: str = "owner@agency.example",
        plan_name: str = "API Scale",
        tenant_ceiling: int = 100,
    ) -> TcAccount:
        """Create an account (an API plan holder). The key is generated when not given."""
        key = api_key or self.new_api_key()
        if not _KEY_RE.match(key):
            raise ValueError("TenantCore API keys look like 'tc_live_' followed by 48 hex characters")
        if key in self.accounts:
            raise ValueError("an account with this API key already exists")
        account = TcAccount(
            api_key=key, user_email=user_email, plan_name=plan_name, tenant_ceiling=tenant_ceiling
        )
        self.accounts[key] = account
        return account

    def add_tenant(
        self,
        account: TcAccount,
        tenant_name: str,
        *,
        tenant_domain: str | None = None,
        consented_at: datetime | None = None,
        tenant_id: str | None = None,
        **fields: Any,
    ) -> TcTenant:
        """Connect a tenant to ``account`` (what admin consent does in the app)."""
        now = self.clock.now()
        slug = re.sub(r"[^a-z0-9]", "", tenant_name.lower()) or "tenant"
        onmicrosoft = tenant_domain or f"{slug}.onmicrosoft.com"
        tenant = TcTenant(
            id=self.new_uuid(),
            tenant_id=tenant_id or self.new_uuid(),
            tenant_name=tenant_name,
            tenant_domain=onmicrosoft,
            default_domain=onmicrosoft,
            consented_at=consented_at or now,
            last_sync_at=now,
            **fields,
        )
        account.tenants[tenant.tenant_id] = tenant
        return tenant

    def add_domain(
        self,
        account: TcAccount,
        tenant: TcTenant,
        domain_name: str,
        *,
        verified: bool = True,
        dns: dict[str, str] | None = None,
        is_default: bool = False,
    ) -> TcDomain:
        """Add a domain directly (no limits checked); verified + healthy DNS by default."""
        name = domain_name.lower()
        code = f"{self._rng.getrandbits(27):08d}"
        statuses = healthy_dns(name) if verified else dict.fromkeys(healthy_dns(name), "missing")
        if dns:
            statuses.update(dns)
        domain = TcDomain(
            id=self.new_uuid(),
            tenant_id=tenant.tenant_id,
            domain_name=name,
            is_default=is_default,
            is_verified=verified,
            last_checked=self.clock.now(),
            dns_records=_dns_records(name, code, ok=verified),
            **statuses,
        )
        account.domains[domain.id] = domain
        self._domain_owner[name] = (account, domain)
        self._version += 1
        if is_default:
            tenant.default_domain = name
        return domain

    def verify_domain(self, domain_name: str, *, dns_healthy: bool = True) -> TcDomain:
        """Mark a domain verified (the app-only step) and, by default, its DNS healthy."""
        found = self._domain_owner.get(domain_name.lower())
        if found is None:
            raise KeyError(f"no TenantCore domain named {domain_name!r}")
        domain = found[1]
        domain.is_verified = True
        if dns_healthy:
            for key, value in healthy_dns(domain.domain_name).items():
                setattr(domain, key, value)
            for record in domain.dns_records:
                record["status"] = "ok"
        return domain

    def add_mailbox(
        self,
        account: TcAccount,
        domain: TcDomain,
        mail_nickname: str,
        display_name: str,
        *,
        password: str | None = None,
        created_at: datetime | None = None,
        ready: bool = True,
        daily_send_limit: int | None = None,
        enforced: bool = False,
    ) -> TcMailbox:
        """Add a mailbox directly (no limits checked). ``ready`` skips the propagation delay."""
        now = self.clock.now()
        address = f"{mail_nickname}@{domain.domain_name}".lower()
        created = created_at or now
        mailbox = TcMailbox(
            id=self.new_uuid(),
            tenant_id=domain.tenant_id,
            domain_name=domain.domain_name,
            display_name=display_name,
            primary_smtp=address,
            user_principal_name=address,
            mail_nickname=mail_nickname,
            created_at=created,
            password=password or self.new_password(),
            daily_send_limit=daily_send_limit,
            enforced_limit=daily_send_limit if enforced else None,
            ready_at=created if ready else created + timedelta(seconds=self.propagation_delay()),
        )
        account.mailboxes[mailbox.id] = mailbox
        self._by_address[address] = (account, mailbox)
        self._version += 1
        return mailbox

    def by_tenant(self, account: TcAccount) -> dict[str, _Group]:
        """``tenant_id -> (domains, mailboxes)`` for ``account`` (cached between changes)."""
        key = (self._version, len(account.domains), len(account.mailboxes))
        cached = self._groups.get(id(account))
        if cached is not None and cached[0] == key:
            return cached[1]
        groups: dict[str, _Group] = {}
        for d in account.domains.values():
            groups.setdefault(d.tenant_id, ([], []))[0].append(d)
        for m in account.mailboxes.values():
            groups.setdefault(m.tenant_id, ([], []))[1].append(m)
        self._groups[id(account)] = (key, groups)
        return groups

    def group(self, account: TcAccount, tenant_id: str) -> _Group:
        """``(domains, mailboxes)`` of one tenant of ``account``."""
        return self.by_tenant(account).get(tenant_id, _EMPTY_GROUP)

    def reindex(self) -> None:
        """Rebuild the address indexes after editing ``Tc*`` state directly."""
        self._version += 1
        self._by_address = {
            m.primary_smtp.lower(): (a, m) for a in self.accounts.values() for m in a.mailboxes.values()
        }
        self._domain_owner = {
            d.domain_name.lower(): (a, d) for a in self.accounts.values() for d in a.domains.values()
        }

    def find_mailbox(self, address: str) -> tuple[TcAccount, TcMailbox] | None:
        """The account and mailbox with this primary SMTP address (any account), or None."""
        found = self._by_address.get(address.lower())
        if found is not None and found[1].id in found[0].mailboxes:
            return found
        return None

    def find_domain(self, domain_name: str) -> tuple[TcAccount, TcDomain] | None:
        """The account and domain with this name (any account), or None."""
        found = self._domain_owner.get(domain_name.lower())
        if found is not None and found[1].id in found[0].domains:
            return found
        return None

    def tenant_of(self, mailbox: TcMailbox) -> TcTenant | None:
        """The tenant a mailbox belongs to (None when it has been deprovisioned or is unknown)."""
        found = self._by_address.get(mailbox.primary_smtp.lower())
        account = found[0] if found else None
        tenant = account.tenants.get(mailbox.tenant_id) if account else None
        return tenant if tenant is not None and not tenant.deprovisioned else None

    def is_ready(self, mailbox: TcMailbox, at: datetime | None = None) -> bool:
        """True once the mailbox's propagation delay has elapsed."""
        when = at or self.clock.now()
        return mailbox.ready_at is None or mailbox.ready_at <= when

    # ------------------------------------------------------------------ sending + resets

    def record_send(self, mailbox: TcMailbox, at: datetime | None = None) -> bool:
        """Count one send through ``mailbox``; False when Exchange blocks it (an NDR).

        The mailbox is blocked once ``sends_today`` exceeds the *enforced* limit (stored but
        unprovisioned limits do not bite): the 26th send with limit 25 is blocked, one "blocked"
        event is logged and ``blocked_at`` set; every later send that day is blocked too.
        """
        when = at or self.clock.now()
        self.maybe_reset(when)
        if self.config.reset_policy == "rolling_24h" and mailbox.id not in self._window_start:
            self._window_start[mailbox.id] = when
            self._next_reset = min(self._next_reset, when + timedelta(hours=24))
        if mailbox.blocked_at is not None:
            if self.config.count_blocked_sends:
                mailbox.sends_today += 1
            return False
        mailbox.sends_today += 1
        limit = mailbox.enforced_limit
        if limit is not None and mailbox.sends_today > limit:
            mailbox.blocked_at = when
            self.note_event(mailbox, "blocked", mailbox.sends_today, limit, when)
            return False
        return True

    def maybe_reset(self, now: datetime | None = None) -> None:
        """Apply any send-counter reset that is due by ``now`` (called on every request)."""
        when = now or self.clock.now()
        if when < self._next_reset:
            return
        if self.config.reset_policy == "utc_midnight":
            boundary = datetime(when.year, when.month, when.day, tzinfo=UTC)
            for account in self.accounts.values():
                for mailbox in account.mailboxes.values():
                    self._reset_mailbox(mailbox, boundary)
            self._next_reset = self._next_midnight(when)
            return
        due_next = datetime.max.replace(tzinfo=UTC)
        for account in self.accounts.values():
            for mailbox in account.mailboxes.values():
                start = self._window_start.get(mailbox.id)
                if start is None:
                    continue
                end = start + timedelta(hours=24)
                if end <= when:
                    self._reset_mailbox(mailbox, end)
                    del self._window_start[mailbox.id]
                else:
                    due_next = min(due_next, end)
        self._next_reset = due_next

    def set_window_start(self, mailbox: TcMailbox, start: datetime) -> None:
        """Sandbox control (rolling_24h policy): when the mailbox's current 24 h window began."""
        self._window_start[mailbox.id] = start
        self._next_reset = min(self._next_reset, start + timedelta(hours=24))

    @staticmethod
    def _next_midnight(now: datetime) -> datetime:
        return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)

    def _reset_mailbox(self, mailbox: TcMailbox, at: datetime) -> None:
        if mailbox.blocked_at is not None:
            mailbox.blocked_at = None
            limit = mailbox.enforced_limit if mailbox.enforced_limit is not None else mailbox.daily_send_limit
            self.note_event(mailbox, "unblocked", 0, limit or 0, at)
        mailbox.sends_today = 0

    def note_event(self, mailbox: TcMailbox, action: str, sent: int, limit: int, at: datetime) -> None:
        """Append an enforcement event to the mailbox's account (no-op for an unknown mailbox)."""
        found = self._by_address.get(mailbox.primary_smtp.lower())
        if found is None:
            return
        found[0].events.append(
            TcEvent(
                id=self.new_uuid(),
                tenant_id=mailbox.tenant_id,
                mailbox_address=mailbox.primary_smtp,
                action_taken=action,
                sent_count=sent,
                limit_value=limit,
                message=f"Mailbox {action}: sent {sent}, limit {limit}",
                created_at=at,
            )
        )

    def log_event(self, mailbox: TcMailbox, action: str, sent: int, limit: int, at: datetime) -> TcEvent:
        """Sandbox control: append an enforcement event (the demo seeds history this way)."""
        self.note_event(mailbox, action, sent, limit, at)
        found = self._by_address[mailbox.primary_smtp.lower()]
        return found[0].events[-1]

    # ------------------------------------------------------------------ serialisation

    def tenant_json(self, account: TcAccount, tenant: TcTenant) -> dict[str, Any]:
        """The tenant object as the API serves it."""
        domains, mailboxes = self.group(account, tenant.tenant_id)
        return {
            "id": tenant.id,
            "tenant_id": tenant.tenant_id,
            "tenant_name": tenant.tenant_name,
            "tenant_domain": tenant.tenant_domain,
            "default_domain": tenant.default_domain,
            "domain_count": len(domains),
            "mailbox_count": len(mailboxes),
            "status": tenant.status,
            "discovery_completed": tenant.discovery_completed,
            "exchange_bootstrap_status": tenant.exchange_bootstrap_status,
            "consented_at": format_ts(tenant.consented_at),
            "last_sync_at": format_ts(tenant.last_sync_at),
        }

    @staticmethod
    def domain_json(domain: TcDomain) -> dict[str, Any]:
        """The domain object as the API serves it."""
        return {
            "id": domain.id,
            "domain_name": domain.domain_name,
            "is_default": domain.is_default,
            "is_verified": domain.is_verified,
            "spf_status": domain.spf_status,
            "dkim_status": domain.dkim_status,
            "dmarc_status": domain.dmarc_status,
            "mx_status": domain.mx_status,
            "last_checked": format_ts(domain.last_checked),
        }

    @staticmethod
    def mailbox_json(mailbox: TcMailbox, tenant_name: str) -> dict[str, Any]:
        """The mailbox object as the API serves it (never the password)."""
        return {
            "id": mailbox.id,
            "display_name": mailbox.display_name,
            "primary_smtp": mailbox.primary_smtp,
            "user_principal_name": mailbox.user_principal_name,
            "mail_nickname": mailbox.mail_nickname,
            "account_enabled": mailbox.account_enabled,
            "daily_send_limit": mailbox.daily_send_limit,
            "sends_today": mailbox.sends_today,
            "blocked_at": format_ts(mailbox.blocked_at),
            "created_at": format_ts(mailbox.created_at),
            "domain_name": mailbox.domain_name,
            "tenant_name": tenant_name,
        }

    @staticmethod
    def event_json(event: TcEvent) -> dict[str, Any]:
        """The enforcement event as the API serves it."""
        return {
            "id": event.id,
            "tenant_id": event.tenant_id,
            "mailbox_address": event.mailbox_address,
            "action_taken": event.action_taken,
            "sent_count": event.sent_count,
            "limit_value": event.limit_value,
            "message": event.message,
            "created_at": format_ts(event.created_at),
        }

    # ------------------------------------------------------------------ request handling

    def handle(self, req: SimRequest) -> SimResponse:
        """Serve one request (``req.path`` starts with ``/v1/`` or is ``/api-key/rotate``).

        Order (FastAPI's, then TenantCore's): unknown path 404, wrong method 405, then 401 ->
        402 ``no_api_plan`` -> 404 ``tenant_not_found`` -> 402 ``tenant_limit_reached`` -> the
        handler.
        """
        path = req.path
        if self.config.lenient_trailing_slash and len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        path = path[1:]
        found = _ROUTER.match(req.method, path)
        if found is None:
            allowed = _ROUTER.methods(path)
            if not allowed:
                return NOT_FOUND
            # Starlette's 405 names the methods the path does serve.
            return SimResponse(NOT_ALLOWED.status, NOT_ALLOWED.body, {**JSON_CT, "allow": ", ".join(allowed)})
        handler, params = found
        try:
            account = self._authenticate(req)
            self.maybe_reset()
            if path.startswith("v1/tenants/"):
                tenant = account.tenants.get(params[0])
                if tenant is None or tenant.deprovisioned:
                    return error(404, "tenant_not_found", "Tenant not found or not connected to this account")
                if req.method not in ("GET", "HEAD") and not (
                    req.method == "DELETE" and self.config.deprovision_exempt_from_tenant_limit
                ):
                    self._check_ceiling(account)
            return handler(Ctx(self, account, req, params))
        except ApiReply as exc:
            return exc.response

    def _authenticate(self, req: SimRequest) -> TcAccount:
        header = req.headers.get("authorization")
        if header is None or not (header == "Bearer" or header.startswith("Bearer ")):
            raise ApiReply(error(401, "invalid_auth_header", "Missing or malformed Authorization header"))
        token = header[6:].strip()
        if not token:
            raise ApiReply(error(401, "missing_api_key", "Bearer token is empty"))
        if not self._key_re.match(token):
            raise ApiReply(
                error(
                    401, "invalid_api_key_format", "API key must be 'tc_live_' followed by 48 hex characters"
                )
            )
        account = self.accounts.get(token)
        if account is None:
            raise ApiReply(error(401, "invalid_api_key", "API key not found"))
        if not account.plan_active:
            raise ApiReply(error(402, "no_api_plan", "No active API plan on this account"))
        return account

    @staticmethod
    def _check_ceiling(account: TcAccount) -> None:
        active = sum(1 for t in account.tenants.values() if not t.deprovisioned)
        if active > account.tenant_ceiling:
            raise ApiReply(
                error(
                    402,
                    "tenant_limit_reached",
                    f"Your {account.plan_name} plan allows {account.tenant_ceiling} tenants; "
                    f"this account has {active}",
                )
            )

    def tenant_mailboxes(self, account: TcAccount, tenant_id: str) -> list[TcMailbox]:
        """The mailboxes of one tenant of ``account`` (cached between changes)."""
        return self.group(account, tenant_id)[1]

    # ------------------------------------------------------------------ helpers for others

    def iter_mailboxes(self) -> Iterable[tuple[TcAccount, TcMailbox]]:
        """Every (account, mailbox) pair in the world."""
        for account in self.accounts.values():
            for mailbox in account.mailboxes.values():
                yield account, mailbox


def key_fingerprint(api_key: str) -> str:
    """A short, non-reversible label for a key (safe to print in logs)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:8]
