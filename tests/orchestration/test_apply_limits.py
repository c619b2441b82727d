"""LimitPlan.apply / aapply on the sandbox's demo fleet: writes, fallbacks, drift, interruption."""

from __future__ import annotations

import pytest

from tenantlead.errors import ServerError
from tenantlead.orchestration import Fleet, LimitPolicy, align_limits
from tenantlead.sandbox import FaultRule, Sandbox
from tests.orchestration.factories import async_clients, sl_account, sync_clients

POLICY = LimitPolicy(default_ceiling=25, sending_window="09:00-17:00")


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.demo(seed=7)


@pytest.fixture
def apis(sb):
    tc, sl = sync_clients(sb)
    with tc, sl:
        yield tc, sl


def plan_for(apis, policy=POLICY):
    return align_limits(Fleet.load(*apis, with_warmup_details=True), policy)


def test_apply_writes_tenantcore_then_smartlead_and_a_second_plan_is_empty(sb, apis):
    plan = plan_for(apis)
    tl301 = sb.planted["TL301"][0]
    tl106 = sb.planted["TL106"][0]
    seen = []
    result = plan.apply(
        tc=apis[0], sl=apis[1], progress=lambda done, total, item: seen.append((done, total, item))
    )

    assert result.counts() == {
        "succeeded": len(plan.changes),
        "skipped": len(plan.skipped),
        "failed": 0,
        "drift": 0,
    }
    assert result.ok
    assert [d for d, _, _ in seen] == list(range(1, len(seen) + 1))
    assert {t for _, t, _ in seen} == {len(plan.changes) + len(plan.skipped)}
    # TenantCore first: the stored limit and the tenant's provisioning precede every Smartlead write.
    actions = [item.action for _, _, item in seen if item.status == "succeeded"]
    assert actions.index("provision enforcement") < min(
        i for i, a in enumerate(actions) if "message_per_day" in a
    )
    assert sl_account(sb, tl301).message_per_day == 20
    mailbox = sb.tenantcore.find_mailbox(tl106)[1]
    assert (mailbox.daily_send_limit, mailbox.enforced_limit) == (25, 25)
    assert plan_for(apis).is_empty


def test_bulk_requests_group_by_target_and_failed_bulks_fall_back_per_account(sb, apis):
    plan = plan_for(apis)
    sb.faults.add(FaultRule(api="smartlead", route="*bulk-update-email-account-config*", error_rate=1.0))

    result = plan.apply(tc=apis[0], sl=apis[1])

    assert result.failed == []
    sl_items = [i for i in result.succeeded if i.action.startswith("set m")]
    assert sl_items
    assert all("per-account update (the bulk request failed" in i.detail for i in sl_items)
    assert sl_account(sb, sb.planted["TL304"][0]).min_time_to_wait_in_mins == 24
    assert plan_for(apis).is_empty


def test_one_failing_account_does_not_stop_the_run(sb, apis):
    plan = plan_for(apis)
    bad = sl_account(sb, sb.planted["TL301"][0])
    sb.faults.add(FaultRule(api="smartlead", route="*bulk-update-email-account-config*", error_rate=1.0))
    sb.faults.add(
        FaultRule(api="smartlead", route=f"/api/v1/email-accounts/{bad.id}", method="POST", error_rate=1.0)
    )

    result = plan.apply(tc=apis[0], sl=apis[1])

    assert [i.subject for i in result.failed] == [bad.from_email]
    assert "ServerError" in result.failed[0].detail
    assert len(result.succeeded) == len(plan.changes) - 1
    assert not result.ok
    with pytest.raises(ServerError):
        result.raise_for_failures()
    # Re-planning picks up exactly what is left.
    sb.faults.clear()
    again = plan_for(apis)
    assert [(c.subject, c.field) for c in again.changes] == [(bad.from_email, "message_per_day")]


def test_reread_reports_drift_when_a_value_changes_under_us(sb, apis):
    plan = plan_for(apis)
    target = sl_account(sb, sb.planted["TL301"][0])

    def meddle(done, total, item):
        if done == total:  # another tool rewrites the limit right after our write
            target.message_per_day = 33

    result = plan.apply(tc=apis[0], sl=apis[1], progress=meddle)

    assert [(d.subject, d.field, d.expected, d.actual) for d in result.drift] == [
        (target.from_email, "message_per_day", 20, 33)
    ]
    assert not result.ok
    assert "Drift" in str(result)


def test_keyboard_interrupt_keeps_completed_writes_and_a_rerun_converges(sb, apis):
    plan = plan_for(apis)

    def stop(done, total, item):
        if item.status == "succeeded" and item.action.startswith("provision"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        plan.apply(tc=apis[0], sl=apis[1], progress=stop)
    partial = info.value.partial_result
    assert partial.counts()["succeeded"] == 2  # the stored limit and the provisioning
    assert any("re-run align_limits" in note for note in info.value.__notes__)

    rest = plan_for(apis)
    assert {c.system for c in rest.changes} == {"smartlead"}
    assert rest.apply(tc=apis[0], sl=apis[1]).ok
    assert plan_for(apis).is_empty


def test_warmup_policy_sets_warmup_volume_through_bulk_update(sb, apis):
    plan = plan_for(apis, LimitPolicy(warmup_per_day=5, default_ceiling=25))
    tl302 = sb.planted["TL302"][0]
    assert ("warmup_per_day", 8, 5) in [
        (c.field, c.before, c.after) for c in plan.changes if c.subject == tl302
    ]

    assert plan.apply(tc=apis[0], sl=apis[1]).ok

    assert sl_account(sb, tl302).warmup.total_warmup_per_day == 5
    assert plan_for(apis, LimitPolicy(warmup_per_day=5, default_ceiling=25)).is_empty


def test_apply_needs_the_clients_its_changes_touch(apis):
    plan = plan_for(apis)
    with pytest.raises(ValueError, match="pass tc="):
        plan.apply(sl=apis[1])
    with pytest.raises(ValueError, match="pass sl="):
        plan.apply(tc=apis[0])


async def test_aapply_gives_the_same_outcome_as_apply(sb, apis):
    plan = plan_for(apis)
    other = Sandbox.demo(seed=7)
    sync_result = plan.apply(tc=apis[0], sl=apis[1])
    atc, asl = async_clients(other)
    async with atc, asl:
        fleet = await Fleet.aload(atc, asl, with_warmup_details=True)
        aplan = align_limits(fleet, POLICY)
        assert aplan.to_dict() == plan.to_dict()
        seen = []
        result = await aplan.aapply(tc=atc, sl=asl, concurrency=3, progress=lambda d, t, i: seen.append(d))
        assert sorted(seen) == list(range(1, len(seen) + 1))
        again = align_limits(await Fleet.aload(atc, asl, with_warmup_details=True), POLICY)
    assert result.counts() == sync_result.counts()
    assert again.is_empty
    with pytest.raises(ValueError, match="concurrency"):
        await aplan.aapply(tc=atc, sl=asl, concurrency=0)


def test_interrupt_between_storing_and_provisioning_names_the_unenforced_tenants(sb, apis):
    """A fresh plan cannot see a stored-but-unprovisioned limit, so the interruption must say so."""
    plan = plan_for(apis)
    tenant_id = next(c.tenant_id for c in plan.changes if c.field == "daily_send_limit")

    def stop(done, total, item):
        if item.status == "succeeded" and item.action.startswith("set daily_send_limit"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        plan.apply(tc=apis[0], sl=apis[1], progress=stop)
    note = " ".join(info.value.__notes__)
    assert tenant_id in note
    assert 'enforce="all"' in note
    # And doing what the note says finishes the job.
    finish = plan_for(apis, LimitPolicy(default_ceiling=25, sending_window="09:00-17:00", enforce="all"))
    assert tenant_id in {c.tenant_id for c in finish.changes if c.field == "mailbox_limits"}
    assert finish.apply(tc=apis[0], sl=apis[1]).ok


def _list_reads(sb):
    from tenantlead.smartlead import Smartlead

    offsets: list[int] = []

    def record(request) -> None:
        if request.method == "GET" and request.url.path.rstrip("/").endswith("/email-accounts"):
            offsets.append(int(request.url.params.get("offset", "0")))

    options = sb.client_options()
    options["http_client"] = sb.http_client(event_hooks={"request": [record]})
    return Smartlead(sb.smartlead_api_key, **options), offsets


def _big_fleet(accounts: int) -> Sandbox:
    from bench._fleet import FleetSpec, build_sandbox

    spec = FleetSpec(tenants=accounts // 36, changed_every=0, rate_limits=())
    return build_sandbox(spec)


def test_verification_reads_only_the_list_pages_holding_what_was_written():
    sb = _big_fleet(252)  # 252 accounts: pages at offsets 0, 100, 200
    tc, _ = sync_clients(sb)
    sl, offsets = _list_reads(sb)
    fleet = Fleet.load(tc, sl)
    target = fleet.accounts[150]  # on the page at offset 100
    with sb.lock:
        sb.sl_user.accounts[target.id].message_per_day = 90
    plan = align_limits(Fleet.load(tc, sl), LimitPolicy())
    assert [c.account_id for c in plan.changes] == [target.id]
    offsets.clear()
    result = plan.apply(tc=tc, sl=sl)
    assert result.ok
    assert result.verified
    assert offsets == [100]  # one page read back, not the whole list


def test_verification_walks_the_list_when_an_account_moved_since_the_load():
    sb = _big_fleet(252)
    tc, _ = sync_clients(sb)
    sl, offsets = _list_reads(sb)
    fleet = Fleet.load(tc, sl)
    target = fleet.accounts[150]
    with sb.lock:
        sb.sl_user.accounts[target.id].message_per_day = 90
    plan = align_limits(Fleet.load(tc, sl), LimitPolicy())
    # Someone deletes sixty earlier accounts: the written one slides onto the first page.
    for gone in fleet.accounts[:60]:
        sl.email_accounts.delete(gone.id)
    offsets.clear()
    result = plan.apply(tc=tc, sl=sl)
    assert result.drift == ()
    assert offsets == [100, 0, 100]  # its old page first, then the whole (now 192-account) list
    assert sl_account(sb, target.from_email).message_per_day == 25


def test_on_progress_gets_one_event_per_item_and_the_old_progress_form_warns(sb, apis):
    from tenantlead.orchestration import ProgressEvent

    plan = plan_for(apis)
    events: list[ProgressEvent] = []
    old: list[tuple[int, int]] = []
    with pytest.warns(DeprecationWarning, match="progress=.* is deprecated: pass on_progress="):
        result = plan.apply(
            tc=apis[0], sl=apis[1], on_progress=events.append, progress=lambda d, t, _: old.append((d, t))
        )

    assert [e.item for e in events] == list(result.items)
    assert {e.stage for e in events} == {"align"}
    assert [(e.done, e.total) for e in events] == old
    assert [e.done for e in events] == list(range(1, len(result.items) + 1))
