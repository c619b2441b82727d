"""Smartlead simulator: email accounts, warmup, reconnect, tags (reference §2)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from tenantlead.sandbox._http import SimRequest, SimResponse
from tenantlead.sandbox.clock import VirtualClock
from tenantlead.sandbox.smartlead import SmartleadConfig, SmartleadWorld

KEY = "sl-test-key-1"
BAD_PASSWORD = "535 5.7.3 Authentication unsuccessful"


def call(
    world: SmartleadWorld, method: str, path: str, body: Any = None, key: str = KEY, **query: Any
) -> SimResponse:
    raw = b"" if body is None else json.dumps(body).encode()
    return world.handle(
        SimRequest.build(method, "/api/v1" + path, urlencode({**query, "api_key": key}), body=raw)
    )


def data(resp: SimResponse) -> Any:
    return json.loads(resp.body)


def smtp(email: str = "ann@acme.example", **extra: Any) -> dict[str, Any]:
    return {
        "id": None,
        "from_name": "Ann",
        "from_email": email,
        "user_name": email,
        "password": "S3cret!",
        "smtp_host": "smtp.office365.com",
        "smtp_port": 587,
        "imap_host": "outlook.office365.com",
        "imap_port": 993,
        "warmup_enabled": False,
        **extra,
    }


OAUTH_TOKEN = {
    "scope": "https://outlook.office.com/.default",
    "token_type": "Bearer",
    "access_token": "fake-access",
    "refresh_token": "fake-refresh",
    "expiry_date": 1_900_000_000_000,
    "ext_expires_in": 3600,
}


class FakeAuthority:
    """Rejects logins and tokens for the addresses in ``bad``."""

    def __init__(self) -> None:
        self.bad: dict[str, str] = {}
        self.smtp_calls: list[str] = []

    def check_smtp_login(self, email: str, username: str, password: str, smtp_host: str) -> str | None:
        self.smtp_calls.append(email)
        return self.bad.get(email)

    def check_oauth_token(self, email: str, token: dict[str, Any]) -> str | None:
        return self.bad.get(email)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def authority() -> FakeAuthority:
    return FakeAuthority()


@pytest.fixture
def world(clock: VirtualClock, authority: FakeAuthority) -> SmartleadWorld:
    w = SmartleadWorld(clock, SmartleadConfig(rate_limits=()), authority=authority)
    w.add_user(KEY)
    return w


def create(world: SmartleadWorld, email: str = "ann@acme.example", **extra: Any) -> int:
    resp = call(world, "POST", "/email-accounts/save", body=smtp(email, **extra))
    assert resp.status == 200, resp.body
    return int(data(resp)["emailAccountId"])


# --------------------------------------------------------------------------- save


def test_save_creates_a_connected_account_and_returns_the_old_shape(world: SmartleadWorld) -> None:
    resp = call(world, "POST", "/email-accounts/save", body=smtp(warmup_enabled=True, max_email_per_day=40))
    body = data(resp)
    assert resp.status == 200
    assert body["ok"] is True
    assert body["message"] == "Email account added/updated successfully!"
    assert body["emailAccountId"] >= 22_000_000
    assert len(body["warmupKey"].split("-")) == 2
    acc = data(call(world, "GET", f"/email-accounts/{body['emailAccountId']}"))
    assert acc["message_per_day"] == 40
    assert acc["is_smtp_success"] is True
    assert acc["is_imap_success"] is True
    assert acc["username"] == "ann@acme.example"
    assert acc["type"] == "SMTP"
    assert acc["warmup_details"]["status"] == "ACTIVE"


def test_save_without_warmup_has_no_warmup_key_and_null_details(world: SmartleadWorld) -> None:
    resp = call(world, "POST", "/email-accounts/save", body=smtp())
    assert "warmupKey" not in data(resp)
    acc = data(call(world, "GET", f"/email-accounts/{data(resp)['emailAccountId']}"))
    assert acc["warmup_details"] is None


def test_save_with_id_updates_and_unknown_id_is_404(world: SmartleadWorld) -> None:
    aid = create(world)
    again = call(world, "POST", "/email-accounts/save", body=smtp(id=aid, from_name="Renamed"))
    assert data(again)["emailAccountId"] == aid
    assert data(call(world, "GET", f"/email-accounts/{aid}"))["from_name"] == "Renamed"
    missing = call(world, "POST", "/email-accounts/save", body=smtp(id=1))
    assert missing.status == 404
    assert data(missing) == {
        "ok": False,
        "message": "Email account not found!",
        "errorCode": "ACCOUNT_NOT_FOUND",
    }


def test_duplicate_address_is_account_already_exist_with_its_id(world: SmartleadWorld) -> None:
    aid = create(world)
    dup = call(world, "POST", "/email-accounts/save", body=smtp("ANN@acme.example"))
    assert dup.status == 400
    assert data(dup)["errorCode"] == "ACCOUNT_ALREADY_EXIST"
    assert data(dup)["emailAccountId"] == aid


def test_address_owned_by_another_user_is_rejected_without_its_id(world: SmartleadWorld) -> None:
    world.add_user("other-key")
    create(world)
    dup = call(world, "POST", "/email-accounts/save", body=smtp(), key="other-key")
    assert dup.status == 400
    assert data(dup) == {
        "ok": False,
        "message": "Email account already added by other user.",
        "errorCode": "ACCOUNT_ALREADY_EXIST",
        "emailAccountId": None,
    }


def test_failed_smtp_verification_creates_nothing(world: SmartleadWorld, authority: FakeAuthority) -> None:
    authority.bad["ann@acme.example"] = BAD_PASSWORD
    resp = call(world, "POST", "/email-accounts/save", body=smtp(warmup_enabled=True))
    assert resp.status == 404
    assert data(resp) == {
        "ok": False,
        "message": "Email account verification failed. Please verify account details.",
        "errorCode": "ACCOUNT_VERIFICATION_FAILED",
        "error": BAD_PASSWORD,
    }
    assert data(call(world, "GET", "/email-accounts/")) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"user_name": None}, '"user_name" must be a string'),
        ({"smtp_port": "abc"}, '"smtp_port" must be a number'),
        ({"from_email": "not-an-email"}, '"from_email" must be a valid email'),
        ({"username": "ann@acme.example"}, '"username" is not allowed'),
        ({"daily_rampup": 2}, '"daily_rampup" must be larger than or equal to 5'),
    ],
)
def test_save_validation_is_joi_shaped(world: SmartleadWorld, change: dict[str, Any], message: str) -> None:
    resp = call(world, "POST", "/email-accounts/save", body=smtp(**change))
    assert resp.status == 400
    body = data(resp)
    assert body["statusCode"] == 400
    assert body["error"] == "Bad Request"
    assert body["message"] == message
    assert body["validation"]["source"] == "body"


def test_save_requires_the_documented_fields(world: SmartleadWorld) -> None:
    body = smtp()
    del body["warmup_enabled"]
    resp = call(world, "POST", "/email-accounts/save", body=body)
    assert data(resp)["message"] == '"warmup_enabled" is required'
    assert data(resp)["validation"]["keys"] == ["warmup_enabled"]


# --------------------------------------------------------------------------- save-oauth


def oauth_body(email: str = "max@tenant.example", **extra: Any) -> dict[str, Any]:
    return {
        "from_name": "Max",
        "from_email": email,
        "username": email,
        "type": "OUTLOOK",
        "token": dict(OAUTH_TOKEN),
        "warmup_enabled": True,
        "use_whitelabel_credentials": False,
        **extra,
    }


def test_save_oauth_creates_an_outlook_account(world: SmartleadWorld) -> None:
    resp = call(world, "POST", "/email-accounts/save-oauth", body=oauth_body(max_email_per_day=25))
    assert resp.status == 200
    aid = data(resp)["emailAccountId"]
    acc = data(call(world, "GET", f"/email-accounts/{aid}"))
    assert acc["type"] == "OUTLOOK"
    assert acc["message_per_day"] == 25
    assert acc["smtp_host"] == "smtp.office365.com"
    assert data(call(world, "GET", "/email-accounts/", esp="OUTLOOK"))[0]["id"] == aid


def test_save_oauth_uses_username_and_needs_token_fields(world: SmartleadWorld) -> None:
    wrong_name = oauth_body()
    wrong_name["user_name"] = wrong_name.pop("username")
    assert (
        data(call(world, "POST", "/email-accounts/save-oauth", body=wrong_name))["message"]
        == '"username" is required'
    )
    no_expiry = oauth_body()
    del no_expiry["token"]["expiry_date"]
    resp = call(world, "POST", "/email-accounts/save-oauth", body=no_expiry)
    assert data(resp)["message"] == '"token.expiry_date" is required'
    bad_type = call(world, "POST", "/email-accounts/save-oauth", body=oauth_body(type="SMTP"))
    assert data(bad_type)["message"] == '"type" must be one of [GMAIL, OUTLOOK]'


def test_save_oauth_token_rejected_by_authority(world: SmartleadWorld, authority: FakeAuthority) -> None:
    authority.bad["max@tenant.example"] = "token expired"
    resp = call(world, "POST", "/email-accounts/save-oauth", body=oauth_body())
    assert resp.status == 404
    assert data(resp)["errorCode"] == "ACCOUNT_VERIFICATION_FAILED"
    assert data(resp)["error"] == "token expired"
    assert data(call(world, "GET", "/email-accounts/")) == []


# --------------------------------------------------------------------------- list / get


def test_list_pages_with_offset_and_limit_in_ascending_id(world: SmartleadWorld) -> None:
    ids = [create(world, f"u{i:03d}@acme.example") for i in range(105)]
    first = data(call(world, "GET", "/email-accounts/", offset=0, limit=100))
    second = data(call(world, "GET", "/email-accounts/", offset=100, limit=100))
    assert [r["id"] for r in first] == ids[:100]
    assert [r["id"] for r in second] == ids[100:]
    assert data(call(world, "GET", "/email-accounts/", offset=105)) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": 101}, "less than or equal to 100"),
        ({"limit": 0}, "larger than or equal to 1"),
        ({"offset": -1}, "larger than or equal to 0"),
    ],
)
def test_list_rejects_out_of_range_paging(world: SmartleadWorld, query: dict[str, int], message: str) -> None:
    resp = call(world, "GET", "/email-accounts/", **query)
    assert resp.status == 400
    assert message in data(resp)["message"]
    assert data(resp)["validation"]["source"] == "query"


def test_list_and_get_differ_as_live(world: SmartleadWorld) -> None:
    aid = create(world, warmup_enabled=True, time_to_wait_in_mins=12)
    row = data(call(world, "GET", "/email-accounts/"))[0]
    one = data(call(world, "GET", f"/email-accounts/{aid}/"))
    assert row["minTimeToWaitInMins"] == 12
    assert "minTimeToWaitInMins" not in one
    assert one["password"] == "S3cret!"
    assert base64.b64decode(row["password"]).decode() == "S3cret!"
    assert "tags" not in row
    assert "tags" not in one
    assert one["warmup_details"]["max_email_per_day"] == 20
    assert "is_warmup_blocked" in one["warmup_details"]
    assert "is_warmup_blocked" not in row["warmup_details"]
    assert one["warmup_details"]["warmup_reputation"] == "100%"
    assert row["created_at"].endswith("Z")
    assert len(row["created_at"]) == 24
    assert one["warmup_details"]["created_at"].endswith("+00:00")


def test_list_filters(world: SmartleadWorld) -> None:
    a = create(world, "alpha@acme.example", warmup_enabled=True)
    b = create(world, "beta@acme.example")
    c = create(world, "gamma@other.example", client_id=7)
    world.users[KEY].accounts[b].is_smtp_success = False
    camp = data(call(world, "POST", "/campaigns/create", body={"name": "x"}))["id"]
    call(world, "POST", f"/campaigns/{camp}/email-accounts", body={"email_account_ids": [a]})

    def ids(**q: Any) -> list[int]:
        return [r["id"] for r in data(call(world, "GET", "/email-accounts/", **q))]

    assert ids(isInUse="true") == [a]
    assert ids(isInUse="false") == [b, c]
    assert ids(emailWarmupStatus="ACTIVE") == [a]
    assert ids(isSmtpSuccess="false") == [b]
    assert ids(isWarmupBlocked="false") == [a, b, c]
    assert ids(esp="SMTP") == [a, b, c]
    assert ids(username="ACME") == [a, b]
    assert ids(client_id=7) == [c]
    rows = data(call(world, "GET", "/email-accounts/", fetch_campaigns="true"))
    assert rows[0]["campaign_ids"] == [camp]
    assert rows[0]["campaign_count"] == 1


def test_get_by_id_errors(world: SmartleadWorld) -> None:
    world.add_user("other-key")
    theirs = create(world, "x@other.example")
    assert call(world, "GET", "/email-accounts/1").status == 404
    assert data(call(world, "GET", "/email-accounts/1")) == {"error": "Email account not found"}
    other = call(world, "GET", f"/email-accounts/{theirs}", key="other-key")
    assert other.status == 400
    assert "Permission Error" in data(other)["error"]


def test_get_with_fetch_tags_includes_tag_objects(world: SmartleadWorld) -> None:
    aid = create(world)
    tag = data(call(world, "POST", "/tags", body={"name": "Primary", "color": "#4CAF50"}))["data"]
    call(
        world,
        "POST",
        "/email-accounts/tag-mapping",
        body={"email_account_ids": [aid], "tag_ids": [tag["id"]]},
    )
    one = data(call(world, "GET", f"/email-accounts/{aid}", fetch_tags="true"))
    assert one["tags"] == [{"tag_id": tag["id"], "tag_name": "Primary", "tag_color": "#4CAF50"}]


def test_get_by_email(world: SmartleadWorld) -> None:
    aid = create(world)
    assert (
        data(call(world, "GET", "/email-accounts/fetch-email-account-details", email="Ann@acme.example"))[
            "id"
        ]
        == aid
    )
    missing = call(world, "GET", "/email-accounts/fetch-email-account-details", email="nobody@acme.example")
    assert missing.status == 404
    bad = call(world, "GET", "/email-accounts/fetch-email-account-details", email="nope")
    assert bad.status == 400
    assert data(bad)["message"] == '"email" must be a valid email'
    assert data(bad)["validation"] == {"source": "query", "keys": ["email"]}


# --------------------------------------------------------------------------- update


def test_update_uses_write_names_and_reads_back_read_names(world: SmartleadWorld) -> None:
    aid = create(world)
    resp = call(
        world,
        "POST",
        f"/email-accounts/{aid}",
        body={
            "max_email_per_day": 0,
            "time_to_wait_in_mins": 9,
            "custom_tracking_url": "t.acme.example",
            "bcc": "b@acme.example",
        },
    )
    assert data(resp) == {
        "ok": True,
        "message": "Email account details updated successfully!",
        "emailAccountId": aid,
    }
    row = data(call(world, "GET", "/email-accounts/"))[0]
    assert row["message_per_day"] == 0
    assert row["minTimeToWaitInMins"] == 9
    assert row["custom_tracking_domain"] == "t.acme.example"
    assert row["bcc_email"] == "b@acme.example"


@pytest.mark.parametrize(
    "read_name", ["message_per_day", "minTimeToWaitInMins", "custom_tracking_domain", "bcc_email"]
)
def test_update_with_a_read_name_is_not_allowed(world: SmartleadWorld, read_name: str) -> None:
    aid = create(world)
    resp = call(world, "POST", f"/email-accounts/{aid}", body={read_name: 5})
    assert resp.status == 400
    assert data(resp)["message"] == f'"{read_name}" is not allowed'


def test_update_not_found_and_permission(world: SmartleadWorld) -> None:
    world.add_user("other-key")
    theirs = create(world)
    missing = call(world, "POST", "/email-accounts/5", body={"max_email_per_day": 5})
    assert missing.status == 404
    assert data(missing) == {
        "ok": False,
        "message": "Email account not found!",
        "errorCode": "ACCOUNT_NOT_FOUND",
    }
    other = call(world, "POST", f"/email-accounts/{theirs}", body={"max_email_per_day": 5}, key="other-key")
    assert other.status == 400
    assert data(other) == {"error": f"Email account id - {theirs} not allowed. Permission Error."}


# --------------------------------------------------------------------------- warmup


def test_warmup_creates_details_and_accepts_string_booleans(world: SmartleadWorld) -> None:
    aid = create(world)
    resp = call(
        world,
        "POST",
        f"/email-accounts/{aid}/warmup",
        body={
            "warmup_enabled": "true",
            "total_warmup_per_day": 35,
            "daily_rampup": 5,
            "reply_rate_percentage": "30",
        },
    )
    body = data(resp)
    assert resp.status == 200
    assert body["message"] == "Email warmup details updated successfully!"
    assert body["emailAccountId"] == aid
    assert body["warmupKey"]
    details = data(call(world, "GET", f"/email-accounts/{aid}"))["warmup_details"]
    assert details["status"] == "ACTIVE"
    assert details["max_email_per_day"] == 35
    assert details["reply_rate"] == 30
    call(world, "POST", f"/email-accounts/{aid}/warmup", body={"warmup_enabled": False})
    assert data(call(world, "GET", f"/email-accounts/{aid}"))["warmup_details"]["status"] == "INACTIVE"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("total_warmup_per_day", 51, "less than or equal to 50"),
        ("total_warmup_per_day", 0, "larger than or equal to 1"),
        ("daily_rampup", 4, "larger than or equal to 5"),
        ("daily_rampup", 21, "less than or equal to 20"),
        ("reply_rate_percentage", 19, "larger than or equal to 20"),
        ("reply_rate_percentage", 101, "less than or equal to 100"),
    ],
)
def test_warmup_ranges(world: SmartleadWorld, field: str, value: int, message: str) -> None:
    aid = create(world)
    resp = call(world, "POST", f"/email-accounts/{aid}/warmup", body={"warmup_enabled": True, field: value})
    assert resp.status == 400
    assert data(resp)["message"] == f'"{field}" must be {message}'


def test_warmup_stats_shape(world: SmartleadWorld, clock: VirtualClock) -> None:
    aid = create(world, warmup_enabled=True)
    today = clock.now().date().isoformat()
    world.users[KEY].accounts[aid].warmup.daily_stats.append(
        {"date": today, "sent_count": 12, "spam_count": 1, "reply_count": 4}
    )  # type: ignore[union-attr]
    stats = data(call(world, "GET", f"/email-accounts/{aid}/warmup-stats"))
    assert stats["id"] == aid
    assert stats["sent_count"] == "12"
    assert stats["spam_count"] == "1"
    assert stats["inbox_count"] == "11"
    assert len(stats["stats_by_date"]) == 7
    assert stats["stats_by_date"][-1] == {
        "id": 7,
        "date": today,
        "sent_count": 12,
        "reply_count": 4,
        "save_from_spam_count": 0,
    }


# --------------------------------------------------------------------------- reconnect


def test_reconnect_reverifies_failed_accounts_through_the_authority(
    world: SmartleadWorld, authority: FakeAuthority
) -> None:
    fixed = create(world, "fixed@acme.example")
    still = create(world, "still@acme.example")
    for aid in (fixed, still):
        acc = world.users[KEY].accounts[aid]
        acc.is_smtp_success = False
        acc.smtp_failure_error = (
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
        )
    authority.bad["still@acme.example"] = (
        "550 5.7.30 Basic authentication is not supported for Client Submission."
    )
    resp = call(world, "POST", "/email-accounts/reconnect-failed-email-accounts", body={})
    assert resp.status == 200
    assert data(resp)["message"].startswith("Email account(s) added to the queue to reconnect.")
    rows = {r["id"]: r for r in data(call(world, "GET", "/email-accounts/"))}
    assert rows[fixed]["is_smtp_success"] is True
    assert rows[fixed]["smtp_failure_error"] is None
    assert rows[still]["is_smtp_success"] is False
    assert rows[still]["smtp_failure_error"].startswith("550 5.7.30")


def test_reconnect_with_nothing_failed(world: SmartleadWorld) -> None:
    create(world)
    resp = call(world, "POST", "/email-accounts/reconnect-failed-email-accounts", body={})
    assert resp.status == 200
    assert data(resp) == {"ok": True, "message": "No failed email account found!"}


def test_reconnect_quota_three_a_day_thirty_minutes_apart(world: SmartleadWorld, clock: VirtualClock) -> None:
    aid = create(world)
    acc = world.users[KEY].accounts[aid]

    def reconnect() -> SimResponse:
        acc.is_smtp_success = False
        return call(world, "POST", "/email-accounts/reconnect-failed-email-accounts", body={})

    assert reconnect().status == 200
    clock.advance(minutes=10)
    too_soon = reconnect()
    assert too_soon.status == 406
    assert data(too_soon) == {
        "ok": True,
        "message": "You need to wait atleast 30 minutes before requesting a bulk reconnect, again.",
    }
    clock.advance(minutes=20)
    assert reconnect().status == 200
    clock.advance(minutes=30)
    assert reconnect().status == 200
    clock.advance(minutes=30)
    fourth = reconnect()
    assert fourth.status == 406
    assert data(fourth) == {
        "ok": True,
        "message": "Bulk reconnect cannot be consumed more than 3 times a day.",
    }
    clock.advance(hours=24)
    assert reconnect().status == 200


# --------------------------------------------------------------------------- delete / suspend / bulk


def test_delete_is_soft_and_unlinks_campaigns(world: SmartleadWorld) -> None:
    aid = create(world, warmup_enabled=True)
    camp = data(call(world, "POST", "/campaigns/create", body={}))["id"]
    call(world, "POST", f"/campaigns/{camp}/email-accounts", body={"email_account_ids": [aid]})
    resp = call(world, "DELETE", f"/email-accounts/{aid}")
    assert data(resp) == {"ok": True, "message": "Email account deleted successfully!", "emailAccountId": aid}
    assert data(call(world, "GET", "/email-accounts/")) == []
    assert call(world, "GET", f"/email-accounts/{aid}").status == 404
    assert data(call(world, "GET", f"/campaigns/{camp}/email-accounts")) == []
    warm = world.users[KEY].accounts[aid].warmup
    assert warm is not None
    assert warm.status == "INACTIVE"
    again = call(world, "DELETE", f"/email-accounts/{aid}")
    assert again.status == 404
    assert data(again) == {
        "ok": False,
        "message": "Email account not found!",
        "errorCode": "ACCOUNT_NOT_FOUND",
        "emailAccountId": aid,
    }
    assert create(world) != aid  # the address can be connected again


def test_suspend_and_unsuspend(world: SmartleadWorld) -> None:
    aid = create(world, warmup_enabled=True)
    resp = call(world, "PUT", f"/email-accounts/suspend/{aid}")
    assert data(resp) == {
        "success": True,
        "message": "Email account suspended successfully",
        "data": {"accountId": aid, "isSuspended": True},
    }
    one = data(call(world, "GET", f"/email-accounts/{aid}"))
    assert one["is_suspended"] is True
    assert one["warmup_details"]["status"] == "PAUSED"
    back = call(world, "DELETE", f"/email-accounts/unsuspend/{aid}")
    assert data(back)["data"] == {"accountId": aid, "isSuspended": False}
    assert data(call(world, "GET", f"/email-accounts/{aid}"))["warmup_details"]["status"] == "ACTIVE"
    missing = call(world, "PUT", "/email-accounts/suspend/12")
    assert missing.status == 400
    assert data(missing) == {"success": False, "message": "Email account not found or does not belong to you"}
    assert data(call(world, "PUT", "/email-accounts/suspend/abc")) == {
        "success": False,
        "message": "Valid account ID is required",
    }


def test_bulk_update_is_camel_case_with_warmup_max_separate(world: SmartleadWorld) -> None:
    a, b = create(world, "a@acme.example"), create(world, "b@acme.example")
    tag = data(call(world, "POST", "/tags", body={"name": "T"}))["data"]["id"]
    resp = call(
        world,
        "POST",
        "/email-accounts/bulk-update-email-account-config",
        body={
            "emailAccountIds": [a, b],
            "updateData": {"messagePerDay": 15, "maxEmailPerDay": 30, "status": "ACTIVE", "tags": [tag]},
        },
    )
    assert data(resp) == {"message": "Email account(s) and warmup details are updated successfully!"}
    one = data(call(world, "GET", f"/email-accounts/{b}", fetch_tags="true"))
    assert one["message_per_day"] == 15
    assert one["warmup_details"]["max_email_per_day"] == 30
    assert one["warmup_details"]["status"] == "ACTIVE"
    assert [t["tag_id"] for t in one["tags"]] == [tag]
    bad = call(
        world,
        "POST",
        "/email-accounts/bulk-update-email-account-config",
        body={"emailAccountIds": [a], "updateData": {"maxEmailPerDay": 251}},
    )
    assert data(bad)["message"] == '"updateData.maxEmailPerDay" must be less than or equal to 250'
    snake = call(
        world,
        "POST",
        "/email-accounts/bulk-update-email-account-config",
        body={"email_account_ids": [a], "updateData": {}},
    )
    assert data(snake)["message"] == '"emailAccountIds" is required'


# --------------------------------------------------------------------------- tags


def test_tag_catalogue_create_update(world: SmartleadWorld) -> None:
    first = call(world, "POST", "/tags", body={"name": "Primary", "color": "#4CAF50"})
    assert first.status == 201
    dup = call(world, "POST", "/tags", body={"name": "Primary"})
    assert data(dup)["data"]["id"] != data(first)["data"]["id"]  # always creates
    assert data(call(world, "POST", "/tags", body={"color": "#fff"}))["message"] == '"name" is required'
    tid = data(first)["data"]["id"]
    upd = call(
        world, "POST", "/email-accounts/tag-manager", body={"id": tid, "name": "Main", "color": "#000000"}
    )
    assert data(upd) == {"ok": True, "data": {"id": tid, "name": "Main", "color": "#000000"}}
    assert [t["name"] for t in data(call(world, "GET", "/email-accounts/tags"))] == ["Main", "Primary"]


def test_tag_mapping_is_additive_idempotent_and_reports_each_pair(world: SmartleadWorld) -> None:
    aid = create(world)
    t1 = data(call(world, "POST", "/tags", body={"name": "A"}))["data"]["id"]
    t2 = data(call(world, "POST", "/tags", body={"name": "B"}))["data"]["id"]
    call(world, "POST", "/email-accounts/tag-mapping", body={"email_account_ids": [aid], "tag_ids": [t1]})
    resp = data(
        call(
            world,
            "POST",
            "/email-accounts/tag-mapping",
            body={"email_account_ids": [aid], "tag_ids": [t1, t2]},
        )
    )
    assert resp["success"] is True
    assert resp["message"] == "Tag mapping operation completed"
    assert resp["data"]["summary"] == {"total_processed": 2, "added": 1, "skipped": 1, "failed": 0}
    assert resp["data"]["results"][0] == {
        "email_account_id": aid,
        "tag_id": t1,
        "action": "skipped",
        "reason": "Mapping already exists",
    }
    assert resp["data"]["results"][1]["action"] == "added"
    assert "mapping_id" in resp["data"]["results"][1]
    listed = data(
        call(
            world,
            "POST",
            "/email-accounts/tag-list",
            body={"email_ids": ["ann@acme.example", "zzz@acme.example"]},
        )
    )
    assert listed == {
        "data": [
            {
                "email_account_id": aid,
                "email_id": "ann@acme.example",
                "tags": [{"tag_id": t1, "tag_name": "A"}, {"tag_id": t2, "tag_name": "B"}],
            }
        ]
    }
    removed = data(
        call(
            world,
            "DELETE",
            "/email-accounts/tag-mapping",
            body={"email_account_ids": [aid], "tag_ids": [t2, 999]},
        )
    )
    assert removed["message"] == "Tag removal operation completed"
    assert removed["data"]["summary"] == {"total_processed": 2, "deleted": 1, "skipped": 0, "failed": 1}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"email_account_ids": [], "tag_ids": [1]}, "email_account_ids must contain at least 1 item"),
        (
            {"email_account_ids": list(range(26)), "tag_ids": [1]},
            "email_account_ids must contain at most 25 items",
        ),
        ({"email_account_ids": [1]}, "tag_ids is required"),
    ],
)
def test_tag_mapping_validation_uses_success_false_shape(
    world: SmartleadWorld, body: dict[str, Any], error: str
) -> None:
    resp = call(world, "POST", "/email-accounts/tag-mapping", body=body)
    assert resp.status == 400
    assert data(resp) == {"success": False, "message": "Validation error", "error": error}


def test_fetch_account_reply_then_in_progress(world: SmartleadWorld, clock: VirtualClock) -> None:
    create(world)
    assert (
        data(call(world, "POST", "/email-accounts/fetch-account-reply", body={}))["message"]
        == "1 Email account(s) are added to the queue to fetch live reply."
    )
    assert call(world, "POST", "/email-accounts/fetch-account-reply", body={}).status == 406
    clock.advance(minutes=6)
    assert call(world, "POST", "/email-accounts/fetch-account-reply", body={}).status == 200
