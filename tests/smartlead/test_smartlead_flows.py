"""The public builders of the Smartlead resources: composed into other flows, run by both drivers."""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead._core.flow import Flow, arun_flow, run_flow
from tenantlead._core.request import APIRequest
from tenantlead.errors import NotFoundError
from tenantlead.smartlead import AsyncSmartlead, EmailAccount
from tenantlead.smartlead.resources import clients, email_accounts, tags
from tenantlead.smartlead.resources.email_accounts import (
    add_tags_flow,
    bulk_update_flow,
    create_oauth_flow,
    create_smtp_flow,
    create_smtp_request,
    list_page_request,
    reconnect_failed_flow,
    remove_tags_flow,
    update_request,
)
from tests.smartlead.smartlead_testkit import PASSWORD, body, query

SAVED = {"ok": True, "message": "Email account added/updated successfully!", "emailAccountId": 2849}
ACCOUNT = {"id": 2849, "from_email": "ramesh@five2one.com.au", "from_name": "Ramesh", "type": "SMTP"}
SMTP = {
    "from_name": "Ramesh",
    "from_email": "ramesh@five2one.com.au",
    "user_name": "ramesh@five2one.com.au",
    "password": PASSWORD,
    "smtp_host": "smtp.office365.com",
    "smtp_port": 587,
    "imap_host": "outlook.office365.com",
    "imap_port": 993,
}
TOKEN = {"access_token": "at-" + "x" * 8, "scope": "https://outlook.office.com/.default", "expiry_date": 1}


async def drive(flow: Flow[Any], sl: Any) -> Any:
    """Run ``flow`` with the driver that fits the client."""
    if isinstance(sl, AsyncSmartlead):
        return await arun_flow(flow, sl)
    return run_flow(flow, sl)


def one(request: APIRequest[Any]) -> Flow[Any]:
    """A flow of a single request (what orchestration writes as ``x = yield request``)."""
    value = yield request
    return value


async def test_flows_compose_inside_a_bigger_flow(sl: Any, recorder: Any) -> None:
    # One caller-written flow: a bulk update of 150 accounts (two chunks), then one account
    # update, then tags for 30 accounts (two chunks). Written once, run by either driver.
    def settle(ids: list[int]) -> Flow[tuple[int, int, int]]:
        batch = yield from bulk_update_flow(ids, message_per_day=40)
        written = yield update_request(ids[0], max_email_per_day=3)
        tagged = yield from add_tags_flow(ids[:30], [5])
        assert written.ok
        return len(batch.chunks), len(tagged.chunks), len(tagged.items)

    recorder.add(200, {"ok": True, "message": "done"}).add(200, {"ok": True, "message": "done"})
    recorder.add(200, {"ok": True, "message": "Email account updated"})
    mapped = {"ok": True, "results": [{"email_account_id": 1, "tag_id": 5, "action": "added"}]}
    recorder.add(200, mapped).add(200, mapped)

    assert await drive(settle(list(range(1, 151))), sl) == (2, 2, 2)
    assert [path for _, path in recorder.calls()] == [
        "/api/v1/email-accounts/bulk-update-email-account-config",
        "/api/v1/email-accounts/bulk-update-email-account-config",
        "/api/v1/email-accounts/1",
        "/api/v1/email-accounts/tag-mapping",
        "/api/v1/email-accounts/tag-mapping",
    ]
    assert body(recorder.requests[1])["emailAccountIds"] == list(range(101, 151))
    assert body(recorder.requests[2]) == {"max_email_per_day": 3}
    assert body(recorder.requests[4])["email_account_ids"] == list(range(26, 31))


async def test_a_failed_chunk_is_reported_and_the_caller_flow_carries_on(sl: Any, recorder: Any) -> None:
    def remove_then_update() -> Flow[list[bool]]:
        result = yield from remove_tags_flow(range(1, 51), [5])
        yield update_request(1, max_email_per_day=1)
        return [chunk.ok for chunk in result.chunks]

    for _ in range(3):  # the first chunk fails its attempt and both retries
        recorder.add(500, {"message": "boom"})
    recorder.add(200, {"ok": True, "results": []})
    recorder.add(200, {"ok": True, "message": "ok"})
    assert await drive(remove_then_update(), sl) == [False, True]
    assert recorder.calls()[-1] == ("POST", "/api/v1/email-accounts/1")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: bulk_update_flow([], message_per_day=5), "account_ids must contain at least one id"),
        (lambda: bulk_update_flow([1], max_email_per_day=5), "message_per_day"),
        (lambda: add_tags_flow([1], []), "tag_ids must contain at least one id"),
        (lambda: remove_tags_flow(["1"], [5]), "account_ids"),
        (lambda: create_smtp_flow(**{**SMTP, "from_email": "nope"}), "from_email must be an email address"),
        (
            lambda: create_oauth_flow(from_name="R", from_email="r@x.com", username="r@x.com", token={}),
            "scope",
        ),
        (lambda: update_request(1), "needs at least one field"),
        (lambda: list_page_request(0, 0), "limit must be >= 1 and <= 100"),
        (lambda: list_page_request(-1, 10), "offset must be >= 0"),
        (lambda: list_page_request(0, 10, esp="YAHOO"), "esp must be one of"),
        (lambda: clients.get_request(1, include_credits="yes"), "includeCredits must be True or False"),
        (lambda: tags.update_request(1, "VIP", "red"), "'#RRGGBB'"),
    ],
)
def test_builders_check_their_arguments_when_called(build: Any, message: str, recorder: Any) -> None:
    # Before any driver runs (and so before anything is sent), a composed flow fails at once.
    with pytest.raises((ValueError, TypeError), match=message):
        build()
    assert recorder.requests == []


async def test_create_request_answers_the_new_id_without_a_read_back(sl: Any, recorder: Any) -> None:
    request = create_smtp_request(**SMTP, max_email_per_day=30)
    assert request.safe is False  # a create is never resent blindly...
    assert request.reconcile is not None  # ...an uncertain outcome is looked up by address
    recorder.add(200, SAVED)
    written = await drive(one(request), sl)
    assert written.email_account_id == 2849
    assert recorder.calls() == [("POST", "/api/v1/email-accounts/save")]
    assert body(recorder.requests[0])["max_email_per_day"] == 30


async def test_create_flows_save_then_read_the_account_back(sl: Any, recorder: Any) -> None:
    recorder.add(200, SAVED).add(200, ACCOUNT)
    recorder.add(200, {**SAVED, "emailAccountId": 77}).add(200, {**ACCOUNT, "id": 77, "type": "OUTLOOK"})
    smtp = await drive(create_smtp_flow(**SMTP), sl)
    oauth = await drive(
        create_oauth_flow(
            from_name="R", from_email="r@five2one.com.au", username="r@five2one.com.au", token=TOKEN
        ),
        sl,
    )
    assert isinstance(smtp, EmailAccount)
    assert smtp.id == 2849
    assert isinstance(oauth, EmailAccount)
    assert oauth.id == 77
    assert recorder.calls() == [
        ("POST", "/api/v1/email-accounts/save"),
        ("GET", "/api/v1/email-accounts/2849/"),
        ("POST", "/api/v1/email-accounts/save-oauth"),
        ("GET", "/api/v1/email-accounts/77/"),
    ]


async def test_reconnect_failed_flow_inside_a_bigger_flow(sl: Any, recorder: Any) -> None:
    def reconnect_twice() -> Flow[list[bool]]:
        first = yield from reconnect_failed_flow()
        try:
            yield from reconnect_failed_flow()
        except NotFoundError:
            return [first.queued, False]
        raise AssertionError("a 404 without Smartlead's 'nothing to reconnect' body must raise")

    # The old docs' 404 for "nothing to reconnect" is a result; any other 404 still raises.
    recorder.add(404, {"ok": True, "message": "No failed email account found!"})
    recorder.add(404, "Cannot POST /api/v1/email-accounts/reconnect-failed-email-accounts")
    assert await drive(reconnect_twice(), sl) == [False, False]
    assert len(recorder.requests) == 2


async def test_list_page_request_sends_the_filters_of_list(sl: Any, recorder: Any) -> None:
    recorder.add(200, [ACCOUNT])
    page = await drive(one(list_page_request(100, 50, esp="OUTLOOK", is_in_use=False, client_id=3)), sl)
    assert [a.id for a in page.items] == [2849]
    sent = query(recorder.last)
    assert {k: sent[k] for k in ("offset", "limit", "esp", "isInUse", "client_id")} == {
        "offset": "100", "limit": "50", "esp": "OUTLOOK", "isInUse": "false", "client_id": "3",
    }  # fmt: skip


async def test_single_request_builders_send_what_the_methods_send(sl: Any, recorder: Any) -> None:
    recorder.add(200, {"id": 299, "name": "Acme"}).add(200, {"id": 299, "name": "Acme"})
    await drive(one(clients.get_request(299, include_credits=True)), sl)
    by_method = sl.clients.get(299, include_credits=True)
    if isinstance(sl, AsyncSmartlead):
        await by_method
    first, second = recorder.requests
    assert (first.url.path, dict(first.url.params)) == (second.url.path, dict(second.url.params))
    assert dict(first.url.params)["includeCredits"] == "true"


def test_every_multi_request_method_has_a_documented_flow_builder() -> None:
    for name in ("create_smtp", "create_oauth", "bulk_update", "add_tags", "remove_tags", "reconnect_failed"):
        builder = getattr(email_accounts, f"{name}_flow")
        assert f"{name}_flow" in email_accounts.__all__
        assert builder.__doc__
        assert name in builder.__doc__
