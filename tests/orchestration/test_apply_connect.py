"""ConnectPlan.apply / aapply on the sandbox: creates, re-runs, manual hand-off, waiting."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tenantlead.orchestration import (
    Fleet,
    LimitPolicy,
    await_connected,
    await_until_connected,
    connect,
    wait_connected,
    wait_until_connected,
)
from tenantlead.sandbox import Sandbox
from tests.orchestration.factories import accounts_for, async_clients, sl_account, sync_clients

POLICY = LimitPolicy(sending_window="09:00-17:00")


@pytest.fixture
def sb() -> Sandbox:
    sandbox = Sandbox.demo(seed=7)
    sandbox.advance(minutes=10)  # the TL105 mailbox finishes propagating
    return sandbox


@pytest.fixture
def apis(sb):
    tc, sl = sync_clients(sb)
    with tc, sl:
        yield tc, sl


def not_connected(sb):
    return sorted(sb.planted["TL201"])


def test_smtp_connect_creates_one_aligned_account_per_mailbox_and_reruns_create_nothing(sb, apis):
    fleet = Fleet.load(*apis)
    tag = apis[1].tags.create("tenantlead-demo")
    main = fleet.row(not_connected(sb)[0]).tenant_id
    plan = connect(
        fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY, clients={main: 4242}, tags=[tag.id]
    )
    assert sorted(i.address for i in plan.to_create) == not_connected(sb)

    result = plan.apply(sl=apis[1])

    assert result.failed == []
    assert len(result.skipped) == len(plan.skipped)
    for email in not_connected(sb):
        account = sl_account(sb, email)
        assert account.type == "SMTP"
        assert (account.smtp_host, account.smtp_port, account.imap_port) == ("smtp.office365.com", 587, 993)
        # Warmup on by default (5/day), budgeted under the ceiling: 25 - 5 = 20, spread over 480 min.
        assert (account.message_per_day, account.min_time_to_wait_in_mins) == (20, 24)
        assert account.warmup is not None
        assert (account.warmup.status, account.warmup.total_warmup_per_day) == ("ACTIVE", 5)
        assert account.client_id == 4242
        assert tag.id in account.tag_ids
    # Interrupted-run case: the same (stale) plan again meets ACCOUNT_ALREADY_EXIST, creates nothing.
    again = plan.apply(sl=apis[1])
    assert again.failed == []
    assert all(accounts_for(sb, email) == 1 for email in not_connected(sb))
    assert {i.detail.split(" (")[0] for i in again.succeeded if i.action == "apply settings"} == {
        "already existed"
    }
    # And a fresh plan has nothing left to create.
    assert connect(Fleet.load(*apis), "smtp", credentials=sb.credentials_csv(), policy=POLICY).is_empty


def test_a_wrong_password_fails_that_item_only(sb, apis):
    fleet = Fleet.load(*apis)
    first, second = not_connected(sb)
    creds = {row["email"]: row["password"] for row in _csv_rows(sb)}
    creds[first] = creds[first].swapcase()  # passwords are case-sensitive

    result = connect(fleet, "smtp", credentials=creds).apply(sl=apis[1])

    assert [i.subject for i in result.failed] == [first]
    assert "verification failed" in result.failed[0].detail.lower() or "535" in result.failed[0].detail
    assert creds[first] not in str(result)
    assert [i.subject for i in result.succeeded] == [second]


def test_oauth_connect_pushes_microsoft_tokens_as_outlook_accounts(sb, apis):
    asked = []

    def provider(email):
        asked.append(email)
        return sb.microsoft_token(email)

    result = connect(Fleet.load(*apis), "oauth", tokens=provider, policy=POLICY).apply(sl=apis[1])

    assert result.failed == []
    assert sorted(asked) == not_connected(sb)
    assert all(sl_account(sb, e).type == "OUTLOOK" for e in not_connected(sb))
    assert str(result).count("create OUTLOOK account") == 2


def test_manual_handoff_then_apply_settings_and_wait_until_connected(sb, apis):
    tc, sl = apis
    plan = connect(Fleet.load(tc, sl), "manual", policy=POLICY, clients=99)
    first, second = not_connected(sb)
    # Nobody has added the accounts yet.
    early = plan.apply(sl=sl)
    assert {i.subject for i in early.skipped if "hand-off" in i.detail} == {first, second}

    # A person adds the first one in the Smartlead app (here: through the API, OAuth).
    sl.email_accounts.create_oauth(
        from_name="Person", from_email=first, username=first, token=sb.microsoft_token(first)
    )
    later = plan.apply(sl=sl)
    settled = [i for i in later.succeeded if i.subject == first]
    assert settled
    assert "connected by hand" in settled[0].detail
    assert sl_account(sb, first).client_id == 99

    waited = wait_connected(sl, [first, second], timeout=120, interval=30)
    assert [i.subject for i in waited.succeeded] == [first]
    assert [i.subject for i in waited.failed] == [second]
    assert "timed out: not in Smartlead yet" in waited.failed[0].detail

    # The old name still works, warns, and gives the same answer.
    with pytest.warns(
        DeprecationWarning, match=r"wait_until_connected\(\) is deprecated: use wait_connected"
    ):
        old = wait_until_connected(sl, [first, second], timeout=120, interval=30)
    assert old.to_dict() == waited.to_dict()


async def test_async_connect_and_await_until_connected(sb):
    atc, asl = async_clients(sb)
    async with atc, asl:
        fleet = await Fleet.aload(atc, asl)
        plan = connect(fleet, "oauth", tokens=sb.microsoft_token, policy=POLICY)
        result = await plan.aapply(sl=asl, concurrency=2)
        assert result.failed == []
        waited = await await_connected(asl, not_connected(sb), timeout=60, interval=10)
        assert len(waited.succeeded) == 2
        with pytest.warns(DeprecationWarning, match="use await_connected"):
            old = await await_until_connected(asl, not_connected(sb), timeout=60, interval=10)
        assert old.to_dict() == waited.to_dict()
        again = connect(await Fleet.aload(atc, asl), "oauth", tokens=sb.microsoft_token)
    assert again.is_empty
    assert all(accounts_for(sb, e) == 1 for e in not_connected(sb))


def test_keyboard_interrupt_mid_connect_then_rerun_converges(sb, apis):
    plan = connect(Fleet.load(*apis), "oauth", tokens=sb.microsoft_token, policy=POLICY)

    def stop(event):
        if event.item.status == "succeeded":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        plan.apply(sl=apis[1], on_progress=stop)
    assert info.value.partial_result.counts()["succeeded"] == 1

    rest = connect(Fleet.load(*apis), "oauth", tokens=sb.microsoft_token, policy=POLICY)
    assert len(rest.to_create) == 1
    assert rest.apply(sl=apis[1]).failed == []
    assert all(accounts_for(sb, e) == 1 for e in not_connected(sb))


def _csv_rows(sb):
    import csv
    import io

    return list(csv.DictReader(io.StringIO(sb.credentials_csv())))


def test_manual_and_already_existing_accounts_get_the_planned_warmup(sb, apis):
    """The hand-off promises "warmup N/day"; apply must set it, not only the limit and gap."""
    tc, sl = apis
    policy = LimitPolicy(sending_window="09:00-17:00", warmup_per_day=5)
    first, second = not_connected(sb)
    plan = connect(Fleet.load(tc, sl), "manual", policy=policy)
    assert "warmup 5/day" in plan.handoff()[0]["then_set"]
    # A person adds the account by hand, without warmup.
    sl.email_accounts.create_oauth(
        from_name="Person", from_email=first, username=first, token=sb.microsoft_token(first)
    )

    result = plan.apply(sl=sl)

    assert result.failed == []
    warm = sl_account(sb, first).warmup
    assert warm is not None
    assert (warm.status, warm.total_warmup_per_day) == ("ACTIVE", 5)
    assert sl_account(sb, first).message_per_day == 25 - 5
    settled = next(i for i in result.succeeded if i.subject == first)
    assert "warmup 5/day" in settled.detail

    # A stale oauth plan meeting ACCOUNT_ALREADY_EXIST (an interrupted run) settles warmup the same way.
    stale = connect(
        Fleet.load(tc, sl).filter(predicate=lambda r: r.address == second),
        "oauth",
        tokens=sb.microsoft_token,
        policy=policy,
    )
    sl.email_accounts.create_oauth(
        from_name="Person", from_email=second, username=second, token=sb.microsoft_token(second)
    )
    again = stale.apply(sl=sl)
    assert again.failed == []
    assert "already existed" in again.succeeded[0].detail
    assert (sl_account(sb, second).warmup.status, sl_account(sb, second).warmup.total_warmup_per_day) == (
        "ACTIVE",
        5,
    )
    assert accounts_for(sb, second) == 1


def _counting_smartlead(sb: Sandbox, seen: list[tuple[str, str]]):
    from tenantlead.smartlead import Smartlead

    def record(request) -> None:
        seen.append((request.method, request.url.path.removeprefix("/api/v1")))

    options = sb.client_options()
    options["http_client"] = sb.http_client(event_hooks={"request": [record]})
    return Smartlead(sb.smartlead_api_key, **options)


def test_connect_writes_once_per_mailbox_and_reads_back_in_list_pages(sb, apis):
    fleet = Fleet.load(*apis)
    plan = connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=LimitPolicy(warmup_per_day=5))
    created = len([i for i in plan.to_create if i.action == "create"])
    assert created >= 2
    seen: list[tuple[str, str]] = []
    with _counting_smartlead(sb, seen) as sl:
        result = plan.apply(sl=sl)
    assert result.failed == []
    assert result.drift == ()
    assert result.verified
    saves = [s for s in seen if s == ("POST", "/email-accounts/save")]
    assert len(saves) == created  # the id comes from the save's answer
    assert not [
        s for s in seen if s[0] == "GET" and s[1].rstrip("/") != "/email-accounts"
    ]  # no per-account GET
    listed = len([s for s in seen if s[0] == "GET"])
    assert listed == len(sb.sl_user.accounts) // 100 + 1  # one walk of the list
    assert len(seen) == created + listed


def test_the_read_back_reports_a_missing_account_and_a_limit_that_did_not_stick(sb, apis):
    from tenantlead.orchestration.connect_apply import ConnectRun

    fleet = Fleet.load(*apis)
    plan = connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY)
    first, second = [i for i in plan.items if i.action == "create"][:2]
    run = ConnectRun(plan, apis[1], None, None)
    run.written = {901: first, 902: second}
    listed = [
        a.__class__.from_dict(
            {
                **a.to_dict(),
                "id": 901,
                "message_per_day": 99,
                # a gap the plan did not set (the plan's own may equal the listed account's)
                "minTimeToWaitInMins": first.settings.time_to_wait_in_mins + 7,
            }
        )
        for a in apis[1].email_accounts.list(max_items=1)
    ]
    gap = listed[0].min_time_to_wait_in_mins
    assert gap != first.settings.time_to_wait_in_mins
    drift = run.verify(listed)
    assert [(d.subject, d.field, d.expected, d.actual) for d in drift] == [
        (first.address, "message_per_day", first.settings.max_email_per_day, 99),
        (first.address, "min_time_to_wait_in_mins", first.settings.time_to_wait_in_mins, gap),
        (second.address, "account", "present", None),
    ]


async def test_aapply_awaits_an_async_token_provider_and_one_failing_token_fails_only_its_mailbox(sb):
    wanted = not_connected(sb)
    asked: list[str] = []

    class Provider:
        async def get_token(self, email):
            asked.append(email)
            if email == wanted[0]:
                raise RuntimeError("consent not granted")
            return sb.microsoft_token(email)

    atc, asl = async_clients(sb)
    async with atc, asl:
        plan = connect(await Fleet.aload(atc, asl), "oauth", tokens=Provider(), policy=POLICY)
        result = await plan.aapply(sl=asl, concurrency=2)

    assert sorted(asked) == wanted
    assert [(i.subject, i.detail) for i in result.failed] == [
        (wanted[0], "RuntimeError: consent not granted")
    ]
    assert sl_account(sb, wanted[0]) is None
    assert all(sl_account(sb, e) is not None for e in wanted[1:])


def _microsoft(sb: Sandbox) -> Any:
    from tenantlead.microsoft import MicrosoftApp

    for tenant in sb.tc_account.tenants.values():
        sb.microsoft.grant_consent(tenant.tenant_id, sb.authority.smartlead_app.client_id)
    reg = sb.authority.smartlead_app
    return MicrosoftApp(reg.client_id, reg.secret, environ={})


def test_a_signed_in_oauth_replan_moves_and_tags_the_accounts_it_finds_connected():
    """The apply with ``microsoft=`` writes the converging updates too (it used to skip them)."""
    from tenantlead.microsoft import MicrosoftIdentity
    from tests.reliability._world import build_world, live_accounts

    sb = build_world(seed=3, mailboxes=9)
    app = _microsoft(sb)
    tc, sl = sync_clients(sb)
    ms = MicrosoftIdentity(app, **sb.client_options())
    with tc, sl, ms:
        first = connect(Fleet.load(tc, sl), "oauth", microsoft=app, credentials=sb.credentials_csv())
        assert first.apply(sl=sl, ms=ms).failed == []
        tag = sl.tags.create("wave-2").id
        plan = connect(
            Fleet.load(tc, sl),
            "oauth",
            microsoft=app,
            credentials=sb.credentials_csv(),
            clients=77,
            tags=[tag],
        )
        assert plan.counts() == {"create": 0, "update": 9, "manual": 0, "skip": 0}
        assert all("move it to client 77" in i.reason and f"add tags [{tag}]" in i.reason for i in plan.items)
        result = plan.apply(sl=sl, ms=ms)
    assert result.failed == []
    assert {i.action for i in result.succeeded} == {"move to client", f"add tags [{tag}]"}
    assert all("converged" in i.detail for i in result.succeeded if i.action.startswith("add tags"))
    assert all(a.client_id == 77 and a.tag_ids == [tag] for a in live_accounts(sb))
    assert len(live_accounts(sb)) == 9
    assert result.drift == ()


class _Yielding(httpx.AsyncBaseTransport):
    """The sandbox behind a transport that suspends the caller, as a network does."""

    def __init__(self, sb: Sandbox) -> None:
        self.inner = sb.transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        return await self.inner.handle_async_request(request)


async def test_an_async_replan_tags_the_accounts_an_interrupted_run_saved(sb):
    from tenantlead.smartlead import AsyncSmartlead

    atc, _ = async_clients(sb)
    asl = AsyncSmartlead(
        sb.smartlead_api_key,
        http_client=httpx.AsyncClient(transport=_Yielding(sb)),
        clock=sb.clock.timestamp,
        sleep=sb.clock.asleep,
    )
    async with atc, asl:
        tag = (await asl.tags.create("wave-3")).id
        assert tag is not None
        plan = connect(
            await Fleet.aload(atc, asl), "oauth", tokens=sb.microsoft_token, policy=POLICY, tags=[tag]
        )
        seen: list[str] = []

        def stop(event: Any) -> None:
            seen.append(event.item.subject)
            task.cancel()  # Ctrl-C in asyncio.run, after the first save: its tags were never written

        task = asyncio.ensure_future(plan.aapply(sl=asl, on_progress=stop, concurrency=1))
        with pytest.raises(asyncio.CancelledError):
            await task
        saved = seen[0]
        assert sl_account(sb, saved) is not None
        assert tag not in sl_account(sb, saved).tag_ids
        again = connect(
            await Fleet.aload(atc, asl), "oauth", tokens=sb.microsoft_token, policy=POLICY, tags=[tag]
        )
        item = next(i for i in again.items if i.address == saved)
        assert item.action == "update"
        assert f"add tags [{tag}]" in item.reason
        result = await again.aapply(sl=asl, concurrency=2)
    assert result.failed == []
    assert all(tag in sl_account(sb, e).tag_ids for e in not_connected(sb))
    assert all(accounts_for(sb, e) == 1 for e in not_connected(sb))
