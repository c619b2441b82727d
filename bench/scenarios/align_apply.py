"""Scenario 2: aligning limits when half the accounts are above their TenantCore limit.

Two measurements:

* on the whole fleet, the Smartlead *write* requests ``plan.apply`` makes (target
  ``ceil(changed / 100)`` bulk calls, not one per account), counted by the server;
* on a smaller fleet (``scale.align_tenants``; the naive script needs ~1 s per 10 accounts at
  the benchmark's rate limit), end-to-end wall time of tenantlead (``Fleet.load`` +
  ``align_limits`` + ``plan.apply``, re-read included) against :mod:`bench.naive_baseline`,
  each on a fresh server with the same rate limit. The ratio is taken within this run.
"""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path
from typing import Any

from bench._clients import sync_clients
from bench._common import Result, Scale, Target, summary
from bench._fleet import FleetSpec
from bench._loopback import Endpoint, loopback
from bench.naive_baseline import align_naively
from tenantlead.orchestration.fleet import Fleet
from tenantlead.orchestration.limits import align_limits
from tenantlead.orchestration.policy import LimitPolicy

__all__ = ["run", "spec_for"]

NAME = "align_apply"


def spec_for(scale: Scale, tenants: int) -> FleetSpec:
    """A fleet of ``tenants`` with every other account's Smartlead limit above TenantCore's."""
    return FleetSpec(
        tenants=tenants,
        domains_per_tenant=scale.domains_per_tenant,
        mailboxes_per_domain=scale.mailboxes_per_domain,
        changed_every=2,
        rate_limits=scale.rate_limits,
    )


def _server_counts(ep: Endpoint) -> dict[str, int]:
    stats = ep.stats()
    requests: dict[str, int] = stats["requests"]
    return {
        "smartlead_writes": sum(
            v for k, v in requests.items() if k.startswith("smartlead ") and k != "smartlead GET"
        ),
        "smartlead_reads": requests.get("smartlead GET", 0),
        "tenantcore_requests": sum(v for k, v in requests.items() if k.startswith("tenantcore ")),
        "smartlead_429": stats["statuses"].get("smartlead 429", 0),
    }


def _tenantlead_once(scale: Scale, spec: FleetSpec) -> dict[str, Any]:
    with loopback(spec, latency=scale.latency, subprocess_server=scale.subprocess_server) as ep:
        tc, sl = sync_clients(ep, scale.rate_limits)
        with tc, sl:
            start = time.perf_counter()
            fleet = Fleet.load(tc, sl)
            loaded = time.perf_counter()
            plan = align_limits(fleet, LimitPolicy())
            planned = time.perf_counter()
            ep.reset()  # count apply's own requests (writes + re-read) apart from the load
            applied = plan.apply(tc=tc, sl=sl)
            done = time.perf_counter()
        counts = _server_counts(ep)
    changed = len({c.account_id for c in plan.changes if c.system == "smartlead"})
    return {
        "wall": done - start,
        "load": loaded - start,
        "plan": planned - loaded,
        "apply": done - planned,
        "changed_accounts": changed,
        "succeeded": len(applied.succeeded),
        "failed": len(applied.failed),
        "drift": len(applied.drift),
        **{f"apply_{k}": v for k, v in counts.items()},
    }


def _naive_once(scale: Scale, spec: FleetSpec) -> dict[str, Any]:
    with loopback(spec, latency=scale.latency, subprocess_server=scale.subprocess_server) as ep:
        start = time.perf_counter()
        naive = align_naively(
            ep.tenantcore_base_url, ep.tenantcore_api_key, ep.smartlead_base_url, ep.smartlead_api_key
        )
        wall = time.perf_counter() - start
        counts = _server_counts(ep)
    return {
        "wall": wall,
        "updated": naive.updated,
        "requests": naive.requests,
        "rate_limited": naive.rate_limited,
        "slept": naive.slept,
        **counts,
    }


def run(scale: Scale, results_dir: Path) -> Result:
    """Measure bulk writes on the full fleet and tenantlead vs the naive script on the smaller one."""
    full = spec_for(scale, scale.tenants)
    small = spec_for(scale, scale.align_tenants)
    result = Result(
        scenario=NAME,
        title="Align apply (half the accounts changed) against a naive per-account script",
        scale=scale,
        parameters={
            "write_count_fleet": full.to_json(),
            "comparison_fleet": small.to_json(),
            "changed_accounts_full": full.changed,
            "changed_accounts_comparison": small.changed,
            "latency_s": scale.latency,
            "rate_limits": [list(w) for w in scale.rate_limits],
            "policy": "LimitPolicy() (cap mode, no headroom)",
            "server": "subprocess" if scale.subprocess_server else "thread",
        },
    )
    whole = _tenantlead_once(scale, full)
    result.counts["full_fleet"] = whole
    result.metrics["full_fleet_apply"] = summary([whole["apply"]], "s")
    result.metrics["full_fleet_wall"] = summary([whole["wall"]], "s")
    want = math.ceil(full.changed / 100)
    result.targets.append(
        Target(
            f"Smartlead write requests ({full.changed} of {full.mailboxes} accounts changed)",
            f"ceil({full.changed}/100) = {want} bulk calls",
            str(whole["apply_smartlead_writes"]),
            whole["apply_smartlead_writes"] == want and whole["changed_accounts"] == full.changed,
            f"apply also re-reads Smartlead to verify ({whole['apply_smartlead_reads']} list pages)",
        )
    )

    ours = [_tenantlead_once(scale, small) for _ in range(scale.repeats)]
    naive = [_naive_once(scale, small) for _ in range(scale.naive_repeats)]
    our_walls = [r["wall"] for r in ours]
    naive_walls = [r["wall"] for r in naive]
    result.counts["tenantlead"] = ours
    result.counts["naive"] = naive
    result.metrics["tenantlead_wall"] = summary(our_walls, "s")
    result.metrics["naive_wall"] = summary(naive_walls, "s")
    result.metrics["speedup"] = summary([n / o for n in naive_walls for o in our_walls], "ratio")
    speedup = statistics.median(naive_walls) / statistics.median(our_walls)
    result.targets.append(
        Target(
            f"speed-up vs naive script ({small.mailboxes} accounts, {small.changed} changed)",
            ">= 20x at the same rate limit",
            f"{speedup:.1f}x (naive {statistics.median(naive_walls):.2f} s, "
            f"tenantlead {statistics.median(our_walls):.2f} s)",
            speedup >= 20,
            f"naive made {naive[-1]['requests']} requests and got {naive[-1]['smartlead_429']} 429s; "
            "the full-fleet comparison at Smartlead's real limits is real_limits' align job",
        )
    )
    result.targets.append(
        Target(
            "same outcome",
            "both change exactly the misaligned accounts",
            f"naive {naive[-1]['updated']}, tenantlead {ours[-1]['changed_accounts']} of {small.changed}",
            naive[-1]["updated"] == small.changed == ours[-1]["changed_accounts"] and ours[-1]["failed"] == 0,
        )
    )
    result.write(results_dir)
    return result
