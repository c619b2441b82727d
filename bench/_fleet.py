"""An exactly-sized agency fleet seeded into a sandbox (the demo's shape, without its plants).

``Sandbox.demo()`` varies domains per tenant and plants problems; a benchmark needs exact counts
(so request-count targets are exact) and a chosen share of Smartlead accounts whose daily limit
is above TenantCore's (the work ``align_limits`` has to do).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from tenantlead.sandbox import Sandbox, SmartleadConfig, VirtualClock
from tenantlead.sandbox.state import SlAccount, SlWarmup

__all__ = ["FleetSpec", "build_sandbox"]

#: TenantCore's stored (and enforced) daily limit on every mailbox.
TC_LIMIT = 25
#: Smartlead ``message_per_day`` of an account that is already aligned.
ALIGNED_SL_LIMIT = 20
#: Smartlead ``message_per_day`` of an account that needs lowering (above TC_LIMIT).
OVER_SL_LIMIT = 40


@dataclass(frozen=True)
class FleetSpec:
    """What to seed: fleet shape, rate limit and the share of misaligned accounts.

    ``rate_limits`` are the sandbox Smartlead ``(requests, seconds)`` windows; ``changed_every``
    makes every n-th account (0: none) misaligned, so ``changed_every=2`` is half the fleet.
    ``connected=False`` seeds no Smartlead accounts (an agency's day one, before connect).
    """

    tenants: int
    domains_per_tenant: int = 12
    mailboxes_per_domain: int = 3
    events: int = 0
    changed_every: int = 0
    rate_limits: tuple[tuple[int, float], ...] = ((600, 60.0), (20, 2.0))
    seed: int = 7
    connected: bool = True

    @property
    def mailboxes(self) -> int:
        """TenantCore mailboxes (= Smartlead accounts: one per mailbox)."""
        return self.tenants * self.domains_per_tenant * self.mailboxes_per_domain

    @property
    def changed(self) -> int:
        """Accounts whose Smartlead limit is above TenantCore's."""
        return 0 if self.changed_every <= 0 else math.ceil(self.mailboxes / self.changed_every)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (sent to the server subprocess, stored with results)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FleetSpec:
        """The inverse of :meth:`to_json`."""
        fields = dict(data)
        fields["rate_limits"] = tuple((int(n), float(s)) for n, s in fields.get("rate_limits", ()))
        return cls(**fields)


def build_sandbox(spec: FleetSpec, clock: VirtualClock | None = None) -> Sandbox:
    """A sandbox holding exactly ``spec``: healthy tenants, domains, mailboxes and one account each."""
    sb = Sandbox(seed=spec.seed, clock=clock, smartlead=SmartleadConfig(rate_limits=spec.rate_limits))
    tc, sl = sb.tenantcore, sb.smartlead
    account, user = sb.tc_account, sb.sl_user
    now = sb.clock.now()
    index = 0
    mailboxes = []
    for t in range(spec.tenants):
        tenant = tc.add_tenant(account, f"Bench Client {t:03d}", consented_at=now - timedelta(days=90))
        for d in range(spec.domains_per_tenant):
            domain = tc.add_domain(account, tenant, f"client{t:03d}-d{d:02d}.example", is_default=d == 0)
            for m in range(spec.mailboxes_per_domain):
                mailbox = tc.add_mailbox(
                    account,
                    domain,
                    f"sender{m}",
                    f"Sender {m}",
                    created_at=now - timedelta(days=30),
                    daily_send_limit=TC_LIMIT,
                    enforced=True,
                )
                mailboxes.append(mailbox)
                if not spec.connected:
                    continue
                changed = spec.changed_every > 0 and index % spec.changed_every == 0
                index += 1
                account_id = sl.next_id("account")
                user.accounts[account_id] = SlAccount(
                    id=account_id,
                    user_id=user.user_id,
                    created_at=now - timedelta(days=29),
                    updated_at=now - timedelta(days=29),
                    from_name=mailbox.display_name,
                    from_email=mailbox.primary_smtp,
                    username=mailbox.primary_smtp,
                    type="SMTP",
                    password=mailbox.password,
                    smtp_host="smtp.office365.com",
                    imap_host="outlook.office365.com",
                    message_per_day=OVER_SL_LIMIT if changed else ALIGNED_SL_LIMIT,
                    min_time_to_wait_in_mins=24,
                    # Warmup off: its volume is not in list rows, and reading it per account is
                    # a separate (opt-in) cost of Fleet.load.
                    warmup=SlWarmup(id=sl.next_id("warmup"), status="INACTIVE"),
                )
    # Recent enforcement history (inside Fleet.load's 7-day window) so the log spans pages.
    for k in range(spec.events):
        mailbox = mailboxes[k % len(mailboxes)]
        tc.log_event(
            mailbox,
            "blocked" if k % 2 == 0 else "unblocked",
            TC_LIMIT,
            TC_LIMIT,
            now - timedelta(minutes=k + 1),
        )
    return sb
