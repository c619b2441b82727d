"""The apply journal, the guard rails and tenant names (issue 15, items 2, 3 and 5)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tenantlead.orchestration import (
    ApplyJournal,
    DrasticPlanError,
    Fleet,
    JournalError,
    LimitPolicy,
    UnknownTenantError,
    align_limits,
    troubleshoot,
)
from tenantlead.orchestration.journal import default_journal_path
from tenantlead.sandbox import Sandbox
from tests.orchestration.factories import account, addr, async_clients, simple_fleet, sync_clients

AT = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


# ----------------------------------------------------------------------------- the journal


def test_the_journal_records_stored_then_enforced_in_the_documented_format(tmp_path):
    path = tmp_path / "state" / "journal.json"
    journal = ApplyJournal(path)
    assert journal.unenforced() == frozenset()
    assert not path.exists()  # a missing file is an empty journal; nothing is written until needed
    journal.mark_stored(["t-1", "t-2"], AT)
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "version": 1,
        "tenants": {
            "t-1": {"state": "stored", "at": "2026-12-01T20:00:00Z"},
            "t-2": {"state": "stored", "at": "2026-12-01T20:00:00Z"},
        },
    }
    journal.mark_enforced(["t-1"], AT)
    again = ApplyJournal(path)  # what the next run reads
    assert again.unenforced() == {"t-2"}
    assert again.state("t-1") == "enforced"
    assert again.state("t-3") is None
    again.clear(["t-2"])
    assert ApplyJournal(path).unenforced() == frozenset()
    again.clear()
    assert ApplyJournal(path).to_dict() == {"version": 1, "tenants": {}}
    assert "in memory" in repr(ApplyJournal(None))


def test_the_journal_lives_where_the_docs_say(tmp_path, monkeypatch):
    monkeypatch.setenv("TENANTLEAD_JOURNAL", str(tmp_path / "mine.json"))
    assert default_journal_path() == tmp_path / "mine.json"
    monkeypatch.delenv("TENANTLEAD_JOURNAL")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_journal_path() == tmp_path / "xdg" / "tenantlead" / "journal.json"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_journal_path() == tmp_path / "home" / ".local" / "state" / "tenantlead" / "journal.json"


def test_an_unreadable_journal_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "journal.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(JournalError, match=r"cannot read the apply journal .*journal.json.*delete it"):
        ApplyJournal(path)
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(JournalError, match="not a tenantlead journal"):
        ApplyJournal(path)


def test_a_tenant_in_the_journal_is_provisioned_by_the_next_plan_and_reported_by_doctor():
    f = simple_fleet([(25, account(addr(0), limit=20, warmup=5, gap=24))])
    tenant_id = f.tenants[0].tenant_id
    assert align_limits(f).is_empty
    unenforced = Fleet.build(
        tenants=f.tenants,
        domains=f.domains,
        mailboxes=f.mailboxes,
        accounts=f.accounts,
        loaded_at=f.loaded_at,
        unenforced=[tenant_id, "not-in-this-fleet"],
    )
    assert unenforced.unenforced == {tenant_id}
    plan = align_limits(unenforced)
    (change,) = plan.changes
    assert (change.field, change.tenant_id) == ("mailbox_limits", tenant_id)
    assert "did not finish provisioning" in change.reason
    (finding,) = troubleshoot(unenforced, codes="TL110").findings
    assert finding.subject == tenant_id
    assert "provision" in finding.fix


# ----------------------------------------------------------------------------- guard rails


def test_capping_an_overrun_is_not_a_cut_but_halving_the_sending_is():
    f = simple_fleet([(20, account(addr(0), limit=35, warmup=0, warmup_status=None, gap=30))])
    assert align_limits(f).cuts == ()  # 35 -> 20: Exchange let only 20 through anyway
    f = simple_fleet(
        [(25, account(addr(i), limit=25, warmup=0, warmup_status=None, gap=30)) for i in range(3)]
    )
    plan = align_limits(f, LimitPolicy(headroom=15))
    (cut,) = plan.cuts
    assert (cut.kind, cut.before, cut.after) == ("halved", 75, 30)
    assert plan.counts()["tenants_halved"] == 1
    assert "cuts 1 tenant(s)' sending by more than half" in str(plan)
    with pytest.raises(DrasticPlanError, match="allow_drastic=True"):
        plan.apply()  # refused before any client is even needed


def test_a_default_ceiling_of_zero_is_a_drastic_plan_with_the_count():
    f = simple_fleet([(None, account(addr(i), limit=30, warmup=0, warmup_status=None)) for i in range(2)])
    plan = align_limits(f, LimitPolicy(default_ceiling=0))
    assert plan.counts()["set_to_zero"] == 4  # two stored ceilings of 0, two Smartlead limits of 0
    assert "sets 4 limit(s) to 0" in plan.warnings()[0]


def test_a_drastic_plan_writes_nothing_without_allow_drastic_sync_and_async():
    sb = Sandbox.demo(seed=7)
    before = {a.id: a.message_per_day for a in sb.sl_user.accounts.values()}
    tc, sl = sync_clients(sb)
    with tc, sl:
        plan = align_limits(Fleet.load(tc, sl, with_warmup_details=True), LimitPolicy(headroom=30))
        assert plan.is_drastic
        with pytest.raises(DrasticPlanError) as caught:
            plan.apply(tc=tc, sl=sl)
        assert caught.value.cuts == plan.cuts
    assert {a.id: a.message_per_day for a in sb.sl_user.accounts.values()} == before
    atc, asl = async_clients(sb)
    import asyncio

    async def go() -> None:
        async with atc, asl:
            with pytest.raises(DrasticPlanError):
                await plan.aapply(tc=atc, sl=asl)
            result = await plan.aapply(tc=atc, sl=asl, allow_drastic=True)
            assert result.ok

    asyncio.run(go())
    assert all(
        a.message_per_day == 0
        for a in sb.sl_user.accounts.values()
        if a.id in {c.account_id for c in plan.changes}
    )


# ----------------------------------------------------------------------------- tenant names


def test_tenant_names_ignore_case_and_spaces_and_typos_raise_with_close_matches():
    f = simple_fleet([(25, account(addr(0)))])
    name = f.tenants[0].tenant_name
    assert name == "Tenant 1"
    assert len(f.filter(tenant="  tenant   1 ")) == 1
    assert len(f.filter(tenant="TENANT1")) == 1
    with pytest.raises(
        UnknownTenantError, match=r"unknown tenant 'Tenant 7' \(did you mean 'Tenant 1'\?\)"
    ) as caught:
        f.filter(tenant="Tenant 7")
    assert caught.value.suggestions == {"Tenant 7": ["Tenant 1"]}
    assert isinstance(caught.value, ValueError)


def test_fleet_load_takes_names_as_well_as_guids():
    sb = Sandbox.demo(seed=7)
    tc, sl = sync_clients(sb)
    with tc, sl:
        every = Fleet.load(tc, sl)
        first, second = every.tenants[0], every.tenants[1]
        fleet = Fleet.load(tc, sl, [str(first.tenant_name).lower(), second.tenant_id])
        assert {t.tenant_id for t in fleet.tenants} == {first.tenant_id, second.tenant_id}
        with pytest.raises(UnknownTenantError, match="did you mean"):
            Fleet.load(tc, sl, [str(first.tenant_name)[:-1] + "#"])
