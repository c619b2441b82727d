"""Scenario 4: peak RSS of a process that loads the whole fleet.

The load runs in a fresh child process (:mod:`bench._memory_child`) so nothing earlier in the
benchmark run counts; the sandbox server is another process, so the figure is what a user's
script holding the fleet needs: the high-water mark after the interpreter starts, after
importing tenantlead, and after ``Fleet.load`` (see the child for why ``VmHWM`` and not only
``ru_maxrss``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench._common import Result, Scale, Target, summary
from bench._loopback import loopback
from bench.scenarios.fleet_load import spec_for

__all__ = ["run"]

NAME = "memory"
TARGET_MB = 150


def _measure(scale: Scale) -> dict[str, Any]:
    spec = spec_for(scale)
    with loopback(spec, latency=0.0, subprocess_server=scale.subprocess_server) as ep:
        config = {
            "tc_key": ep.tenantcore_api_key,
            "sl_key": ep.smartlead_api_key,
            "tc_url": ep.tenantcore_base_url,
            "sl_url": ep.smartlead_base_url,
            "rate_limits": [list(w) for w in scale.rate_limits],
        }
        out = subprocess.run(
            [sys.executable, "-m", "bench._memory_child"],
            # On stdin, not argv: the (sandbox) keys stay out of the process list.
            input=json.dumps(config),
            capture_output=True,
            text=True,
            check=True,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(scale: Scale, results_dir: Path) -> Result:
    """Measure the child's RSS over ``scale.repeats`` fresh processes."""
    spec = spec_for(scale)
    runs = [_measure(scale) for _ in range(scale.repeats)]
    result = Result(
        scenario=NAME,
        title="Peak RSS while loading the fleet",
        scale=scale,
        parameters={
            "fleet": spec.to_json(),
            "mailboxes": spec.mailboxes,
            "process": "fresh child; sandbox server in another process",
            "measure": runs[0].get("source", "ru_maxrss"),
        },
    )
    result.metrics["peak_rss"] = summary([r["peak_mb"] for r in runs], "MB")
    result.metrics["rss_interpreter"] = summary([r["start_mb"] for r in runs], "MB")
    result.metrics["rss_after_imports"] = summary([r["imported_mb"] for r in runs], "MB")
    result.metrics["fleet_increment"] = summary([r["peak_mb"] - r["imported_mb"] for r in runs], "MB")
    result.counts["runs"] = runs
    peak = result.metrics["peak_rss"]["max"]
    result.targets.append(
        Target(
            f"peak RSS loading {spec.mailboxes} mailboxes + {spec.mailboxes} accounts",
            f"<= {TARGET_MB} MB for the process",
            f"{peak:.1f} MB (imports {result.metrics['rss_after_imports']['median']:.1f} MB)",
            peak <= TARGET_MB,
        )
    )
    result.write(results_dir)
    return result
