"""Pictures of a fleet, a report and a sending day (matplotlib, the ``plot`` extra).

One call each, on the objects you already have; each returns a ``matplotlib.figure.Figure``
(shown by Jupyter, saved with ``fig.savefig("limits.png")``):

    fleet.plot.limits()        # per tenant: TenantCore limits, Smartlead limits + warmup, sends today
    fleet.plot.headroom()      # per mailbox: Smartlead limit + warmup against the TenantCore ceiling
    report.plot()              # findings by code, coloured by severity
    sending_day(before, after) # a simulated sending day (Sandbox.simulate_day) before and after align

matplotlib is imported only when a picture is drawn: ``pip install 'tenantlead[plot]'``. The
figures are built without pyplot, so nothing global changes and a notebook shows each once.
Pass ``ax=`` to draw into an axes of your own figure instead.
"""

from __future__ import annotations

import importlib
import io
import sys
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tenantlead.orchestration.checks import Report
    from tenantlead.orchestration.fleet import Fleet
    from tenantlead.sandbox.sending import DayReport

__all__ = [
    "MISSING_MATPLOTLIB",
    "FleetPlots",
    "findings_by_code",
    "headroom",
    "limits_by_tenant",
    "sending_day",
]

#: Colours: TenantCore, Smartlead, sends; and per severity.
TENANTCORE_COLOUR = "#4c72b0"
SMARTLEAD_COLOUR = "#dd8452"
WARMUP_COLOUR = "#f2c29b"
SENDS_COLOUR = "#55a868"
NDR_COLOUR = "#c44e52"
SEVERITY_COLOURS = {"error": "#c44e52", "warning": "#e1a100", "info": "#4c72b0"}


#: What a missing matplotlib says.
MISSING_MATPLOTLIB = (
    "tenantlead's pictures need matplotlib: pip install 'tenantlead[plot]' (or pip install matplotlib)"
)


def _new_figure(size: tuple[float, float]) -> Figure:
    """A figure outside pyplot's state; matplotlib is imported here, lazily."""
    try:
        figure_module = importlib.import_module("matplotlib.figure")
    except ImportError:
        raise ImportError(MISSING_MATPLOTLIB) from None
    fig: Figure = figure_module.Figure(figsize=size, layout="constrained")
    _show_in_ipython()
    return fig


def _show_in_ipython() -> None:
    """In IPython/Jupyter, display figures made outside pyplot as PNG (what the inline backend does)."""
    ipython_module = sys.modules.get("IPython")
    shell = ipython_module.get_ipython() if ipython_module is not None else None
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type_by_name("matplotlib.figure", "Figure", _ipython_png)


def _ipython_png(fig: Figure) -> bytes:
    return figure_png(fig, dpi=100)


def _figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new figure with one axes, or ``ax`` and its figure."""
    if ax is not None:
        fig = ax.get_figure()
        if fig is None:  # pragma: no cover - an axes always belongs to a figure in practice
            raise ValueError("ax= must belong to a matplotlib figure")
        return fig, ax  # type: ignore[return-value]
    fig = _new_figure(size)
    return fig, fig.add_subplot()


def _label(name: str | None, tenant_id: str | None) -> str:
    return name or (tenant_id or "?")[:8]


def _capped(total: int, shown: int, what: str, call: str) -> str:
    return f" ({shown} of {total} {what}, problems first; {call} for all)" if shown < total else ""


def limits_by_tenant(fleet: Fleet, *, tenants: int | None = 20, ax: Axes | None = None) -> Figure:
    """Per tenant: TenantCore limits (summed), Smartlead limits and warmup (summed), sends today.

    Bars follow ``fleet.summary_records()`` (problems first); ``tenants`` caps how many are drawn
    (``None``: all). The Smartlead bar stacks warmup on the campaign limit, since both send
    through the mailbox and count against its ceiling.
    """
    summary = fleet.summary_records()
    shown = summary if tenants is None else summary[:tenants]
    n = len(shown)
    fig, ax = _figure(ax, (max(7.0, 0.5 * n + 2.5), 4.5))
    x = list(range(n))
    width = 0.27
    names = [_label(r["tenant_name"], r["tenant_id"]) for r in shown]
    ax.bar(
        [i - width for i in x],
        [r["daily_send_limit_total"] for r in shown],
        width,
        label="TenantCore limits",
        color=TENANTCORE_COLOUR,
    )
    ax.bar(
        x,
        [r["message_per_day_total"] for r in shown],
        width,
        label="Smartlead limits",
        color=SMARTLEAD_COLOUR,
    )
    ax.bar(
        x,
        [r["warmup_per_day_total"] for r in shown],
        width,
        bottom=[r["message_per_day_total"] for r in shown],
        label="Smartlead warmup",
        color=WARMUP_COLOUR,
    )
    ax.bar(
        [i + width for i in x],
        [r["sends_today"] for r in shown],
        width,
        label="sent today",
        color=SENDS_COLOUR,
    )
    ax.set_xticks(x, names, rotation=30 if n > 3 else 0, ha="right" if n > 3 else "center", fontsize=8)
    ax.set_ylabel("emails per day")
    ax.set_title(
        "Daily limits and sends per tenant"
        + _capped(len(summary), n, "tenants", "fleet.plot.limits(tenants=None)"),
        fontsize=10 if n > 12 else 8,
    )
    # Head room above the tallest bar for the legend.
    tallest = max(
        [
            *(r["daily_send_limit_total"] for r in shown),
            *(r["message_per_day_total"] + r["warmup_per_day_total"] for r in shown),
            *(r["sends_today"] for r in shown),
            1,
        ]
    )
    ax.set_ylim(0, tallest * 1.25)
    ax.legend(fontsize=8, ncols=4, loc="upper right")
    return fig


def headroom(fleet: Fleet, *, ax: Axes | None = None) -> Figure:
    """Per connected mailbox: Smartlead limit + warmup (y) against the TenantCore ceiling (x).

    Points on or under the diagonal fit; points above it send more than Exchange allows
    (the NDRs of TL301/TL302). Mailboxes with the same numbers share one point, its size and
    label the count. A warmup volume the fleet does not know counts as 0 (the title says how
    many; load with ``with_warmup_details=True``).
    """
    counts: Counter[tuple[int, int]] = Counter()
    unknown = 0
    for row in fleet.rows:
        if row.status != "connected" or row.daily_send_limit is None or row.message_per_day is None:
            continue
        warmup = row.warmup_per_day
        if warmup is None:
            unknown += 1
        counts[(row.daily_send_limit, row.message_per_day + (warmup or 0))] += 1
    fig, ax = _figure(ax, (6.5, 5.0))
    for over, colour, label in (
        (False, TENANTCORE_COLOUR, "fits the ceiling"),
        (True, NDR_COLOUR, "over the ceiling"),
    ):
        points = sorted(p for p in counts if (p[1] > p[0]) is over)
        if not points:
            continue
        ax.scatter(
            [p[0] for p in points],
            [p[1] for p in points],
            s=[20 + 15 * counts[p] ** 0.5 for p in points],
            color=colour,
            alpha=0.7,
            label=f"{label} ({sum(counts[p] for p in points)} mailboxes)",
        )
        for p in points:
            if counts[p] > 1:
                ax.annotate(str(counts[p]), p, textcoords="offset points", xytext=(6, 4), fontsize=7)
    top = max([*(max(p) for p in counts), 1]) * 1.1
    ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1, label="limit + warmup = ceiling")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("TenantCore daily send limit (Exchange ceiling)")
    ax.set_ylabel("Smartlead limit + warmup per day")
    note = f"; {unknown} with unknown warmup counted as 0" if unknown else ""
    ax.set_title(f"Headroom per mailbox ({sum(counts.values())} connected{note})", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def findings_by_code(report: Report, *, ax: Axes | None = None) -> Figure:
    """Findings per TL code, one horizontal bar each, coloured by the code's severity (errors on top)."""
    groups = report.by_code()
    codes = sorted(groups, key=lambda code: (groups[code][0].severity.rank, code), reverse=True)
    fig, ax = _figure(ax, (7.0, max(2.0, 0.35 * len(codes) + 1.2)))
    from tenantlead.orchestration.checks_rules import CHECKS

    bars = ax.barh(
        [f"{code} {CHECKS[code].title}" if code in CHECKS else code for code in codes],
        [len(groups[code]) for code in codes],
        color=[SEVERITY_COLOURS.get(groups[code][0].severity.value, "grey") for code in codes],
    )
    ax.bar_label(bars, fontsize=8, padding=2)
    ax.xaxis.set_major_locator(importlib.import_module("matplotlib.ticker").MaxNLocator(integer=True))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("findings")
    c = report.severity_counts()
    ax.set_title(
        f"Findings by code: {c['error']} errors, {c['warning']} warnings, {c['info']} info"
        if groups
        else "No findings",
        fontsize=10,
    )
    return fig


def sending_day(
    before: DayReport,
    after: DayReport | None = None,
    *,
    fleet: Fleet | None = None,
    tenants: int | None = 20,
) -> Figure:
    """A sending day per tenant, delivered and NDRs stacked; with ``after``, two panels side by side.

    ``before`` / ``after`` are [DayReport][tenantlead.sandbox.DayReport]s from
    ``Sandbox.simulate_day()`` (typically before and after ``align_limits(...).apply``);
    ``fleet`` names the tenants. Tenants with the most NDRs come first; ``tenants`` caps how
    many are drawn (``None``: all).
    """
    days = [d for d in (before, after) if d is not None]
    names: Mapping[str, str | None] = {t.tenant_id: t.tenant_name for t in fleet.tenants} if fleet else {}
    ids = sorted(
        {tid for d in days for tid in d.per_tenant},
        key=lambda tid: (
            -max(d.per_tenant.get(tid, {}).get("ndrs", 0) for d in days),
            _label(names.get(tid), tid),
        ),
    )
    shown = ids if tenants is None else ids[:tenants]
    fig = _new_figure((5.5 * len(days), max(2.5, 0.3 * len(shown) + 1.5)))
    axes: list[Axes] = list(fig.subplots(1, len(days), sharey=True, squeeze=False)[0])
    labels = [_label(names.get(tid), tid) for tid in shown][::-1]
    titles = ("before", "after") if len(days) == 2 else ("",)
    for ax, day, title in zip(axes, days, titles, strict=True):
        sent = [day.per_tenant.get(tid, {}).get("sent", 0) for tid in shown][::-1]
        ndrs = [day.per_tenant.get(tid, {}).get("ndrs", 0) for tid in shown][::-1]
        ax.barh(labels, sent, color=SENDS_COLOUR, label="delivered")
        ax.barh(labels, ndrs, left=sent, color=NDR_COLOUR, label="NDR (blocked by Exchange)")
        head = f"{title}: " if title else ""
        ax.set_title(
            f"{head}{day.date.isoformat()}: {day.sent} delivered, {day.ndrs} NDRs, "
            f"{day.enforcement_blocks} blocked",
            fontsize=9,
        )
        ax.set_xlabel("emails")
        ax.tick_params(axis="y", labelsize=8)
    fig.legend(*axes[0].get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncols=2)
    if len(shown) < len(ids):
        fig.suptitle(f"{len(shown)} of {len(ids)} tenants, most NDRs first", fontsize=9)
    return fig


def figure_png(fig: Figure, *, dpi: int = 80) -> bytes:
    """The figure as PNG bytes (for HTML views and the docs)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class FleetPlots:
    """``fleet.plot``: pictures of one fleet. ``fleet.plot()`` is ``fleet.plot.limits()``."""

    def __init__(self, fleet: Fleet) -> None:
        self._fleet = fleet

    def limits(self, *, tenants: int | None = 20, ax: Axes | None = None) -> Figure:
        """Per tenant: TenantCore limits, Smartlead limits + warmup, sends today (see `limits_by_tenant`)."""
        return limits_by_tenant(self._fleet, tenants=tenants, ax=ax)

    def headroom(self, *, ax: Axes | None = None) -> Figure:
        """Per mailbox: Smartlead limit + warmup against the TenantCore ceiling (see `headroom`)."""
        return headroom(self._fleet, ax=ax)

    def __call__(self, *, tenants: int | None = 20, ax: Axes | None = None) -> Figure:
        """Same as ``limits()``."""
        return self.limits(tenants=tenants, ax=ax)

    def __repr__(self) -> str:
        return "<fleet.plot: .limits(), .headroom()>"
