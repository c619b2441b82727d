"""Every email-account method: the request it sends (method, path, query, body spelling) and the parse."""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead.errors import APIResponseError, NotFoundError, QuotaExceededError, ValidationError
from tenantlead.smartlead import EmailAccount, EmailAccountType, OAuthToken, WarmupStatus
from tests.smartlead.smartlead_testkit import API_KEY, PASSWORD, body, query, run

LIST_ITEM = {
    "id": 24, "created_at": "2022-05-26T03:47:31.448094+00:00", "updated_at": "2022-05-26T03:47:31.448094+00:00",
    "user_id": 123, "from_name": "Cristiano Rolando", "from_email": "cristiano@mufc.com",
    "username": "cristiano@mufc.com", "smtp_host": "smtp.gmail.com", "smtp_port": 993, "smtp_port_type": "SSL",
    "message_per_day": 100, "minTimeToWaitInMins": 10, "is_different_imap_account": False,
    "imap_username": "cristiano@mufc.com", "imap_host": "imap.gmail.com", "imap_port": 495,
    "imap_port_type": "SSL", "type": "GMAIL", "daily_sent_count": 48, "client_id": 33,
    "warmup_details": {"id": 99200, "status": "INACTIVE", "total_sent_count": 7, "total_spam_count": 0,
                       "warmup_reputation": "100%"},
}  # fmt: skip

GET_ITEM = {
    "id": 106466, "created_at": "2023-04-18T09:02:46.060Z", "updated_at": "2023-05-30T06:06:20.587Z", "user_id": 2,
    "from_name": "Vaibhav", "from_email": "vaibhav@five2one.engineering", "username": "vaibhav@five2one.engineering",
    "password": PASSWORD, "smtp_host": "smtp.zoho.com.au", "smtp_port": 465, "smtp_port_type": "SSL",
    "message_per_day": 200, "different_reply_to_address": "", "is_different_imap_account": False,
    "imap_username": "", "imap_password": "", "imap_host": "imap.zoho.com.au", "imap_port": 993,
    "imap_port_type": "SSL", "signature": None, "custom_tracking_domain": "", "bcc_email": None,
    "is_smtp_success": True, "is_imap_success": True, "smtp_failure_error": None, "imap_failure_error": None,
    "type": "SMTP", "daily_sent_count": 0, "client_id": None,
    "warmup_details": {"id": 99200, "status": "INACTIVE", "created_at": "2023-04-18T09:02:54.822507+00:00",
                       "reply_rate": 20, "warmup_key_id": "brass-sleep", "blocked_reason": None,
                       "total_sent_count": 7, "total_spam_count": 0, "warmup_max_count": 40,
                       "warmup_min_count": 3, "is_warmup_blocked": False, "max_email_per_day": 40,
                       "warmup_reputation": "100%"},
}  # fmt: skip


def accounts(start: int, count: int) -> list[dict[str, Any]]:
    return [{**LIST_ITEM, "id": start + i, "from_email": f"m{start + i}@x.com"} for i in range(count)]


# ----------------------------------------------------------------------------- list / get


async def test_list_pages_until_a_short_page(sl, recorder):
    recorder.add(200, accounts(1, 100)).add(200, accounts(101, 100)).add(200, accounts(201, 50))
    items = await run(sl.email_accounts.list())
    assert [a.id for a in items] == list(range(1, 251))
    assert [query(r)["offset"] for r in recorder.requests] == ["0", "100", "200"]
    assert all(query(r)["limit"] == "100" and query(r)["api_key"] == API_KEY for r in recorder.requests)
    assert recorder.calls()[0] == ("GET", "/api/v1/email-accounts/")


async def test_list_stops_on_an_empty_page(sl, recorder):
    recorder.add(200, accounts(1, 100)).add(200, accounts(101, 100)).add(200, [])
    items = await run(sl.email_accounts.list())
    assert len(items) == 200
    assert len(recorder.requests) == 3


async def test_list_sends_every_filter_with_wire_names(sl, recorder):
    recorder.add(200, [])
    await run(
        sl.email_accounts.list(
            is_in_use=True, warmup_status="ACTIVE", is_smtp_success=False, is_warmup_blocked=False,
            esp="OUTLOOK", username="ana", client_id=7, fetch_campaigns=True,
        )
    )  # fmt: skip
    assert query(recorder.last) == {
        "offset": "0", "limit": "100", "isInUse": "true", "emailWarmupStatus": "ACTIVE",
        "isSmtpSuccess": "false", "isWarmupBlocked": "false", "esp": "OUTLOOK", "username": "ana",
        "client_id": "7", "fetch_campaigns": "true", "api_key": API_KEY,
    }  # fmt: skip


async def test_list_parses_the_documented_item(sl, recorder):
    recorder.add(200, [LIST_ITEM])
    [account] = await run(sl.email_accounts.list())
    assert account.type is EmailAccountType.GMAIL
    assert account.message_per_day == 100
    assert account.min_time_to_wait_in_mins == 10
    assert account.warmup_details.status is WarmupStatus.INACTIVE
    assert account.warmup_details.reputation_percent == 100.0
    assert account.created_at.utcoffset().total_seconds() == 0


def test_list_rejects_a_page_size_above_100(recorder, clock):
    from tests.smartlead.smartlead_testkit import make_client

    client = make_client("sync", recorder, clock)
    with pytest.raises(ValueError, match="page_size"):
        client.email_accounts.list(page_size=101)
    with pytest.raises(ValueError, match="esp"):
        client.email_accounts.list(esp="YAHOO")  # type: ignore[arg-type]


async def test_get_by_id(sl, recorder):
    recorder.add(200, GET_ITEM)
    account = await run(sl.email_accounts.get(106466, fetch_tags=True))
    assert recorder.calls() == [("GET", "/api/v1/email-accounts/106466/")]
    assert query(recorder.last) == {"fetch_tags": "true", "api_key": API_KEY}
    assert account.password == PASSWORD
    assert account.min_time_to_wait_in_mins is None  # absent on get-by-id
    assert account.created_at.microsecond == 60000
    assert account.warmup_details.warmup_key_id == "brass-sleep"
    assert account.warmup_details.max_email_per_day == 40


async def test_get_by_email(sl, recorder):
    recorder.add(200, GET_ITEM)
    await run(sl.email_accounts.get_by_email("vaibhav@five2one.engineering", fetch_campaigns=True))
    assert recorder.last.url.path == "/api/v1/email-accounts/fetch-email-account-details"
    assert query(recorder.last) == {
        "email": "vaibhav@five2one.engineering", "fetch_campaigns": "true", "api_key": API_KEY,
    }  # fmt: skip


@pytest.mark.parametrize("bad", [0, -3, "12", 1.5, True, None])
def test_ids_are_validated_before_sending(recorder, clock, bad):
    from tests.smartlead.smartlead_testkit import make_client

    client = make_client("sync", recorder, clock)
    with pytest.raises(ValueError, match="account_id"):
        client.email_accounts.get(bad)
    assert recorder.requests == []


def test_get_by_email_rejects_a_non_address(recorder, clock):
    from tests.smartlead.smartlead_testkit import make_client

    with pytest.raises(ValueError, match="email"):
        make_client("sync", recorder, clock).email_accounts.get_by_email("not-an-address")


# ----------------------------------------------------------------------------- create


async def test_create_smtp_posts_user_name_then_fetches_the_account(sl, recorder):
    recorder.add(200, {"ok": True, "message": "Email account added/updated successfully!",
                       "emailAccountId": 2849, "warmupKey": "apple-keyes"})  # fmt: skip
    recorder.add(200, {**GET_ITEM, "id": 2849, "from_email": "ramesh@five2one.com.au"})
    account = await run(
        sl.email_accounts.create_smtp(
            from_name="Ramesh", from_email="ramesh@five2one.com.au", user_name="ramesh@five2one.com.au",
            password=PASSWORD, smtp_host="smtp.office365.com", smtp_port=587,
            imap_host="outlook.office365.com", imap_port=993, max_email_per_day=30, time_to_wait_in_mins=12,
        )
    )  # fmt: skip
    assert recorder.calls() == [
        ("POST", "/api/v1/email-accounts/save"),
        ("GET", "/api/v1/email-accounts/2849/"),
    ]
    sent = body(recorder.requests[0])
    assert sent == {
        "id": None, "from_name": "Ramesh", "from_email": "ramesh@five2one.com.au",
        "user_name": "ramesh@five2one.com.au", "password": PASSWORD, "smtp_host": "smtp.office365.com",
        "smtp_port": 587, "imap_host": "outlook.office365.com", "imap_port": 993, "warmup_enabled": False,
        "max_email_per_day": 30, "time_to_wait_in_mins": 12,
    }  # fmt: skip
    assert "username" not in sent
    assert query(recorder.requests[0]) == {"api_key": API_KEY}
    assert isinstance(account, EmailAccount)
    assert account.id == 2849


async def test_create_accepts_the_new_docs_data_wrapper(sl, recorder):
    # The new docs show {ok, message, data: {...account}}: the account was created, so a
    # missing top-level emailAccountId must not turn the success into an error.
    recorder.add(200, {"ok": True, "message": "Email account added successfully!",
                       "data": {"id": 2850, "from_email": "ramesh@five2one.com.au"}})  # fmt: skip
    recorder.add(200, {**GET_ITEM, "id": 2850, "from_email": "ramesh@five2one.com.au"})
    account = await run(
        sl.email_accounts.create_smtp(
            from_name="Ramesh", from_email="ramesh@five2one.com.au", user_name="ramesh@five2one.com.au",
            password=PASSWORD, smtp_host="smtp.office365.com", smtp_port=587,
            imap_host="outlook.office365.com", imap_port=993,
        )
    )  # fmt: skip
    assert recorder.calls()[1] == ("GET", "/api/v1/email-accounts/2850/")
    assert account.id == 2850


async def test_create_answer_without_any_id_is_a_clear_error(sl, recorder):
    recorder.add(200, {"ok": True, "message": "Email account added/updated successfully!"})
    with pytest.raises(APIResponseError, match="emailAccountId"):
        await run(
            sl.email_accounts.create_smtp(
                from_name="R", from_email="r@five2one.com.au", user_name="r@five2one.com.au",
                password=PASSWORD, smtp_host="smtp.office365.com", smtp_port=587,
                imap_host="outlook.office365.com", imap_port=993,
            )
        )  # fmt: skip


async def test_create_oauth_posts_username_and_the_microsoft_token(sl, recorder):
    recorder.add(200, {"ok": True, "message": "ok", "emailAccountId": 77})
    recorder.add(200, {**GET_ITEM, "id": 77, "type": "OUTLOOK"})
    token = OAuthToken.from_microsoft(
        {"token_type": "Bearer", "scope": "https://outlook.office.com/.default", "expires_in": 3600,
         "ext_expires_in": 3600, "access_token": "at-" + "1" * 8, "refresh_token": "rt-" + "2" * 8},
        now_ms=1_700_000_000_000,
    )  # fmt: skip
    account = await run(
        sl.email_accounts.create_oauth(
            from_name="Ana", from_email="ana@acme.com", username="ana@acme.com", token=token,
            use_whitelabel_credentials=True, max_email_per_day=20,
        )
    )  # fmt: skip
    assert recorder.calls()[0] == ("POST", "/api/v1/email-accounts/save-oauth")
    sent = body(recorder.requests[0])
    assert sent["username"] == "ana@acme.com"
    assert "user_name" not in sent
    assert sent["type"] == "OUTLOOK"
    assert sent["use_whitelabel_credentials"] is True
    assert sent["token"] == {
        "scope": "https://outlook.office.com/.default", "expiry_date": 1_700_003_600_000, "token_type": "Bearer",
        "access_token": "at-11111111", "refresh_token": "rt-22222222", "expires_in": 3600, "ext_expires_in": 3600,
    }  # fmt: skip
    assert sent["max_email_per_day"] == 20
    assert account.type is EmailAccountType.OUTLOOK
    assert "at-11111111" not in repr(token)


async def test_create_verification_failure_explains_microsoft_reply(sl, recorder):
    recorder.add(404, {"ok": False, "message": "Email account verification failed. Please verify account details.",
                       "errorCode": "ACCOUNT_VERIFICATION_FAILED",
                       "error": "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."})  # fmt: skip
    with pytest.raises(NotFoundError) as info:
        await run(
            sl.email_accounts.create_smtp(
                from_name="A", from_email="a@acme.com", user_name="a@acme.com", password=PASSWORD,
                smtp_host="smtp.office365.com", smtp_port=587, imap_host="outlook.office365.com", imap_port=993,
            )
        )  # fmt: skip
    err = info.value
    assert err.code == "ACCOUNT_VERIFICATION_FAILED"
    assert "535 5.7.139" in err.message
    assert "SMTP AUTH is disabled for the tenant" in err.hint
    assert len(recorder.requests) == 1  # a 4xx create is never retried


async def test_create_rejects_message_per_day_with_a_pointer(sl):
    with pytest.raises(TypeError, match="max_email_per_day"):
        await run(
            sl.email_accounts.create_smtp(
                from_name="A",
                from_email="a@acme.com",
                user_name="a@acme.com",
                password=PASSWORD,
                smtp_host="h",
                smtp_port=587,
                imap_host="h",
                imap_port=993,
                message_per_day=3,  # type: ignore[call-arg]
            )
        )


# ----------------------------------------------------------------------------- update / warmup


async def test_update_writes_max_email_per_day_zero_allowed(sl, recorder):
    recorder.add(
        200, {"ok": True, "message": "Email account details updated successfully!", "emailAccountId": 10607}
    )
    result = await run(
        sl.email_accounts.update(10607, max_email_per_day=0, time_to_wait_in_mins=3, client_id=None)
    )
    assert recorder.calls() == [("POST", "/api/v1/email-accounts/10607")]
    assert body(recorder.last) == {"max_email_per_day": 0, "time_to_wait_in_mins": 3, "client_id": None}
    assert result.email_account_id == 10607


async def test_update_refuses_the_read_name_and_empty_updates(sl, recorder):
    with pytest.raises(TypeError, match="write the daily limit as max_email_per_day"):
        await run(sl.email_accounts.update(1, message_per_day=5))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="at least one field"):
        await run(sl.email_accounts.update(1))
    with pytest.raises(ValueError, match="max_email_per_day must be >= 0"):
        await run(sl.email_accounts.update(1, max_email_per_day=-1))
    with pytest.raises(ValueError, match="<= 10000, got 10000000"):
        await run(sl.email_accounts.update(1, max_email_per_day=10_000_000))
    with pytest.raises(ValueError, match="<= 10000"):
        await run(sl.email_accounts.bulk_update([1], message_per_day=20_000))
    assert recorder.requests == []


async def test_update_is_retried_after_a_503(sl, recorder, clock):
    recorder.add(503, {"message": "busy"}).add(200, {"ok": True, "message": "ok"})
    await run(sl.email_accounts.update(5, max_email_per_day=10))
    assert len(recorder.requests) == 2
    assert len(clock.sleeps) == 1


async def test_update_warmup(sl, recorder):
    recorder.add(200, {"ok": True, "message": "Email warmup details updated successfully!",
                       "emailAccountId": 10607, "warmupKey": "banan-apple"})  # fmt: skip
    result = await run(
        sl.email_accounts.update_warmup(10607, warmup_enabled=True, total_warmup_per_day=35, daily_rampup=5,
                                        reply_rate_percentage=30, warmup_key_id="apple-juice")
    )  # fmt: skip
    assert recorder.calls() == [("POST", "/api/v1/email-accounts/10607/warmup")]
    assert body(recorder.last) == {"warmup_enabled": True, "total_warmup_per_day": 35, "daily_rampup": 5,
                                   "reply_rate_percentage": 30, "warmup_key_id": "apple-juice"}  # fmt: skip
    assert result.warmup_key == "banan-apple"


@pytest.mark.parametrize(
    ("field", "value"),
    [("daily_rampup", 2), ("daily_rampup", 21), ("total_warmup_per_day", 51), ("reply_rate_percentage", 10)],
)
async def test_update_warmup_ranges(sl, recorder, field, value):
    with pytest.raises(ValueError, match=field):
        await run(sl.email_accounts.update_warmup(1, warmup_enabled=True, **{field: value}))
    assert recorder.requests == []


async def test_warmup_stats_parses_string_counts(sl, recorder):
    recorder.add(200, {"id": 106466, "sent_count": "12", "spam_count": "1", "inbox_count": "11",
                       "warmup_email_received_count": "9",
                       "stats_by_date": [{"id": 1, "date": "2023-05-23", "sent_count": 2, "reply_count": 1,
                                          "save_from_spam_count": 0}]})  # fmt: skip
    stats = await run(sl.email_accounts.warmup_stats(106466))
    assert recorder.calls() == [("GET", "/api/v1/email-accounts/106466/warmup-stats")]
    assert (stats.sent_count, stats.spam_count, stats.inbox_count, stats.warmup_email_received_count) == (
        12,
        1,
        11,
        9,
    )
    assert stats.stats_by_date[0].date.isoformat() == "2023-05-23"


# ----------------------------------------------------------------------------- bulk update


async def test_bulk_update_sends_camel_case_in_chunks_of_100(sl, recorder):
    recorder.fallback = lambda r: __import__("httpx").Response(
        200, json={"message": "Email account(s) and warmup details are updated successfully!"}
    )
    result = await run(
        sl.email_accounts.bulk_update(range(1, 251), message_per_day=40, min_time_to_wait_in_mins=10,
                                      warmup_status="ACTIVE", warmup_max_email_per_day=40, tags=[12, 13],
                                      client_id=5)
    )  # fmt: skip
    assert [len(body(r)["emailAccountIds"]) for r in recorder.requests] == [100, 100, 50]
    assert all(
        r.url.path == "/api/v1/email-accounts/bulk-update-email-account-config" for r in recorder.requests
    )
    assert body(recorder.requests[0])["updateData"] == {
        "messagePerDay": 40, "minTimeToWaitInMins": 10, "status": "ACTIVE", "maxEmailPerDay": 40,
        "tags": [12, 13], "clientId": 5,
    }  # fmt: skip
    assert result.ok
    assert len(result.succeeded) == 3
    assert result.chunks[2].ids == tuple(range(201, 251))


async def test_bulk_update_reports_a_failed_chunk_and_keeps_going(sl, recorder):
    ok = {"message": "updated"}
    recorder.add(200, ok).add(400, {"error": "Email account id - 150 not allowed. Permission Error."}).add(
        200, ok
    )
    result = await run(sl.email_accounts.bulk_update(list(range(1, 251)), message_per_day=40))
    assert len(recorder.requests) == 3
    assert not result.ok
    assert [c.ok for c in result.chunks] == [True, False, True]
    assert result.failed_ids == list(range(101, 201))
    assert isinstance(result.failed[0].error, ValidationError)
    with pytest.raises(ValidationError):
        result.raise_for_failures()


async def test_bulk_update_raises_when_every_chunk_failed(sl, recorder):
    recorder.add(401, {"message": "Invalid API Key"}).add(401, {"message": "Invalid API Key"})
    with pytest.raises(Exception, match="Invalid API Key"):
        await run(sl.email_accounts.bulk_update(range(1, 151), message_per_day=1))
    assert len(recorder.requests) == 2


async def test_bulk_update_validates_ranges(sl, recorder):
    with pytest.raises(ValueError, match="daily_reply_limit"):
        await run(sl.email_accounts.bulk_update([1], daily_reply_limit=5))
    with pytest.raises(ValueError, match="account_ids"):
        await run(sl.email_accounts.bulk_update([], message_per_day=5))
    assert recorder.requests == []


# ----------------------------------------------------------------------------- reconnect / delete / suspend


async def test_reconnect_failed_queued_and_nothing_to_do(sl, recorder):
    recorder.add(200, {"ok": True, "message": "Email account(s) added to the queue to reconnect. "
                                              "We will send you an email once completed."})  # fmt: skip
    recorder.add(200, {"ok": True, "message": "No failed email account found!"})
    first = await run(sl.email_accounts.reconnect_failed())
    second = await run(sl.email_accounts.reconnect_failed())
    assert recorder.calls()[0] == ("POST", "/api/v1/email-accounts/reconnect-failed-email-accounts")
    assert body(recorder.requests[0]) == {}
    assert first.queued
    assert not second.queued


async def test_reconnect_nothing_to_do_as_the_old_docs_404_is_not_an_error(sl, recorder):
    # The old docs and help-centre article 125 answer "nothing to reconnect" with a 404 whose
    # body still says ok: true; it means the same as the newer 200, not a missing route.
    recorder.add(404, {"ok": True, "message": "No failed email account found!"})
    result = await run(sl.email_accounts.reconnect_failed())
    assert not result.queued
    assert result.message == "No failed email account found!"
    assert len(recorder.requests) == 1


async def test_reconnect_other_404s_still_raise(sl, recorder):
    recorder.add(404, "Cannot POST /api/v1/email-accounts/reconnect-failed-email-accounts")
    with pytest.raises(NotFoundError):
        await run(sl.email_accounts.reconnect_failed())


@pytest.mark.parametrize(
    ("message", "hint_part"),
    [
        ("Bulk reconnect cannot be consumed more than 3 times a day.", "3 calls a day"),
        (
            "You need to wait atleast 30 minutes before requesting a bulk reconnect, again.",
            "30 minutes apart",
        ),
    ],
)
async def test_reconnect_quota_406_is_a_clear_error_and_not_retried(sl, recorder, message, hint_part):
    recorder.add(406, {"ok": True, "message": message})
    with pytest.raises(QuotaExceededError) as info:
        await run(sl.email_accounts.reconnect_failed())
    assert info.value.message == message
    assert hint_part in info.value.hint
    assert len(recorder.requests) == 1


async def test_delete(sl, recorder):
    recorder.add(200, {"ok": True, "message": "Email account deleted successfully!", "emailAccountId": 123})
    result = await run(sl.email_accounts.delete(123))
    assert recorder.calls() == [("DELETE", "/api/v1/email-accounts/123")]
    assert result.email_account_id == 123


async def test_suspend_and_unsuspend(sl, recorder):
    recorder.add(200, {"success": True, "message": "Email account suspended successfully",
                       "data": {"accountId": 123, "isSuspended": True}})  # fmt: skip
    recorder.add(200, {"success": True, "message": "Email account unsuspended successfully",
                       "data": {"accountId": 123, "isSuspended": False}})  # fmt: skip
    suspended = await run(sl.email_accounts.suspend(123))
    unsuspended = await run(sl.email_accounts.unsuspend(123))
    assert recorder.calls() == [
        ("PUT", "/api/v1/email-accounts/suspend/123"),
        ("DELETE", "/api/v1/email-accounts/unsuspend/123"),
    ]
    assert suspended.is_suspended is True
    assert suspended.account_id == 123
    assert unsuspended.is_suspended is False


async def test_suspend_failure_in_a_200_body(sl, recorder):
    recorder.add(200, {"success": False, "message": "Email account not found or does not belong to you"})
    with pytest.raises(APIResponseError, match="does not belong to you"):
        await run(sl.email_accounts.suspend(9))


# ----------------------------------------------------------------------------- tags


def mapping_answer(action: str, ids: list[int]) -> dict[str, Any]:
    results = [{"email_account_id": i, "tag_id": 5, "action": action, "mapping_id": 100 + i} for i in ids]
    return {"success": True, "message": "Tag mapping operation completed",
            "data": {"results": results, "summary": {"total_processed": len(ids), action: len(ids),
                                                     "skipped": 0, "failed": 0}}}  # fmt: skip


async def test_add_tags_in_chunks_of_25(sl, recorder):
    recorder.fallback = lambda r: __import__("httpx").Response(
        200, json=mapping_answer("added", __import__("json").loads(r.content)["email_account_ids"])
    )
    result = await run(sl.email_accounts.add_tags(range(1, 61), [5]))
    assert [len(body(r)["email_account_ids"]) for r in recorder.requests] == [25, 25, 10]
    assert all(
        r.method == "POST" and r.url.path == "/api/v1/email-accounts/tag-mapping" for r in recorder.requests
    )
    assert body(recorder.requests[0])["tag_ids"] == [5]
    assert result.ok
    assert len(result.items) == 60
    assert result.failed_items == []


async def test_remove_tags_uses_delete_with_a_body(sl, recorder):
    recorder.add(200, mapping_answer("deleted", [1, 2]))
    result = await run(sl.email_accounts.remove_tags([1, 2], [5, 6]))
    assert recorder.last.method == "DELETE"
    assert body(recorder.last) == {"email_account_ids": [1, 2], "tag_ids": [5, 6]}
    assert result.chunks[0].value.summary.deleted == 2


async def test_tag_mapping_failed_items_inside_a_200(sl, recorder):
    answer = mapping_answer("added", [1])
    answer["data"]["results"].append({"email_account_id": 2, "tag_id": 5, "action": "failed", "reason": "x"})
    answer["data"]["summary"]["failed"] = 1
    recorder.add(200, answer)
    result = await run(sl.email_accounts.add_tags([1, 2], [5]))
    assert result.ok  # the request succeeded ...
    assert [i.email_account_id for i in result.failed_items] == [2]  # ... but one item did not


async def test_tag_mapping_validation_error_body(sl, recorder):
    recorder.add(400, {"success": False, "message": "Validation error",
                       "error": "email_account_ids must contain at least 1 item"})  # fmt: skip
    with pytest.raises(ValidationError, match="must contain at least 1 item"):
        await run(sl.email_accounts.add_tags([1], [5]))


async def test_tags_for_posts_email_ids(sl, recorder):
    recorder.add(200, {"data": [{"email_account_id": 1, "email_id": "a@x.com",
                                 "tags": [{"tag_id": 5, "tag_name": "X"}]}]})  # fmt: skip
    [row] = await run(sl.email_accounts.tags_for(["a@x.com"]))
    assert recorder.calls() == [("POST", "/api/v1/email-accounts/tag-list")]
    assert body(recorder.last) == {"email_ids": ["a@x.com"]}
    assert row.email_id == "a@x.com"
    assert row.tags[0].id == 5
    assert row.tags[0].name == "X"


# ----------------------------------------------------------------------------- OTP / messages


async def test_otp_flow(sl, recorder):
    recorder.add(200, {"ok": True, "data": "OTP has been sent successfully."})
    recorder.add(
        200,
        {
            "ok": True,
            "data": "OTP verification completed successfully; your warmup account is now unblocked.",
        },
    )
    assert await run(sl.email_accounts.send_otp(7)) == "OTP has been sent successfully."
    assert "unblocked" in await run(sl.email_accounts.verify_otp(7, "123456"))
    assert recorder.calls() == [
        ("POST", "/api/v1/email-accounts/7/send-otp-email"),
        ("POST", "/api/v1/email-accounts/7/verify-otp"),
    ]
    assert body(recorder.last) == {"otp": "123456"}


async def test_otp_500_business_error(sl, recorder):
    recorder.add(500, {"message": "The OTP entered is incorrect. Please attempt again."})
    with pytest.raises(Exception, match="OTP entered is incorrect") as info:
        await run(sl.email_accounts.verify_otp(7, "000000"))
    assert type(info.value).__name__ == "ServerError"
    assert len(recorder.requests) == 1  # a POST is not retried on 5xx


async def test_fetch_replies_and_messages(sl, recorder):
    recorder.add(
        200, {"ok": True, "message": "25 Email account(s) are added to the queue to fetch live reply."}
    )
    recorder.add(200, {"messages": [{"subject": "hi"}]})
    recorder.add(200, {"results": [{"account_id": 1, "status": "success", "data": {"messages": []}},
                                   {"account_id": 2, "status": "error", "error": "Account not found"}],
                       "summary": {"total": 2, "success": 1, "error": 1}})  # fmt: skip
    assert "25 Email" in await run(sl.email_accounts.fetch_replies())
    messages = await run(sl.email_accounts.fetch_messages(3, limit=5, folder="INBOX", include_body=True))
    multi = await run(sl.email_accounts.fetch_messages_multi([1, 2], limit=10))
    assert recorder.calls() == [
        ("POST", "/api/v1/email-accounts/fetch-account-reply"),
        ("POST", "/api/v1/email-accounts/3/fetch-messages"),
        ("POST", "/api/v1/email-accounts/multi/fetch-messages"),
    ]
    assert body(recorder.requests[1]) == {"limit": 5, "folder": "INBOX", "includeBody": True}
    assert body(recorder.requests[2]) == [{"account_id": 1, "limit": 10}, {"account_id": 2, "limit": 10}]
    assert messages == [{"subject": "hi"}]
    assert [e["account_id"] for e in multi.errors] == [2]


# ----------------------------------------------------------------------------- bad input, before sending


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ({"access_token": "a" * 12, "expiry_date": 1}, "token is missing scope"),
        ({"scope": "s", "refresh_token": "r" * 12}, "token is missing expiry_date"),
        ({"scope": "s", "refresh_token": "r" * 12, "expiry_date": "soon"}, "expiry_date"),
        ({"scope": "s", "refresh_token": "r" * 12, "expiry_date": 1, "expires_in": "x"}, "wrong type"),
    ],
)
async def test_create_oauth_names_what_is_wrong_with_a_token_dict(sl, recorder, token, expected):
    with pytest.raises(ValueError, match=expected) as info:
        await run(
            sl.email_accounts.create_oauth(
                from_name="A", from_email="a@x.com", username="a@x.com", token=token
            )
        )
    assert "r" * 12 not in str(info.value)
    assert "a" * 12 not in str(info.value)
    assert recorder.requests == []


def test_from_microsoft_names_a_bad_expires_in():
    with pytest.raises(ValueError, match="expires_in"):
        OAuthToken.from_microsoft({"access_token": "x" * 12, "expires_in": "soon"})


@pytest.mark.parametrize(
    "call",
    [
        lambda sl: sl.email_accounts.list(fetch_campaigns="yes"),
        lambda sl: sl.email_accounts.get(1, fetch_tags="yes"),
        lambda sl: sl.email_accounts.get_by_email("a@x.com", fetch_campaigns=1),
    ],
)
async def test_fetch_flags_must_be_booleans(sl, recorder, call):
    with pytest.raises(ValueError, match="must be True or False"):
        await run(call(sl))
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("field", "points_to"),
    [("max_email_per_day", "message_per_day"), ("time_to_wait_in_mins", "min_time_to_wait_in_mins")],
)
async def test_bulk_update_points_update_names_to_bulk_names(sl, recorder, field, points_to):
    # update() writes max_email_per_day; in the bulk body maxEmailPerDay is the *warmup* volume,
    # so the natural mistake must be refused with a pointer, never sent.
    with pytest.raises(TypeError, match=f"use {points_to}"):
        await run(sl.email_accounts.bulk_update([1], **{field: 40}))
    assert recorder.requests == []
