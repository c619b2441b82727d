"""The seeded demo fleet: every TL code planted, nothing else wrong, deterministic, fast."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from tenantlead.sandbox import Sandbox

ALL_CODES = (
    [f"TL10{i}" for i in range(1, 10)]
    + [f"TL20{i}" for i in range(1, 5)]
    + ["TL206"]
    + [f"TL30{i}" for i in range(1, 6)]
)


def _findings(sb: Sandbox) -> dict[str, set[str]]:
    """The CONTRACT's checks, written independently of the seeder, over the raw state."""
    found: dict[str, set[str]] = defaultdict(set)
    now = sb.clock.now()
    acc = sb.tc_account
    sl = {a.from_email: a for a in sb.sl_user.accounts.values() if not a.deleted}
    tenants = {t.tenant_id: t for t in acc.tenants.values() if not t.deprovisioned}
    domains_by_tenant: Counter[str] = Counter(d.tenant_id for d in acc.domains.values())
    boxes_by_domain: Counter[str] = Counter(m.domain_name for m in acc.mailboxes.values())
    tc_domains = {d.domain_name for d in acc.domains.values()}
    tc_addresses = {m.primary_smtp for m in acc.mailboxes.values()}
    for t in tenants.values():
        if t.exchange_bootstrap_status != "ready" or not t.discovery_completed:
            found["TL107"].add(t.tenant_id)
        if domains_by_tenant[t.tenant_id] > 12:
            found["TL108"].add(t.tenant_id)
        if sum(m.daily_send_limit or 0 for m in acc.mailboxes.values() if m.tenant_id == t.tenant_id) > 900:
            found["TL109"].add(t.tenant_id)
    for d in acc.domains.values():
        if not d.is_verified:
            found["TL103"].add(d.domain_name)
        elif (
            "missing" in (d.spf_status, d.dkim_status, d.dmarc_status, d.mx_status)
            or d.dkim_status == "partial"
        ):
            found["TL104"].add(d.domain_name)
        if boxes_by_domain[d.domain_name] > 3:
            found["TL108"].add(d.domain_name)
    for m in acc.mailboxes.values():
        if not m.account_enabled:
            found["TL101"].add(m.primary_smtp)
        if m.blocked_at is not None:
            found["TL102"].add(m.primary_smtp)
        if now - m.created_at < timedelta(minutes=5):
            found["TL105"].add(m.primary_smtp)
        if m.daily_send_limit is None:
            found["TL106"].add(m.primary_smtp)
        if m.primary_smtp not in sl:
            found["TL201"].add(m.primary_smtp)
    recent = [e for e in acc.events if now - e.created_at <= timedelta(hours=24)]
    for e in recent:
        if e.action_taken == "unblocked" and any(
            b.mailbox_address == e.mailbox_address
            and b.action_taken == "blocked"
            and b.created_at <= e.created_at
            for b in recent
        ):
            found["TL303"].add(e.mailbox_address)
    unseparated: dict[str, str] = {}
    for email, a in sl.items():
        if not a.is_smtp_success:
            found["TL202"].add(email)
        if a.type == "SMTP" and a.smtp_host.lower() in ("smtp.office365.com", "smtp-legacy.office365.com"):
            found["TL206"].add(email)
        domain = email.rpartition("@")[2]
        if domain in tc_domains and email not in tc_addresses:
            found["TL203"].add(email)
        if a.is_suspended or (
            a.warmup is not None and (a.warmup.status == "BLOCKED" or a.warmup.is_warmup_blocked)
        ):
            found["TL204"].add(email)
        hit = sb.tenantcore.find_mailbox(email)
        if hit is not None and hit[1].daily_send_limit is not None:
            limit = hit[1].daily_send_limit
            warm = (
                a.warmup.total_warmup_per_day if a.warmup is not None and a.warmup.status == "ACTIVE" else 0
            )
            if a.message_per_day > limit:
                found["TL301"].add(email)
            elif a.message_per_day + warm > limit:
                found["TL302"].add(email)
        if a.min_time_to_wait_in_mins * a.message_per_day < 8 * 60 / 2:
            found["TL304"].add(email)
        if hit is not None and a.client_id is None and not a.tag_ids:
            unseparated[email] = hit[1].tenant_id
    if len(set(unseparated.values())) > 1:
        found["TL305"].update(unseparated)
    return found


@pytest.mark.parametrize("tenants", [3, 6, 20])
def test_every_code_planted_and_nothing_else(tenants: int) -> None:
    sb = Sandbox.demo(seed=7, tenants=tenants)
    assert sorted(sb.planted) == ALL_CODES
    found = _findings(sb)
    assert {code: sorted(subjects) for code, subjects in found.items()} == sb.planted


def test_sizes_and_shape() -> None:
    sb = Sandbox.demo(seed=7, tenants=6)
    acc = sb.tc_account
    assert len(acc.tenants) == 6
    per_tenant = Counter(d.tenant_id for d in acc.domains.values())
    assert max(per_tenant.values()) == 12
    assert min(per_tenant.values()) < 12  # some tenants are smaller
    assert len(acc.mailboxes) > 150
    types = Counter(a.type for a in sb.sl_user.accounts.values())
    assert types["SMTP"] > types["OUTLOOK"] > 0
    assert len(sb.sl_user.clients) == 6
    assert any(c.status == "ACTIVE" and c.daily_volume_per_account > 0 for c in sb.sl_user.campaigns.values())
    enforced = [m for m in acc.mailboxes.values() if m.enforced_limit == 25]
    assert len(enforced) > len(acc.mailboxes) // 2
    smtp = [a for a in sb.sl_user.accounts.values() if a.type == "SMTP" and a.is_smtp_success]
    assert all(a.smtp_host == "smtp.office365.com" and a.smtp_port == 587 for a in smtp)
    assert all(a.imap_host == "outlook.office365.com" and a.imap_port == 993 for a in smtp)


def test_connected_smtp_accounts_really_log_in() -> None:
    sb = Sandbox.demo(seed=7, tenants=4)
    for a in sb.sl_user.accounts.values():
        if a.type != "SMTP":
            continue
        reply = sb.authority.check_smtp_login(a.from_email, a.username, a.password, a.smtp_host)
        if (
            a.is_smtp_success
            and sb.tenantcore.find_mailbox(a.from_email)
            and a.from_email not in sb.planted["TL101"]
        ):
            assert reply is None, a.from_email
        if not a.is_smtp_success:
            assert reply == a.smtp_failure_error, a.from_email  # reconnecting would not fix it


def test_deterministic_from_seed() -> None:
    a, b, c = (Sandbox.demo(seed=s, tenants=5) for s in (7, 7, 8))
    assert a.planted == b.planted
    assert a.credentials_csv() == b.credentials_csv()
    assert a.credentials_csv() != c.credentials_csv()


def test_hundred_tenants_builds_fast() -> None:
    start = time.perf_counter()
    sb = Sandbox.demo(seed=1, tenants=100)
    elapsed = time.perf_counter() - start
    assert len(sb.tc_account.tenants) == 100
    assert elapsed < 2.0
    assert sb.credentials_csv().count("\r\n") == len(sb.tc_account.mailboxes) + 1


@pytest.mark.parametrize("tenants", [0, 101])
def test_bad_size_is_rejected(tenants: int) -> None:
    with pytest.raises(ValueError, match="1 to 100"):
        Sandbox.demo(tenants=tenants)


def test_small_fleets_still_build() -> None:
    assert "TL101" in Sandbox.demo(seed=1, tenants=1).planted
    assert "TL305" in Sandbox.demo(seed=1, tenants=2).planted
