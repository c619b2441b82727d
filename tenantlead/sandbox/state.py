"""The simulated worlds' state: plain mutable dataclasses, no behaviour.

The TenantCore handler owns the ``Tc*`` records, the Smartlead handler the ``Sl*`` records; the
demo-fleet seeder and the simulated sending day read and write both. Field names follow the
wire names of shared/reference wherever a wire name exists; sandbox-only fields (never served
by either API) are marked "sandbox only".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "MailboxAuthority",
    "SlAccount",
    "SlAccountWebhook",
    "SlCampaign",
    "SlCampaignWebhook",
    "SlClient",
    "SlClientKey",
    "SlTag",
    "SlUser",
    "SlWarmup",
    "TcAccount",
    "TcDomain",
    "TcEvent",
    "TcMailbox",
    "TcTenant",
]


class MailboxAuthority(Protocol):
    """What the Smartlead world asks the Microsoft/TenantCore side when a mailbox connects.

    The combined sandbox implements it over the TenantCore world; a standalone Smartlead world
    has none and accepts every login (like any mailbox outside TenantCore).
    """

    def check_smtp_login(self, email: str, username: str, password: str, smtp_host: str) -> str | None:
        """None when the login would succeed, else the SMTP server's reply text.

        E.g. ``"535 5.7.3 Authentication unsuccessful"`` (wrong password; passwords are
        case-sensitive), ``"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is
        disabled for the Tenant."`` or ``"550 5.7.30 Basic authentication is not supported for
        Client Submission."``. Addresses the authority does not know return None.
        """
        ...

    def check_oauth_token(self, email: str, token: dict[str, Any]) -> str | None:
        """None when the Microsoft token is valid for ``email`` (scope, expiry, issuer), else why not."""
        ...


# --------------------------------------------------------------------------- TenantCore


@dataclass
class TcTenant:
    """A connected Microsoft 365 tenant."""

    id: str  # internal uuid
    tenant_id: str  # Microsoft tenant GUID (the path parameter)
    tenant_name: str
    tenant_domain: str  # <name>.onmicrosoft.com
    default_domain: str | None
    consented_at: datetime
    last_sync_at: datetime | None
    status: str | None = None
    discovery_completed: bool = True
    exchange_bootstrap_status: str = "ready"  # ready | pending | failed
    # sandbox only: Microsoft-side tenant policy that decides SMTP AUTH outcomes
    smtp_auth_enabled: bool = True  # False -> "535 5.7.139 ... SmtpClientAuthentication is disabled"
    basic_auth_retired: bool = False  # True -> "550 5.7.30 Basic authentication is not supported"
    enforcement_provisioned_at: datetime | None = None  # set by POST mailbox-limits
    deprovisioned: bool = False


@dataclass
class TcDomain:
    """A custom domain on a tenant, with its live DNS health."""

    id: str
    tenant_id: str
    domain_name: str
    is_default: bool
    is_verified: bool
    spf_status: str  # raw record or "missing"
    dkim_status: str  # healthy | partial | missing | free text
    dmarc_status: str  # raw record or "missing"
    mx_status: str  # raw MX host with trailing dot, or "missing"
    last_checked: datetime | None
    # sandbox only: the DNS records TenantCore generated for the registrar
    dns_records: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TcMailbox:
    """A shared mailbox. ``password`` is sandbox only: the API never returns it."""

    id: str
    tenant_id: str
    domain_name: str
    display_name: str
    primary_smtp: str
    user_principal_name: str
    mail_nickname: str
    created_at: datetime
    password: str = field(repr=False, default="")  # sandbox only (what the app's "copy" gives)
    account_enabled: bool = True
    daily_send_limit: int | None = None  # stored by PATCH (step 1)
    enforced_limit: int | None = None  # sandbox only: what the transport rule enforces (step 2)
    sends_today: int = 0
    blocked_at: datetime | None = None
    ready_at: datetime | None = None  # sandbox only: end of the 2-5 minute propagation


@dataclass
class TcEvent:
    """One enforcement audit-log entry."""

    id: str
    tenant_id: str
    mailbox_address: str
    action_taken: str  # blocked | unblocked
    sent_count: int
    limit_value: int
    message: str
    created_at: datetime


@dataclass
class TcAccount:
    """One TenantCore account (one API key) and everything it can see."""

    api_key: str = field(repr=False)
    user_email: str = "owner@agency.example"
    plan_name: str = "API Scale"
    plan_active: bool = True
    tenant_ceiling: int = 100
    tenants: dict[str, TcTenant] = field(default_factory=dict)  # by tenant_id (GUID)
    domains: dict[str, TcDomain] = field(default_factory=dict)  # by id
    mailboxes: dict[str, TcMailbox] = field(default_factory=dict)  # by id
    events: list[TcEvent] = field(default_factory=list)  # oldest first; served newest first


# --------------------------------------------------------------------------- Smartlead


@dataclass
class SlWarmup:
    """``warmup_details`` of an email account."""

    id: int
    status: str = "INACTIVE"  # ACTIVE | INACTIVE | PAUSED | BLOCKED
    created_at: datetime | None = None
    total_sent_count: int = 0
    total_spam_count: int = 0
    warmup_reputation: str = "100%"
    warmup_key_id: str | None = None
    reply_rate: int = 30
    blocked_reason: str | None = None
    is_warmup_blocked: bool = False
    total_warmup_per_day: int = 0  # read back as warmup_details.max_email_per_day
    warmup_min_count: int = 3
    warmup_max_count: int = 40
    daily_rampup: int | None = None
    is_rampup_enabled: bool = False
    auto_adjust_warmup: bool = False
    daily_stats: list[dict[str, Any]] = field(default_factory=list)  # for warmup-stats


@dataclass
class SlAccount:
    """One Smartlead email account (mailbox)."""

    id: int
    user_id: int
    created_at: datetime
    updated_at: datetime
    from_name: str
    from_email: str
    username: str
    type: str = "SMTP"  # SMTP | GMAIL | OUTLOOK | ZOHO
    password: str = field(repr=False, default="")
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_port_type: str = "TLS"
    imap_host: str = ""
    imap_port: int = 993
    imap_port_type: str = "SSL"
    is_different_imap_account: bool = False
    imap_username: str = ""
    imap_password: str = field(repr=False, default="")
    message_per_day: int = 100  # written as max_email_per_day
    daily_sent_count: int = 0
    min_time_to_wait_in_mins: int = 3  # written as time_to_wait_in_mins, read minTimeToWaitInMins
    different_reply_to_address: str | None = ""
    signature: str | None = None
    custom_tracking_domain: str | None = None
    bcc_email: str | None = None
    is_smtp_success: bool = True
    is_imap_success: bool = True
    smtp_failure_error: str | None = None
    imap_failure_error: str | None = None
    client_id: int | None = None
    is_suspended: bool = False
    deleted: bool = False  # soft delete
    warmup: SlWarmup | None = None
    tag_ids: list[int] = field(default_factory=list)
    oauth_token: dict[str, Any] | None = field(repr=False, default=None)
    # sandbox only: what the simulated sending days did to this account
    bounce_count: int = 0  # NDRs from Exchange blocks, cumulative


@dataclass
class SlTag:
    """An email-account tag."""

    id: int
    name: str
    color: str | None = None


@dataclass
class SlCampaign:
    """A campaign. Schedule fields are stored in their read-side form."""

    id: int
    user_id: int
    created_at: datetime
    updated_at: datetime
    name: str = "Untitled Campaign"
    status: str = "DRAFTED"
    client_id: int | None = None
    track_settings: list[str] = field(default_factory=list)
    scheduler_cron_value: dict[str, Any] | None = None  # {tz, days, startHour, endHour}
    min_time_btwn_emails: int = 10
    max_leads_per_day: int = 20
    stop_lead_settings: str = "REPLY_TO_AN_EMAIL"
    schedule_start_time: datetime | None = None
    enable_ai_esp_matching: bool = False
    send_as_plain_text: bool = False
    follow_up_percentage: int = 100
    unsubscribe_text: str | None = None
    parent_campaign_id: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # other settings written via /settings
    email_account_ids: list[int] = field(default_factory=list)
    deleted: bool = False
    # sandbox only: emails per day per linked account the simulated day tries to send
    daily_volume_per_account: int = 0


@dataclass
class SlCampaignWebhook:
    """A campaign-level webhook."""

    id: int
    email_campaign_id: int
    name: str
    webhook_url: str
    event_types: list[str]
    categories: list[str]
    created_at: datetime
    updated_at: datetime


@dataclass
class SlAccountWebhook:
    """An account-level webhook (``/webhook/...``)."""

    id: int
    webhook_url: str
    association_type: str
    name: str | None = None
    email_campaign_id: int | None = None
    client_id: int | None = None
    event_type_map: dict[str, bool] = field(default_factory=dict)
    category_id_map: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass
class SlClient:
    """An agency client (sub-account)."""

    id: int
    name: str
    email: str
    uuid: str
    created_at: datetime
    user_id: int
    permission: list[str] = field(default_factory=list)
    restricted_category: list[str] = field(default_factory=list)
    logo: str | None = None
    logo_url: str | None = None
    password: str = field(repr=False, default="")


@dataclass
class SlClientKey:
    """An API key of an agency client."""

    id: int
    client_id: int
    key_name: str
    api_key: str = field(repr=False)
    status: str = "active"
    created_at: datetime | None = None


@dataclass
class SlUser:
    """One Smartlead user (one master API key) and everything it owns."""

    user_id: int
    api_key: str = field(repr=False)
    accounts: dict[int, SlAccount] = field(default_factory=dict)
    tags: dict[int, SlTag] = field(default_factory=dict)
    campaigns: dict[int, SlCampaign] = field(default_factory=dict)
    campaign_webhooks: dict[int, SlCampaignWebhook] = field(default_factory=dict)
    account_webhooks: dict[int, SlAccountWebhook] = field(default_factory=dict)
    clients: dict[int, SlClient] = field(default_factory=dict)
    client_keys: dict[int, SlClientKey] = field(default_factory=dict)
    reconnect_calls: list[datetime] = field(default_factory=list)
