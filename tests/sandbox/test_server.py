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


def test_wall_clock_runs_by_itself_at_its_speed_and_still_jumps() -> None:
    from datetime import UTC, datetime

    from tenantlead.sandbox import WallClock

    ticks = [100.0]
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    clock = WallClock(start, speed=600, monotonic=lambda: ticks[0])
    assert clock.now() == start
    ticks[0] += 0.5  # half a wall second
    assert clock.monotonic() == 300.0
    assert clock.now() == datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    clock.advance(minutes=10)
    assert clock.now() == datetime(2026, 12, 1, 9, 15, tzinfo=UTC)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    for bad in (0, -2, float("nan")):
        with pytest.raises(ValueError, match="speed"):
            WallClock(speed=bad)


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["--speed", "0"], "--speed"),
        (["--speed", "inf"], "--speed"),
        (["--clock", "virtual", "--speed", "60"], "--clock wall"),
        (["--start", "tomorrow"], "--start"),
        (["--start", "2026-12-01T09:00:00"], "time zone"),
        (["--mailboxes-per-domain", "0"], "--mailboxes-per-domain"),
    ],
)
def test_cli_rejects_bad_clock_options(
    argv: list[str], names: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *argv]) == 2
    assert names in capsys.readouterr().err


def test_cli_builds_the_world_its_options_describe() -> None:
    from tenantlead.sandbox import VirtualClock, WallClock
    from tenantlead.sandbox.__main__ import _parser, build_sandbox

    args = _parser().parse_args(
        ["serve", "--speed", "600", "--no-rate-limits", "--tenants", "1", "--seed", "3"]
    )
    sb = build_sandbox(args)
    assert isinstance(sb, Sandbox)
    assert isinstance(sb.clock, WallClock)
    assert sb.clock.speed == 600
    assert sb.smartlead.config.rate_limits == ()
    assert sb.seed == 3
    assert len(sb.tc_account.tenants) == 1
    args = _parser().parse_args(["serve", "--clock", "virtual", "--start", "2026-12-01T09:00:00Z", "--empty"])
    sb = build_sandbox(args)
    assert isinstance(sb, Sandbox)
    assert type(sb.clock) is VirtualClock
    assert sb.clock.now().isoformat() == "2026-12-01T09:00:00+00:00"
    assert sb.tc_account.tenants == {}
    assert sb.smartlead.config.rate_limits == ((60, 60.0), (10, 2.0))


def test_cli_help_lists_every_serve_option() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tenantlead.sandbox", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in (
        "--clock",
        "--speed",
        "--start",
        "--no-rate-limits",
        "--seed",
        "--tenants",
        "--mailboxes-per-domain",
    ):
        assert flag in out


def test_docs_describe_every_serve_option() -> None:
    import argparse
    from pathlib import Path

    from tenantlead.sandbox.__main__ import add_serve_arguments

    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    page = (Path(__file__).resolve().parents[2] / "docs" / "sandbox.md").read_text(encoding="utf-8")
    flags = [o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
    assert len(flags) == 11
    assert [f for f in flags if f"`{f}`" not in page] == []


def test_in_process_credentials_export_needs_the_tenantcore_key() -> None:
    sb = Sandbox.demo(seed=1, tenants=1)
    with sb.http_client() as client:
        ok = client.get(
            "https://api.tenantcore.io/sandbox/credentials.csv",
            headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"},
        )
        refused = client.get("https://api.tenantcore.io/sandbox/credentials.csv")
        wrong_method = client.post("https://api.tenantcore.io/sandbox/credentials.csv")
    assert ok.status_code == 200
    assert ok.text == sb.credentials_csv(sb.tc_account)
    assert ok.headers["cache-control"] == "no-store"
    assert refused.status_code == 401
    assert sb.tenantcore_api_key not in refused.text
    assert wrong_method.status_code == 405
