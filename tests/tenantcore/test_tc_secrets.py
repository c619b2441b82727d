"""No API key in logs, exception text, reprs or dicts — across a run with failures and retries."""

from __future__ import annotations

import logging
import pickle
from typing import Any

import httpx
import pytest

from tenantlead import AsyncTenantCore, RetryPolicy, TenantCore
from tenantlead.errors import APIError, AuthenticationError, ConfigurationError, NoAPIPlanError
from tenantlead.tenantcore import RotatedKey

KEY = "tc_live_" + "ab" * 24
NEW_KEY = "tc_live_" + "cd" * 24
TID = "11111111-2222-3333-4444-555555555555"
SECRETS = (KEY, NEW_KEY, "ab" * 24, "cd" * 24)


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def echo_key(request: httpx.Request) -> httpx.Response:
    # A hostile or buggy server that echoes the caller's key back in an error body.
    auth = request.headers["Authorization"]
    return httpx.Response(
        401,
        json={
            "detail": {"message": f"key {auth.split()[-1]} is unknown ({auth})", "code": "invalid_api_key"}
        },
    )


def test_a_run_with_failures_and_retries_never_shows_the_key(
    caplog: pytest.LogCaptureFixture, recorder: Any, clock: Any
) -> None:
    recorder.add(503, {"detail": "busy"}).add(200, {"tenants": [], "count": 0})
    recorder.add_error(httpx.ReadTimeout(f"timed out talking with Bearer {KEY}"))
    recorder.add_error(httpx.ConnectError(f"refused ({KEY})"))
    recorder.add(200, {"tenants": [], "count": 0})
    recorder.add_handler(echo_key)
    recorder.add(402, {"detail": {"message": "No active API plan", "code": "no_api_plan"}})
    recorder.add(200, {"tenants": [{"tenant_id": TID, "mailbox_count": f"{KEY}"}]})
    recorder.add(
        200, {"api_key": NEW_KEY, "user_email": "ops@agency.example", "rotated_at": "2025-04-20T08:00:00Z"}
    )
    for _ in range(3):  # an error inside a 200 on a read is retried, then surfaces
        recorder.add(200, {"detail": {"message": f"oops {NEW_KEY}", "code": "x"}})

    errors: list[APIError] = []
    with caplog.at_level(logging.DEBUG):
        tc = TenantCore(
            KEY,
            http_client=recorder.client(),
            clock=clock,
            sleep=clock.sleep,
            retry=RetryPolicy(jitter="none"),
        )
        tc.tenants.list()  # 503 then 200
        tc.tenants.list()  # timeout, connect error, 200
        for _ in range(3):
            try:
                tc.tenants.list()
            except APIError as exc:
                errors.append(exc)
        rotated = tc.api_keys.rotate("ops@agency.example")
        try:
            tc.tenants.list()
        except APIError as exc:
            errors.append(exc)

    assert [type(e).__name__ for e in errors] == [
        "AuthenticationError",
        "NoAPIPlanError",
        "APIResponseError",
        "APIResponseError",
    ]
    assert isinstance(errors[0], AuthenticationError)
    assert isinstance(errors[1], NoAPIPlanError)
    assert "tenantcore GET" in caplog.text or "-> 503" in caplog.text  # the run was logged at all
    assert "retry 1" in caplog.text
    assert_clean(caplog.text)
    for err in errors:
        assert_clean(str(err))
        assert_clean(repr(err))
        assert_clean(err.message)
        assert_clean(repr(err.body))
        assert_clean(repr(pickle.loads(pickle.dumps(err))))
    assert_clean(repr(tc))
    assert_clean(repr(tc.tenants))
    assert_clean(repr(rotated))
    assert_clean(str(rotated.to_dict()))
    assert rotated.to_dict()["api_key"] == "***"
    assert rotated.api_key == NEW_KEY  # the value itself is available to the caller


async def test_async_client_repr_and_errors_hide_the_key(recorder: Any, clock: Any) -> None:
    recorder.add_handler(echo_key)
    atc = AsyncTenantCore(KEY, http_client=recorder.async_client(), clock=clock, sleep=clock.async_sleep)
    with pytest.raises(AuthenticationError) as info:
        await atc.tenants.list()
    assert_clean(str(info.value))
    assert_clean(repr(atc))
    assert repr(atc) == "AsyncTenantCore(base_url='https://api.tenantcore.io/v1', api_key='***')"


def test_rotated_key_repr_and_equality_hide_the_key() -> None:
    one = RotatedKey.from_dict({"api_key": NEW_KEY, "user_email": "ops@agency.example"})
    assert_clean(repr(one))
    assert "api_key" not in repr(one)


@pytest.mark.parametrize("bad", ["tc_live_" + "ab" * 23 + "a", "tc_test_" + "ab" * 24, " " + KEY])
def test_configuration_errors_do_not_contain_the_key(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        TenantCore(bad)
    assert bad.strip() not in str(info.value)
    assert "ab" * 20 not in str(info.value)


def test_tenantlead_log_debug_installs_a_stderr_handler(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], recorder: Any, clock: Any
) -> None:
    logger = logging.getLogger("tenantlead")
    saved = (list(logger.handlers), logger.level)
    monkeypatch.setenv("TENANTLEAD_LOG", "debug")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    try:
        recorder.add(200, {"tenants": [], "count": 0})
        tc = TenantCore(KEY, http_client=recorder.client(), clock=clock, sleep=clock.sleep)
        TenantCore(KEY, http_client=recorder.client())  # a second client adds no second handler
        assert len(logger.handlers) == 1
        assert logger.level == logging.DEBUG
        tc.tenants.list()
        err = capsys.readouterr().err
        assert "tenantcore GET https://api.tenantcore.io/v1/tenants -> 200 (attempt 1)" in err
        assert_clean(err)
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        for handler in saved[0]:
            logger.addHandler(handler)
        logger.setLevel(saved[1])
