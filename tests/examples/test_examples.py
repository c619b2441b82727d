"""Every example runs against the sandbox, changed only in how its clients are built.

Each script exposes ``main(tc, sl, argv)``; its ``__main__`` block builds real clients from the
environment. Here the clients are served in-process by a demo sandbox on its virtual clock, and
the test checks the simulated world afterwards. The notebook is executed cell by cell.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tenantlead import Smartlead, TenantCore
from tenantlead.cli._demo import add_client_tenant
from tenantlead.cli._session import sandbox_clients
from tenantlead.orchestration import Fleet, troubleshoot
from tenantlead.sandbox import Sandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Main = Callable[..., int]


def example(name: str) -> Main:
    """The ``main`` of ``examples/<name>.py`` (its ``__main__`` block does not run)."""
    namespace: dict[str, Any] = runpy.run_path(str(EXAMPLES / f"{name}.py"))
    return namespace["main"]  # type: ignore[no-any-return]


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.demo(seed=7, tenants=6)


@pytest.fixture
def clients(sb: Sandbox) -> Iterator[tuple[TenantCore, Smartlead]]:
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        yield tc, sl


def test_every_example_is_tested() -> None:
    tested = {"connect_tenant", "nightly_alignment", "diagnose_delivery", "agency_setup", "sandbox_testing"}
    assert {p.stem for p in EXAMPLES.glob("*.py")} == tested


def test_connect_tenant_connects_all_36_mailboxes_and_enforces_limits(sb: Sandbox, tmp_path: Path) -> None:
    tenant = add_client_tenant(sb, "Quarry Roofing")
    csv = tmp_path / "mailboxes.csv"
    csv.write_text(sb.credentials_csv(), encoding="utf-8")
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        assert (
            example("connect_tenant")(tc, sl, ["Quarry Roofing", "--credentials", str(csv), "--apply"]) == 0
        )
        fleet = Fleet.load(tc, sl, tenant_ids=[tenant.tenant_id])
        assert fleet.counts()["connected"] == 36
        assert {r.daily_send_limit for r in fleet} == {25}
        assert all(r.message_per_day is not None and r.message_per_day <= 25 for r in fleet)
        # Running it again creates nothing twice.
        accounts = len(sb.sl_user.accounts)
        assert (
            example("connect_tenant")(tc, sl, ["Quarry Roofing", "--credentials", str(csv), "--apply"]) == 0
        )
        assert len(sb.sl_user.accounts) == accounts
    assert tenant.enforcement_provisioned_at is not None


def test_nightly_alignment_plans_then_applies_then_finds_nothing(
    sb: Sandbox, clients: tuple[TenantCore, Smartlead], capsys: pytest.CaptureFixture[str]
) -> None:
    tc, sl = clients
    job = example("nightly_alignment")
    before = {a.from_email: a.message_per_day for a in sb.sl_user.accounts.values()}
    assert job(tc, sl, []) == 0
    assert {a.from_email: a.message_per_day for a in sb.sl_user.accounts.values()} == before
    assert job(tc, sl, ["--apply"]) == 0
    capsys.readouterr()
    assert job(tc, sl, ["--apply"]) == 0
    assert "0 changes planned" in capsys.readouterr().out
    assert sb.simulate_day().ndrs == 0


def test_diagnose_delivery_reports_the_planted_problems(
    sb: Sandbox, clients: tuple[TenantCore, Smartlead], capsys: pytest.CaptureFixture[str]
) -> None:
    tc, sl = clients
    assert example("diagnose_delivery")(tc, sl, []) == 1
    out = capsys.readouterr().out
    for code in ("TL102", "TL202", "TL301", "TL302", "TL303"):
        for subject in sb.planted[code]:
            assert subject in out


def test_agency_setup_separates_every_client(sb: Sandbox, clients: tuple[TenantCore, Smartlead]) -> None:
    tc, sl = clients
    assert troubleshoot(Fleet.load(tc, sl), codes="TL305").findings
    assert example("agency_setup")(tc, sl, ["--apply"]) == 0
    assert not troubleshoot(Fleet.load(tc, sl), codes="TL305").findings
    tag_names = {t.name for t in sl.tags.list()}
    assert {f"tenant:{t.tenant_name}" for t in sb.tc_account.tenants.values()} <= tag_names


def test_sandbox_testing_example_runs_as_a_script() -> None:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "sandbox_testing.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ok  ") == 3


def test_the_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(EXAMPLES / "fleet.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert not os.listdir(tmp_path)  # the notebook writes no files

    def html_of(source: str) -> str:
        [cell] = [c for c in nb.cells if c.cell_type == "code" and c.source.strip().endswith(source)]
        [html] = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
        return str(html)

    # The agency on one screen from two lines: load the fleet, name the view.
    [load] = [c for c in nb.cells if c.cell_type == "code" and "fleet.overview()" in c.source]
    assert load.source.strip().splitlines() == [
        "fleet = Fleet.load(tc, sl, with_warmup_details=True)",
        "fleet.overview()",
    ]
    overview = html_of("fleet.overview()")
    assert overview.startswith('<div class="tenantlead-view"><p><strong>Fleet</strong> 100 tenants')
    assert "Tenants: 10 of 100 shown, problems first" in overview
    assert '<img alt="fleet.plot.limits(tenants=10)" src="data:image/png;base64,' in overview
    first_tenant = overview.split("<tbody><tr")[1].split("<td>")[1].split("</td>")[0]
    sb = Sandbox.demo(seed=7, tenants=100)
    worst = Counter(sb.tc_account.tenants[t].tenant_name for t in _error_tenants(sb)).most_common(1)[0][0]
    assert first_tenant == worst
    assert "Mailboxes: 8 of 3,299 shown, problems first" in overview
    # Every other view renders as HTML with tenant names; the pictures are PNGs.
    for view in ('fleet.filter(status="not_connected")', "report", "plan"):
        assert "<th>tenant_name</th>" in html_of(view), view
    pictures = [
        c.source.strip().splitlines()[-1]
        for c in nb.cells
        if c.cell_type == "code" and any("image/png" in o.get("data", {}) for o in c.outputs)
    ]
    assert pictures == ["fleet.plot.headroom()", "report.plot()", "sending_day(before, after, fleet=fleet)"]


def _error_tenants(sb: Sandbox) -> list[str]:
    """The tenant of every error finding on the demo (what the overview ranks first)."""
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        report = troubleshoot(Fleet.load(tc, sl, with_warmup_details=True))
    return [f.tenant_id for f in report.errors if f.tenant_id is not None]
