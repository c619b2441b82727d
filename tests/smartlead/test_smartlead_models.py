"""Models tolerate drift and both encodings; webhook payload parsers are pure."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tenantlead.smartlead import (
    AccountDisconnectedEvent,
    Campaign,
    EmailAccount,
    WarmupDetails,
    WebhookEvent,
    parse_webhook,
    verify_secret,
)


def test_unknown_fields_are_kept_and_never_crash():
    account = EmailAccount.from_dict({"id": 1, "from_email": "a@x.com", "brand_new_field": {"x": 1},
                                      "type": "YAHOO", "warmup_details": None})  # fmt: skip
    assert account.extra == {"brand_new_field": {"x": 1}}
    assert account.type == "YAHOO"
    assert not account.type.is_known
    assert account.warmup_details is None
    assert account.to_wire()["brand_new_field"] == {"x": 1}


def test_both_timestamp_forms_are_utc_aware():
    a = EmailAccount.from_dict({"id": 1, "from_email": "a@x.com", "created_at": "2023-04-18T09:02:46.060Z",
                                "updated_at": "2022-05-26T03:47:31.448094+00:00"})  # fmt: skip
    assert a.created_at == datetime(2023, 4, 18, 9, 2, 46, 60000, tzinfo=UTC)
    assert a.updated_at == datetime(2022, 5, 26, 3, 47, 31, 448094, tzinfo=UTC)


def test_min_time_to_wait_uses_the_camel_case_wire_name():
    a = EmailAccount.from_dict({"id": 1, "from_email": "a@x.com", "minTimeToWaitInMins": 15})
    assert a.min_time_to_wait_in_mins == 15
    assert a.to_wire()["minTimeToWaitInMins"] == 15


@pytest.mark.parametrize(
    ("raw", "percent"), [("100%", 100.0), ("87.5%", 87.5), ("0%", 0.0), (None, None), ("n/a", None)]
)
def test_warmup_reputation_percent(raw, percent):
    assert WarmupDetails.from_dict({"warmup_reputation": raw}).reputation_percent == percent


def test_account_tag_shapes():
    new = EmailAccount.from_dict(
        {"id": 1, "from_email": "a@x.com", "tags": [{"tag_id": 5, "tag_name": "X", "tag_color": "#000000"}]}
    )
    cli = EmailAccount.from_dict({"id": 1, "from_email": "a@x.com", "tags": [{"id": 5, "name": "X"}]})
    assert new.tags[0].id == cli.tags[0].id == 5
    assert new.tags[0].name == cli.tags[0].name == "X"


@pytest.mark.parametrize(
    ("track", "expected"),
    [(None, []), ("", []), ("DONT_EMAIL_OPEN", ["DONT_EMAIL_OPEN"]), ("DONT_EMAIL_OPEN,DONT_LINK_CLICK",
     ["DONT_EMAIL_OPEN", "DONT_LINK_CLICK"]), (["DONT_LINK_CLICK"], ["DONT_LINK_CLICK"])],
)  # fmt: skip
def test_track_settings_encodings(track, expected):
    assert Campaign.from_dict({"id": 1, "track_settings": track}).track_settings == expected


@pytest.mark.parametrize(
    "cron",
    [
        {"tz": "America/New_York", "days": [1, 2], "startHour": "09:00", "endHour": "17:00"},
        '{"tz": "America/New_York", "days": [1, 2], "startHour": "09:00", "endHour": "17:00"}',
        "{ tz: 'America/New_York', days: [ 1, 2 ], startHour: '09:00', endHour: '17:00' }",
    ],
)
def test_scheduler_cron_value_encodings(cron):
    schedule = Campaign.from_dict({"id": 1, "scheduler_cron_value": cron}).scheduler_cron_value
    assert (schedule.tz, schedule.days, schedule.start_hour, schedule.end_hour) == (
        "America/New_York", [1, 2], "09:00", "17:00",
    )  # fmt: skip


def test_unreadable_cron_string_is_kept_not_fatal():
    schedule = Campaign.from_dict({"id": 1, "scheduler_cron_value": "every day at nine"}).scheduler_cron_value
    assert schedule.extra == {"raw": "every day at nine"}


REPLY = {
    "webhook_id": 7, "webhook_name": "replies", "event_type": "EMAIL_REPLY",
    "event_timestamp": "2026-03-01T10:00:00.000Z", "campaign_id": 9, "campaign_name": "c", "client_id": None,
    "sl_email_lead_id": 11, "sl_lead_email": "lead@corp.com", "from_email": "ana@acme.com",
    "to_email": "lead@corp.com", "subject": "Re: hi", "sequence_number": 2,
    "reply_message": {"message_id": "<m1>", "html": "<p>yes</p>", "text": "yes", "time": "2026-03-01T10:00:00Z"},
    "secret_key": "s3cr3t-" + "9" * 6, "metadata": {"webhook_created_at": "2026-01-01"}, "leadCorrespondence": {},
}  # fmt: skip


def test_parse_flat_event_and_dedupe_key():
    event = parse_webhook(REPLY)
    assert isinstance(event, WebhookEvent)
    assert event.reply_message.text == "yes"
    assert event.dedupe_key == (9, "lead@corp.com", "EMAIL_REPLY", datetime(2026, 3, 1, 10, tzinfo=UTC))
    assert event.extra == {"leadCorrespondence": {}}
    assert "9" * 6 not in repr(event)
    assert verify_secret(event, "s3cr3t-" + "9" * 6)
    assert not verify_secret(event, "wrong")


def test_parse_body_nested_and_raw_bytes():
    nested = parse_webhook(json.dumps({"body": REPLY, "headers": {}}).encode())
    assert isinstance(nested, WebhookEvent)
    assert nested.campaign_id == 9


def test_parse_account_disconnected_payload():
    event = parse_webhook({"eventType": "EMAIL_ACCOUNT_DISCONNECTED", "accountId": 22000001, "email": "ana@acme.com",
                           "error": "535 5.7.3 Authentication unsuccessful", "appUrl": "https://app.smartlead.ai",
                           "title": "Disconnected", "message": "reconnect it"})  # fmt: skip
    assert isinstance(event, AccountDisconnectedEvent)
    assert event.account_id == 22000001
    assert event.app_url == "https://app.smartlead.ai"


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", {"hello": "world"}])
def test_parse_rejects_non_webhooks(payload):
    with pytest.raises(ValueError, match=r"JSON|event_type"):
        parse_webhook(payload)
