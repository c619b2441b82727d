"""Fault injection: each kind observable, reproducible from the seed."""

from __future__ import annotations

import json

import httpx
import pytest

from tenantlead.sandbox import FaultRule, Sandbox, SmartleadConfig

TC = "https://api.tenantcore.io/v1"
SL = "https://server.smartlead.ai/api/v1"


def _sandbox(seed: int = 0) -> Sandbox:
    return Sandbox(seed=seed, smartlead=SmartleadConfig(rate_limits=()))


def _tc_get(sb: Sandbox, client: httpx.Client, path: str = "/tenants") -> httpx.Response:
    return client.get(f"{TC}{path}", headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"})


def _outcomes(seed: int) -> list[int]:
    sb = _sandbox(seed)
    sb.faults.add(FaultRule(api="tenantcore", error_rate=0.3, malformed_rate=0.2))
    with sb.http_client() as c:
        return [_tc_get(sb, c).status_code * 10 + len(_tc_get(sb, c).content) % 7 for _ in range(40)]


def test_same_seed_same_faults() -> None:
    assert _outcomes(11) == _outcomes(11)
    assert _outcomes(11) != _outcomes(12)


def test_error_rate_gives_5xx_with_the_api_error_body() -> None:
    sb = _sandbox()
    sb.faults.add(FaultRule(api="*", error_rate=1.0))
    with sb.http_client() as c:
        tc = _tc_get(sb, c)
        sl = c.get(f"{SL}/email-accounts/", params={"api_key": sb.smartlead_api_key})
    assert tc.status_code in (500, 502, 503)
    assert "code" in tc.json()["detail"]
    assert sl.status_code in (500, 502, 503)
    assert "message" in sl.json()
    assert sb.faults.stats["error"] == 2


def test_rate_limit_burst_then_recovers() -> None:
    sb = _sandbox()
    sb.faults.add(
        FaultRule(api="smartlead", route="/api/v1/email-accounts*", rate_limit_burst=2, retry_after=7)
    )
    with sb.http_client() as c:
        codes = [c.get(f"{SL}/email-accounts/", params={"api_key": sb.smartlead_api_key}) for _ in range(3)]
        untouched = _tc_get(sb, c)
    assert [r.status_code for r in codes] == [429, 429, 200]
    assert codes[0].headers["retry-after"] == "7"
    assert codes[0].json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert untouched.status_code == 200
    assert sb.faults.stats["rate_limit"] == 2


def test_latency_advances_virtual_clock() -> None:
    sb = _sandbox()
    sb.faults.add(FaultRule(api="tenantcore", latency=1.5))
    before = sb.clock.monotonic()
    with sb.http_client() as c:
        assert _tc_get(sb, c).status_code == 200
    assert sb.clock.monotonic() - before == pytest.approx(1.5)
    assert sb.faults.stats["latency"] == 1


def test_hang_raises_read_timeout_after_the_client_timeout() -> None:
    sb = _sandbox()
    sb.faults.add(FaultRule(api="tenantcore", hang_rate=1.0))
    before = sb.clock.monotonic()
    with sb.http_client(timeout=12.0) as c, pytest.raises(httpx.ReadTimeout):
        _tc_get(sb, c)
    assert sb.clock.monotonic() - before == pytest.approx(12.0)
    assert sb.faults.stats["hang"] == 1


def test_malformed_body_is_truncated_json() -> None:
    sb = _sandbox()
    sb.faults.add(FaultRule(api="tenantcore", malformed_rate=1.0, apply="after"))
    with sb.http_client() as c:
        resp = _tc_get(sb, c)
    assert resp.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        resp.json()


def test_error_in_body_is_200() -> None:
    sb = _sandbox()
    sb.faults.add(FaultRule(api="*", error_in_body_rate=1.0))
    with sb.http_client() as c:
        sl = c.get(f"{SL}/email-accounts/", params={"api_key": sb.smartlead_api_key})
        tc = _tc_get(sb, c)
    assert sl.status_code == tc.status_code == 200
    assert sl.json()["ok"] is False
    assert "code" in tc.json()["detail"]


def test_after_applies_the_write_and_loses_the_response() -> None:
    sb = _sandbox()
    tenant = sb.tenantcore.add_tenant(sb.tc_account, "Acme")
    for apply, expect_created in (("before", False), ("after", True)):
        sb.faults.clear()
        sb.faults.add(
            FaultRule(api="tenantcore", route="*/domains", method="POST", error_rate=1.0, apply=apply)
        )  # type: ignore[arg-type]
        name = f"{apply}.acme.com"
        with sb.http_client() as c:
            resp = c.post(
                f"{TC}/tenants/{tenant.tenant_id}/domains",
                json={"domain_name": name},
                headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"},
            )
        assert resp.status_code >= 500
        assert (sb.tenantcore.find_domain(name) is not None) is expect_created


def test_route_and_method_filters_and_clear() -> None:
    sb = _sandbox()
    sb.faults.add(FaultRule(api="tenantcore", route="/v1/enforcement/*", method="GET", error_rate=1.0))
    with sb.http_client() as c:
        assert _tc_get(sb, c).status_code == 200
        assert _tc_get(sb, c, "/enforcement/events").status_code >= 500
        sb.faults.clear()
        assert _tc_get(sb, c, "/enforcement/events").status_code == 200
    assert sb.faults.stats == {}


def test_bad_rule_is_rejected_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="probability"):
        FaultRule(error_rate=2.0)
    with pytest.raises(ValueError, match="api"):
        FaultRule(api="github")  # type: ignore[arg-type]
