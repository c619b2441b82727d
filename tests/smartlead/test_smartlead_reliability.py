"""Pacing, 429 handling and reconciliation of uncertain creates, all on a fake clock."""

from __future__ import annotations

import httpx
import pytest

from tenantlead import RateLimit
from tenantlead._core.ratelimit import DEFAULT_MARGIN
from tenantlead.errors import APITimeoutError
from tenantlead.smartlead import DEFAULT_RATE_LIMIT, Smartlead
from tests.smartlead.smartlead_testkit import make_client, run

SAVED = {"ok": True, "message": "Email account added/updated successfully!", "emailAccountId": 555}
ACCOUNT = {"id": 555, "from_email": "ana@acme.com", "username": "ana@acme.com"}


def create_kwargs():
    return {"from_name": "Ana", "from_email": "ana@acme.com", "user_name": "ana@acme.com", "password": "p" * 12,
                "smtp_host": "smtp.office365.com", "smtp_port": 587, "imap_host": "outlook.office365.com", "imap_port": 993}  # fmt: skip


def test_default_rate_limit_is_60_per_minute_and_10_per_2s():
    with Smartlead("x" * 12) as client:
        assert client.rate_limit == DEFAULT_RATE_LIMIT
    assert DEFAULT_RATE_LIMIT.windows == ((60, 60.0), (10, 2.0))


async def test_eleventh_call_inside_two_seconds_waits(mode, recorder, clock):
    client = make_client(mode, recorder, clock, rate_limit=DEFAULT_RATE_LIMIT)
    recorder.fallback = httpx.Response(200, json=[])
    for _ in range(10):
        await run(client.campaigns.list())
    assert clock.sleeps == []
    await run(client.campaigns.list())
    assert clock.sleeps == [pytest.approx(2.0 + DEFAULT_MARGIN)]  # the window plus the transit margin
    assert len(recorder.requests) == 11


async def test_sixty_first_call_in_a_minute_waits_for_the_window(mode, recorder, clock):
    client = make_client(mode, recorder, clock, rate_limit=DEFAULT_RATE_LIMIT)
    recorder.fallback = httpx.Response(200, json=[])
    for _ in range(61):
        await run(client.campaigns.list())
    # 60 calls fit in the minute (paced by the burst cap); the 61st waits until the first leaves it.
    assert clock.now - 1_736_951_520.0 == pytest.approx(60.0 + DEFAULT_MARGIN)


async def test_custom_rate_limit(mode, recorder, clock):
    client = make_client(mode, recorder, clock, rate_limit=RateLimit(((2, 1.0),)))
    recorder.fallback = httpx.Response(200, json=[])
    for _ in range(3):
        await run(client.campaigns.list())
    assert clock.sleeps == [pytest.approx(1.0 + DEFAULT_MARGIN)]


async def test_remaining_zero_header_pauses_until_reset(mode, recorder, clock):
    client = make_client(mode, recorder, clock, rate_limit=DEFAULT_RATE_LIMIT)
    recorder.add(200, [], headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"})
    recorder.add(200, [])
    await run(client.campaigns.list())
    await run(client.campaigns.list())
    assert clock.sleeps == [pytest.approx(7.0)]


async def test_429_retry_after_is_honoured(sl, recorder, clock):
    recorder.add(429, {"message": "slow down"}, headers={"Retry-After": "12"}).add(200, [])
    assert await run(sl.campaigns.list()) == []
    assert clock.sleeps == [pytest.approx(12.0)]
    assert sl.stats.rate_limited == 1


async def test_429_retry_after_is_capped(sl, recorder, clock):
    recorder.add(429, "Too Many Requests", headers={"retry-after": "3600"}).add(200, [])
    await run(sl.campaigns.list())
    assert clock.sleeps == [pytest.approx(60.0)]  # RetryPolicy.max_retry_after


async def test_429_on_an_update_is_retried(sl, recorder, clock):
    recorder.add(429, None, headers={"Retry-After": "2"}).add(200, {"ok": True, "message": "ok"})
    await run(sl.email_accounts.update(5, max_email_per_day=3))
    assert len(recorder.requests) == 2


async def test_reconnect_is_never_retried_on_5xx(sl, recorder):
    recorder.add(503, {"message": "unavailable"})
    with pytest.raises(Exception, match="unavailable"):
        await run(sl.email_accounts.reconnect_failed())
    assert len(recorder.requests) == 1


async def test_create_timeout_looks_the_account_up_instead_of_resending(sl, recorder):
    recorder.add_error(httpx.ReadTimeout("timed out"))
    recorder.add(200, [{"id": 1, "from_email": "other@acme.com"}, ACCOUNT])  # the reconcile lookup
    recorder.add(200, {**ACCOUNT, "message_per_day": 30})  # the final GET
    account = await run(sl.email_accounts.create_smtp(**create_kwargs()))
    assert recorder.calls() == [
        ("POST", "/api/v1/email-accounts/save"),
        ("GET", "/api/v1/email-accounts/"),
        ("GET", "/api/v1/email-accounts/555/"),
    ]
    assert dict(recorder.requests[1].url.params)["username"] == "ana@acme.com"
    assert account.id == 555
    assert sl.stats.reconciled == 1


async def test_create_timeout_resends_once_the_lookup_finds_nothing(sl, recorder):
    recorder.add_error(httpx.ReadTimeout("timed out"))
    recorder.add(200, [])  # not there: the first attempt did not land
    recorder.add(200, SAVED).add(200, ACCOUNT)
    account = await run(sl.email_accounts.create_smtp(**create_kwargs()))
    assert [c[0] for c in recorder.calls()] == ["POST", "GET", "POST", "GET"]
    assert account.id == 555


async def test_create_oauth_5xx_reconciles_too(sl, recorder):
    recorder.add(502, "Bad Gateway").add(200, [ACCOUNT]).add(200, ACCOUNT)
    token = {"scope": "https://outlook.office.com/.default", "expiry_date": 1, "refresh_token": "r" * 10}
    account = await run(sl.email_accounts.create_oauth(from_name="Ana", from_email="ana@acme.com",
                                                       username="ana@acme.com", token=token))  # fmt: skip
    assert recorder.calls()[1] == ("GET", "/api/v1/email-accounts/")
    assert account.id == 555


async def test_get_timeout_is_retried_then_raised(sl, recorder):
    for _ in range(3):
        recorder.add_error(httpx.ReadTimeout("timed out"))
    with pytest.raises(APITimeoutError):
        await run(sl.email_accounts.get(5))
    assert len(recorder.requests) == 3  # 1 + max_retries
