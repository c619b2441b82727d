"""The public TenantCore builders, alone and composed with Smartlead's in one flow over both APIs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tenantlead import AsyncSmartlead, AsyncTenantCore, Smartlead, TenantCore
from tenantlead._core.flow import Call, Flow, arun_flow, on, run_flow
from tenantlead.smartlead.resources.email_accounts import bulk_update_flow
from tenantlead.tenantcore import Mailbox
from tenantlead.tenantcore.resources import domains, enforcement, mailbox_limits, mailboxes, tenants

KEY = "tc_live_" + "0" * 48
SL_KEY = "sl" + "Key" * 6 + "0042"
TID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
MAILBOX = {"id": "m1", "primary_smtp": "ana@mail.acme.example", "daily_send_limit": 25}
LIMITS = {"tenant_id": TID, "status": "provisioned", "domains": ["mail.acme.example"]}


def clients(mode: str, recorder: Any, clock: Any) -> dict[str, Any]:
    """A TenantCore and a Smartlead client of the same flavour, on one recorder."""
    if mode == "sync":
        return {
            "tenantcore": TenantCore(KEY, http_client=recorder.client(), clock=clock, sleep=clock.sleep),
            "smartlead": Smartlead(
                SL_KEY, http_client=recorder.client(), clock=clock, sleep=clock.sleep, rate_limit=None
            ),
        }
    return {
        "tenantcore": AsyncTenantCore(
            KEY, http_client=recorder.async_client(), clock=clock, sleep=clock.async_sleep
        ),
        "smartlead": AsyncSmartlead(
            SL_KEY, http_client=recorder.async_client(), clock=clock, sleep=clock.async_sleep, rate_limit=None
        ),
    }


async def drive(flow: Flow[Any], named: dict[str, Any]) -> Any:
    if isinstance(named["tenantcore"], AsyncTenantCore):
        return await arun_flow(flow, named)
    return run_flow(flow, named)


@pytest.fixture(params=["sync", "async"])
def both(request: pytest.FixtureRequest, recorder: Any, clock: Any) -> dict[str, Any]:
    return clients(request.param, recorder, clock)


async def test_one_flow_over_both_apis(both: dict[str, Any], recorder: Any, clock: Any) -> None:
    # Store a limit, enforce it, wait out a young mailbox's propagation, then set the same
    # limit on its Smartlead accounts: the shape of an align or connect run, written once.
    young = Mailbox(
        id="m2", primary_smtp="bo@mail.acme.example", created_at=datetime.fromtimestamp(clock.now - 60, UTC)
    )

    def align(limit: int) -> Flow[tuple[int | None, str, int]]:
        stored = yield Call("tenantcore", mailboxes.update_request(TID, "m1", daily_send_limit=limit))
        enforced = yield Call("tenantcore", mailbox_limits.provision_request(TID))
        yield from on("tenantcore", mailboxes.wait_until_ready_flow(young))
        batch = yield from on("smartlead", bulk_update_flow([11, 12], message_per_day=limit))
        return stored.daily_send_limit, enforced.status, len(batch.succeeded)

    recorder.add(200, MAILBOX).add(200, LIMITS).add(200, {"ok": True, "message": "done"})
    assert await drive(align(25), both) == (25, "provisioned", 1)
    assert [(r.url.host, r.method, r.url.path) for r in recorder.requests] == [
        ("api.tenantcore.io", "PATCH", f"/v1/tenants/{TID}/mailboxes/m1"),
        ("api.tenantcore.io", "POST", f"/v1/tenants/{TID}/mailbox-limits"),
        ("server.smartlead.ai", "POST", "/api/v1/email-accounts/bulk-update-email-account-config"),
    ]
    assert clock.sleeps == [pytest.approx(240.0)]  # by the TenantCore client's sleeper


async def test_wait_until_ready_flow_asks_the_clock_and_sleeps_only_when_needed(
    both: dict[str, Any], recorder: Any, clock: Any
) -> None:
    tc = both["tenantcore"]
    ready = Mailbox(
        id="m", primary_smtp="a@b.example", created_at=datetime.fromtimestamp(clock.now - 600, UTC)
    )
    assert await drive(on("tenantcore", mailboxes.wait_until_ready_flow(ready)), both) is ready
    young = Mailbox(
        id="m", primary_smtp="a@b.example", created_at=datetime.fromtimestamp(clock.now - 100, UTC)
    )
    waited = tc.mailboxes.wait_until_ready(young)
    if isinstance(tc, AsyncTenantCore):
        waited = await waited
    assert waited is young
    assert clock.sleeps == [pytest.approx(200.0)]
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: mailboxes.update_request(TID, "m1"), "nothing to update"),
        (
            lambda: mailboxes.update_request(TID, "m1", daily_send_limit=10_001),
            "above Exchange Online's 10,000",
        ),
        (
            lambda: mailboxes.update_request(TID, "m1", account_enabled="yes"),
            "account_enabled must be True or False",
        ),
        (lambda: mailboxes.create_request(TID, domain_name="acme", mail_nickname="ana"), "domain_name"),
        (lambda: mailbox_limits.provision_request(TID, domain_names=[]), "domain_names is empty"),
        (lambda: tenants.get_request("a/b"), "tenant_id contains characters"),
        (lambda: domains.add_request(TID, "not a domain"), "domain_name must be a domain name"),
        (lambda: enforcement.list_events_page_request(-1), "offset must be a whole number >= 0"),
        (lambda: enforcement.list_events_page_request(0, 201), "page_size must be between 1 and 200"),
    ],
)
def test_builders_check_their_arguments_when_called(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


async def test_list_events_page_request_reads_one_page_with_its_total(
    both: dict[str, Any], recorder: Any
) -> None:
    recorder.add(200, {"events": [], "total": 7})

    def one() -> Flow[Any]:
        page = yield Call("tenantcore", enforcement.list_events_page_request(5, 50, action="blocked"))
        return page

    page = await drive(one(), both)
    assert (page.items, page.total) == ([], 7)
    assert dict(recorder.last.url.params) == {"action": "blocked", "limit": "50", "offset": "5"}
