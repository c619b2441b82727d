"""Smartlead simulator: campaigns, campaign/account webhooks and agency clients (reference §3)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from tenantlead.sandbox._http import SimRequest, SimResponse
from tenantlead.sandbox.clock import VirtualClock
from tenantlead.sandbox.smartlead import SmartleadConfig, SmartleadWorld

KEY = "sl-test-key-1"


def call(
    world: SmartleadWorld, method: str, path: str, body: Any = None, key: str = KEY, **query: Any
) -> SimResponse:
    raw = b"" if body is None else json.dumps(body).encode()
    return world.handle(
        SimRequest.build(method, "/api/v1" + path, urlencode({**query, "api_key": key}), body=raw)
    )


def data(resp: SimResponse) -> Any:
    return json.loads(resp.body)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def world(clock: VirtualClock) -> SmartleadWorld:
    w = SmartleadWorld(clock, SmartleadConfig(rate_limits=()))
    w.add_user(KEY)
    return w


def new_campaign(world: SmartleadWorld, name: str = "c", **extra: Any) -> int:
    return int(data(call(world, "POST", "/campaigns/create", body={"name": name, **extra}))["id"])


def new_account(world: SmartleadWorld, email: str, key: str = KEY) -> int:
    body = {
        "from_name": "A",
        "from_email": email,
        "user_name": email,
        "password": "pw",
        "smtp_host": "smtp.acme.example",
        "smtp_port": 465,
        "imap_host": "imap.acme.example",
        "imap_port": 993,
        "warmup_enabled": False,
    }
    return int(data(call(world, "POST", "/email-accounts/save", body=body, key=key))["emailAccountId"])


SCHEDULE = {
    "timezone": "America/New_York",
    "days_of_the_week": [1, 2, 3, 4, 5],
    "start_hour": "09:00",
    "end_hour": "17:00",
    "min_time_btw_emails": 10,
    "max_new_leads_per_day": 40,
}


# --------------------------------------------------------------------------- CRUD


def test_create_defaults_and_get(world: SmartleadWorld) -> None:
    resp = data(call(world, "POST", "/campaigns/create", body={}))
    assert resp["ok"] is True
    assert resp["name"] == "Untitled Campaign"
    assert resp["id"] >= 1_000_000
    assert resp["created_at"].endswith("+00:00")
    camp = data(call(world, "GET", f"/campaigns/{resp['id']}"))
    assert camp["status"] == "DRAFTED"
    assert camp["scheduler_cron_value"] is None
    assert camp["track_settings"] == []


def test_list_is_newest_first_filterable_and_unpaginated(world: SmartleadWorld, clock: VirtualClock) -> None:
    ids = []
    for i in range(3):
        ids.append(new_campaign(world, f"c{i}", client_id=5 if i == 1 else None))
        clock.advance(1)
    assert [c["id"] for c in data(call(world, "GET", "/campaigns/"))] == ids[::-1]
    assert [c["id"] for c in data(call(world, "GET", "/campaigns", client_id=5))] == [ids[1]]
    assert data(call(world, "GET", "/campaigns", include_tags="true"))[0]["tags"] == []


def test_unknown_campaign_is_404_and_deleted_one_is_an_empty_200(world: SmartleadWorld) -> None:
    missing = call(world, "GET", "/campaigns/42")
    assert missing.status == 404
    assert data(missing) == {"error": "Campaign not found - Invalid campaign_id."}
    cid = new_campaign(world)
    assert data(call(world, "DELETE", f"/campaigns/{cid}")) == {"ok": True}
    gone = call(world, "GET", f"/campaigns/{cid}")
    assert gone.status == 200
    assert gone.body == b""
    assert data(call(world, "GET", "/campaigns")) == []
    assert call(world, "DELETE", f"/campaigns/{cid}").status == 404


@pytest.mark.parametrize(
    ("sent", "read"), [("START", "ACTIVE"), ("PAUSED", "PAUSED"), ("STOPPED", "STOPPED")]
)
def test_status_values(world: SmartleadWorld, sent: str, read: str) -> None:
    cid = new_campaign(world)
    assert data(call(world, "POST", f"/campaigns/{cid}/status", body={"status": sent})) == {"ok": True}
    assert data(call(world, "GET", f"/campaigns/{cid}"))["status"] == read


@pytest.mark.parametrize("bad", ["ACTIVE", "PAUSE", "STOP", ""])
def test_status_rejects_other_values_with_joi(world: SmartleadWorld, bad: str) -> None:
    cid = new_campaign(world)
    resp = call(world, "POST", f"/campaigns/{cid}/status", body={"status": bad})
    assert resp.status == 400
    assert data(resp)["validation"]["keys"] == ["status"]


def test_stopped_is_permanent_and_patch_is_404(world: SmartleadWorld) -> None:
    cid = new_campaign(world)
    call(world, "POST", f"/campaigns/{cid}/status", body={"status": "STOPPED"})
    assert call(world, "POST", f"/campaigns/{cid}/status", body={"status": "START"}).status == 400
    assert data(call(world, "GET", f"/campaigns/{cid}"))["status"] == "STOPPED"
    assert call(world, "PATCH", f"/campaigns/{cid}/status", body={"status": "START"}).status == 404


# --------------------------------------------------------------------------- schedule / settings


def test_schedule_flat_body_is_stored_under_read_names(world: SmartleadWorld) -> None:
    cid = new_campaign(world)
    body = {**SCHEDULE, "schedule_start_time": "2026-12-01T07:29:25.978Z"}
    assert data(call(world, "POST", f"/campaigns/{cid}/schedule", body=body)) == {"ok": True}
    camp = data(call(world, "GET", f"/campaigns/{cid}"))
    assert camp["scheduler_cron_value"] == {
        "tz": "America/New_York",
        "days": [1, 2, 3, 4, 5],
        "startHour": "09:00",
        "endHour": "17:00",
    }
    assert camp["min_time_btwn_emails"] == 10
    assert camp["max_leads_per_day"] == 40
    assert camp["schedule_start_time"].startswith("2026-12-01T07:29:25.978")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"timezone": None}, {"message": '"timezone" is required'}),
        ({"days_of_the_week": None}, {"message": '"days_of_the_week" is required'}),
        ({"max_new_leads_per_day": None}, {"message": '"max_new_leads_per_day" is required'}),
        ({"min_time_btw_emails": 2}, {"message": '"min_time_btw_emails" must be larger than or equal to 3'}),
        ({"days_of_the_week": [7]}, {"message": '"days_of_the_week[0]" must be less than or equal to 6'}),
        ({"max_leads_per_day": 5}, {"message": '"max_leads_per_day" is not allowed'}),
        ({"timezone": "Foo/Bar"}, {"error": "Invalid timezone - Foo/Bar"}),
        ({"start_hour": "9am"}, {"error": "Invalid start_hour - 9am"}),
        ({"start_hour": "18:00"}, {"error": "startHour cannot be greater that endHour"}),
    ],
)
def test_schedule_errors(world: SmartleadWorld, change: dict[str, Any], expected: dict[str, str]) -> None:
    cid = new_campaign(world)
    body = {k: v for k, v in {**SCHEDULE, **change}.items() if v is not None}
    resp = call(world, "POST", f"/campaigns/{cid}/schedule", body=body)
    assert resp.status == 400
    got = data(resp)
    assert {k: got.get(k) for k in expected} == expected


def test_wrapped_schedule_body_from_the_new_docs_fails(world: SmartleadWorld) -> None:
    cid = new_campaign(world)
    resp = call(world, "POST", f"/campaigns/{cid}/schedule", body={"schedule": SCHEDULE})
    assert data(resp)["message"] == '"timezone" is required'


def test_settings_map_track_values_to_read_side(world: SmartleadWorld) -> None:
    cid = new_campaign(world)
    body = {
        "track_settings": ["DONT_TRACK_EMAIL_OPEN", "DONT_TRACK_LINK_CLICK"],
        "stop_lead_settings": "CLICK_ON_A_LINK",
        "follow_up_percentage": 40,
        "send_as_plain_text": True,
        "bounce_autopause_threshold": "5",
    }
    assert data(call(world, "POST", f"/campaigns/{cid}/settings", body=body)) == {"ok": True}
    camp = data(call(world, "GET", f"/campaigns/{cid}"))
    assert camp["track_settings"] == ["DONT_EMAIL_OPEN", "DONT_LINK_CLICK"]
    assert camp["stop_lead_settings"] == "CLICK_ON_A_LINK"
    assert camp["follow_up_percentage"] == 40
    assert camp["send_as_plain_text"] is True
    assert camp["bounce_autopause_threshold"] == "5"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"track_settings": ["DONT_EMAIL_OPEN"]},
            {"error": "Invalid track_settings value - DONT_EMAIL_OPEN"},
        ),
        ({"stop_lead_settings": "NEVER"}, {"error": "Invalid stop_lead_settings value - NEVER"}),
        (
            {"follow_up_percentage": 101},
            {"message": '"follow_up_percentage" must be less than or equal to 100'},
        ),
        ({"track_settings": "DONT_TRACK_EMAIL_OPEN"}, {"message": '"track_settings" must be an array'}),
    ],
)
def test_settings_errors(world: SmartleadWorld, body: dict[str, Any], expected: dict[str, str]) -> None:
    cid = new_campaign(world)
    resp = call(world, "POST", f"/campaigns/{cid}/settings", body=body)
    assert resp.status == 400
    got = data(resp)
    assert {k: got.get(k) for k in expected} == expected


# --------------------------------------------------------------------------- campaign <-> accounts


def test_link_list_and_unlink_accounts(world: SmartleadWorld) -> None:
    cid = new_campaign(world)
    a, b = new_account(world, "a@acme.example"), new_account(world, "b@acme.example")
    added = data(call(world, "POST", f"/campaigns/{cid}/email-accounts", body={"email_account_ids": [a, b]}))
    assert added["ok"] is True
    assert [(r["email_campaign_id"], r["email_account_id"]) for r in added["result"]] == [(cid, a), (cid, b)]
    again = data(call(world, "POST", f"/campaigns/{cid}/email-accounts", body={"email_account_ids": [a]}))
    assert again == {"ok": True, "result": []}
    rows = data(call(world, "GET", f"/campaigns/{cid}/email-accounts"))
    assert [r["id"] for r in rows] == [a, b]
    assert "minTimeToWaitInMins" not in rows[0]
    assert rows[0]["campaign_count"] == 1
    removed = data(
        call(world, "DELETE", f"/campaigns/{cid}/email-accounts", body={"email_account_ids": [a, 999]})
    )
    assert removed == {"ok": True, "result": 1}


def test_linking_someone_elses_account_is_a_permission_error(world: SmartleadWorld) -> None:
    world.add_user("other-key")
    theirs = new_account(world, "x@other.example", key="other-key")
    cid = new_campaign(world)
    resp = call(world, "POST", f"/campaigns/{cid}/email-accounts", body={"email_account_ids": [theirs]})
    assert resp.status == 400
    assert data(resp) == {"error": f"Email account id - {theirs} not allowed. Permission Error."}


def test_mailbox_statistics_limit_is_20(world: SmartleadWorld) -> None:
    cid = new_campaign(world)
    a = new_account(world, "a@acme.example")
    call(world, "POST", f"/campaigns/{cid}/email-accounts", body={"email_account_ids": [a]})
    ok = data(call(world, "GET", f"/campaigns/{cid}/mailbox-statistics", limit=20))
    assert ok["ok"] is True
    assert ok["data"][0]["from_email"] == "a@acme.example"
    assert call(world, "GET", f"/campaigns/{cid}/mailbox-statistics", limit=25).status == 400


# --------------------------------------------------------------------------- webhooks


def hook_body(**extra: Any) -> dict[str, Any]:
    return {
        "id": None,
        "name": "hook",
        "webhook_url": "https://hooks.example/x",
        "event_types": ["EMAIL_REPLY", "LEAD_CATEGORY_UPDATED"],
        "categories": ["Interested"],
        **extra,
    }


def test_campaign_webhook_create_list_update_delete_both_forms(world: SmartleadWorld) -> None:
    cid = new_campaign(world)
    created = data(call(world, "POST", f"/campaigns/{cid}/webhooks", body=hook_body()))
    assert created == {
        "ok": True,
        "name": "hook",
        "webhook_url": "https://hooks.example/x",
        "email_campaign_id": cid,
        "event_types": ["EMAIL_REPLY", "LEAD_CATEGORY_UPDATED"],
        "categories": ["Interested"],
    }
    hooks = data(call(world, "GET", f"/campaigns/{cid}/webhooks"))
    assert len(hooks) == 1
    hid = hooks[0]["id"]
    call(world, "POST", f"/campaigns/{cid}/webhooks", body=hook_body(id=hid, name="renamed"))
    assert data(call(world, "GET", f"/campaigns/{cid}/webhooks"))[0]["name"] == "renamed"
    assert data(call(world, "DELETE", f"/campaigns/{cid}/webhooks", body={"id": hid})) == {"ok": True}
    call(world, "POST", f"/campaigns/{cid}/webhooks", body=hook_body())
    hid2 = data(call(world, "GET", f"/campaigns/{cid}/webhooks"))[0]["id"]
    assert data(call(world, "DELETE", f"/campaigns/{cid}/webhooks/{hid2}")) == {"ok": True}
    assert data(call(world, "GET", f"/campaigns/{cid}/webhooks")) == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"webhook_url": "ftp://nope"}, "Invalid webhook_url - ftp://nope"),
        ({"event_types": ["LEAD_REPLIED"]}, "Invalid event_types - LEAD_REPLIED"),
        ({"categories": ["Hot"]}, "Invalid category - Hot"),
    ],
)
def test_campaign_webhook_validation(world: SmartleadWorld, change: dict[str, Any], error: str) -> None:
    cid = new_campaign(world)
    resp = call(world, "POST", f"/campaigns/{cid}/webhooks", body=hook_body(**change))
    assert resp.status == 400
    assert data(resp) == {"error": error}


def test_campaign_webhook_on_unknown_campaign(world: SmartleadWorld) -> None:
    resp = call(world, "POST", "/campaigns/7/webhooks", body=hook_body())
    assert resp.status == 404
    assert data(resp) == {"error": "Campaign not found - Invalid campaign_id."}


def test_account_webhooks_have_no_list_route(world: SmartleadWorld) -> None:
    body = {
        "webhook_url": "https://hooks.example/all",
        "association_type": "user",
        "event_type_map": {"EMAIL_REPLY": True},
    }
    created = data(call(world, "POST", "/webhook/create", body=body))
    assert created["ok"] is True
    assert created["webhook_url"] == "https://hooks.example/all"
    hid = created["id"]
    assert data(call(world, "GET", f"/webhook/{hid}"))["event_type_map"] == {"EMAIL_REPLY": True}
    assert call(world, "GET", "/webhook").status == 404
    upd = call(
        world, "PUT", f"/webhook/update/{hid}", body={**body, "webhook_url": "https://hooks.example/new"}
    )
    assert data(upd)["webhook_url"] == "https://hooks.example/new"
    assert data(call(world, "DELETE", "/webhook/delete", body={"id": hid})) == {"ok": True}
    assert call(world, "GET", f"/webhook/{hid}").status == 404
    bad = call(world, "POST", "/webhook/create", body={**body, "association_type": "team"})
    assert data(bad)["message"] == '"association_type" must be one of [user, client, campaign]'


# --------------------------------------------------------------------------- clients


def test_client_save_list_get(world: SmartleadWorld) -> None:
    saved = data(
        call(
            world,
            "POST",
            "/client/save",
            body={
                "name": "Ramesh",
                "email": "r@client.example",
                "permission": ["reply_master_inbox"],
                "logo": None,
                "logo_url": None,
                "password": "Test1234!",
            },
        )
    )
    assert saved == {
        "ok": True,
        "clientId": saved["clientId"],
        "name": "Ramesh",
        "email": "r@client.example",
        "password": "Test1234!",
    }
    listed = data(call(world, "GET", "/client/"))
    assert listed[0]["client_permision"] == {"permission": ["reply_master_inbox"], "retricted_category": []}
    one = data(call(world, "GET", f"/client/{saved['clientId']}"))
    assert one["ok"] is True
    assert one["data"]["name"] == "Ramesh"
    missing = call(world, "GET", "/client/1")
    assert missing.status == 404
    assert data(missing) == {"message": "Client not found or does not belong to the user"}


def test_client_keys(world: SmartleadWorld) -> None:
    cid = data(
        call(world, "POST", "/client/save", body={"name": "C", "email": "c@client.example", "permission": []})
    )["clientId"]
    bad = call(world, "POST", "/client/api-key", body={"clientId": cid, "keyName": "bad!name"})
    assert bad.status == 400
    created = data(call(world, "POST", "/client/api-key", body={"clientId": cid, "keyName": "Prod key"}))
    assert created["data"]["status"] == "active"
    listed = data(call(world, "GET", "/client/api-key", clientId=cid))
    assert [k["key_name"] for k in listed["data"]] == ["Prod key"]
    assert data(call(world, "GET", "/client/api-key", status="inactive"))["data"] == []
    assert call(world, "POST", "/client/api-key", body={"clientId": 1, "keyName": "x"}).status == 404
