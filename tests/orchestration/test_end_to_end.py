"""The issue's "done when": on the demo fleet, connect + align + apply end the NDRs.

A simulated sending day before alignment has enforcement blocks and NDRs; after connecting
the missing mailboxes (SMTP from the TenantCore credentials CSV, OAuth where the tenant refuses
basic-auth SMTP), aligning and applying, the next day has none - and planning again finds
nothing left to do. Sync and async.
"""

from __future__ import annotations

from tenantlead.orchestration import Fleet, LimitPolicy, align_limits, connect
from tenantlead.sandbox import Sandbox
from tests.orchestration.factories import accounts_for, async_clients, sync_clients

POLICY = LimitPolicy(default_ceiling=25, sending_window="09:00-17:00")
TENANT_REFUSES_SMTP = ("535 5.7.139", "550 5.7.30")


def refused_smtp(fleet):
    """Accounts connected over SMTP on tenants that refuse it (to reconnect through OAuth)."""
    return [
        r
        for r in fleet.rows
        if r.account is not None and (r.account.smtp_failure_error or "").startswith(TENANT_REFUSES_SMTP)
    ]


def test_connect_align_apply_ends_blocks_and_ndrs():
    sb = Sandbox.demo(seed=7)
    before = sb.simulate_day(campaign_volume=40)
    assert before.enforcement_blocks > 0
    assert before.ndrs > 0

    tc, sl = sync_clients(sb)
    with tc, sl:
        fleet = Fleet.load(tc, sl)
        refused = refused_smtp(fleet)
        assert len(refused) == 2
        for row in refused:  # their tenants turned basic-auth SMTP off: reconnect through OAuth
            sl.email_accounts.delete(row.account.id)
        oauth_tenants = {r.tenant_id for r in refused}

        fleet = Fleet.load(tc, sl)
        by_oauth = fleet.filter(predicate=lambda r: r.tenant_id in oauth_tenants)
        by_smtp = fleet.filter(predicate=lambda r: r.tenant_id not in oauth_tenants)
        oauth_result = connect(by_oauth, "oauth", tokens=sb.microsoft_token, policy=POLICY).apply(sl=sl)
        smtp_result = connect(by_smtp, "smtp", credentials=sb.credentials_csv(), policy=POLICY).apply(sl=sl)
        assert sorted(i.subject for i in oauth_result.succeeded) == sorted(r.address for r in refused)
        assert len(smtp_result.succeeded) == len(sb.planted["TL201"])
        assert oauth_result.failed == smtp_result.failed == []

        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        plan = align_limits(fleet, POLICY)
        result = plan.apply(tc=tc, sl=sl)
        assert result.ok

        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        assert align_limits(fleet, POLICY).is_empty
        assert connect(fleet, "smtp", credentials=sb.credentials_csv()).is_empty
        assert connect(fleet, "oauth", tokens=sb.microsoft_token).is_empty

    after = sb.simulate_day(campaign_volume=40)
    assert after.enforcement_blocks == 0
    assert after.ndrs == 0
    assert after.accounts_sending == before.accounts_sending + 4  # the newly connected mailboxes send too
    assert all(accounts_for(sb, row.address) == 1 for row in fleet.rows if row.mailbox is not None)


async def test_connect_align_aapply_ends_blocks_and_ndrs():
    sb = Sandbox.demo(seed=7)
    before = sb.simulate_day(campaign_volume=40)
    atc, asl = async_clients(sb)
    async with atc, asl:
        fleet = await Fleet.aload(atc, asl)
        cresult = await connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY).aapply(sl=asl)
        assert cresult.failed == []
        fleet = await Fleet.aload(atc, asl, with_warmup_details=True)
        result = await align_limits(fleet, POLICY).aapply(tc=atc, sl=asl, concurrency=4)
        assert result.ok
        again = await Fleet.aload(atc, asl, with_warmup_details=True)
    assert align_limits(again, POLICY).is_empty
    after = sb.simulate_day(campaign_volume=40)
    assert (before.enforcement_blocks, after.enforcement_blocks, after.ndrs) == (2, 0, 0)
    assert before.ndrs > 0
