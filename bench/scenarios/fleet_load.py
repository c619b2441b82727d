"""Scenario 1: ``Fleet.load`` / ``Fleet.aload`` of the whole agency fleet against the rate-limit bound.

Requests are counted by the server. The lower bound follows the issue: the larger of the time
Smartlead's rate limit needs for the Smartlead requests (any concurrency) and TenantCore's
critical path for the client's shape (sync: one request after another; concurrent: the tenant
list, then the other reads ``concurrency`` requests at a time, the loaders' default). A second, per-mode bound (the
fleet loader's own request chains, the Smartlead pager being sequential) shows the overhead on
top of what the loader's design allows.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import Any

from bench._bounds import chain_bound, load_tenantcore_path, rate_bound, tenantcore_critical_path
from bench._clients import async_clients, sync_clients
from bench._common import Result, Scale, Target, summary
from bench._fleet import FleetSpec
from bench._loopback import loopback
from tenantlead._core.pager import DEFAULT_READ_AHEAD
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
        # Concurrent loads read ahead: at most DEFAULT_READ_AHEAD pages past the end are sent.
        "smartlead_read_ahead_max": spec.mailboxes // SMARTLEAD_PAGE + 1 + DEFAULT_READ_AHEAD,
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
                    atc, asl = async_clients(ep, scale.rate_limits)
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
        # Pages the server answered: a 429-refused attempt is retried, it is not another page.
        "smartlead_requests": sum(v for k, v in requests.items() if k.startswith("smartlead "))
        - statuses.get("smartlead 429", 0),
        "smartlead_attempts": sum(v for k, v in requests.items() if k.startswith("smartlead ")),
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
    for mode in ("sync", "sync_threaded", "async"):
        runs = [_load_once(scale, spec, mode) for _ in range(scale.repeats)]
        tc_path = (
            tenantcore_critical_path(
                tenants=spec.tenants,
                event_pages=expected["event_pages"],
                latency=scale.latency,
                concurrency=None,
            )
            if mode == "sync"
            else load_tenantcore_path(
                tenants=spec.tenants,
                event_pages=expected["event_pages"],
                latency=scale.latency,
                concurrency=scale.concurrency,
            )
        )
        bound = max(sl_rate, tc_path)
        # The loader's own shape: sequential sync runs TenantCore, then the Smartlead pager;
        # threaded sync and async overlap them.
        own = tc_path + sl_chain if mode == "sync" else bound  # concurrent loads read ahead
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
        last = runs[-1]
        tc_ok = all(r["tenantcore_requests"] == expected["tenantcore"] for r in runs)
        most = expected["smartlead"] if mode == "sync" else expected["smartlead_read_ahead_max"]
        sl_ok = all(expected["smartlead"] <= r["smartlead_requests"] <= most for r in runs)
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
                f"{spec.mailboxes} // 100 + 1 = {expected['smartlead']}"
                + ("" if mode == "sync" else f", plus at most the read-ahead depth {DEFAULT_READ_AHEAD}"),
                ", ".join(str(r["smartlead_requests"]) for r in runs),
                sl_ok,
                "the list has no total, so the end is a short (here empty) page"
                + ("" if mode == "sync" else "; pages read ahead past it are the only extra requests"),
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
    if "sync: efficiency = bound / wall" in missed:
        notes.append(
            "sync: Fleet.load(..., workers=1) - the one-at-a-time, fixed-order load kept for seeded runs (and the "
            "default on an injected clock) - reads TenantCore (1 + 2 per tenant + events pages) and only then pages "
            "Smartlead, so its floor is the sum of both chains (loader-shape bound), not their maximum. Not a "
            "default any more: Fleet.load reads 16 requests at a time unless told otherwise (sync_threaded)."
        )
    for mode in ("sync_threaded", "async"):
        if f"{mode}: efficiency = bound / wall" in missed:
            runs = result.counts[mode]["runs"]
            refused = sum(r["smartlead_429"] for r in runs)
            why = [
                f"{mode}: the Smartlead pages are read {DEFAULT_READ_AHEAD} ahead and the limiter resumes on its own "
                "window; what is left over the bound is"
            ]
            if refused:
                why.append(
                    f"{refused} 429s over {len(runs)} runs (this loopback server counts a request after its own "
                    "20 ms sleep on a handler thread, and on a loaded 2-CPU machine - see the machine load above - "
                    "that lags by more than the client's 0.1 s margin; each 429 holds every caller for the "
                    "whole-second Retry-After, about half of a 2-second job) and"
                )
            why.append(
                f"client CPU: {result.metrics[f'{mode}_cpu']['median']:.2f} s (3,600 mailboxes and 3,600 accounts "
                "parsed on one core: one event loop, or threads sharing the GIL) inside a bound of "
                f"{result.counts[mode]['bound_s']:.2f} s, on a machine whose 2 CPUs also run the server."
            )
            if mode == "async":
                why.append(
                    "For async, httpcore without the optional sniffio package retries a failing import on every "
                    "lock (~90 us, ~10 per request: about 1 ms of CPU per request); installing sniffio next to "
                    "httpx removes it."
                )
            why.append("The same jobs on simulated time (real_limits) meet their bounds within 3%.")
            notes.append(" ".join(why))
    return notes
