"""Scenario 1: ``Fleet.load`` / ``Fleet.aload`` of the whole agency fleet against the rate-limit bound.

Requests are counted by the server. The lower bound follows the issue: the larger of the time
Smartlead's rate limit needs for the Smartlead requests (any concurrency) and TenantCore's
critical path for the client's shape (sync: one request after another; async: the tenant list,
then tenants ``concurrency`` at a time beside the events pages). A second, per-mode bound (the
fleet loader's own request chains, the Smartlead pager being sequential) shows the overhead on
top of what the loader's design allows.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import Any

from bench._bounds import chain_bound, rate_bound, tenantcore_critical_path
from bench._clients import async_clients, margin_limit, sync_clients
from bench._common import Result, Scale, Target, summary
from bench._fleet import FleetSpec
from bench._loopback import loopback
from tenantlead.errors import RateLimitError
from tenantlead.orchestration.fleet import Fleet

__all__ = ["expected_requests", "run", "spec_for"]

NAME = "fleet_load"
EVENTS_PAGE = 200  # Fleet.load pages the enforcement log at the endpoint's maximum
SMARTLEAD_PAGE = 100


def spec_for(scale: Scale) -> FleetSpec:
    """The fleet of this scenario at ``scale``."""
    return FleetSpec(
        tenants=scale.tenants,
        domains_per_tenant=scale.domains_per_tenant,
        mailboxes_per_domain=scale.mailboxes_per_domain,
        events=scale.events,
        rate_limits=scale.rate_limits,
    )


def expected_requests(spec: FleetSpec) -> dict[str, int]:
    """Request counts the issue targets (TenantCore exact; Smartlead as the pager can achieve).

    Smartlead's list reports no total, so the pager stops at the first short page; when the
    account count is a multiple of 100 that takes one (empty) page more than ``ceil(n / 100)``.
    """
    event_pages = max(1, math.ceil(spec.events / EVENTS_PAGE))
    return {
        "tenantcore": 1 + 2 * spec.tenants + event_pages,
        "event_pages": event_pages,
        "smartlead": spec.mailboxes // SMARTLEAD_PAGE + 1,
        "smartlead_issue_formula": math.ceil(spec.mailboxes / SMARTLEAD_PAGE),
    }


def _load_once(scale: Scale, spec: FleetSpec, mode: str) -> dict[str, Any]:
    with loopback(spec, latency=scale.latency, subprocess_server=scale.subprocess_server) as ep:
        unrecovered = 0
        start = time.perf_counter()
        cpu_start = time.process_time()
        try:
            if mode in ("sync", "sync_threaded"):
                tc, sl = sync_clients(ep, scale.rate_limits)
                with tc, sl:
                    fleet = Fleet.load(tc, sl, workers=1 if mode == "sync" else scale.concurrency)
                    client_429 = sl.stats.rate_limited + tc.stats.rate_limited
                    waited = sl.rate_limiter.waited if sl.rate_limiter is not None else 0.0
            else:

                async def go() -> tuple[Fleet, int, float]:
                    tuned = margin_limit(scale.rate_limits) if mode == "async_margin" else None
                    atc, asl = async_clients(ep, scale.rate_limits, rate_limit=tuned)
                    async with atc, asl:
                        loaded = await Fleet.aload(atc, asl, concurrency=scale.concurrency)
                        limiter = asl.rate_limiter
                        return (
                            loaded,
                            asl.stats.rate_limited + atc.stats.rate_limited,
                            limiter.waited if limiter is not None else 0.0,
                        )

                fleet, client_429, waited = asyncio.run(go())
        except RateLimitError:
            unrecovered += 1
            raise
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        server = ep.stats()
    requests = server["requests"]
    statuses = server["statuses"]
    return {
        "wall": wall,
        "cpu": cpu,
        "rows": len(fleet.rows),
        "connected": fleet.counts()["connected"],
        "tenantcore_requests": sum(v for k, v in requests.items() if k.startswith("tenantcore ")),
        "smartlead_requests": sum(v for k, v in requests.items() if k.startswith("smartlead ")),
        "smartlead_429": statuses.get("smartlead 429", 0),
        "client_saw_429": client_429,
        # Seconds the Smartlead client held requests back (its own windows and header pauses).
        "smartlead_limiter_waited": waited,
        "unrecovered_429": unrecovered,
    }


def run(scale: Scale, results_dir: Path) -> Result:
    """Load the fleet ``scale.repeats`` times per mode and compare with the bounds."""
    spec = spec_for(scale)
    expected = expected_requests(spec)
    result = Result(
        scenario=NAME,
        title="Fleet load (sync and async) against the rate-limit bound",
        scale=scale,
        parameters={
            "fleet": spec.to_json(),
            "mailboxes": spec.mailboxes,
            "smartlead_accounts": spec.mailboxes,
            "latency_s": scale.latency,
            "rate_limits": [list(w) for w in scale.rate_limits],
            "async_concurrency": scale.concurrency,
            "server": "subprocess" if scale.subprocess_server else "thread",
        },
    )
    result.counts["expected"] = expected
    sl_rate = rate_bound(expected["smartlead"], scale.rate_limits, scale.latency)
    sl_chain = chain_bound(expected["smartlead"], scale.rate_limits, scale.latency)
    for mode in ("sync", "sync_threaded", "async", "async_margin"):
        runs = [_load_once(scale, spec, mode) for _ in range(scale.repeats)]
        tc_path = tenantcore_critical_path(
            tenants=spec.tenants,
            event_pages=expected["event_pages"],
            latency=scale.latency,
            concurrency=None if mode == "sync" else scale.concurrency,
        )
        bound = max(sl_rate, tc_path)
        # The loader's own shape: sequential sync runs TenantCore, then the Smartlead pager;
        # threaded sync and async overlap them.
        own = tc_path + sl_chain if mode == "sync" else max(tc_path, sl_chain)
        walls = [r["wall"] for r in runs]
        result.metrics[f"{mode}_wall"] = summary(walls, "s")
        result.metrics[f"{mode}_cpu"] = summary([r["cpu"] for r in runs], "s")
        if bound > 0:
            result.metrics[f"{mode}_efficiency"] = summary([bound / w for w in walls], "ratio")
            result.metrics[f"{mode}_efficiency_vs_loader_shape"] = summary([own / w for w in walls], "ratio")
        result.counts[mode] = {
            "bound_s": bound,
            "smartlead_rate_bound_s": sl_rate,
            "smartlead_chain_bound_s": sl_chain,
            "tenantcore_critical_path_s": tc_path,
            "loader_shape_bound_s": own,
            "runs": runs,
        }
        if mode == "async_margin":
            continue  # a diagnostic of the limiter fix proposed below, not a product configuration
        last = runs[-1]
        tc_ok = all(r["tenantcore_requests"] == expected["tenantcore"] for r in runs)
        sl_ok = all(r["smartlead_requests"] == expected["smartlead"] for r in runs)
        result.targets.append(
            Target(
                f"{mode}: TenantCore requests",
                f"= 1 + 2 x {spec.tenants} + {expected['event_pages']} events pages = {expected['tenantcore']}",
                str(last["tenantcore_requests"]),
                tc_ok,
            )
        )
        result.targets.append(
            Target(
                f"{mode}: Smartlead requests",
                f"ceil({spec.mailboxes}/100) = {expected['smartlead_issue_formula']}",
                str(last["smartlead_requests"]),
                last["smartlead_requests"] == expected["smartlead_issue_formula"] and sl_ok,
                ""
                if expected["smartlead"] == expected["smartlead_issue_formula"]
                else "one empty page more: Smartlead's list has no total, so a full last page "
                "cannot be known to be the last",
            )
        )
        result.targets.append(
            Target(
                f"{mode}: unrecovered 429s",
                "0",
                f"{sum(r['unrecovered_429'] for r in runs)} ({sum(r['smartlead_429'] for r in runs)} 429s answered, all retried)",
                all(r["unrecovered_429"] == 0 for r in runs),
            )
        )
        if bound > 0:
            eff = result.metrics[f"{mode}_efficiency"]["median"]
            result.targets.append(
                Target(
                    f"{mode}: efficiency = bound / wall",
                    ">= 0.9",
                    f"{eff:.2f} (bound {bound:.2f} s, wall {result.metrics[f'{mode}_wall']['median']:.2f} s)",
                    eff >= 0.9,
                )
            )
    result.notes.extend(_why(result))
    result.write(results_dir)
    return result


def _why(result: Result) -> list[str]:
    """Why missed targets are missed and what would close them (from the analysis in the issue note)."""
    missed = {t.name for t in result.targets if t.met is False}
    notes = []
    if any(n.endswith("Smartlead requests") for n in missed):
        notes.append(
            "Smartlead requests: the list endpoint returns no total, so with a multiple of 100 accounts the "
            "pager needs one empty page to see the end (n // 100 + 1). Only an API total (or a count the "
            "caller already knows) would remove it; the achievable target is n // 100 + 1."
        )
    if "sync: efficiency = bound / wall" in missed:
        notes.append(
            "sync: Fleet.load with the default workers=1 reads TenantCore (1 + 2 per tenant + events pages, "
            "one at a time) and only then pages Smartlead, so its floor is the sum of both chains "
            "(loader-shape bound), not their maximum. Fleet.load(..., workers=N) (sync_threaded) pages "
            "Smartlead on a worker thread while the others read tenants; it is opt-in because the default "
            "keeps request order deterministic (seeded fault runs replay exactly)."
        )
    if "async: efficiency = bound / wall" in missed:
        margin = result.metrics.get("async_margin_wall", {}).get("median")
        if margin is not None:
            notes.append(
                f"async_margin (diagnostic, no target): the same async load with the client's windows 50 ms "
                f"longer and header pauses off - the limiter fix proposed here - took {margin:.2f} s "
                f"(efficiency {result.metrics['async_margin_efficiency']['median']:.2f}) against "
                f"{result.metrics['async_wall']['median']:.2f} s."
            )
        notes.append(
            "async: (1) when x-ratelimit-remaining reaches 0 the client pauses until x-ratelimit-reset, an "
            "integer Unix second, so it resumes up to 1 s after the window has room although its own sliding "
            "window already knows the exact moment (RateLimiter.observe could skip the pause when its windows "
            "match the server's, or subtract the header's 1-s granularity); (2) the Smartlead pager is "
            "sequential (no total to fan out on): the chain bound is above the rate bound, and each 100-row "
            "page adds client parsing (~5 ms) and server rendering on top of the latency while the event loop "
            "also parses 3,600 TenantCore mailboxes. Speculative read-ahead of a few pages in AsyncPager and "
            "cheaper model parsing would close most of the rest."
        )
    return notes
