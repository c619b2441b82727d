"""The simulated sending day: what Exchange does to what Smartlead tries to send.

Every connected Smartlead account whose address is a ready TenantCore mailbox sends its
campaign volume (capped by its ``message_per_day``) plus its warmup volume through that mailbox.
Sends are spread across a 09:00-17:00 UTC window, warmup interleaved with campaign mail, in
one global time order. TenantCore counts each send; once a mailbox exceeds its *enforced*
limit Exchange blocks it and every further send is an NDR. That is the failure the SDK's
``align_limits`` prevents, and the report makes it visible.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tenantlead._core.microsoft365 import is_office365_smtp_host

from .state import SlAccount, TcMailbox

if TYPE_CHECKING:
    from .world import Sandbox

__all__ = ["BUSINESS_DAY_END_HOUR", "BUSINESS_DAY_START_HOUR", "DayReport", "simulate_day"]

BUSINESS_DAY_START_HOUR = 9
BUSINESS_DAY_END_HOUR = 17


@dataclass(frozen=True)
class DayReport:
    """The outcome of one simulated sending day.

    ``sent`` counts delivered messages, ``attempted`` every send (campaign + warmup), ``ndrs``
    the sends Exchange blocked, ``enforcement_blocks`` the mailboxes newly blocked that day.
    ``per_tenant`` maps tenant_id to ``{"sent", "ndrs", "blocks"}``; ``per_account`` has one
    row per sending Smartlead account.
    """

    date: date
    accounts_sending: int
    sent: int
    attempted: int
    ndrs: int
    enforcement_blocks: int
    per_tenant: dict[str, dict[str, int]] = field(default_factory=dict)
    per_account: list[dict[str, Any]] = field(default_factory=list)
    #: SMTP (basic-auth) accounts whose login Exchange refused at the start of the day, so they
    #: sent nothing: ``{account_id, email, tenant_id, error}`` (``550 5.7.30`` after Microsoft's
    #: cutoff).
    login_failures: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        refused = f"; {len(self.login_failures)} SMTP logins refused" if self.login_failures else ""
        return (
            f"{self.date.isoformat()}: {self.accounts_sending} accounts attempted {self.attempted} sends; "
            f"{self.sent} delivered, {self.ndrs} NDRs, {self.enforcement_blocks} mailboxes blocked by Exchange"
            f"{refused}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "date": self.date.isoformat(),
            "accounts_sending": self.accounts_sending,
            "sent": self.sent,
            "attempted": self.attempted,
            "ndrs": self.ndrs,
            "enforcement_blocks": self.enforcement_blocks,
            "per_tenant": {k: dict(v) for k, v in self.per_tenant.items()},
            "per_account": [dict(row) for row in self.per_account],
            "login_failures": [dict(row) for row in self.login_failures],
        }


@dataclass
class _Sender:
    account: SlAccount
    mailbox: TcMailbox
    campaign: int
    warmup: int
    delivered: int = 0
    ndrs: int = 0
    warmup_delivered: int = 0


def _demand(sandbox: Sandbox) -> dict[int, int]:
    demand: dict[int, int] = defaultdict(int)
    for user in sandbox.smartlead.users.values():
        for campaign in user.campaigns.values():
            if campaign.deleted or campaign.status != "ACTIVE":
                continue
            for account_id in campaign.email_account_ids:
                demand[account_id] += campaign.daily_volume_per_account
    return demand


def simulate_day(sandbox: Sandbox, *, campaign_volume: int | None = None) -> DayReport:
    """Run the next calendar day's 09:00-17:00 UTC sending window and report what happened.

    The day always starts after the next UTC midnight, so due resets apply first and the day
    starts clean. ``campaign_volume`` overrides campaign demand: every connected account then
    wants to send that many campaign emails (still capped by its ``message_per_day``).
    """
    if campaign_volume is not None and campaign_volume < 0:
        raise ValueError("campaign_volume must be >= 0 (emails per connected account)")
    tc = sandbox.tenantcore
    clock = sandbox.clock
    day = clock.now().date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, BUSINESS_DAY_START_HOUR, tzinfo=UTC)
    end = datetime(day.year, day.month, day.day, BUSINESS_DAY_END_HOUR, tzinfo=UTC)
    clock.set(start)
    tc.maybe_reset(start)
    window = (end - start).total_seconds()
    rng = random.Random(f"sending-day:{sandbox.seed}:{day.isoformat()}")
    demand = _demand(sandbox)

    senders: list[_Sender] = []
    login_failures: list[dict[str, Any]] = []
    for user in sandbox.smartlead.users.values():
        for account in sorted(user.accounts.values(), key=lambda a: a.id):
            # Smartlead's own daily counter restarts with the day.
            account.daily_sent_count = 0
            if account.deleted or account.is_suspended or not account.is_smtp_success:
                continue
            found = tc.find_mailbox(account.from_email)
            if found is None:
                continue  # not a TenantCore mailbox (or an orphan): outside this simulation
            mailbox = found[1]
            if (
                not mailbox.account_enabled
                or not tc.is_ready(mailbox, start)
                or tc.tenant_of(mailbox) is None
            ):
                continue
            refused = _basic_auth_login(sandbox, account)
            if refused is not None:
                login_failures.append(
                    {"account_id": account.id, "email": account.from_email, "tenant_id": mailbox.tenant_id,
                     "error": refused}
                )  # fmt: skip
                continue
            problem = sandbox.authority.refresh_account(account)  # OAuth: Smartlead refreshes first
            if problem is not None:
                account.is_smtp_success = account.is_imap_success = False
                account.smtp_failure_error = account.imap_failure_error = problem
                continue
            want = campaign_volume if campaign_volume is not None else demand.get(account.id, 0)
            campaign = max(0, min(account.message_per_day, want))
            warm = account.warmup
            warmup = (
                warm.total_warmup_per_day
                if warm is not None and warm.status == "ACTIVE" and not warm.is_warmup_blocked
                else 0
            )
            if campaign + warmup > 0:
                senders.append(_Sender(account, mailbox, campaign, warmup))

    # One global timeline: (seconds into the window, tiebreak, sender index, is_campaign).
    timeline: list[tuple[float, int, int, bool]] = []
    seq = 0
    for index, sender in enumerate(senders):
        if sender.campaign:
            # Campaign sends are paced evenly (Smartlead spreads them), with a little jitter.
            gap = window / sender.campaign
            for i in range(sender.campaign):
                timeline.append(((i + 0.1 + 0.8 * rng.random()) * gap, seq, index, True))
                seq += 1
        for _ in range(sender.warmup):
            # Warmup traffic lands at random moments across the day.
            timeline.append((rng.uniform(0, window), seq, index, False))
            seq += 1
    timeline.sort()

    newly_blocked: set[str] = set()
    for offset, _seq, index, is_campaign in timeline:
        sender = senders[index]
        mailbox = sender.mailbox
        was_blocked = mailbox.blocked_at is not None
        delivered = tc.record_send(mailbox, start + timedelta(seconds=offset))
        if is_campaign:
            sender.account.daily_sent_count += 1
        if delivered:
            sender.delivered += 1
            if not is_campaign:
                sender.warmup_delivered += 1
        else:
            sender.ndrs += 1
            sender.account.bounce_count += 1
            if not was_blocked and mailbox.blocked_at is not None:
                newly_blocked.add(mailbox.id)

    # Events were appended in time order per send; keep the log sorted for paging.
    for account_state in tc.accounts.values():
        account_state.events.sort(key=lambda e: e.created_at)
    clock.set(end)
    tc.maybe_reset(end)

    per_tenant: dict[str, dict[str, int]] = {}
    per_account: list[dict[str, Any]] = []
    sent = ndrs = attempted = 0
    for sender in senders:
        account, mailbox = sender.account, sender.mailbox
        if account.warmup is not None:
            account.warmup.total_sent_count += sender.warmup_delivered
        blocked = mailbox.id in newly_blocked
        row = per_tenant.setdefault(mailbox.tenant_id, {"sent": 0, "ndrs": 0, "blocks": 0})
        row["sent"] += sender.delivered
        row["ndrs"] += sender.ndrs
        sent += sender.delivered
        ndrs += sender.ndrs
        attempted += sender.campaign + sender.warmup
        per_account.append(
            {
                "account_id": account.id,
                "email": account.from_email,
                "tenant_id": mailbox.tenant_id,
                "message_per_day": account.message_per_day,
                "warmup_per_day": sender.warmup,
                "enforced_limit": mailbox.enforced_limit,
                "campaign_attempted": sender.campaign,
                "warmup_attempted": sender.warmup,
                "delivered": sender.delivered,
                "ndrs": sender.ndrs,
                "blocked": blocked,
            }
        )
    tenant_by_mailbox = {s.mailbox.id: s.mailbox.tenant_id for s in senders}
    for mailbox_id in newly_blocked:
        per_tenant[tenant_by_mailbox[mailbox_id]]["blocks"] += 1
    return DayReport(
        date=day,
        accounts_sending=len(senders),
        sent=sent,
        attempted=attempted,
        ndrs=ndrs,
        enforcement_blocks=len(newly_blocked),
        per_tenant=per_tenant,
        per_account=per_account,
        login_failures=login_failures,
    )


def _basic_auth_login(sandbox: Sandbox, account: SlAccount) -> str | None:
    """Smartlead logs in to each SMTP (password) account as the day starts; Exchange's refusal, or None.

    A refused account is marked failing, with the reply, as Smartlead shows it; after Microsoft's
    basic-auth cutoff on the virtual clock every Office 365 SMTP login gets ``550 5.7.30``.
    """
    if account.type != "SMTP" or not is_office365_smtp_host(account.smtp_host):
        return None
    refused = sandbox.authority.check_smtp_login(
        account.from_email, account.username, account.password, account.smtp_host
    )
    if refused is not None:
        account.is_smtp_success = False
        account.smtp_failure_error = refused
    return refused
