"""Agency clients, their API keys, and campaign/account webhooks."""

from __future__ import annotations

import httpx
import pytest

from tenantlead.errors import NotFoundError
from tests.smartlead.smartlead_testkit import PASSWORD, body, query, run

CLIENT = {"id": 299, "name": "Ramesh Kumar", "email": "ramesh@five2one.com.au", "uuid": "u-1",
          "created_at": "2023-01-01T00:00:00.000Z", "user_id": 2, "logo": None, "logo_url": None,
          "client_permision": {"permission": ["reply_master_inbox"], "retricted_category": []}}  # fmt: skip


async def test_clients_list_get_save(sl, recorder):
    recorder.add(200, [CLIENT])
    recorder.add(200, {"ok": True, "data": CLIENT})
    recorder.add(200, {"ok": True, "clientId": 299, "name": "Ramesh Kumar", "email": "ramesh@five2one.com.au",
                       "password": PASSWORD})  # fmt: skip
    [client] = await run(sl.clients.list())
    got = await run(sl.clients.get(299, include_permissions=True))
    saved = await run(sl.clients.save(name="Ramesh Kumar", email="ramesh@five2one.com.au",
                                      permission=["reply_master_inbox"], password=PASSWORD))  # fmt: skip
    assert recorder.calls() == [
        ("GET", "/api/v1/client/"),
        ("GET", "/api/v1/client/299"),
        ("POST", "/api/v1/client/save"),
    ]
    assert query(recorder.requests[1])["includePermissions"] == "true"
    assert body(recorder.requests[2]) == {"name": "Ramesh Kumar", "email": "ramesh@five2one.com.au",
                                          "permission": ["reply_master_inbox"], "logo": None, "logo_url": None,
                                          "password": PASSWORD}  # fmt: skip
    assert client.permissions == ["reply_master_inbox"]
    assert got.id == 299
    assert saved.client_id == 299
    assert PASSWORD not in repr(saved)
    assert saved.to_dict()["password"] == "***"


async def test_client_save_accepts_the_new_docs_data_wrapper(sl, recorder):
    # New docs: {ok, data: {id, name, email, api_key, created_at}}; the id must not be lost.
    recorder.add(200, {"ok": True, "data": {"id": 301, "name": "Acme", "email": "ops@acme.example",
                                            "api_key": "cl_" + "k" * 12}})  # fmt: skip
    saved = await run(sl.clients.save(name="Acme", email="ops@acme.example"))
    assert saved.client_id == 301
    assert saved.name == "Acme"
    assert "cl_" + "k" * 12 not in repr(saved)
    assert "cl_" + "k" * 12 not in str(saved.to_dict())


async def test_client_get_not_found_message(sl, recorder):
    recorder.add(404, {"message": "Client not found or does not belong to the user"})
    with pytest.raises(NotFoundError, match="does not belong to the user"):
        await run(sl.clients.get(1))


async def test_client_create_timeout_reconciles_by_email(sl, recorder):
    recorder.add_error(httpx.ReadTimeout("slow"))
    recorder.add(200, [CLIENT])
    saved = await run(sl.clients.save(name="Ramesh Kumar", email="RAMESH@five2one.com.au"))
    assert recorder.calls() == [("POST", "/api/v1/client/save"), ("GET", "/api/v1/client/")]
    assert saved.client_id == 299


async def test_client_api_keys(sl, recorder):
    key_row = {"id": 8, "client_id": 299, "key_name": "Prod key", "api_key": "ck" + "9" * 20,
               "status": "active", "created_at": "2024-01-01T00:00:00Z"}  # fmt: skip
    recorder.add(200, {"message": "ok", "data": [key_row]})
    recorder.add(200, {"ok": True, "data": key_row})
    recorder.add(200, {"ok": True})
    recorder.add(200, {"ok": True, "data": {**key_row, "api_key": "ck" + "8" * 20}})
    [key] = await run(sl.clients.api_keys.list(client_id=299, status="active"))
    created = await run(sl.clients.api_keys.create(299, "Prod key"))
    await run(sl.clients.api_keys.delete(8))
    reset = await run(sl.clients.api_keys.reset(8))
    assert recorder.calls() == [
        ("GET", "/api/v1/client/api-key"), ("POST", "/api/v1/client/api-key"),
        ("DELETE", "/api/v1/client/api-key/8"), ("PUT", "/api/v1/client/api-key/reset/8"),
    ]  # fmt: skip
    assert query(recorder.requests[0])["clientId"] == "299"
    assert query(recorder.requests[0])["status"] == "active"
    assert body(recorder.requests[1]) == {"clientId": 299, "keyName": "Prod key"}
    assert key.key_name == "Prod key"
    assert created.id == 8
    assert "9" * 20 not in repr(key)
    assert "8" * 20 not in repr(reset)
    with pytest.raises(ValueError, match="key_name"):
        await run(sl.clients.api_keys.create(299, "bad/name"))


HOOK = {"id": 44, "name": "replies", "created_at": "2022-09-14T05:08:55.018Z", "updated_at": "2022-10-31T11:44:35.812Z",
        "webhook_url": "https://hooks.example.com/sl", "email_campaign_id": 2180,
        "event_types": ["LEAD_CATEGORY_UPDATED"], "categories": ["Interested"]}  # fmt: skip


async def test_campaign_webhooks(sl, recorder):
    recorder.add(200, [HOOK])
    recorder.add(200, {"ok": True, "name": "replies", "webhook_url": "https://hooks.example.com/sl",
                       "email_campaign_id": 2180, "event_types": ["EMAIL_REPLY"], "categories": []})  # fmt: skip
    recorder.add(200, {"ok": True}).add(200, {"ok": True})
    [hook] = await run(sl.webhooks.list(2180))
    saved = await run(sl.webhooks.upsert(2180, name="replies", webhook_url="https://hooks.example.com/sl",
                                         event_types=["EMAIL_REPLY"]))  # fmt: skip
    await run(sl.webhooks.delete(2180, 217))
    await run(sl.webhooks.delete(2180, 217, style="path"))
    assert recorder.calls() == [
        ("GET", "/api/v1/campaigns/2180/webhooks"), ("POST", "/api/v1/campaigns/2180/webhooks"),
        ("DELETE", "/api/v1/campaigns/2180/webhooks"), ("DELETE", "/api/v1/campaigns/2180/webhooks/217"),
    ]  # fmt: skip
    assert body(recorder.requests[1]) == {"id": None, "name": "replies", "webhook_url": "https://hooks.example.com/sl",
                                          "event_types": ["EMAIL_REPLY"], "categories": []}  # fmt: skip
    assert body(recorder.requests[2]) == {"id": 217}
    assert body(recorder.requests[3]) is None
    assert hook.categories == ["Interested"]
    assert saved.id is None
    assert saved.email_campaign_id == 2180


async def test_webhook_old_docs_single_object_list(sl, recorder):
    recorder.add(200, HOOK)
    assert [h.id for h in await run(sl.webhooks.list(2180))] == [44]


async def test_webhook_validation(sl, recorder):
    with pytest.raises(ValueError, match="unknown event 'LEAD_REPLIED'"):
        await run(sl.webhooks.upsert(1, name="x", webhook_url="https://a.b/c", event_types=["LEAD_REPLIED"]))
    with pytest.raises(ValueError, match="webhook_url"):
        await run(sl.webhooks.upsert(1, name="x", webhook_url="ftp://a.b", event_types=["EMAIL_SENT"]))
    assert recorder.requests == []


async def test_webhook_summary_and_retrigger(sl, recorder):
    recorder.add(200, {"ok": True, "data": {"sent": 3}}).add(200, {"ok": True})
    summary = await run(sl.webhooks.summary(9, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"))
    await run(sl.webhooks.retrigger_failed(9, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"))
    assert recorder.calls() == [("GET", "/api/v1/campaigns/9/webhooks/summary"),
                                ("POST", "/api/v1/campaigns/9/webhooks/retrigger-failed-events")]  # fmt: skip
    assert query(recorder.requests[0])["fromTime"] == "2026-01-01T00:00:00Z"
    assert body(recorder.requests[1]) == {
        "fromTime": "2026-01-01T00:00:00Z",
        "toTime": "2026-01-02T00:00:00Z",
    }
    assert summary["data"] == {"sent": 3}


async def test_account_webhooks(sl, recorder):
    recorder.add(200, {"ok": True, "id": 91, "webhook_url": "https://hooks.example.com/u"})
    recorder.add(200, {"ok": True, "data": {"id": 91, "webhook_url": "https://hooks.example.com/u",
                                            "association_type": "user"}})  # fmt: skip
    recorder.add(200, {"ok": True, "id": 91}).add(200, {"ok": True})
    created = await run(sl.webhooks.account.create("https://hooks.example.com/u",
                                                   event_types=["EMAIL_REPLY", "EMAIL_ACCOUNT_DISCONNECTED"]))  # fmt: skip
    got = await run(sl.webhooks.account.get(91))
    await run(sl.webhooks.account.update(91, "https://hooks.example.com/u", event_types=["EMAIL_BOUNCE"],
                                         association_type="campaign", campaign_id=5))  # fmt: skip
    await run(sl.webhooks.account.delete(91))
    assert recorder.calls() == [
        ("POST", "/api/v1/webhook/create"), ("GET", "/api/v1/webhook/91"),
        ("PUT", "/api/v1/webhook/update/91"), ("DELETE", "/api/v1/webhook/delete"),
    ]  # fmt: skip
    assert body(recorder.requests[0]) == {
        "webhook_url": "https://hooks.example.com/u", "association_type": "user",
        "event_type_map": {"EMAIL_REPLY": True, "EMAIL_ACCOUNT_DISCONNECTED": True}, "force_create": False,
    }  # fmt: skip
    assert body(recorder.requests[2])["email_campaign_id"] == 5
    assert body(recorder.requests[3]) == {"id": 91}
    assert created.id == 91
    assert got.association_type == "user"
    with pytest.raises(ValueError, match="needs campaign_id"):
        await run(
            sl.webhooks.account.create(
                "https://a.b/c", event_types=["EMAIL_SENT"], association_type="campaign"
            )
        )


async def test_tags_catalogue(sl, recorder):
    recorder.add(200, [{"id": 1, "name": "Primary Senders", "color": "#4CAF50"}])
    recorder.add(201, {"ok": True, "data": {"id": 42, "name": "Primary Senders", "color": "#4CAF50"}})
    recorder.add(200, {"ok": True, "data": {"id": 1, "name": "Renamed", "color": "#000000"}})
    [tag] = await run(sl.tags.list())
    created = await run(sl.tags.create("Primary Senders", "#4CAF50"))
    updated = await run(sl.tags.update(1, "Renamed", "#000000"))
    assert recorder.calls() == [("GET", "/api/v1/email-accounts/tags"), ("POST", "/api/v1/tags"),
                                ("POST", "/api/v1/email-accounts/tag-manager")]  # fmt: skip
    assert body(recorder.requests[1]) == {"name": "Primary Senders", "color": "#4CAF50"}
    assert body(recorder.requests[2]) == {"id": 1, "name": "Renamed", "color": "#000000"}
    assert tag.color == "#4CAF50"
    assert created.id == 42
    assert updated.name == "Renamed"
    with pytest.raises(ValueError, match="#RRGGBB"):
        await run(sl.tags.create("x", "green"))


async def test_tag_create_timeout_reconciles_by_name(sl, recorder):
    recorder.add_error(httpx.ReadTimeout("slow"))
    recorder.add(200, [{"id": 3, "name": "Hot"}, {"id": 9, "name": "Hot"}, {"id": 10, "name": "Cold"}])
    tag = await run(sl.tags.create("Hot"))
    assert recorder.calls() == [("POST", "/api/v1/tags"), ("GET", "/api/v1/email-accounts/tags")]
    assert tag.id == 9
