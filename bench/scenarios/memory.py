"""Scenario 4: peak RSS of a process that loads the whole fleet.

The load runs in a fresh child process (``python -m bench.scenarios.memory``) so nothing
earlier in the benchmark run counts; the sandbox server is another process, so the figure is
what a user's script holding the fleet needs. ``ru_maxrss`` (kB on Linux) is read before the
load (interpreter + imports) and after it (peak).
"""

from __future__ import annotations

import json
import os
import resource
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


def _rss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def _child(argv: list[str]) -> None:
    """Load the fleet from the endpoint in argv[0] (JSON) and print the RSS figures."""
    config = json.loads(argv[0])
    before = _rss_mb()
    from tenantlead import RateLimit, Smartlead, TenantCore
    from tenantlead.orchestration.fleet import Fleet

    imported = _rss_mb()
    rate = RateLimit(tuple((int(n), float(s)) for n, s in config["rate_limits"]))
    with (
        TenantCore(config["tc_key"], base_url=config["tc_url"], max_retries=5) as tc,
        Smartlead(config["sl_key"], base_url=config["sl_url"], max_retries=5, rate_limit=rate) as sl,
    ):
        fleet = Fleet.load(tc, sl)
        after = _rss_mb()
        print(
            json.dumps(
                {"start_mb": before, "imported_mb": imported, "peak_mb": after, "rows": len(fleet.rows)}
            )
        )


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
            [sys.executable, "-m", "bench.scenarios.memory", json.dumps(config)],
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
            "process": "fresh child, server elsewhere",
        },
    )
    result.metrics["peak_rss"] = summary([r["peak_mb"] for r in runs], "MB")
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


if __name__ == "__main__":
    _child(sys.argv[1:])
