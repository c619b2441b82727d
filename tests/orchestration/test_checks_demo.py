"""troubleshoot() on the seeded demo fleet read through the real clients (sync and async).

Every planted code is found for exactly the planted subjects, and fixing a cause through the
APIs (or, for what only the app or DNS host can fix, in the sandbox world) makes it disappear.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tenantlead.orchestration import Report, troubleshoot
from tenantlead.orchestration.fleet import Fleet
from tenantlead.sandbox import Sandbox
from tenantlead.smartlead import AsyncSmartlead, Smartlead
from tenantlead.tenantcore import AsyncTenantCore, TenantCore


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.demo(seed=7)


@pytest.fixture
def apis(sb: Sandbox) -> Iterator[tuple[TenantCore, Smartlead]]:
    with (
        TenantCore(sb.tenantcore_api_key, **sb.client_options()) as tc,
        Smartlead(sb.smartlead_api_key, **sb.client_options()) as sl,
    ):
        yield tc, sl


def load(apis: tuple[TenantCore, Smartlead]) -> Fleet:
    return Fleet.load(*apis, with_warmup_details=True)


def found(report: Report) -> dict[str, list[str]]:
    return {code: report.subjects(code) for code in sorted(report.codes())}


def test_demo_every_planted_code_is_found_for_exactly_its_subjects(
    sb: Sandbox, apis: tuple[TenantCore, Smartlead]
) -> None:
    report = troubleshoot(load(apis))

    assert found(report) == sb.planted
    assert report.has_errors
    assert report.notes == ()
    # The whole demo report fits on one screen (the TL206 countdown of 131 accounts takes 6 lines).
    assert len(str(report).splitlines()) <= 56


async def test_demo_async_load_gives_the_same_report(sb: Sandbox) -> None:
    # Virtual time for rate-limit waits: a real sleep would never see the sandbox clock move.
    async with (
        AsyncTenantCore(sb.tenantcore_api_key, **sb.client_options(asynchronous=True)) as atc,
        AsyncSmartlead(sb.smartlead_api_key, **sb.client_options(asynchronous=True)) as asl,
    ):
        fleet = await Fleet.aload(atc, asl, with_warmup_details=True)

    report = troubleshoot(fleet)

    assert found(report) == sb.planted
    # The same demo read by the sync clients gives the same report, detail for detail.
    twin = Sandbox.demo(seed=7)
    with (
        TenantCore(twin.tenantcore_api_key, **twin.client_options()) as tc,
        Smartlead(twin.smartlead_api_key, **twin.client_options()) as sl,
    ):
        assert report.to_dict() == troubleshoot(load((tc, sl))).to_dict()


def test_demo_without_warmup_details_skips_tl302_and_says_so(
    sb: Sandbox, apis: tuple[TenantCore, Smartlead]
) -> None:
    report = troubleshoot(Fleet.load(*apis))

    assert "TL302" not in report.codes()
    assert any("with_warmup_details=True" in note for note in report.notes)


def test_demo_fixes_through_the_apis_remove_their_codes(
    sb: Sandbox, apis: tuple[TenantCore, Smartlead]
) -> None:
    tc, sl = apis
    fleet = load(apis)
    before = troubleshoot(fleet)

    def row(code: str, index: int = 0):  # type: ignore[no-untyped-def]
        found_row = fleet.row(sb.planted[code][index])
        assert found_row is not None
        return found_row

    def account_id(code: str, index: int = 0) -> int:
        r = row(code, index)
        assert r.account is not None
        return r.account.id

    def connect_oauth(address: str) -> None:
        owner = fleet.row(address)
        assert owner is not None
        client = next(x.client_id for x in fleet.rows if x.tenant_id == owner.tenant_id and x.client_id)
        # Connect with healthy settings: the defaults would trip TL301/TL304/TL305 on the new account.
        sl.email_accounts.create_oauth(
            from_name="Connected",
            from_email=address,
            username=address,
            token=sb.microsoft_token(address),
            max_email_per_day=20,
            time_to_wait_in_mins=24,
            client_id=client,
        )

    def mailbox_ids(code: str, index: int = 0) -> tuple[str, str]:
        r = row(code, index)
        assert r.mailbox is not None
        assert r.tenant_id is not None
        return r.tenant_id, r.mailbox.id

    # Smartlead settings: lower the limits, widen the gap, give the clients back.
    # 20 + 5 warmup = 25: setting 25 here would only turn TL301 into TL302.
    sl.email_accounts.update(account_id("TL301"), max_email_per_day=20)
    tl302 = before.filter(code="TL302").findings[0]
    sl.email_accounts.update(account_id("TL302"), max_email_per_day=25 - tl302.details["warmup_per_day"])
    sl.email_accounts.update(account_id("TL304"), time_to_wait_in_mins=24)
    for index in range(len(sb.planted["TL305"])):
        r = row("TL305", index)
        sibling = next(x for x in fleet.rows if x.tenant_id == r.tenant_id and x.client_id is not None)
        sl.email_accounts.update(account_id("TL305", index), client_id=sibling.client_id)
    # Smartlead accounts: drop the stray one, unsuspend, reconnect failing logins through OAuth.
    sl.email_accounts.delete(account_id("TL203"))
    suspended = next(
        s for s in sb.planted["TL204"] if before.filter(subject=s).findings[0].details["suspended"]
    )
    sl.email_accounts.unsuspend(fleet.row(suspended).account.id)  # type: ignore[union-attr]
    for index, address in enumerate(sb.planted["TL202"]):
        sl.email_accounts.delete(account_id("TL202", index))
        connect_oauth(address)
    # TenantCore: activate, store limits, bring the over-budget tenant to 25 per mailbox.
    tc.mailboxes.update(*mailbox_ids("TL101"), account_enabled=True)
    tc.mailboxes.update(*mailbox_ids("TL106"), daily_send_limit=25)
    over = sb.planted["TL109"][0]
    for mailbox in fleet.mailboxes[over]:
        tc.mailboxes.update(over, mailbox.id, daily_send_limit=25)
    # Wait out the propagation, then connect both unconnected mailboxes.
    sb.advance(minutes=5)
    for address in sb.planted["TL201"]:
        connect_oauth(address)

    after = troubleshoot(load(apis))

    fixed = {
        "TL101",
        "TL105",
        "TL106",
        "TL109",
        "TL201",
        "TL202",
        "TL203",
        "TL301",
        "TL302",
        "TL304",
        "TL305",
    }
    assert not after.codes() & fixed
    # What the APIs cannot fix is still reported, for the same subjects.
    assert after.codes() == set(sb.planted) - fixed
    for code in after.codes() - {"TL204", "TL206"}:
        assert after.subjects(code) == sb.planted[code]
    # The failing and stray SMTP accounts are gone (reconnected over OAuth, deleted); the rest
    # still count down to Microsoft's basic-auth cutoff.
    gone = set(sb.planted["TL202"]) | set(sb.planted["TL203"])
    assert after.subjects("TL206") == [s for s in sb.planted["TL206"] if s not in gone]
    # The warmup block needs the OTP flow; only the unsuspended account is gone.
    assert after.subjects("TL204") == [s for s in sb.planted["TL204"] if s != suspended]


def test_demo_dns_and_time_fix_the_rest(sb: Sandbox, apis: tuple[TenantCore, Smartlead]) -> None:
    blocked = sb.planted["TL102"]
    # What the user does at the DNS host / in the TenantCore app.
    for name in sb.planted["TL103"] + sb.planted["TL104"]:
        sb.tenantcore.verify_domain(name)
    # The daily reset (UTC midnight) unblocks the blocked mailbox; yesterday's block ages out.
    sb.advance(hours=17)

    report = troubleshoot(load(apis))

    assert not report.codes() & {"TL102", "TL103", "TL104", "TL105"}
    # The mailbox blocked this morning is unblocked now but its block is still recent: TL303,
    # while the block planted 18 hours before the start is now outside the 24-hour window.
    assert report.subjects("TL303") == blocked
