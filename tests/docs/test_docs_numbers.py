"""The numbers the docs quote about the demo are the demo's: computed here, compared with the pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenantlead.cli import main
from tenantlead.cli._demo import NEW_CLIENT, add_client_tenant
from tenantlead.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]


def page(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_getting_started_quotes_the_demos_tenants_and_mailboxes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 0
    story = json.loads(capsys.readouterr().out)
    status = story["status"]
    text = " ".join(page("docs/getting-started.md").split())

    assert f"{status['tenants']} tenants and {status['mailboxes']} mailboxes" in text
    assert f"{status['tenants'] - 1} client tenants" in text
    sb = Sandbox.demo(seed=7)
    tenant = add_client_tenant(sb, NEW_CLIENT)
    new = sum(1 for m in sb.tc_account.mailboxes.values() if m.tenant_id == tenant.tenant_id)
    assert f"a new client, {status['new_client']}, whose {new} mailboxes" in text


def test_the_sandbox_page_shows_the_demos_real_sending_day() -> None:
    day = Sandbox.demo(seed=7).simulate_day()

    assert f"# {day}" in page("docs/sandbox.md")
    assert f"has {day.ndrs} NDRs and {day.enforcement_blocks} mailboxes blocked" in " ".join(
        page("docs/orchestration.md").split()
    )
