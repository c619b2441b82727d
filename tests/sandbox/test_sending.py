"""The simulated sending day: Exchange blocks what exceeds enforced limits; alignment prevents it."""

from __future__ import annotations

import httpx

from tenantlead.sandbox import DayReport, Sandbox
from tenantlead.sandbox.state import SlAccount, SlCampaign, SlWarmup, TcMailbox


def _one_mailbox(
    limit: int | None, enforced: bool, mpd: int, warmup: int = 0
) -> tuple[Sandbox, TcMailbox, SlAccount]:
    sb = Sandbox(seed=4)
    tc = sb.tenantcore
    tenant = tc.add_tenant(sb.tc_account, "Acme")
    domain = tc.add_domain(sb.tc_account, tenant, "mail.acme.com")
    mailbox = tc.add_mailbox(sb.tc_account, domain, "john", "John", daily_send_limit=limit, enforced=enforced)
    now = sb.clock.now()
    account = SlAccount(
        id=sb.smartlead.next_id("account"),
        user_id=sb.sl_user.user_id,
        created_at=now,
        updated_at=now,
        from_name="John",
        from_email=mailbox.primary_smtp,
        username=mailbox.primary_smtp,
        message_per_day=mpd,
        warmup=SlWarmup(id=1, status="ACTIVE", total_warmup_per_day=warmup) if warmup else None,
    )
    sb.sl_user.accounts[account.id] = account
    return sb, mailbox, account


def test_excess_over_enforced_limit_is_blocked_and_bounced() -> None:
    sb, mailbox, account = _one_mailbox(limit=25, enforced=True, mpd=30, warmup=5)
    report = sb.simulate_day(campaign_volume=100)
    assert report.attempted == 35
    assert report.sent == 25
    assert report.ndrs == 10
    assert report.enforcement_blocks == 1
    assert mailbox.blocked_at is not None
    assert account.bounce_count == 10
    assert account.daily_sent_count == 30  # Smartlead counts attempted campaign sends
    (event,) = sb.tc_account.events
    assert (event.action_taken, event.sent_count, event.limit_value) == ("blocked", 26, 25)
    assert report.per_tenant[mailbox.tenant_id] == {"sent": 25, "ndrs": 10, "blocks": 1}
    assert "10 NDRs" in str(report)


def test_stored_but_unprovisioned_limit_does_not_bite() -> None:
    sb, mailbox, _account = _one_mailbox(limit=25, enforced=False, mpd=40)
    report = sb.simulate_day(campaign_volume=40)
    assert (report.sent, report.ndrs, report.enforcement_blocks) == (40, 0, 0)
    assert mailbox.sends_today == 40


def test_aligned_account_never_blocks_and_days_start_clean() -> None:
    sb, _mailbox, account = _one_mailbox(limit=25, enforced=True, mpd=20, warmup=5)
    first = sb.simulate_day(campaign_volume=50)
    second = sb.simulate_day(campaign_volume=50)
    for report in (first, second):
        assert (report.sent, report.ndrs, report.enforcement_blocks) == (25, 0, 0)
    assert second.date > first.date
    assert account.daily_sent_count == 20


def test_demand_comes_from_active_campaigns() -> None:
    sb, _mailbox, account = _one_mailbox(limit=None, enforced=False, mpd=50)
    assert sb.simulate_day().attempted == 0  # no campaign, no warmup: nothing to send

    now = sb.clock.now()
    for status, volume in (("ACTIVE", 12), ("PAUSED", 30)):
        cid = sb.smartlead.next_id("campaign")
        sb.sl_user.campaigns[cid] = SlCampaign(
            id=cid, user_id=1, created_at=now, updated_at=now, status=status,
            email_account_ids=[account.id], daily_volume_per_account=volume,
        )  # fmt: skip
    assert sb.simulate_day().attempted == 12


def test_skips_accounts_that_cannot_send() -> None:
    sb, _mailbox, account = _one_mailbox(limit=25, enforced=True, mpd=20)
    account.is_suspended = True
    assert sb.simulate_day(campaign_volume=20).accounts_sending == 0
    account.is_suspended = False
    account.is_smtp_success = False
    assert sb.simulate_day(campaign_volume=20).accounts_sending == 0
    account.is_smtp_success = True
    account.from_email = "someone@gmail.example"
    assert sb.simulate_day(campaign_volume=20).accounts_sending == 0


def _align(sb: Sandbox) -> None:
    """What connect + align + apply does, through the two APIs."""
    auth = {"Authorization": f"Bearer {sb.tenantcore_api_key}"}
    with sb.http_client() as c:
        for tenant in sb.tc_account.tenants.values():
            base = f"https://api.tenantcore.io/v1/tenants/{tenant.tenant_id}"
            for m in c.get(f"{base}/mailboxes", headers=auth).json()["mailboxes"]:
                if m["daily_send_limit"] is None:
                    c.patch(f"{base}/mailboxes/{m['id']}", json={"daily_send_limit": 25}, headers=auth)
            assert c.post(f"{base}/mailbox-limits", json={}, headers=auth).status_code == 200
    by_limit = {m.primary_smtp: m.daily_send_limit for _, m in sb.tenantcore.iter_mailboxes()}
    for a in sb.sl_user.accounts.values():
        limit = by_limit.get(a.from_email)
        if limit is not None:
            warm = a.warmup.total_warmup_per_day if a.warmup and a.warmup.status == "ACTIVE" else 0
            a.message_per_day = min(a.message_per_day, limit - warm)


def test_demo_blocks_before_alignment_and_not_after() -> None:
    sb = Sandbox.demo(seed=7, tenants=6)
    before = sb.simulate_day()
    assert before.ndrs > 0
    assert before.enforcement_blocks >= 2  # the TL301 and TL302 plants
    blocked = {row["email"] for row in before.per_account if row["blocked"]}
    assert set(sb.planted["TL301"]) | set(sb.planted["TL302"]) <= blocked
    _align(sb)
    after = sb.simulate_day()
    assert (after.ndrs, after.enforcement_blocks) == (0, 0)
    assert after.sent > 0
    with httpx.Client(transport=sb.transport) as c:
        events = c.get(
            "https://api.tenantcore.io/v1/enforcement/events",
            params={"action": "unblocked"},
            headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"},
        ).json()
    assert events["total"] >= 3  # the planted TL102/TL303 history and the resets after day one


def test_same_seed_same_day() -> None:
    reports: list[DayReport] = [Sandbox.demo(seed=3, tenants=3).simulate_day() for _ in range(2)]
    assert reports[0].to_dict() == reports[1].to_dict()
    assert reports[0].to_dict()["date"] == reports[0].date.isoformat()
