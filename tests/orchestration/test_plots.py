"""The pictures draw the fleet's numbers: bars and points are checked against the data, not pixels."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from tenantlead.cli._session import sandbox_clients
from tenantlead.orchestration import Fleet, align_limits, troubleshoot
from tenantlead.orchestration import plots as plots_module
from tenantlead.orchestration.plots import MISSING_MATPLOTLIB, sending_day
from tenantlead.sandbox import Sandbox


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, Fleet]]:
    sb = Sandbox.demo(seed=7, tenants=8)
    sb.simulate_day()  # so that sends_today is not zero everywhere
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        yield sb, Fleet.load(tc, sl, with_warmup_details=True)


def _bars(fig: Figure, label: str, axes: int = 0) -> BarContainer:
    [bars] = [c for c in fig.axes[axes].containers if isinstance(c, BarContainer) and c.get_label() == label]
    return bars


def _heights(bars: BarContainer) -> list[float]:
    return [p.get_height() for p in bars.patches]


def _widths(bars: BarContainer) -> list[float]:
    return [p.get_width() for p in bars.patches]


def test_limits_bars_are_the_fleets_per_tenant_totals(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    fig = fleet.plot.limits()
    summary = fleet.summary_records()

    assert _heights(_bars(fig, "TenantCore limits")) == [r["daily_send_limit_total"] for r in summary]
    assert _heights(_bars(fig, "Smartlead limits")) == [r["message_per_day_total"] for r in summary]
    assert _heights(_bars(fig, "Smartlead warmup")) == [r["warmup_per_day_total"] for r in summary]
    assert _heights(_bars(fig, "sent today")) == [r["sends_today"] for r in summary]
    assert sum(_heights(_bars(fig, "sent today"))) == sum(r.sends_today or 0 for r in fleet.rows) > 0
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == [r["tenant_name"] for r in summary]
    # Warmup is stacked on the campaign limit: the Smartlead bar reaches limit + warmup.
    for patch, record in zip(_bars(fig, "Smartlead warmup").patches, summary, strict=True):
        assert patch.get_y() == record["message_per_day_total"]


def test_limits_caps_the_tenants_drawn_and_says_so(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    fig = fleet.plot.limits(tenants=3)

    assert len(_bars(fig, "TenantCore limits").patches) == 3
    assert "3 of 8 tenants" in fig.axes[0].get_title()
    assert "fleet.plot.limits(tenants=None)" in fig.axes[0].get_title()
    assert fleet.plot().axes[0].get_title() == fleet.plot.limits().axes[0].get_title()


def test_headroom_points_are_ceiling_against_limit_plus_warmup(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    fig = fleet.plot.headroom()
    ax = fig.axes[0]
    expected = Counter(
        (r.daily_send_limit, r.message_per_day + (r.warmup_per_day or 0))
        for r in fleet.rows
        if r.status == "connected" and r.daily_send_limit is not None and r.message_per_day is not None
    )
    drawn: dict[str, set[tuple[float, float]]] = {}
    for collection in ax.collections:
        label = str(collection.get_label())
        drawn[label.split(" (")[0]] = {(float(x), float(y)) for x, y in collection.get_offsets()}

    over = {p for p in expected if p[1] > p[0]}
    assert drawn["over the ceiling"] == {(float(x), float(y)) for x, y in over}
    assert drawn["fits the ceiling"] == {(float(x), float(y)) for x, y in set(expected) - over}
    assert over  # the demo plants TL301/TL302
    over_label = next(str(c.get_label()) for c in ax.collections if "over" in str(c.get_label()))
    assert f"({sum(expected[p] for p in over)} mailboxes)" in over_label
    counts = {t.get_text() for t in ax.texts}
    assert str(max(expected.values())) in counts


def test_report_plot_has_one_bar_per_code_with_its_count(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    report = troubleshoot(fleet)
    fig = report.plot()
    ax = fig.axes[0]
    [bars] = ax.containers
    labels = [t.get_text().split()[0] for t in ax.get_yticklabels()]

    assert dict(zip(labels, _widths(bars), strict=True)) == report.summary()
    # Errors are drawn on top (the last bar of a horizontal chart).
    assert report.findings[0].code == labels[-1]


def test_sending_day_before_and_after_alignment() -> None:
    sb = Sandbox.demo(seed=7, tenants=4)
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        before = sb.simulate_day()
        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        align_limits(fleet).apply(tc=tc, sl=sl)
        after = sb.simulate_day()
    fig = sending_day(before, after, fleet=fleet)
    names = {t.tenant_id: t.tenant_name for t in fleet.tenants}

    assert before.ndrs > 0
    assert after.ndrs == 0
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]  # the panels share the tenant axis
    for index, day in enumerate((before, after)):
        delivered = dict(zip(labels, _widths(_bars(fig, "delivered", index)), strict=True))
        ndrs = dict(zip(labels, _widths(_bars(fig, "NDR (blocked by Exchange)", index)), strict=True))
        assert delivered == {names[t]: c["sent"] for t, c in day.per_tenant.items()}
        assert ndrs == {names[t]: c["ndrs"] for t, c in day.per_tenant.items()}
        assert f"{day.ndrs} NDRs" in fig.axes[index].get_title()
    assert fig.axes[0].get_title().startswith("before")
    # Tenants with the most NDRs are listed first (at the top of the chart).
    top = max(before.per_tenant, key=lambda t: before.per_tenant[t]["ndrs"])
    assert fig.axes[0].get_yticklabels()[-1].get_text() == names[top]
    # One day alone is one panel.
    assert len(sending_day(before).axes) == 1


def test_drawing_into_an_existing_axes(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    fig = Figure()
    left, right = fig.subplots(1, 2)

    assert fleet.plot.limits(ax=left) is fig
    assert fleet.plot.headroom(ax=right) is fig
    assert left.containers
    assert right.collections


def test_without_matplotlib_the_error_says_what_to_install(
    demo: tuple[Sandbox, Fleet], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, fleet = demo
    real = importlib.import_module

    def no_matplotlib(name: str, *args: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr(plots_module.importlib, "import_module", no_matplotlib)
    with pytest.raises(ImportError, match=r"pip install 'tenantlead\[plot\]'") as caught:
        fleet.plot.limits()
    assert str(caught.value) == MISSING_MATPLOTLIB
