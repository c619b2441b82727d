"""Scales, statistics and the result files every scenario writes."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

import tenantlead

__all__ = ["SCALES", "Result", "Scale", "Target", "duration", "machine", "summary"]

#: Where ``make bench`` writes; the smoke tests pass a temporary directory instead.
RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPORT_PATH = Path(__file__).resolve().parent / "RESULTS.md"
#: The README whose performance paragraph ``make bench`` keeps in step with the real-limit results.
README_PATH = Path(__file__).resolve().parent.parent / "README.md"


@dataclass(frozen=True)
class Scale:
    """Every size and timing knob of one benchmark run.

    ``rate_limits`` is the sandbox's Smartlead limit and the client's (the same windows): 600
    per 60 s as in the issue, plus a 20-per-2-s burst cap shaped like Smartlead's documented
    10-per-2-s one. Without a burst cap a 600-request sliding window lets every run below 600
    requests through at once, so the rate limit would never bind at all.
    """

    name: str
    tenants: int
    domains_per_tenant: int
    mailboxes_per_domain: int
    events: int
    align_tenants: int
    latency: float
    rate_limits: tuple[tuple[int, float], ...]
    repeats: int
    naive_repeats: int
    overhead_requests: int
    overhead_repeats: int
    parse_accounts: int
    capacity_requests: int
    subprocess_server: bool
    #: Requests in flight for the concurrent loads: ``Fleet.load`` / ``Fleet.aload``'s default.
    concurrency: int = 16
    #: Tenants of the real-limits scenario (12 domains x 3 mailboxes each: 100 -> 3,600 mailboxes).
    real_tenants: int = 100

    def to_json(self) -> dict[str, Any]:
        """The scale as a JSON-ready dict."""
        return asdict(self)


SCALES: dict[str, Scale] = {
    "full": Scale(
        name="full",
        tenants=100,
        domains_per_tenant=12,
        mailboxes_per_domain=3,
        events=250,
        align_tenants=10,
        latency=0.02,
        rate_limits=((600, 60.0), (20, 2.0)),
        repeats=3,
        naive_repeats=1,
        overhead_requests=2000,
        overhead_repeats=5,
        parse_accounts=10_000,
        capacity_requests=1000,
        subprocess_server=True,
    ),
    "tiny": Scale(
        name="tiny",
        tenants=2,
        domains_per_tenant=2,
        mailboxes_per_domain=3,
        events=5,
        align_tenants=2,
        latency=0.0,
        rate_limits=((600, 60.0), (20, 2.0)),
        repeats=1,
        naive_repeats=1,
        overhead_requests=30,
        overhead_repeats=2,
        parse_accounts=200,
        capacity_requests=40,
        subprocess_server=False,
        real_tenants=2,
    ),
}


def summary(values: Sequence[float], unit: str) -> dict[str, Any]:
    """``{min, median, max, unit, values}`` of repeated measurements."""
    if not values:
        raise ValueError("summary() needs at least one value")
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
        "unit": unit,
        "values": list(values),
    }


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "tenantlead": tenantlead.__version__,
        "httpx": httpx.__version__,
        # Other processes' load distorts the wall-time (loopback) scenarios, not the simulated one.
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


@dataclass(frozen=True)
class Target:
    """One issue target beside its measurement (``met`` None when there is nothing to judge)."""

    name: str
    target: str
    measured: str
    met: bool | None
    note: str = ""


@dataclass
class Result:
    """What one scenario reports; :meth:`write` stores it as ``<dir>/<scenario>.json``."""

    scenario: str
    title: str
    scale: Scale
    parameters: dict[str, Any]
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result file's content."""
        return {
            "scenario": self.scenario,
            "title": self.title,
            "scale": self.scale.name,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "python": sys.version.split()[0],
            "parameters": {"scale": self.scale.to_json(), **self.parameters},
            "metrics": self.metrics,
            "counts": self.counts,
            "targets": [asdict(t) for t in self.targets],
            "notes": self.notes,
        }

    def write(self, directory: Path) -> Path:
        """Write ``<directory>/<scenario>.json`` and return its path."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.scenario}.json"
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return path


def duration(seconds: float, digits: int = 1) -> str:
    """Simulated time for a report: minutes from two minutes up, else seconds."""
    if seconds >= 120:
        return f"{seconds / 60:.{digits}f} min"
    return f"{seconds:.{digits}f} s"
