"""Client construction: env vars, key checks, options, User-Agent, context managers."""

from __future__ import annotations

import httpx
import pytest

from tenantlead.errors import ConfigurationError
from tenantlead.smartlead import AsyncSmartlead, Smartlead
from tests.smartlead.smartlead_testkit import API_KEY, make_client, run


def test_reads_key_and_base_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("SMARTLEAD_API_KEY", API_KEY)
    monkeypatch.setenv("SMARTLEAD_BASE_URL", "http://127.0.0.1:8080/api/v1/")
    with Smartlead() as client:
        assert client.base_url == "http://127.0.0.1:8080/api/v1"


def test_default_base_url(monkeypatch):
    monkeypatch.delenv("SMARTLEAD_BASE_URL", raising=False)
    with Smartlead(API_KEY) as client:
        assert client.base_url == "https://server.smartlead.ai/api/v1"


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("SMARTLEAD_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SMARTLEAD_API_KEY"):
        Smartlead()


@pytest.mark.parametrize(
    ("key", "problem"), [("short", "shorter than 8"), ("abc\x01defghij", "non-printable")]
)
def test_malformed_keys(key, problem):
    with pytest.raises(ConfigurationError, match=problem):
        Smartlead(key)


async def test_every_request_has_the_key_query_and_a_user_agent(sl, recorder):
    recorder.add(200, [])
    await run(sl.campaigns.list())
    request = recorder.last
    assert request.url.params["api_key"] == API_KEY
    assert request.headers["user-agent"].startswith("tenantlead/")
    assert "authorization" not in request.headers


async def test_post_bodies_are_json(sl, recorder):
    recorder.add(200, {"ok": True})
    await run(sl.campaigns.update_status(3, "PAUSED"))
    assert recorder.last.headers["content-type"] == "application/json"


async def test_request_escape_hatch(sl, recorder):
    recorder.add(200, {"ok": True, "leads": []})
    answer = await run(sl.request("GET", "/campaigns/3/leads", params={"offset": 0, "limit": 100}))
    assert answer == {"ok": True, "leads": []}
    assert recorder.last.url.params["api_key"] == API_KEY


def test_with_options_shares_pool_and_limiter(recorder, clock):
    client = make_client("sync", recorder, clock, rate_limit=None)
    fast = client.with_options(timeout=2.0, max_retries=0)
    assert fast.timeout == 2.0
    assert fast.max_retries == 0
    assert client.max_retries == 2
    assert fast.email_accounts._client is fast


def test_sync_client_refuses_an_async_http_client():
    with pytest.raises(ConfigurationError, match=r"httpx\.Client"):
        Smartlead(API_KEY, http_client=httpx.AsyncClient())  # type: ignore[arg-type]


async def test_async_context_manager(recorder, clock):
    recorder.add(200, [])
    async with AsyncSmartlead(API_KEY, http_client=recorder.async_client(), clock=clock,
                              sleep=clock.async_sleep, rate_limit=None) as client:  # fmt: skip
        assert await client.campaigns.list() == []


async def test_async_pager_supports_async_for(recorder, clock):
    client = make_client("async", recorder, clock)
    recorder.add(200, [{"id": i, "from_email": f"m{i}@x.com"} for i in range(1, 4)])
    seen = [a.id async for a in client.email_accounts.list()]
    assert seen == [1, 2, 3]
    assert recorder.last.url.params["limit"] == "100"
