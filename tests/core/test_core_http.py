"""The shared send loops, exercised through TenantCore over a recording MockTransport."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tenantlead import AsyncTenantCore, RateLimit, RetryPolicy, TenantCore
from tenantlead.errors import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    ConfigurationError,
    NoAPIPlanError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
)

KEY = "tc_live_" + "0" * 48
TID = "11111111-2222-3333-4444-555555555555"
TENANTS = {"tenants": [{"tenant_id": TID, "tenant_name": "Acme"}], "count": 1}
MAILBOX = {"id": "mb-1", "primary_smtp": "ann@acme.example", "display_name": "Ann"}
NO_PLAN = {"detail": {"message": "No active API plan on this account", "code": "no_api_plan"}}


def make(recorder: Any, clock: Any, **kwargs: Any) -> TenantCore:
    kwargs.setdefault("retry", RetryPolicy(jitter="none", base_delay=0.5))
    return TenantCore(KEY, http_client=recorder.client(), clock=clock, sleep=clock.sleep, **kwargs)


def make_async(recorder: Any, clock: Any, **kwargs: Any) -> AsyncTenantCore:
    kwargs.setdefault("retry", RetryPolicy(jitter="none", base_delay=0.5))
    return AsyncTenantCore(
        KEY, http_client=recorder.async_client(), clock=clock, sleep=clock.async_sleep, **kwargs
    )


def create_mailbox(tc: TenantCore) -> Any:
    return tc.mailboxes.create(TID, domain_name="acme.example", mail_nickname="ann", display_name="Ann")


# ---------------------------------------------------------------- retries


def test_503_is_retried_with_backoff_then_succeeds(recorder: Any, clock: Any) -> None:
    recorder.add(503, {"detail": "busy"}).add(503).add(200, TENANTS)
    tc = make(recorder, clock)
    tenants = tc.tenants.list()
    assert [t.tenant_id for t in tenants] == [TID]
    assert len(recorder.requests) == 3
    assert clock.sleeps == [0.5, 1.0]  # recorded by the fake sleeper, never really slept
    assert (tc.stats.requests, tc.stats.retries, tc.stats.waited) == (3, 2, 1.5)


async def test_async_503_is_retried_then_succeeds(recorder: Any, clock: Any) -> None:
    recorder.add(503).add(200, TENANTS)
    atc = make_async(recorder, clock)
    tenants = await atc.tenants.list()
    assert tenants[0].tenant_name == "Acme"
    assert clock.sleeps == [0.5]
    assert atc.stats.retries == 1


def test_retries_give_up_after_max_retries(recorder: Any, clock: Any) -> None:
    for _ in range(3):
        recorder.add(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
    tc = make(recorder, clock, max_retries=2)
    with pytest.raises(ServerError) as info:
        tc.tenants.list()
    assert info.value.status_code == 502
    assert "502 Bad Gateway" in info.value.message
    assert "<h1>" not in info.value.message
    assert len(recorder.requests) == 3


def test_402_is_never_retried(recorder: Any, clock: Any) -> None:
    recorder.add(402, NO_PLAN)
    tc = make(recorder, clock)
    with pytest.raises(NoAPIPlanError):
        tc.tenants.list()
    assert len(recorder.requests) == 1
    assert clock.sleeps == []


def test_429_retry_after_is_honoured(recorder: Any, clock: Any) -> None:
    recorder.add(429, {"detail": "slow down"}, headers={"Retry-After": "7"}).add(200, TENANTS)
    tc = make(recorder, clock)
    tc.tenants.list()
    assert clock.sleeps == [7.0]
    assert tc.stats.rate_limited == 1


def test_429_retry_after_is_capped(recorder: Any, clock: Any) -> None:
    recorder.add(429, headers={"Retry-After": "86400"}).add(200, TENANTS)
    tc = make(recorder, clock, retry=RetryPolicy(jitter="none", max_retry_after=20.0))
    tc.tenants.list()
    assert clock.sleeps == [20.0]


def test_429_on_a_write_is_retried_because_the_server_did_not_process_it(recorder: Any, clock: Any) -> None:
    recorder.add(429, headers={"Retry-After": "2"}).add(201, MAILBOX)
    tc = make(recorder, clock)
    mailbox = create_mailbox(tc)
    assert mailbox.id == "mb-1"
    assert recorder.calls() == [("POST", f"/v1/tenants/{TID}/mailboxes")] * 2
    assert clock.sleeps == [2.0]


def test_429_exhausted_raises_rate_limit_error_with_advice(recorder: Any, clock: Any) -> None:
    recorder.add(429, headers={"Retry-After": "3"})
    tc = make(recorder, clock, max_retries=0)
    with pytest.raises(RateLimitError) as info:
        tc.tenants.list()
    assert info.value.retry_after == 3.0


def test_429_pauses_every_caller_of_a_configured_rate_limiter(recorder: Any, clock: Any) -> None:
    recorder.add(429, headers={"Retry-After": "5"}).add(200, TENANTS)
    tc = make(recorder, clock, max_retries=0, rate_limit=RateLimit(((100, 60.0),)))
    with pytest.raises(RateLimitError):
        tc.tenants.list()
    # The next call, even through a copy, waits out the server's advice in the shared limiter.
    tc.with_options(max_retries=1).tenants.list()
    assert clock.sleeps == [5.0]


def test_ratelimit_headers_on_success_make_the_next_request_wait(recorder: Any, clock: Any) -> None:
    recorder.add(200, TENANTS, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4"})
    recorder.add(200, TENANTS)
    tc = make(recorder, clock, rate_limit=RateLimit(((100, 60.0),)))
    tc.tenants.list()
    tc.tenants.list()
    assert clock.sleeps == [4.0]


def test_timeout_on_get_is_retried(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out")).add(200, TENANTS)
    tc = make(recorder, clock)
    assert tc.tenants.list()[0].tenant_id == TID
    assert len(recorder.requests) == 2


def test_timeout_exhausted_is_an_api_timeout_error(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out"))
    tc = make(recorder, clock, max_retries=0, timeout=3)
    with pytest.raises(APITimeoutError, match="after 3s") as info:
        tc.tenants.list()
    assert info.value.method == "GET"
    assert info.value.url == "https://api.tenantcore.io/v1/tenants"


def test_timeout_on_create_reconciles_and_returns_what_landed(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out"))
    recorder.add(200, {"tenant_id": TID, "mailboxes": [{**MAILBOX, "primary_smtp": "Ann@Acme.example"}]})
    tc = make(recorder, clock)
    mailbox = create_mailbox(tc)
    assert mailbox.id == "mb-1"
    assert recorder.calls() == [
        ("POST", f"/v1/tenants/{TID}/mailboxes"),
        ("GET", f"/v1/tenants/{TID}/mailboxes"),
    ]
    assert tc.stats.reconciled == 1
    assert clock.sleeps == []


def test_timeout_on_create_resends_when_the_lookup_finds_nothing(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out"))
    recorder.add(200, {"tenant_id": TID, "mailboxes": [], "count": 0})
    recorder.add(201, MAILBOX)
    tc = make(recorder, clock)
    assert create_mailbox(tc).id == "mb-1"
    assert [m for m, _ in recorder.calls()] == ["POST", "GET", "POST"]
    assert recorder.json(0) == recorder.json(2)
    assert tc.stats.reconciled == 0


def test_a_404_from_the_lookup_means_the_create_did_not_land(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out"))
    recorder.add(404, {"detail": {"message": "gone", "code": "tenant_not_found"}})
    recorder.add(201, MAILBOX)
    tc = make(recorder, clock)
    assert create_mailbox(tc).id == "mb-1"
    assert [m for m, _ in recorder.calls()] == ["POST", "GET", "POST"]


def test_an_error_raised_by_a_parser_names_the_request(recorder: Any, clock: Any) -> None:
    from tenantlead._core.request import APIRequest

    def parse(_: Any) -> None:
        raise NotFoundError("deleted", api="tenantcore", status_code=200, code="GONE")

    recorder.add(200, {"x": 1})
    tc = make(recorder, clock)
    with pytest.raises(NotFoundError) as info:
        tc._run(APIRequest(method="GET", path="/things/1", parse=parse))
    assert info.value.method == "GET"
    assert info.value.url == "https://api.tenantcore.io/v1/things/1"
    assert "GET https://api.tenantcore.io/v1/things/1" in str(info.value)


async def test_async_timeout_on_create_reconciles(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out"))
    recorder.add(200, {"tenant_id": TID, "mailboxes": [MAILBOX]})
    atc = make_async(recorder, clock)
    mailbox = await atc.mailboxes.create(TID, domain_name="acme.example", mail_nickname="ann")
    assert mailbox.id == "mb-1"
    assert [m for m, _ in recorder.calls()] == ["POST", "GET"]


async def test_async_timeout_on_create_resends_when_not_found(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out"))
    recorder.add(200, {"tenant_id": TID, "mailboxes": []})
    recorder.add(201, MAILBOX)
    atc = make_async(recorder, clock)
    await atc.mailboxes.create(TID, domain_name="acme.example", mail_nickname="ann")
    assert [m for m, _ in recorder.calls()] == ["POST", "GET", "POST"]


def test_5xx_on_create_reconciles_too(recorder: Any, clock: Any) -> None:
    recorder.add(500, {"detail": {"message": "boom", "code": "internal"}})
    recorder.add(200, {"tenant_id": TID, "domains": [{"id": "d1", "domain_name": "acme.example"}]})
    tc = make(recorder, clock)
    domain = tc.domains.add(TID, "Acme.example")
    assert domain.id == "d1"
    assert [m for m, _ in recorder.calls()] == ["POST", "GET"]


def test_connect_error_on_create_is_resent_without_a_lookup(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ConnectError("connection refused")).add(201, MAILBOX)
    tc = make(recorder, clock)
    assert create_mailbox(tc).id == "mb-1"
    assert [m for m, _ in recorder.calls()] == ["POST", "POST"]


def test_connection_error_exhausted(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ConnectError("connection refused"))
    tc = make(recorder, clock, max_retries=0)
    with pytest.raises(APIConnectionError, match="connection refused") as info:
        tc.tenants.list()
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.hint
    assert "base_url" in info.value.hint


def test_write_not_marked_safe_is_not_retried_on_5xx(recorder: Any, clock: Any) -> None:
    recorder.add(503)
    tc = make(recorder, clock)
    with pytest.raises(ServerError):
        tc.api_keys.rotate("ops@agency.example")
    assert len(recorder.requests) == 1


def test_idempotent_write_is_retried_on_5xx(recorder: Any, clock: Any) -> None:
    recorder.add(503).add(200, MAILBOX)
    tc = make(recorder, clock)
    tc.mailboxes.update(TID, "mb-1", daily_send_limit=25)
    assert [m for m, _ in recorder.calls()] == ["PATCH", "PATCH"]


# ---------------------------------------------------------------- bodies


def test_error_inside_a_2xx_body_is_an_api_response_error(recorder: Any, clock: Any) -> None:
    for _ in range(3):
        recorder.add(200, {"detail": {"message": "tenant sync failed", "code": "sync_failed"}})
    tc = make(recorder, clock)
    with pytest.raises(APIResponseError) as info:
        tc.tenants.list()
    assert info.value.code == "sync_failed"
    assert "tenant sync failed" in info.value.message
    assert info.value.status_code == 200
    assert info.value.url.startswith("https://api.tenantcore.io/v1/tenants")
    # A read is retried like a 5xx (the error may be transient), then the error surfaces.
    assert len(recorder.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_error_inside_a_2xx_body_on_a_read_recovers_when_the_retry_succeeds(
    recorder: Any, clock: Any
) -> None:
    recorder.add(200, {"detail": {"message": "tenant sync failed", "code": "sync_failed"}})
    recorder.add(200, {"tenants": [{"tenant_id": TID}], "count": 1})
    assert [t.tenant_id for t in make(recorder, clock).tenants.list()] == [TID]


def test_error_inside_a_2xx_body_on_a_create_is_not_resent(recorder: Any, clock: Any) -> None:
    recorder.add(201, {"detail": {"message": "provisioning failed", "code": "exchange_error"}})
    with pytest.raises(APIResponseError):
        create_mailbox(make(recorder, clock))
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "HTTP 402 with an empty body"),
        ("Payment required, see billing", "non-JSON error body: Payment required, see billing"),
        ("<html><head><title>402</title></head><body><p>Pay up</p></body></html>", "402 Pay up"),
        ({"message": "plain message"}, "plain message"),
    ],
)
def test_empty_text_and_html_error_bodies_give_readable_messages(
    recorder: Any, clock: Any, body: Any, expected: str
) -> None:
    recorder.add(402, body)
    tc = make(recorder, clock)
    with pytest.raises(PaymentRequiredError) as info:
        tc.tenants.list()
    assert expected in info.value.message
    assert "<" not in info.value.message


def test_wrong_typed_200_body_names_the_field(recorder: Any, clock: Any) -> None:
    recorder.add(200, {"tenants": [{"tenant_id": TID, "domain_count": "lots"}], "count": 1})
    tc = make(recorder, clock)
    with pytest.raises(APIResponseError) as info:
        tc.tenants.list()
    assert "domain_count" in info.value.message
    assert info.value.body == {"tenants": [{"tenant_id": TID, "domain_count": "lots"}], "count": 1}
    assert len(recorder.requests) == 1  # a bad body is not retried


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "empty body"),
        ([1, 2], "list"),
        ({"count": 1}, "tenants"),
        ({"tenants": {"tenant_id": TID}}, "JSON array"),
        ({"tenants": ["x"]}, "JSON object"),
    ],
)
def test_wrong_shaped_200_bodies_are_api_response_errors(
    recorder: Any, clock: Any, body: Any, expected: str
) -> None:
    recorder.add(200, body)
    tc = make(recorder, clock)
    with pytest.raises(APIResponseError, match=expected):
        tc.tenants.list()


# ---------------------------------------------------------------- options and lifecycle


def test_with_options_overrides_timeout_and_retries_but_shares_pool_and_limiter(
    recorder: Any, clock: Any
) -> None:
    tc = make(recorder, clock, rate_limit=RateLimit(((100, 60.0),)))
    tc.tenants  # noqa: B018 - cache the namespace on the original first
    quick = tc.with_options(timeout=5, max_retries=0)
    assert quick.timeout == 5.0
    assert quick.max_retries == 0
    assert tc.timeout == 30.0
    assert tc.max_retries == 2
    assert quick.rate_limiter is tc.rate_limiter
    recorder.add(503)
    with pytest.raises(ServerError):
        quick.tenants.list()  # its own namespace: no retry
    assert len(recorder.requests) == 1
    assert recorder.last.extensions["timeout"] == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
    quick.close()  # a copy never closes the shared pool
    recorder.add(200, TENANTS)
    assert tc.tenants.list()[0].tenant_id == TID
    assert recorder.last.extensions["timeout"]["read"] == 30.0


async def test_async_with_options(recorder: Any, clock: Any) -> None:
    atc = make_async(recorder, clock)
    quick = atc.with_options(max_retries=0)
    recorder.add(503)
    with pytest.raises(ServerError):
        await quick.tenants.list()
    assert len(recorder.requests) == 1


def test_with_options_validates(recorder: Any, clock: Any) -> None:
    tc = make(recorder, clock)
    with pytest.raises(ConfigurationError, match="max_retries"):
        tc.with_options(max_retries=-1)
    with pytest.raises(ConfigurationError, match="timeout"):
        tc.with_options(timeout=0)


def test_context_manager_closes_an_owned_client() -> None:
    with TenantCore(KEY) as tc:
        http = tc._http
    assert http.is_closed


def test_context_manager_leaves_a_user_client_open(recorder: Any) -> None:
    user = recorder.client()
    with TenantCore(KEY, http_client=user):
        pass
    assert not user.is_closed
    user.close()


async def test_async_context_manager_closes_only_owned_clients(recorder: Any) -> None:
    async with AsyncTenantCore(KEY) as atc:
        http = atc._http
    assert http.is_closed
    user = recorder.async_client()
    async with AsyncTenantCore(KEY, http_client=user) as atc:
        pass
    assert not user.is_closed
    await atc.close()  # alias of aclose; still leaves the user's client alone
    assert not user.is_closed
    await user.aclose()


def test_http_client_of_the_wrong_type_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"httpx\.Client"):
        TenantCore(KEY, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"httpx\.AsyncClient"):
        AsyncTenantCore(KEY, http_client=httpx.Client())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="http_client"):
        TenantCore(KEY, http_client="proxy")  # type: ignore[arg-type]


def test_default_headers_are_sent(recorder: Any, clock: Any) -> None:
    recorder.add(200, TENANTS)
    tc = make(recorder, clock, default_headers={"X-Team": "ops"})
    tc.tenants.list()
    assert recorder.last.headers["X-Team"] == "ops"


def test_request_body_is_compact_json(recorder: Any, clock: Any) -> None:
    recorder.add(200, MAILBOX)
    tc = make(recorder, clock)
    tc.mailboxes.update(TID, "mb-1", daily_send_limit=25)
    assert recorder.last.content == b'{"daily_send_limit":25}'
    assert json.loads(recorder.last.content) == {"daily_send_limit": 25}


def test_a_second_uncertain_outcome_is_looked_up_again_not_resent_blindly(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out"))  # create 1: unknown
    recorder.add(200, {"tenant_id": TID, "mailboxes": []})  # lookup: not there
    recorder.add_error(httpx.ReadTimeout("read timed out"))  # create 2: unknown again
    recorder.add(200, {"tenant_id": TID, "mailboxes": [MAILBOX]})  # lookup: it landed
    tc = make(recorder, clock)
    assert create_mailbox(tc).id == "mb-1"
    assert [m for m, _ in recorder.calls()] == ["POST", "GET", "POST", "GET"]
    assert tc.stats.reconciled == 1


def test_a_failed_lookup_reports_the_writes_own_uncertain_outcome(recorder: Any, clock: Any) -> None:
    recorder.add_error(httpx.ReadTimeout("read timed out"))
    recorder.add(401, {"detail": {"message": "bad key", "code": "invalid_api_key"}})
    tc = make(recorder, clock)
    with pytest.raises(APITimeoutError) as info:
        create_mailbox(tc)
    assert info.value.method == "POST"
    assert [m for m, _ in recorder.calls()] == ["POST", "GET"]
