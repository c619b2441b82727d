"""The loopback server: real HTTP on 127.0.0.1, both APIs, clean start/stop."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from tenantlead.sandbox import Sandbox, SmartleadConfig
from tenantlead.sandbox.__main__ import main


def test_serves_both_apis_and_stops() -> None:
    sb = Sandbox.demo(seed=1, tenants=3, smartlead=SmartleadConfig(rate_limits=()))
    with sb.serve() as server:
        assert server.port > 0
        assert server.tenantcore_base_url == f"http://127.0.0.1:{server.port}/tenantcore/v1"
        assert server.smartlead_base_url == f"http://127.0.0.1:{server.port}/smartlead/api/v1"
        with httpx.Client(timeout=5) as c:
            tenants = c.get(
                f"{server.tenantcore_base_url}/tenants",
                headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"},
            )
            accounts = c.get(
                f"{server.smartlead_base_url}/email-accounts/",
                params={"api_key": sb.smartlead_api_key, "limit": 5},
            )
            unknown = c.get(f"{server.base_url}/nowhere")
            rotated = c.post(
                f"{server.base_url}/tenantcore/api-key/rotate",
                params={"user_email": sb.tc_account.user_email},
                headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"},
            )
    assert tenants.status_code == 200
    assert tenants.json()["count"] == 3
    assert len(accounts.json()) == 5
    assert unknown.status_code == 404
    assert rotated.json()["api_key"] == sb.tenantcore_api_key
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.tenantcore_base_url}/tenants", timeout=2)


def test_start_stop_are_idempotent_and_post_bodies_arrive() -> None:
    sb = Sandbox(seed=2)
    tenant = sb.tenantcore.add_tenant(sb.tc_account, "Acme")
    server = sb.serve().start()
    server.start()
    try:
        resp = httpx.post(
            f"{server.tenantcore_base_url}/tenants/{tenant.tenant_id}/domains",
            json={"domain_name": "go.acme.com"},
            headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"},
            timeout=5,
        )
    finally:
        server.stop()
        server.stop()
    assert resp.status_code == 201
    assert sb.tenantcore.find_domain("go.acme.com") is not None


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--tenants", "0"]) == 2
    assert "--tenants" in capsys.readouterr().err


def test_cli_help_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tenantlead.sandbox", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--port" in out.stdout


def test_hung_response_drops_the_connection_on_loopback() -> None:
    from tenantlead.sandbox import FaultRule

    sb = Sandbox(seed=3)
    # hang_seconds=0 keeps the test instant: the server stalls for 0 s and closes without replying.
    sb.faults.add(FaultRule(api="tenantcore", hang_rate=1.0, hang_seconds=0.0))
    with sb.serve() as server, pytest.raises(httpx.RemoteProtocolError):
        httpx.get(
            f"{server.tenantcore_base_url}/tenants",
            headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"},
            timeout=5,
        )
    assert sb.faults.stats["hang"] == 1
