"""Campaign methods: requests sent, both old and new encodings parsed, inputs validated before sending."""

from __future__ import annotations

import pytest

from tenantlead.errors import NotFoundError, ValidationError
from tenantlead.smartlead import CampaignStatus
from tests.smartlead.smartlead_testkit import API_KEY, body, query, run

NEW_ITEM = {
    "id": 2610406, "user_id": 276870, "created_at": "2025-10-25T21:18:58.654Z",
    "updated_at": "2025-10-29T16:55:14.942Z", "status": "DRAFTED", "name": "inbound-agencies-v1",
    "track_settings": [], "scheduler_cron_value": None, "min_time_btwn_emails": 20, "max_leads_per_day": 100,
    "stop_lead_settings": "REPLY_TO_AN_EMAIL", "schedule_start_time": None, "enable_ai_esp_matching": False,
    "send_as_plain_text": False, "follow_up_percentage": 100, "unsubscribe_text": None,
    "parent_campaign_id": None, "client_id": None,
}  # fmt: skip
OLD_ITEM = {
    "id": 372, "user_id": 124, "created_at": "2022-05-26T03:47:31.448094+00:00",
    "updated_at": "2022-05-26T03:47:31.448094+00:00", "status": "ACTIVE", "name": "My Epic Campaign",
    "track_settings": "DONT_REPLY_TO_AN_EMAIL",
    "scheduler_cron_value": "{ tz: 'Australia/Sydney', days: [ 1, 2, 3, 4, 5 ], endHour: '23:00', startHour: '10:00' }",
    "min_time_btwn_emails": 10, "max_leads_per_day": 10, "stop_lead_settings": "REPLY_TO_AN_EMAIL",
    "unsubscribe_text": "Don't Contact Me", "client_id": 23, "enable_ai_esp_matching": True,
    "send_as_plain_text": True, "follow_up_percentage": 40,
}  # fmt: skip

SCHEDULE = {
    "timezone": "America/New_York", "days_of_the_week": [1, 2, 3, 4, 5], "start_hour": "09:00",
    "end_hour": "17:00", "min_time_btw_emails": 10, "max_new_leads_per_day": 50,
}  # fmt: skip


async def test_list_parses_old_and_new_encodings(sl, recorder):
    recorder.add(200, [NEW_ITEM, OLD_ITEM, {**NEW_ITEM, "id": 5, "scheduler_cron_value": {
        "tz": "America/New_York", "days": [1, 2], "startHour": "09:00", "endHour": "17:00"}, "status": "SOMETHING_NEW"}])  # fmt: skip
    new, old, obj = await run(sl.campaigns.list(client_id=23, include_tags=True))
    assert recorder.calls() == [("GET", "/api/v1/campaigns/")]
    assert query(recorder.last) == {"client_id": "23", "include_tags": "true", "api_key": API_KEY}
    assert new.track_settings == []
    assert new.scheduler_cron_value is None
    assert old.track_settings == ["DONT_REPLY_TO_AN_EMAIL"]
    assert old.scheduler_cron_value.tz == "Australia/Sydney"
    assert old.scheduler_cron_value.days == [1, 2, 3, 4, 5]
    assert (old.scheduler_cron_value.start_hour, old.scheduler_cron_value.end_hour) == ("10:00", "23:00")
    assert obj.scheduler_cron_value.start_hour == "09:00"
    assert obj.status == "SOMETHING_NEW"
    assert not obj.status.is_known
    assert new.status is CampaignStatus.DRAFTED


async def test_get_and_deleted_campaign_empty_body(sl, recorder):
    recorder.add(200, NEW_ITEM).add(200, None)
    campaign = await run(sl.campaigns.get(2610406))
    assert campaign.name == "inbound-agencies-v1"
    with pytest.raises(NotFoundError, match="deleted") as info:
        await run(sl.campaigns.get(2610406))
    assert info.value.code == "CAMPAIGN_DELETED"
    assert recorder.calls() == [("GET", "/api/v1/campaigns/2610406")] * 2


async def test_get_unknown_campaign(sl, recorder):
    recorder.add(404, {"error": "Campaign not found - Invalid campaign_id."})
    with pytest.raises(NotFoundError, match="Campaign not found"):
        await run(sl.campaigns.get(1))


async def test_create(sl, recorder):
    recorder.add(200, {"ok": True, "id": 3023, "name": "Test email campaign",
                       "created_at": "2022-11-07T16:23:24.025929+00:00"})  # fmt: skip
    campaign = await run(sl.campaigns.create("Test email campaign", client_id=22))
    assert recorder.calls() == [("POST", "/api/v1/campaigns/create")]
    assert body(recorder.last) == {"name": "Test email campaign", "client_id": 22}
    assert campaign.id == 3023
    assert "ok" not in campaign.extra


async def test_create_is_not_resent_after_a_timeout(sl, recorder):
    import httpx

    recorder.add_error(httpx.ReadTimeout("slow"))
    with pytest.raises(Exception, match="timed out"):
        await run(sl.campaigns.create("x"))
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("status", ["START", "PAUSED", "STOPPED"])
async def test_update_status_posts(sl, recorder, status):
    recorder.add(200, {"ok": True})
    assert await run(sl.campaigns.update_status(9, status)) is None
    assert recorder.calls() == [("POST", "/api/v1/campaigns/9/status")]
    assert body(recorder.last) == {"status": status}


async def test_update_status_rejects_active_with_a_pointer(sl, recorder):
    with pytest.raises(ValueError, match="send START"):
        await run(sl.campaigns.update_status(9, "ACTIVE"))  # type: ignore[arg-type]
    assert recorder.requests == []


async def test_update_schedule_flat_body(sl, recorder):
    recorder.add(200, {"ok": True})
    await run(sl.campaigns.update_schedule(9, **SCHEDULE, schedule_start_time="2023-04-25T07:29:25.978Z"))
    assert recorder.calls() == [("POST", "/api/v1/campaigns/9/schedule")]
    assert body(recorder.last) == {**SCHEDULE, "schedule_start_time": "2023-04-25T07:29:25.978Z"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_hour": "9:00"}, "start_hour"),
        ({"end_hour": "24:00"}, "end_hour"),
        ({"start_hour": "18:00"}, "before end_hour"),
        ({"days_of_the_week": [1, 7]}, "days_of_the_week"),
        ({"days_of_the_week": []}, "days_of_the_week"),
        ({"min_time_btw_emails": 2}, "min_time_btw_emails must be >= 3"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
async def test_update_schedule_validates_before_sending(sl, recorder, change, message):
    with pytest.raises(ValueError, match=message):
        await run(sl.campaigns.update_schedule(9, **{**SCHEDULE, **change}))
    assert recorder.requests == []


async def test_update_schedule_server_joi_error(sl, recorder):
    recorder.add(400, {"statusCode": 400, "error": "Bad Request",
                       "message": '"min_time_btw_emails" must be larger than or equal to 3',
                       "validation": {"source": "body", "keys": ["min_time_btw_emails"]}})  # fmt: skip
    with pytest.raises(ValidationError) as info:
        await run(sl.campaigns.update_schedule(9, **SCHEDULE))
    assert info.value.fields == ("min_time_btw_emails",)


async def test_update_settings_translates_read_side_track_values(sl, recorder):
    recorder.add(200, {"ok": True})
    await run(sl.campaigns.update_settings(9, track_settings=["DONT_EMAIL_OPEN", "DONT_TRACK_LINK_CLICK"],
                                           stop_lead_settings="CLICK_ON_A_LINK", send_as_plain_text=True,
                                           follow_up_percentage=50, client_id=None))  # fmt: skip
    assert recorder.calls() == [("POST", "/api/v1/campaigns/9/settings")]
    assert body(recorder.last) == {
        "track_settings": ["DONT_TRACK_EMAIL_OPEN", "DONT_TRACK_LINK_CLICK"],
        "stop_lead_settings": "CLICK_ON_A_LINK", "send_as_plain_text": True, "follow_up_percentage": 50,
        "client_id": None,
    }  # fmt: skip


async def test_update_settings_validation(sl, recorder):
    with pytest.raises(ValueError, match="track_settings"):
        await run(sl.campaigns.update_settings(9, track_settings=["TRACK_EVERYTHING"]))
    with pytest.raises(ValueError, match="follow_up_percentage"):
        await run(sl.campaigns.update_settings(9, follow_up_percentage=101))
    with pytest.raises(TypeError, match="unexpected setting"):
        await run(sl.campaigns.update_settings(9, max_leads_per_day=3))  # type: ignore[call-arg]
    assert recorder.requests == []


async def test_delete(sl, recorder):
    recorder.add(200, {"ok": True})
    await run(sl.campaigns.delete(9))
    assert recorder.calls() == [("DELETE", "/api/v1/campaigns/9")]


async def test_campaign_email_accounts(sl, recorder):
    recorder.add(200, [{"id": 2907, "from_email": "a@x.com", "message_per_day": 20}])
    recorder.add(200, {"ok": True, "result": [{"id": 46417, "email_campaign_id": 1353, "email_account_id": 2907,
                                               "updated_at": "2023-05-01T00:00:00.000Z"}]})  # fmt: skip
    recorder.add(200, {"ok": True, "result": 1})
    [account] = await run(sl.campaigns.list_email_accounts(1353, include_tags=True))
    links = await run(sl.campaigns.add_email_accounts(1353, [2907, 2908], auto_adjust_warmup=True))
    removed = await run(sl.campaigns.remove_email_accounts(1353, [2907]))
    assert recorder.calls() == [
        ("GET", "/api/v1/campaigns/1353/email-accounts"),
        ("POST", "/api/v1/campaigns/1353/email-accounts"),
        ("DELETE", "/api/v1/campaigns/1353/email-accounts"),
    ]
    assert query(recorder.requests[0])["include_tags"] == "true"
    assert body(recorder.requests[1]) == {"email_account_ids": [2907, 2908], "auto_adjust_warmup": True}
    assert body(recorder.requests[2]) == {"email_account_ids": [2907]}
    assert account.min_time_to_wait_in_mins is None
    assert links[0].email_account_id == 2907
    assert removed == 1


async def test_campaign_accounts_new_docs_wrapper_is_accepted(sl, recorder):
    recorder.add(
        200, {"ok": True, "data": [{"id": 1, "from_email": "a@x.com", "warmup_reputation": "excellent"}]}
    )
    [account] = await run(sl.campaigns.list_email_accounts(3))
    assert account.extra == {"warmup_reputation": "excellent"}


async def test_by_tag_reallocate_assign_client(sl, recorder):
    recorder.add(200, {"ok": True, "result": [], "added_count": 3, "already_associated_count": 1})
    recorder.add(200, {"ok": True, "leads_reallocated": 7, "to_email_account_ids": [4]})
    recorder.add(200, {"ok": True})
    added = await run(sl.campaigns.add_email_accounts_by_tag(9, [12], max_limit=5000))
    moved = await run(sl.campaigns.reallocate_mailboxes(9, [1, 2]))
    await run(sl.campaigns.assign_client(9, 5, apply_client_dnc=True))
    assert recorder.calls() == [
        ("POST", "/api/v1/campaigns/9/email-accounts/by-tag"),
        ("POST", "/api/v1/campaigns/9/reallocate-mailboxes"),
        ("POST", "/api/v1/campaigns/assign-client"),
    ]
    assert query(recorder.requests[0])["max_limit"] == "5000"
    assert body(recorder.requests[0]) == {
        "tag_ids": [12],
        "only_connected": True,
        "auto_adjust_warmup": False,
    }
    assert body(recorder.requests[1]) == {"from_email_account_ids": [1, 2]}
    assert body(recorder.requests[2]) == {"campaignId": 9, "clientId": 5, "applyClientDNC": True}
    assert added["added_count"] == 3
    assert moved["leads_reallocated"] == 7


async def test_mailbox_statistics_pages_by_20(sl, recorder):
    row = {"from_email": "a@x.com", "sent_count": 5}
    recorder.add(200, {"ok": True, "data": [row] * 20}).add(200, {"ok": True, "data": [row] * 3})
    rows = await run(sl.campaigns.mailbox_statistics(9, start_date="2026-01-01", time_zone="UTC"))
    assert len(rows) == 23
    assert [query(r)["limit"] for r in recorder.requests] == ["20", "20"]
    assert [query(r)["offset"] for r in recorder.requests] == ["0", "20"]
    with pytest.raises(ValueError, match="page_size"):
        sl.campaigns.mailbox_statistics(9, page_size=25)
