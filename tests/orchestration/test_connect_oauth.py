"""connect over OAuth with the agency app: sign in, preflight, save-oauth, read back; sync and async.

Also the slot prerequisite (Smartlead's plan limit, every strategy) and a 500-mailbox run under
the fault campaign on all three APIs.
"""

from __future__ import annotations

import pickle
import random
from collections import Counter
from typing import Any

import pytest

from tenantlead import RetryPolicy
from tenantlead.microsoft import AsyncMicrosoftIdentity, MicrosoftApp, MicrosoftIdentity
from tenantlead.orchestration import Fleet, connect
from tenantlead.sandbox import FaultRule, Sandbox
from tenantlead.sandbox.smartlead import SmartleadConfig
from tenantlead.smartlead import AsyncSmartlead, Smartlead
from tenantlead.tenantcore import AsyncTenantCore, TenantCore
from tests.reliability._world import build_world, duplicates, live_accounts


def _app(sb: Sandbox) -> MicrosoftApp:
    reg = sb.authority.smartlead_app
    return MicrosoftApp(reg.client_id, reg.secret, environ={})


def _consent_all(sb: Sandbox) -> None:
    for tenant in sb.tc_account.tenants.values():
        sb.microsoft.grant_consent(tenant.tenant_id, sb.authority.smartlead_app.client_id)


def _sync(sb: Sandbox, **opts: Any) -> tuple[TenantCore, Smartlead, MicrosoftIdentity]:
    o = {**sb.client_options(), **opts}
    return (
        TenantCore(sb.tenantcore_api_key, **o),
        Smartlead(sb.smartlead_api_key, **o),
        MicrosoftIdentity(_app(sb), **o),
    )


async def _connect_async(sb: Sandbox, **plan_opts: Any) -> Any:
    o = sb.client_options(asynchronous=True)
    async with (
        AsyncTenantCore(sb.tenantcore_api_key, **o) as tc,
        AsyncSmartlead(sb.smartlead_api_key, **o) as sl,
        AsyncMicrosoftIdentity(_app(sb), **o) as ms,
    ):
        fleet = await Fleet.aload(tc, sl)
        plan = connect(fleet, "oauth", microsoft=_app(sb), credentials=sb.credentials_csv(), **plan_opts)
        return await plan.aapply(sl=sl, ms=ms, concurrency=4)


@pytest.fixture
def sb() -> Sandbox:
    sandbox = Sandbox.demo(seed=7, oauth_plants=True)
    sandbox.advance(minutes=10)
    return sandbox


def _by_code(result: Any) -> dict[str, str | None]:
    return {i.subject: i.code for i in result.failed}


def _expected(sb: Sandbox) -> dict[str, str]:
    return {a: code for code, addresses in sb.planted_sign_in.items() for a in addresses}


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_every_ready_mailbox_connects_as_outlook_and_the_plants_fail_alone(
    sb: Sandbox, mode: str
) -> None:
    ready = set(sb.planted["TL201"]) - set(_expected(sb))
    if mode == "sync":
        tc, sl, ms = _sync(sb)
        with tc, sl, ms:
            plan = connect(Fleet.load(tc, sl), "oauth", microsoft=_app(sb), credentials=sb.credentials_csv())
            assert plan.use_whitelabel_credentials is True
            assert {c.state for c in plan.consent} == {"unknown"}
            result = plan.apply(sl=sl, ms=ms)
    else:
        result = await _connect_async(sb)
    assert _by_code(result) == _expected(sb)
    assert all(i.fix for i in result.failed)
    accounts = {a.from_email: a for a in live_accounts(sb)}
    assert {accounts[a].type for a in ready} == {"OUTLOOK"}
    assert all(accounts[a].is_smtp_success and accounts[a].is_imap_success for a in ready)
    # Re-running creates nothing; the plan still tries only the failed ones.
    count = len(live_accounts(sb))
    again = await _connect_async(sb) if mode == "async" else None
    if mode == "sync":
        tc, sl, ms = _sync(sb)
        with tc, sl, ms:
            again = connect(
                Fleet.load(tc, sl), "oauth", microsoft=_app(sb), credentials=sb.credentials_csv()
            ).apply(sl=sl, ms=ms)
    assert again is not None
    assert len(live_accounts(sb)) == count
    assert _by_code(again) == _expected(sb)


def test_known_missing_consent_is_planned_as_a_skip_with_the_url(sb: Sandbox) -> None:
    tc, sl, _ = _sync(sb)
    with tc, sl:
        fleet = Fleet.load(tc, sl)
    no_consent = fleet.row(sb.planted_sign_in["TL406"][0]).tenant_id
    plan = connect(
        fleet, "oauth", microsoft=_app(sb), credentials=sb.credentials_csv(), consent={no_consent: False}
    )
    item = next(i for i in plan.items if i.address == sb.planted_sign_in["TL406"][0])
    assert (item.action, item.code) == ("skip", "TL406")
    assert "/v2.0/adminconsent?" in item.reason
    assert next(c for c in plan.consent if c.tenant_id == no_consent).state == "declined"


def test_the_plan_holds_no_password_in_repr_json_or_pickle(sb: Sandbox) -> None:
    tc, sl, _ = _sync(sb)
    with tc, sl:
        plan = connect(Fleet.load(tc, sl), "oauth", microsoft=_app(sb), credentials=sb.credentials_csv())
    passwords = [m.password for m in sb.tc_account.mailboxes.values()]
    texts = [repr(plan), str(plan), str(plan.to_dict()), pickle.dumps(plan).decode("latin-1")]
    assert not [p for p in passwords for t in texts if p in t]
    assert sb.authority.smartlead_app.secret not in " ".join(texts)


def test_passwords_are_used_once_per_run_and_at_most_twice_under_throttling(sb: Sandbox) -> None:
    stale = sb.planted_sign_in["TL401"][0]
    tc, sl, ms = _sync(sb)
    with tc, sl, ms:
        plan = connect(Fleet.load(tc, sl), "oauth", microsoft=_app(sb), credentials=sb.credentials_csv())
        plan.apply(sl=sl, ms=ms)
        assert sb.microsoft.user(stale).password_checks == 1
        assert len(plan.passwords or []) == 0  # every password was handed out and dropped
        second = plan.apply(sl=sl, ms=ms)  # the same plan again has no password left
    assert sb.microsoft.user(stale).password_checks == 1
    assert {i.code for i in second.failed} == {"TL401"}


@pytest.mark.parametrize("strategy", ["oauth", "smtp"])
def test_the_plan_slot_limit_stops_creating_and_says_how_many_slots_are_needed(strategy: str) -> None:
    sb = build_world(3, mailboxes=10)
    sb.smartlead.config = SmartleadConfig(seed=3, account_limit=4)
    _consent_all(sb)
    tc, sl, ms = _sync(sb)
    with tc, sl, ms:
        fleet = Fleet.load(tc, sl)
        if strategy == "oauth":
            result = connect(fleet, "oauth", microsoft=_app(sb), credentials=sb.credentials_csv()).apply(
                sl=sl, ms=ms
            )
        else:
            result = connect(fleet, "smtp", credentials=sb.credentials_csv()).apply(sl=sl)
    assert len(live_accounts(sb)) == 4
    assert len(result.succeeded) == 4
    assert len(result.skipped) == 6
    assert result.failed == []
    assert all("need 6 free slots" in i.detail for i in result.skipped)
    assert all(i.fix and "6 email-account slots" in i.fix for i in result.skipped)


def test_500_mailboxes_under_the_fault_campaign_converge_without_duplicates_or_a_third_password() -> None:
    sb = build_world(20261201, mailboxes=500)
    _consent_all(sb)
    for rule in (
        FaultRule(api="*", method="POST", error_rate=0.02, hang_rate=0.01, apply="after"),
        FaultRule(api="*", error_rate=0.05, hang_rate=0.02),
        FaultRule(api="smartlead", rate_limit_burst=3, retry_after=2),
        FaultRule(api="microsoft", rate_limit_burst=3, retry_after=1),
    ):
        sb.faults.add(rule)
    sb.microsoft.policy(next(iter(sb.tc_account.tenants))).throttle = 5  # AADSTS50196 answers
    retry = RetryPolicy(random=random.Random("jitter").random)
    outcomes: list[Counter[str]] = []
    for _run in range(6):
        tc, sl, ms = _sync(sb, max_retries=4, retry=retry)
        with tc, sl, ms:
            try:
                fleet = Fleet.load(tc, sl)
            except Exception:  # a read the campaign broke: the next run resumes
                continue
            plan = connect(fleet, "oauth", microsoft=_app(sb), credentials=sb.credentials_csv())
            if plan.is_empty:
                break
            result = plan.apply(sl=sl, ms=ms)
        assert len(result.items) == len(plan.items)  # every item accounted for
        outcomes.append(Counter(i.status for i in result.items))
        for state in sb.microsoft.users.values():
            assert state.password_checks <= 2 * (len(outcomes))
    sb.faults.clear()
    assert duplicates(sb) == {}
    assert len({a.from_email for a in live_accounts(sb)}) == 500
    assert {a.type for a in live_accounts(sb)} == {"OUTLOOK"}
