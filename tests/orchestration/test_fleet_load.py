"""Fleet.load against the sandbox: sequential and threaded reads give the same fleet."""

from __future__ import annotations

import pytest

from tenantlead import Smartlead, TenantCore
from tenantlead.orchestration import Fleet, connect
from tenantlead.sandbox import Sandbox


def clients(sb: Sandbox) -> tuple[TenantCore, Smartlead]:
    return TenantCore(sb.tenantcore_api_key, **sb.client_options()), Smartlead(
        sb.smartlead_api_key, **sb.client_options()
    )


def test_threaded_load_reads_the_same_fleet_with_the_same_requests() -> None:
    seq_sb, thr_sb = Sandbox.demo(seed=3, tenants=4), Sandbox.demo(seed=3, tenants=4)
    seq_tc, seq_sl = clients(seq_sb)
    thr_tc, thr_sl = clients(thr_sb)
    seq = Fleet.load(seq_tc, seq_sl, with_warmup_details=True)
    seen: list[tuple[str, int, int]] = []
    thr = Fleet.load(thr_tc, thr_sl, with_warmup_details=True, workers=4, progress=lambda *a: seen.append(a))
    assert thr.to_records() == seq.to_records()
    assert thr.counts() == seq.counts()
    # 1 tenants list + 2 per tenant + events pages: threads change the order, not the count.
    assert thr_tc.stats.requests == seq_tc.stats.requests == 1 + 2 * 4 + 1
    assert ("tenants", 4, 4) in seen
    assert any(stage == "warmup details" for stage, _, _ in seen)


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_bad_worker_counts_are_refused(workers: object) -> None:
    tc, sl = clients(Sandbox(seed=0))
    with pytest.raises(ValueError, match="workers must be a whole number >= 1"):
        Fleet.load(tc, sl, workers=workers)  # type: ignore[arg-type]


@pytest.mark.parametrize("concurrency", [0, 1.5, True, "4"])
async def test_aload_refuses_bad_concurrency_before_any_request(concurrency: object) -> None:
    from tenantlead import AsyncSmartlead, AsyncTenantCore

    sb = Sandbox(seed=0)
    async with (
        AsyncTenantCore(sb.tenantcore_api_key, **sb.client_options(asynchronous=True)) as tc,
        AsyncSmartlead(sb.smartlead_api_key, **sb.client_options(asynchronous=True)) as sl,
    ):
        with pytest.raises(ValueError, match="concurrency must be an integer >= 1"):
            await Fleet.aload(tc, sl, concurrency=concurrency)  # type: ignore[arg-type]
        assert tc.stats.requests == 0


def test_load_reports_progress_events_by_stage_and_the_old_form_warns() -> None:
    from tenantlead.orchestration import ProgressEvent

    tc, sl = clients(Sandbox.demo(seed=3, tenants=4))
    events: list[ProgressEvent] = []
    fleet = Fleet.load(tc, sl, with_warmup_details=True, on_progress=events.append)
    tenants = [(e.done, e.total) for e in events if e.stage == "tenants"]
    assert tenants == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert ("accounts", len(fleet.accounts), len(fleet.accounts)) in [
        (e.stage, e.done, e.total) for e in events
    ]
    assert all(e.item is None for e in events)

    old: list[tuple[str, int, int]] = []
    with pytest.warns(DeprecationWarning, match=r"Fleet.load\(progress=.*\) is deprecated"):
        Fleet.load(*clients(Sandbox.demo(seed=3, tenants=4)), progress=lambda *a: old.append(a))
    assert ("tenants", 4, 4) in old


def test_with_tags_reads_each_accounts_tags_so_connect_plans_only_the_tags_an_account_lacks() -> None:
    sb = Sandbox.demo(seed=3, tenants=4)
    tc, sl = clients(sb)
    tag = sl.tags.create("new client")
    assert tag is not None
    assert tag.id is not None
    plain = Fleet.load(tc, sl)
    connected = [r.account for r in plain.rows if r.account is not None and r.mailbox is not None]
    half = [a.id for a in connected[: len(connected) // 2]]
    sl.email_accounts.add_tags(half, [tag.id])

    # Without the tags read, every connected account is planned (adding is idempotent).
    assert len(connect(plain, "manual", tags=[tag.id]).to_update) == len(connected)
    before = sl.stats.requests
    fleet = Fleet.load(tc, sl, with_tags=True)
    accounts = sum(1 for a in sb.sl_user.accounts.values() if not a.deleted)
    pages = accounts // 100 + 1  # 100 a page, and the short (or empty) page that ends the list
    assert sl.stats.requests - before == pages + -(-accounts // 100)  # one tag-list per 100 accounts
    tagged = {r.address for r in fleet.rows if r.account is not None and r.account.tags}
    assert len(tagged) == len(half)
    plan = connect(fleet, "manual", tags=[tag.id])
    assert {i.account_id for i in plan.to_update} == {a.id for a in connected[len(half) :]}
    plan.apply(sl=sl)
    assert connect(Fleet.load(tc, sl, with_tags=True), "manual", tags=[tag.id]).to_update == []
