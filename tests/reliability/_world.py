"""A 500-mailbox agency world on the sandbox, clients on its virtual clock, and read-back helpers."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

from tenantlead import RetryPolicy
from tenantlead.orchestration import Change, LimitPolicy
from tenantlead.sandbox import Sandbox
from tenantlead.smartlead import Smartlead
from tenantlead.tenantcore import TenantCore

#: The policy every campaign run applies: unset TenantCore limits become 25; gaps spread 8 hours.
POLICY = LimitPolicy(default_ceiling=25, sending_window="09:00-17:00")


def build_world(seed: int, mailboxes: int = 500) -> Sandbox:
    """A sandbox whose TenantCore holds ``mailboxes`` ready mailboxes (none in Smartlead yet).

    Every 5th mailbox has no stored limit (the plan stores 25 and provisions enforcement), every
    7th has 40, the rest 25 enforced.
    """
    sb = Sandbox(seed=seed)
    tc = sb.tenantcore
    long_ago = sb.clock.now() - timedelta(days=40)
    made = 0
    tenant_index = 0
    while made < mailboxes:
        tenant = tc.add_tenant(sb.tc_account, f"Client {tenant_index:02d}", consented_at=long_ago)
        for d in range(12):
            if made >= mailboxes:
                break
            domain = tc.add_domain(sb.tc_account, tenant, f"c{tenant_index:02d}d{d:02d}.example.com")
            for nick in ("ava", "liam", "noah"):
                if made >= mailboxes:
                    break
                limit = None if made % 5 == 0 else (40 if made % 7 == 0 else 25)
                tc.add_mailbox(
                    sb.tc_account,
                    domain,
                    nick,
                    nick.title(),
                    created_at=long_ago,
                    daily_send_limit=limit,
                    enforced=limit is not None,
                )
                made += 1
        tenant_index += 1
    tc.reindex()
    return sb


def clients(sb: Sandbox, *, max_retries: int = 4) -> tuple[TenantCore, Smartlead]:
    """Sync clients on the sandbox transport and its virtual clock (nothing sleeps for real)."""
    # Seeded jitter: the same seed replays the same requests, so the same faults hit them.
    retry = RetryPolicy(random=random.Random(f"jitter:{sb.seed}").random)
    opts: dict[str, Any] = {"max_retries": max_retries, "retry": retry}
    return (
        TenantCore(sb.tenantcore_api_key, **sb.client_options(), **opts),
        Smartlead(sb.smartlead_api_key, **sb.client_options(), **opts),
    )


def live_accounts(sb: Sandbox) -> list[Any]:
    """The sandbox's live (not deleted) Smartlead accounts."""
    return [a for a in sb.sl_user.accounts.values() if not a.deleted]


def duplicates(sb: Sandbox) -> dict[str, int]:
    """Addresses with more than one live Smartlead account."""
    counts = Counter(a.from_email.lower() for a in live_accounts(sb))
    return {email: n for email, n in counts.items() if n > 1}


def lost_updates(sb: Sandbox, planned: dict[tuple[str, str], Change]) -> list[str]:
    """Planned values that the sandbox does not hold (read straight from the worlds' state)."""
    mailboxes = {m.primary_smtp.lower(): m for m in sb.tc_account.mailboxes.values()}
    accounts = {a.from_email.lower(): a for a in live_accounts(sb)}
    lost: list[str] = []
    for (subject, field), change in sorted(planned.items()):
        if change.system == "tenantcore" and field == "daily_send_limit":
            actual: Any = mailboxes[subject].daily_send_limit
        elif field == "mailbox_limits":
            boxes = [m for m in mailboxes.values() if m.tenant_id == subject]
            actual = all(m.enforced_limit == m.daily_send_limit for m in boxes)
            if not actual:
                lost.append(f"{subject}: enforcement not provisioned")
            continue
        elif field == "message_per_day":
            actual = accounts[subject].message_per_day
        elif field == "min_time_to_wait_in_mins":
            actual = accounts[subject].min_time_to_wait_in_mins
        elif field == "warmup_per_day":
            warmup = accounts[subject].warmup
            actual = warmup.total_warmup_per_day if warmup is not None else None
        else:
            raise AssertionError(f"unknown planned field {field}")
        if actual != change.after:
            lost.append(f"{subject}: {field} is {actual!r}, planned {change.after!r}")
    return lost
