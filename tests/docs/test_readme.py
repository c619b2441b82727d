"""Every Python block of the README runs, against the sandbox, so the README cannot drift.

The blocks are written for real credentials (``TenantCore()`` reads ``TENANTCORE_API_KEY``);
here the client classes are swapped for ones bound to an in-process sandbox, and the
credentials file the taste reads is the sandbox's export.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import tenantlead
import tenantlead.microsoft
from tenantlead.sandbox import Sandbox

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def bind(cls: type, sb: Sandbox, *, is_async: bool, key: str) -> Any:
    def make(*args: Any, **kwargs: Any) -> Any:
        for name, value in sb.client_options(asynchronous=is_async).items():
            kwargs.setdefault(name, value)
        return cls(*(args or (key,)), **kwargs)

    return make


@pytest.fixture
def sandboxed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sandbox:
    sb = Sandbox.demo(seed=7)
    for name, is_async, key in (
        ("TenantCore", False, sb.tenantcore_api_key),
        ("AsyncTenantCore", True, sb.tenantcore_api_key),
        ("Smartlead", False, sb.smartlead_api_key),
        ("AsyncSmartlead", True, sb.smartlead_api_key),
    ):
        monkeypatch.setattr(tenantlead, name, bind(getattr(tenantlead, name), sb, is_async=is_async, key=key))
    # The agency's Azure app: the sandbox's (the one its Smartlead refreshes with), from the env.
    reg = sb.authority.smartlead_app
    monkeypatch.setenv("MICROSOFT_CLIENT_ID", reg.client_id)
    monkeypatch.setenv("MICROSOFT_CLIENT_SECRET", reg.secret)
    monkeypatch.delenv("MICROSOFT_AUTHORITY_HOST", raising=False)
    for name in ("MicrosoftIdentity", "AsyncMicrosoftIdentity"):
        cls = getattr(tenantlead.microsoft, name)
        monkeypatch.setattr(
            tenantlead.microsoft, name, bind(cls, sb, is_async=name.startswith("Async"), key="")
        )
    (tmp_path / "mailboxes.csv").write_text(sb.credentials_csv(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return sb


def test_the_readme_has_the_blocks_this_test_expects() -> None:
    assert len(BLOCKS) >= 6
    assert any("troubleshoot(fleet)" in b and "align_limits" in b and "connect(" in b for b in BLOCKS)
    taste = next(b for b in BLOCKS if "troubleshoot(fleet)" in b)
    assert 'connect(fleet, "oauth", microsoft=app' in taste  # OAuth first; SMTP is the legacy path
    assert '"smtp"' not in taste


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index: int, sandboxed: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code = BLOCKS[index]
    namespace: dict[str, Any] = {"__name__": "readme"}
    if "Sandbox.demo" in code:
        pass  # the block builds its own sandbox
    else:
        # Blocks that continue an earlier one use its clients.
        namespace["tc"] = tenantlead.TenantCore()
        namespace["sl"] = tenantlead.Smartlead()
    exec(compile(code, f"README.md block {index}", "exec"), namespace)
    out = capsys.readouterr().out
    key = sandboxed.tenantcore_api_key
    assert key not in out
    assert sandboxed.smartlead_api_key not in out


def test_the_taste_connects_and_aligns_the_demo_fleet(sandboxed: Sandbox) -> None:
    taste = next(b for b in BLOCKS if "troubleshoot(fleet)" in b)
    exec(compile(taste, "README taste", "exec"), {"__name__": "readme"})
    tc, sl = tenantlead.TenantCore(), tenantlead.Smartlead()
    from tenantlead.microsoft import MicrosoftApp
    from tenantlead.orchestration import Fleet, LimitPolicy, align_limits, connect

    fleet = Fleet.load(tc, sl, with_warmup_details=True)
    assert align_limits(fleet, LimitPolicy(headroom=2)).is_empty
    # Every mailbox that was ready is connected, as OUTLOOK over OAuth; only the one that was
    # still propagating during the first run is left to connect.
    connected = set(sandboxed.planted["TL201"]) - set(sandboxed.planted["TL105"])
    assert connected
    assert {fleet.row(a).account.type for a in connected} == {"OUTLOOK"}  # type: ignore[union-attr]
    plan = connect(fleet, "oauth", microsoft=MicrosoftApp(), credentials="mailboxes.csv")
    assert {item.address for item in plan.to_create} <= set(sandboxed.planted["TL105"])
    day = sandboxed.simulate_day()
    assert day.ndrs == 0
    assert day.enforcement_blocks == 0
