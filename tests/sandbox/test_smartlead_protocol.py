"""Smartlead simulator: auth, rate limiting, routing quirks and client-key scoping."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tenantlead.sandbox._http import SimRequest, SimResponse
from tenantlead.sandbox.clock import VirtualClock
from tenantlead.sandbox.smartlead import SmartleadConfig, SmartleadWorld
from tenantlead.sandbox.state import SlClientKey

KEY = "sl-test-key-1"


def call(
    world: SmartleadWorld, method: str, path: str, body: Any = None, key: str | None = KEY, **query: Any
) -> SimResponse:
    params = dict(query)
    if key is not None:
        params["api_key"] = key
    raw = b"" if body is None else json.dumps(body).encode()
    return world.handle(SimRequest.build(method, "/api/v1" + path, urlencode(params), body=raw))


def data(resp: SimResponse) -> Any:
    return json.loads(resp.body)


SMTP = {
    "from_name": "Ann",
    "from_email": "ann@acme.example",
    "user_name": "ann@acme.example",
    "password": "S3cret!",
    "smtp_host": "smtp.office365.com",
    "smtp_port": 587,
    "imap_host": "outlook.office365.com",
    "imap_port": 993,
    "warmup_enabled": False,
}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def world(clock: VirtualClock) -> SmartleadWorld:
    w = SmartleadWorld(clock, SmartleadConfig(rate_limits=()))
    w.add_user(KEY)
    return w


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_missing_or_unknown_key_is_401_invalid_api_key(world: SmartleadWorld, key: str | None) -> None:
    resp = call(world, "GET", "/email-accounts/", key=key)
    assert resp.status == 401
    assert data(resp) == {"message": "Invalid API Key"}


def test_api_key_in_post_body_is_accepted_and_not_a_schema_key(world: SmartleadWorld) -> None:
    resp = call(world, "POST", "/campaigns/create", body={"name": "c", "api_key": KEY}, key=None)
    assert resp.status == 200
    assert data(resp)["name"] == "c"


def test_add_user_rejects_duplicate_keys(world: SmartleadWorld) -> None:
    with pytest.raises(ValueError, match="already exists"):
        world.add_user(KEY)


def test_next_id_sequences_start_in_live_ranges(world: SmartleadWorld) -> None:
    first = world.next_id("account")
    assert first >= 22_000_000
    assert world.next_id("account") == first + 1
    assert world.next_id("campaign") >= 1_000_000


def test_repr_never_shows_keys(world: SmartleadWorld) -> None:
    assert KEY not in repr(world)
    assert KEY not in repr(world.users[KEY])


# --------------------------------------------------------------------------- routing


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/campaigns/123/status"),
        ("PATCH", "/email-accounts/22000000"),
        ("GET", "/webhook"),
        ("GET", "/nope"),
        ("PUT", "/email-accounts/save"),
        ("DELETE", "/tags/5"),
    ],
)
def test_unknown_routes_and_wrong_methods_get_the_express_404(
    world: SmartleadWorld, method: str, path: str
) -> None:
    resp = call(world, method, path)
    assert resp.status == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert f"Cannot {method} /api/v1{path}" in resp.body.decode()


def test_trailing_slashes_are_optional(world: SmartleadWorld) -> None:
    assert call(world, "GET", "/email-accounts").status == 200
    assert call(world, "GET", "/email-accounts/").status == 200
    assert call(world, "GET", "/campaigns/").status == 200


@pytest.mark.parametrize("segment", ["multi", "update", "fetch-messages-x"])
def test_post_to_non_literal_email_account_segment_is_joi_account_id(
    world: SmartleadWorld, segment: str
) -> None:
    resp = call(world, "POST", f"/email-accounts/{segment}", body={})
    assert resp.status == 400
    assert data(resp) == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": '"account_id" must be a number',
        "validation": {"source": "params", "keys": ["account_id"]},
    }


def test_get_with_non_numeric_account_id_is_joi_400(world: SmartleadWorld) -> None:
    resp = call(world, "GET", "/email-accounts/abc")
    assert resp.status == 400
    assert data(resp)["message"] == '"account_id" must be a number'


def test_literal_routes_win_over_the_id_route(world: SmartleadWorld) -> None:
    assert data(call(world, "GET", "/email-accounts/tags")) == []


def test_malformed_json_body_is_a_400(world: SmartleadWorld) -> None:
    req = SimRequest.build("POST", "/api/v1/campaigns/create", f"api_key={KEY}", body=b"{nope")
    assert world.handle(req).status == 400


def test_works_behind_an_httpx_mock_transport(world: SmartleadWorld) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        resp = world.handle(
            SimRequest.build(
                request.method,
                request.url.path,
                request.url.query.decode(),
                dict(request.headers),
                request.content,
            )
        )
        return httpx.Response(resp.status, content=resp.body, headers=resp.headers)

    with httpx.Client(
        transport=httpx.MockTransport(handler), base_url="https://server.smartlead.ai/api/v1"
    ) as http:
        created = http.post("/campaigns/create", params={"api_key": KEY}, json={"name": "via httpx"})
        assert created.status_code == 200
        listed = http.get("/campaigns", params={"api_key": KEY})
        assert [c["name"] for c in listed.json()] == ["via httpx"]


# --------------------------------------------------------------------------- rate limiting


def test_eleventh_request_within_two_seconds_is_429_then_ok_after_waiting(clock: VirtualClock) -> None:
    world = SmartleadWorld(clock)  # defaults: 60/60 s plus 10/2 s
    world.add_user(KEY)
    for i in range(10):
        resp = call(world, "GET", "/email-accounts/")
        assert resp.status == 200, i
        clock.advance(0.1)
    assert resp.headers["x-ratelimit-remaining"] == "0"
    limited = call(world, "GET", "/email-accounts/")
    assert limited.status == 429
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 2
    assert data(limited)["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(limited.headers)
    clock.advance(retry_after)
    assert call(world, "GET", "/email-accounts/").status == 200


def test_rate_limit_headers_describe_the_tightest_window(clock: VirtualClock) -> None:
    world = SmartleadWorld(clock)
    world.add_user(KEY)
    resp = call(world, "GET", "/campaigns")
    assert resp.headers["x-ratelimit-limit"] == "10"
    assert resp.headers["x-ratelimit-remaining"] == "9"
    reset = int(resp.headers["x-ratelimit-reset"])
    assert clock.timestamp() < reset <= clock.timestamp() + 2


def test_rejected_requests_do_not_count(clock: VirtualClock) -> None:
    world = SmartleadWorld(clock, SmartleadConfig(rate_limits=((2, 10.0),)))
    world.add_user(KEY)
    assert call(world, "GET", "/campaigns").status == 200
    clock.advance(5)
    assert call(world, "GET", "/campaigns").status == 200
    for _ in range(5):
        assert call(world, "GET", "/campaigns").status == 429
    clock.advance(5)  # the first request left the window; the 429s never entered it
    assert call(world, "GET", "/campaigns").status == 200


def test_minute_window_limits_slow_steady_traffic(clock: VirtualClock) -> None:
    world = SmartleadWorld(clock)
    world.add_user(KEY)
    for _ in range(60):
        assert call(world, "GET", "/campaigns").status == 200
        clock.advance(0.5)
    limited = call(world, "GET", "/campaigns")
    assert limited.status == 429
    assert int(limited.headers["retry-after"]) >= 1


def test_limits_are_per_key(clock: VirtualClock) -> None:
    world = SmartleadWorld(clock, SmartleadConfig(rate_limits=((1, 60.0),)))
    world.add_user(KEY)
    world.add_user("other-key")
    assert call(world, "GET", "/campaigns").status == 200
    assert call(world, "GET", "/campaigns").status == 429
    assert call(world, "GET", "/campaigns", key="other-key").status == 200


def test_bad_rate_limit_config_says_what_to_fix() -> None:
    with pytest.raises(ValueError, match="rate_limits"):
        SmartleadConfig(rate_limits=((0, 1.0),))


# --------------------------------------------------------------------------- client keys


def _client_with_key(world: SmartleadWorld) -> str:
    cid = data(
        call(
            world,
            "POST",
            "/client/save",
            body={"name": "Client A", "email": "a@client.example", "permission": ["full_access"]},
        )
    )["clientId"]
    created = data(call(world, "POST", "/client/api-key", body={"clientId": cid, "keyName": "Prod key"}))
    return str(created["data"]["api_key"])


def test_client_key_sees_only_its_clients_rows(world: SmartleadWorld) -> None:
    ckey = _client_with_key(world)
    call(world, "POST", "/email-accounts/save", body=SMTP)  # the agency's own mailbox
    mine = call(
        world, "POST", "/email-accounts/save", body={**SMTP, "from_email": "c@client.example"}, key=ckey
    )
    assert mine.status == 200
    rows = data(call(world, "GET", "/email-accounts/", key=ckey))
    assert [r["from_email"] for r in rows] == ["c@client.example"]
    assert rows[0]["client_id"] is not None
    agency_rows = data(call(world, "GET", "/email-accounts/"))
    assert len(agency_rows) == 2
    other_id = next(r["id"] for r in agency_rows if r["from_email"] == SMTP["from_email"])
    assert call(world, "GET", f"/email-accounts/{other_id}", key=ckey).status in (400, 404)
    call(world, "POST", "/campaigns/create", body={"name": "agency"})
    call(world, "POST", "/campaigns/create", body={"name": "client"}, key=ckey)
    assert [c["name"] for c in data(call(world, "GET", "/campaigns", key=ckey))] == ["client"]


def test_deleted_or_reset_client_keys_stop_working(world: SmartleadWorld) -> None:
    ckey = _client_with_key(world)
    assert call(world, "GET", "/campaigns", key=ckey).status == 200
    key_id = data(call(world, "GET", "/client/api-key"))["data"][0]["id"]
    new_key = data(call(world, "PUT", f"/client/api-key/reset/{key_id}"))["data"]["api_key"]
    assert call(world, "GET", "/campaigns", key=ckey).status == 401
    assert call(world, "GET", "/campaigns", key=new_key).status == 200
    assert call(world, "DELETE", f"/client/api-key/{key_id}").status == 200
    assert call(world, "GET", "/campaigns", key=new_key).status == 401


def test_seeded_client_keys_authenticate_and_inactive_ones_do_not(
    world: SmartleadWorld, clock: VirtualClock
) -> None:
    user = world.users[KEY]
    cid = data(
        call(world, "POST", "/client/save", body={"name": "B", "email": "b@client.example", "permission": []})
    )["clientId"]
    user.client_keys[1] = SlClientKey(
        id=1, client_id=cid, key_name="seeded", api_key="seeded-client-key", created_at=clock.now()
    )
    user.client_keys[2] = SlClientKey(
        id=2, client_id=cid, key_name="off", api_key="inactive-key", status="inactive"
    )
    assert call(world, "GET", "/campaigns", key="seeded-client-key").status == 200
    assert call(world, "GET", "/campaigns", key="inactive-key").status == 401
    assert call(world, "GET", "/client/", key="seeded-client-key").status == 403
