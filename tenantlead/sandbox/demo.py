"""The seeded demo fleet: a cold-email agency running several clients on TenantCore + Smartlead.

Everything is deterministic from the seed. The fleet is healthy except for a few *planted*
problems - at least one instance of every troubleshooting code (TL101-TL305) - recorded in
``sandbox.planted`` as code -> subjects (mailbox address, domain name, tenant_id or Smartlead
from_email). The plants are few and fixable, so "connect + align + apply, then simulate a day"
reaches zero blocks and zero NDRs (accounts no tool can fix, such as a wrong password, simply
do not send).

Healthy means: verified domains with healthy DNS, 3 mailboxes per domain, TenantCore limit 25
stored *and* enforced, a connected Smartlead account per mailbox with ``message_per_day`` 20,
warmup ACTIVE at 5/day, ``time_to_wait_in_mins`` 24 (20 sends x 24 min fill the 8-hour window
without bursting), the tenant's agency client set, and one ACTIVE campaign per client wanting
40 emails per account per day (more than the accounts' caps, as real lead lists are).
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tenantlead._core.microsoft365 import is_office365_smtp_host

from .state import SlAccount, SlCampaign, SlClient, SlWarmup, TcAccount, TcDomain, TcMailbox, TcTenant

if TYPE_CHECKING:
    from .world import Sandbox

__all__ = ["DEMO_HEALTHY", "build_demo"]

#: The healthy settings every non-planted mailbox/account gets.
DEMO_HEALTHY = {
    "daily_send_limit": 25,
    "message_per_day": 20,
    "warmup_per_day": 5,
    "time_to_wait_in_mins": 24,
    "campaign_volume": 40,
}

_PREFIXES = (
    "Acme", "Brightline", "Cedar", "Dunmore", "Evergreen", "Foxglove", "Granite", "Harbor", "Ironwood",
    "Juniper", "Keystone", "Lakeshore", "Meridian", "Northwind", "Oakridge", "Pinecrest", "Quarry",
    "Redwood", "Summit", "Tidewater", "Upland", "Vantage", "Westbrook", "Yellowstone", "Zenith",
)  # fmt: skip
_SUFFIXES = (
    "Logistics", "Dental", "Realty", "Capital", "Software", "Health", "Roofing", "Legal", "Analytics",
    "Staffing", "Solar", "Insurance", "Freight", "Studios", "Security", "Labs", "Partners", "Foods",
)  # fmt: skip
_FIRST = (
    "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Sophia", "Mason", "Isabella",
    "Logan", "Harper", "Caleb", "Ella", "Owen", "Grace", "Henry", "Chloe", "Daniel", "Zoe", "Ryan", "Nora",
)  # fmt: skip
_LAST = (
    "Walker", "Bennett", "Carter", "Hughes", "Foster", "Reed", "Brooks", "Sullivan", "Price", "Hayes",
    "Morgan", "Porter", "Ellis", "Grant", "Fisher", "Warren", "Russell", "Hart", "Palmer", "Stone",
)  # fmt: skip
_DOMAIN_PATTERNS = (
    "{s}mail.com", "try{s}.com", "get{s}.com", "{s}hq.com", "meet{s}.com", "{s}team.com",
    "join{s}.com", "{s}-outreach.com", "hello{s}.com", "{s}group.co", "use{s}.com", "{s}mail.io",
)  # fmt: skip

SMTP_HOST = "smtp.office365.com"
IMAP_HOST = "outlook.office365.com"


class _Builder:
    """Holds the sandbox, the seeded random source and the planted map while building."""

    def __init__(self, sandbox: Sandbox, tenants: int) -> None:
        self.sb = sandbox
        self.tc = sandbox.tenantcore
        self.sl = sandbox.smartlead
        self.account: TcAccount = sandbox.tc_account
        self.user = sandbox.sl_user
        self.n = tenants
        self.rng = random.Random(f"demo:{sandbox.seed}")
        self.now = sandbox.clock.now()
        self.planted: dict[str, list[str]] = {}
        self.clients: dict[str, int] = {}  # tenant_id -> Smartlead client id
        self.accounts_by_tenant: dict[str, list[int]] = {}
        self.mailboxes: dict[str, list[list[TcMailbox]]] = {}  # tenant_id -> per-domain mailboxes

    def plant(self, code: str, subject: str) -> None:
        self.planted.setdefault(code, []).append(subject)

    # ------------------------------------------------------------------ names

    def company_names(self) -> list[str]:
        pairs = [(p, s) for p in _PREFIXES for s in _SUFFIXES]
        self.rng.shuffle(pairs)
        return [f"{p} {s}" for p, s in pairs[: self.n]]

    # ------------------------------------------------------------------ TenantCore side

    def build_tenant(self, index: int, name: str) -> TcTenant:
        slug = re.sub(r"[^a-z0-9]", "", name.lower())
        consented = self.now - timedelta(days=200 - index * 1.5, hours=self.rng.randint(0, 23))
        tenant = self.tc.add_tenant(
            self.account,
            name,
            tenant_domain=f"{slug}.onmicrosoft.com",
            consented_at=consented,
        )
        tenant.last_sync_at = self.now - timedelta(minutes=self.rng.randint(5, 55))
        domains = 8 if index % 4 == 3 else 12
        personas = self.rng.sample(range(len(_FIRST)), 3)
        lasts = self.rng.sample(range(len(_LAST)), 3)
        per_domain: list[list[TcMailbox]] = []
        for d in range(domains):
            domain = self.tc.add_domain(
                self.account, tenant, _DOMAIN_PATTERNS[d].format(s=slug), is_default=(d == 0)
            )
            domain.last_checked = self.now - timedelta(minutes=self.rng.randint(1, 30))
            boxes = []
            for k in range(3):
                first, last = _FIRST[personas[k]], _LAST[lasts[k]]
                nick = (first.lower(), f"{first}.{last}".lower(), f"{first[0]}{last}".lower())[(d + k) % 3]
                boxes.append(self.healthy_mailbox(domain, nick, f"{first} {last}"))
            per_domain.append(boxes)
        self.mailboxes[tenant.tenant_id] = per_domain
        return tenant

    def healthy_mailbox(self, domain: TcDomain, nick: str, display: str) -> TcMailbox:
        created = self.now - timedelta(days=self.rng.randint(20, 120), minutes=self.rng.randint(0, 600))
        return self.tc.add_mailbox(
            self.account,
            domain,
            nick,
            display,
            created_at=created,
            daily_send_limit=DEMO_HEALTHY["daily_send_limit"],
            enforced=True,
        )

    # ------------------------------------------------------------------ Smartlead side

    def client_for(self, tenant: TcTenant) -> int:
        client_id = self.sl.next_id("client")
        slug = re.sub(r"[^a-z0-9]", "", tenant.tenant_name.lower())
        self.user.clients[client_id] = SlClient(
            id=client_id,
            name=tenant.tenant_name,
            email=f"ops@{slug}.example",
            uuid=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            created_at=tenant.consented_at,
            user_id=self.user.user_id,
            permission=["reply_master_inbox"],
        )
        self.clients[tenant.tenant_id] = client_id
        return client_id

    def connect(self, tenant: TcTenant, mailbox: TcMailbox, *, oauth: bool) -> SlAccount:
        created = mailbox.created_at + timedelta(hours=self.rng.randint(1, 48))
        account_id = self.sl.next_id("account")
        warmup = SlWarmup(
            id=self.sl.next_id("warmup"),
            status="ACTIVE",
            created_at=created,
            total_sent_count=self.rng.randint(80, 400),
            warmup_reputation=f"{self.rng.choice((97, 98, 99, 100, 100, 100))}%",
            warmup_key_id=self.sl.warmup_key(),
            total_warmup_per_day=DEMO_HEALTHY["warmup_per_day"],
        )
        account = SlAccount(
            id=account_id,
            user_id=self.user.user_id,
            created_at=created,
            updated_at=created,
            from_name=mailbox.display_name,
            from_email=mailbox.primary_smtp,
            username=mailbox.primary_smtp,
            type="OUTLOOK" if oauth else "SMTP",
            password="" if oauth else mailbox.password,
            smtp_host=SMTP_HOST,
            smtp_port=587,
            smtp_port_type="TLS",
            imap_host=IMAP_HOST,
            imap_port=993,
            imap_port_type="SSL",
            message_per_day=DEMO_HEALTHY["message_per_day"],
            daily_sent_count=0,
            min_time_to_wait_in_mins=DEMO_HEALTHY["time_to_wait_in_mins"],
            client_id=self.clients.get(tenant.tenant_id),
            warmup=warmup,
            oauth_token=self.sb.microsoft_token(mailbox.primary_smtp, expires_in=86_400) if oauth else None,
        )
        self.user.accounts[account_id] = account
        self.accounts_by_tenant.setdefault(tenant.tenant_id, []).append(account_id)
        return account

    def campaign(self, tenant: TcTenant, status: str, name: str) -> SlCampaign:
        campaign_id = self.sl.next_id("campaign")
        created = tenant.consented_at + timedelta(days=7)
        campaign = SlCampaign(
            id=campaign_id,
            user_id=self.user.user_id,
            created_at=created,
            updated_at=created,
            name=name,
            status=status,
            client_id=self.clients.get(tenant.tenant_id),
            track_settings=["DONT_EMAIL_OPEN"],
            scheduler_cron_value={
                "tz": "UTC",
                "days": [1, 2, 3, 4, 5],
                "startHour": "09:00",
                "endHour": "17:00",
            },
            min_time_btwn_emails=DEMO_HEALTHY["time_to_wait_in_mins"],
            max_leads_per_day=200,
            email_account_ids=list(self.accounts_by_tenant.get(tenant.tenant_id, [])),
            daily_volume_per_account=DEMO_HEALTHY["campaign_volume"],
        )
        self.user.campaigns[campaign_id] = campaign
        return campaign


def build_demo(sandbox: Sandbox, tenants: int = 6) -> None:
    """Populate ``sandbox`` with the demo fleet (``tenants`` 1..100) and fill ``sandbox.planted``.

    Every TL code is planted when ``tenants >= 3`` (the SMTP-AUTH-disabled and basic-auth-retired
    plants need their own tenants); with fewer tenants the codes that need them are skipped.
    """
    if not isinstance(tenants, int) or not 1 <= tenants <= 100:
        raise ValueError("tenants must be an integer from 1 to 100 (the API Scale plan's ceiling)")
    b = _Builder(sandbox, tenants)
    tc, now = b.tc, b.now
    names = b.company_names()
    built = [b.build_tenant(i, name) for i, name in enumerate(names)]

    # Roles: tenant 0 is the main SMTP client; tenant 1 has SMTP AUTH disabled and tenant 2 has
    # basic auth retired (both connected through Microsoft OAuth); the last tenant is not ready.
    main = built[0]
    oauth_tenants = {t.tenant_id for t in built[1:3]}
    if len(built) >= 2:
        built[1].smtp_auth_enabled = False
    if len(built) >= 3:
        built[2].basic_auth_retired = True
    for tenant in built:
        b.client_for(tenant)
        # The agency's Azure app (the one in Smartlead's OAuth Configuration) was consented in
        # each tenant at onboarding, so its mailboxes can sign in headless (migrate, connect).
        sandbox.microsoft.grant_consent(tenant.tenant_id, sandbox.authority.smartlead_app.client_id)

    # ---- TenantCore-side plants on the main tenant (before connecting Smartlead accounts).
    boxes = b.mailboxes[main.tenant_id]
    domains = [d for d in b.account.domains.values() if d.tenant_id == main.tenant_id]
    by_name = {d.domain_name: d for d in domains}
    skip_connect: set[str] = set()

    disabled = boxes[0][0]
    disabled.account_enabled = False
    b.plant("TL101", disabled.primary_smtp)

    blocked = boxes[0][1]
    blocked.sends_today = 26
    blocked.blocked_at = now - timedelta(minutes=30)
    tc.log_event(blocked, "blocked", 26, 25, blocked.blocked_at)
    if tc.config.reset_policy == "rolling_24h":
        tc.set_window_start(blocked, now - timedelta(hours=20))
    b.plant("TL102", blocked.primary_smtp)

    # TL103: the newest domain of the main tenant is added but not verified yet (no mailboxes).
    last_index = len(boxes) - 1
    unverified = by_name[boxes[last_index][0].domain_name]
    for mailbox in boxes[last_index]:
        del b.account.mailboxes[mailbox.id]
    boxes[last_index] = []
    unverified.is_verified = False
    for key in ("spf_status", "dkim_status", "dmarc_status", "mx_status"):
        setattr(unverified, key, "missing")
    for record in unverified.dns_records:
        record["status"] = "missing"
    b.plant("TL103", unverified.domain_name)

    partial = by_name[boxes[1][0].domain_name]
    partial.dkim_status = "partial"
    for record in partial.dns_records:
        if record["name"] == "selector2._domainkey":
            record["status"] = "missing"
    b.plant("TL104", partial.domain_name)

    # TL105: the third mailbox of a domain was provisioned two minutes ago (still propagating,
    # so it is not connected yet: it is also a TL201 finding).
    fresh_domain = by_name[boxes[last_index - 1][0].domain_name]
    gone = boxes[last_index - 1].pop()
    del b.account.mailboxes[gone.id]
    fresh = tc.add_mailbox(
        b.account,
        fresh_domain,
        "outreach",
        f"{main.tenant_name} Outreach",
        created_at=now - timedelta(minutes=2),
        ready=False,
    )
    fresh.ready_at = now + timedelta(seconds=90)
    # The agency's script stored and enforced the usual limit right after provisioning.
    fresh.daily_send_limit = fresh.enforced_limit = DEMO_HEALTHY["daily_send_limit"]
    skip_connect.add(fresh.primary_smtp)
    b.plant("TL105", fresh.primary_smtp)
    b.plant("TL201", fresh.primary_smtp)

    unlimited = boxes[3][0]
    unlimited.daily_send_limit = None
    unlimited.enforced_limit = None
    b.plant("TL106", unlimited.primary_smtp)

    crowded = by_name[boxes[4][0].domain_name]
    boxes[4].append(b.healthy_mailbox(crowded, "team", f"{main.tenant_name} Team"))
    b.plant("TL108", crowded.domain_name)

    not_connected = boxes[2][2]
    skip_connect.add(not_connected.primary_smtp)
    b.plant("TL201", not_connected.primary_smtp)

    history = boxes[8][0]
    blocked_at = now - timedelta(hours=18)
    tc.log_event(history, "blocked", 26, 25, blocked_at)
    tc.log_event(history, "unblocked", 0, 25, now - timedelta(hours=8))
    b.plant("TL303", history.primary_smtp)

    if len(built) >= 2:
        over = built[1]
        for per_domain in b.mailboxes[over.tenant_id]:
            for mailbox in per_domain:
                mailbox.daily_send_limit = 30
                mailbox.enforced_limit = 30
        b.plant("TL109", over.tenant_id)
    not_ready = built[-1] if len(built) >= 4 else built[min(2, len(built) - 1)]
    not_ready.exchange_bootstrap_status = "pending"
    not_ready.discovery_completed = False
    b.plant("TL107", not_ready.tenant_id)

    # ---- Smartlead accounts: one per TenantCore mailbox (SMTP on the main tenants, OAuth where
    # the tenant's policy requires it).
    for tenant in built:
        oauth = tenant.tenant_id in oauth_tenants
        for per_domain in b.mailboxes[tenant.tenant_id]:
            for mailbox in per_domain:
                if mailbox.primary_smtp not in skip_connect:
                    b.connect(tenant, mailbox, oauth=oauth)
    by_email = {a.from_email: a for a in b.user.accounts.values()}

    # ---- Smartlead-side plants.
    wrong_pw = by_email[boxes[5][0].primary_smtp]
    wrong_pw.password = wrong_pw.password.swapcase()
    _fail(wrong_pw, "535 5.7.3 Authentication unsuccessful")
    b.plant("TL202", wrong_pw.from_email)
    for index, text in (
        (1, "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."),
        (2, "550 5.7.30 Basic authentication is not supported for Client Submission."),
    ):
        if len(built) > index:
            # One mailbox on the tenant was connected over SMTP anyway; the tenant refuses it.
            account = by_email[b.mailboxes[built[index].tenant_id][0][0].primary_smtp]
            mailbox = b.mailboxes[built[index].tenant_id][0][0]
            account.type = "SMTP"
            account.password = mailbox.password
            account.oauth_token = None
            _fail(account, text)
            b.plant("TL202", account.from_email)

    orphan_domain = boxes[6][0].domain_name
    orphan = b.connect(main, boxes[6][0], oauth=False)
    orphan.from_email = orphan.username = f"sales@{orphan_domain}"
    orphan.from_name = "Sales Team"
    b.plant("TL203", orphan.from_email)

    suspended = by_email[boxes[6][1].primary_smtp]
    suspended.is_suspended = True
    b.plant("TL204", suspended.from_email)
    warm_blocked = by_email[boxes[6][2].primary_smtp]
    assert warm_blocked.warmup is not None
    warm_blocked.warmup.status = "BLOCKED"
    warm_blocked.warmup.is_warmup_blocked = True
    warm_blocked.warmup.blocked_reason = "Warmup blocked: sign-in verification required"
    b.plant("TL204", warm_blocked.from_email)

    over_limit = by_email[boxes[7][0].primary_smtp]
    over_limit.message_per_day = 40
    b.plant("TL301", over_limit.from_email)
    over_with_warmup = by_email[boxes[7][1].primary_smtp]
    over_with_warmup.message_per_day = 22
    assert over_with_warmup.warmup is not None
    over_with_warmup.warmup.total_warmup_per_day = 8
    b.plant("TL302", over_with_warmup.from_email)

    bursty = by_email[boxes[8][1].primary_smtp]
    bursty.min_time_to_wait_in_mins = 1
    b.plant("TL304", bursty.from_email)

    if len(built) >= 2:
        for mailbox in (boxes[9][0], b.mailboxes[built[1].tenant_id][1][0]):
            account = by_email[mailbox.primary_smtp]
            account.client_id = None
            account.tag_ids = []
            b.plant("TL305", account.from_email)

    # ---- Campaigns: one ACTIVE per client; every third client also has a paused one.
    for index, tenant in enumerate(built):
        b.campaign(tenant, "ACTIVE", f"{tenant.tenant_name} - Q4 outbound")
        if index % 3 == 2:
            b.campaign(tenant, "PAUSED", f"{tenant.tenant_name} - re-engagement")
    # TL206: every account still on basic-auth SMTP to Exchange Online counts down to Microsoft's
    # cutoff (most of the demo's accounts: the agency connected them before OAuth was the norm).
    for acc in b.user.accounts.values():
        if acc.type == "SMTP" and is_office365_smtp_host(acc.smtp_host):
            b.plant("TL206", acc.from_email)
    b.account.events.sort(key=lambda e: e.created_at)
    tc.reindex()
    sandbox.planted = {code: sorted(set(subjects)) for code, subjects in sorted(b.planted.items())}


def _fail(account: SlAccount, text: str) -> None:
    account.is_smtp_success = False
    account.is_imap_success = False
    account.smtp_failure_error = text
    account.imap_failure_error = None


def demo_start() -> datetime:
    """The demo's default virtual start time (the clock's default)."""
    return datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
