"""Scenario: an agency's day one and every night at Smartlead's documented limits, on simulated time.

The sandbox enforces Smartlead's documented 60 requests / 60 s plus 10 / 2 s per key, every
request has a seeded, realistic latency (:class:`bench._virtual.LatencyModel`), and the whole
story runs on a [VirtualClock][tenantlead.sandbox.VirtualClock] driven by
:class:`bench._virtual.VirtualLoop`: a two-hour job takes seconds of real time, and concurrent
requests overlap exactly as they would on a network.

The story (tenantlead with its async clients at their defaults, the same story by the naive
per-account scripts of :mod:`bench.naive_baseline` on a twin sandbox):

1. ``load``: day one, the TenantCore fleet, Smartlead still empty (``Fleet.aload``);
2. ``connect``: every TenantCore mailbox becomes a Smartlead account with the aligned limit and
   warmup on (over SMTP, see :func:`connect_strategy`; the OAuth connect with the SDK's own
   Microsoft sign-in is its own scenario, :mod:`bench.scenarios.oauth_connect`);
3. ``align``: a teammate raised half the limits in the Smartlead app; ``tenantlead align``'s
   steps (load with the warmup volumes it needs, plan, apply, verify);
4. ``nightly``: the nightly check with warmup in use on every account after a tenth of the
   limits were raised again: doctor (load + ``troubleshoot``), plan, apply, doctor.

Two minutes of idle simulated time separate the jobs (as jobs that run at different times would),
so no job inherits the previous one's rate-limit window. Each job reports the Smartlead
requests it made (counted by the simulated server), simulated wall time, and the bound: the
time the requests it cannot avoid need at the documented windows with unlimited concurrency
(:func:`bench._bounds.rate_bound`, each request at the low end of its latency range), or, when
that is longer, TenantCore's part (it documents no rate limit: the round trips of its reads at
the load's default concurrency, at the mean latency). Efficiency is bound / wall.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench._bounds import load_tenantcore_path, rate_bound
from bench._common import Result, Scale, Target, duration, summary
from bench._fleet import FleetSpec, build_sandbox
from bench._virtual import LatencyModel, LatencyTransport, SyncLatencyTransport, Traffic, run_virtual
from bench.naive_baseline import NaiveResult, align_naively, connect_naively, load_naively, nightly_naively
from tenantlead import AsyncSmartlead, AsyncTenantCore
from tenantlead.orchestration import LimitPolicy, WarmupCache, align_limits, connect, troubleshoot
from tenantlead.orchestration.connect import ConnectPlan
from tenantlead.orchestration.fleet import DEFAULT_LOAD_CONCURRENCY, Fleet
from tenantlead.sandbox import Sandbox, VirtualClock

__all__ = ["SMARTLEAD_LIMITS", "connect_strategy", "day_one_spec", "run"]

NAME = "real_limits"
#: Smartlead's documented per-key limits (reference §1.3): 60 per 60 s and 10 per 2 s.
SMARTLEAD_LIMITS: tuple[tuple[int, float], ...] = ((60, 60.0), (10, 2.0))
#: Warmup volume connect turns on for every new account (warmup in use on the whole fleet).
WARMUP_PER_DAY = 10
#: What the teammate sets limits to in the Smartlead app (above every ceiling).
RAISED_LIMIT = 40
#: Idle simulated seconds between jobs (each job starts with fresh rate-limit windows).
BETWEEN_JOBS = 120.0
#: ``Fleet.aload``'s default concurrency (the TenantCore part of the bound).
LOAD_CONCURRENCY = DEFAULT_LOAD_CONCURRENCY
PAGE = 100
JOBS = ("load", "connect", "align", "nightly")


#: How the benchmark connects the mailboxes: ``"smtp"`` (the default) or ``"oauth"``.
CONNECT_STRATEGY = "smtp"


def connect_strategy() -> str:
    """The connect path this story drives (:data:`CONNECT_STRATEGY`, see :func:`_connect_plan`).

    ``"smtp"`` saves each mailbox with its password (``/save``). ``"oauth"`` saves the sandbox's
    ready-made tokens (``tokens=sb.microsoft_token``, one ``/save-oauth`` per mailbox, no
    Microsoft request), so the Smartlead figures are those of one save per mailbox either way.
    The OAuth connect that signs every mailbox in with the SDK's own Microsoft sign-in
    (``connect(fleet, "oauth", microsoft=app, credentials=...)``: the password grant and the
    refresh preflight against the sandbox's identity platform, then save-oauth and the
    read-back) is measured by :mod:`bench.scenarios.oauth_connect`, which reports Microsoft's
    requests beside Smartlead's and TenantCore's.
    """
    return CONNECT_STRATEGY


def _connect_plan(fleet: Fleet, sb: Sandbox, policy: LimitPolicy) -> ConnectPlan:
    """The connect plan of the story: SMTP credentials, or ready-made Microsoft tokens."""
    if connect_strategy() == "oauth":
        return connect(fleet, "oauth", tokens=sb.microsoft_token, policy=policy)
    return connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=policy)


def day_one_spec(scale: Scale) -> FleetSpec:
    """The agency's day one at ``scale``: the TenantCore fleet, Smartlead empty, its real limits."""
    return FleetSpec(
        tenants=scale.real_tenants,
        domains_per_tenant=scale.domains_per_tenant,
        mailboxes_per_domain=scale.mailboxes_per_domain,
        rate_limits=SMARTLEAD_LIMITS,
        connected=False,
    )


def _sandbox(spec: FleetSpec) -> Sandbox:
    return build_sandbox(spec, clock=VirtualClock())


def _raise_limits(sb: Sandbox, every: int) -> list[int]:
    """A teammate raises every ``every``-th account's limit in the Smartlead app; returns their ids."""
    with sb.lock:
        ids = sorted(sb.sl_user.accounts)[::every]
        for account_id in ids:
            sb.sl_user.accounts[account_id].message_per_day = RAISED_LIMIT
    return ids


def _pages(count: int) -> int:
    """List pages a walk of ``count`` accounts needs (no total: the end is a short page)."""
    return count // PAGE + 1


def _pages_holding(sb: Sandbox, ids: list[int]) -> int:
    """Distinct list pages (ascending id order, as the sandbox lists) holding ``ids``."""
    order = {account_id: i for i, account_id in enumerate(sorted(sb.sl_user.accounts))}
    return len({order[i] // PAGE for i in ids if i in order})


# ----------------------------------------------------------------------------- tenantlead's story


class _Clients:
    def __init__(self, sb: Sandbox, model: LatencyModel, traffic: Traffic) -> None:
        transport = LatencyTransport(sb, model, traffic)
        clock = sb.clock
        self.tc = AsyncTenantCore(
            sb.tenantcore_api_key, http_client=httpx.AsyncClient(transport=transport), clock=clock.timestamp
        )
        # Smartlead's default client: paced by the documented windows; sleeps on the virtual loop.
        self.sl = AsyncSmartlead(
            sb.smartlead_api_key, http_client=httpx.AsyncClient(transport=transport), clock=clock.timestamp
        )

    async def close(self) -> None:
        await self.tc.aclose()
        await self.sl.aclose()


async def _tenantlead_story(sb: Sandbox, model: LatencyModel, traffic: Traffic) -> dict[str, dict[str, Any]]:
    clients = _Clients(sb, model, traffic)
    tc, sl = clients.tc, clients.sl
    clock = sb.clock
    # The agency's warmup cache (in memory here; WarmupCache.default() keeps it in a file).
    cache = WarmupCache()
    jobs: dict[str, dict[str, Any]] = {}

    async def job(name: str, work: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        clock.advance(BETWEEN_JOBS)
        before = traffic.snapshot()
        cpu = time.process_time()
        start = clock.monotonic()
        outcome = await work()
        wall = clock.monotonic() - start
        seen = traffic.since(before)
        jobs[name] = {
            "wall_s": wall,
            "client_cpu_s": time.process_time() - cpu,
            "smartlead_requests": seen.count("smartlead"),
            "smartlead_reads": seen.count("smartlead", "GET"),
            "tenantcore_requests": seen.count("tenantcore"),
            "smartlead_429": seen.status("smartlead", 429),
            **outcome,
        }

    fleets: dict[str, Fleet] = {}

    async def load() -> dict[str, Any]:
        fleets["day_one"] = await Fleet.aload(tc, sl)
        return {"rows": len(fleets["day_one"].rows), "smartlead_accounts": len(fleets["day_one"].accounts)}

    async def connect_job() -> dict[str, Any]:
        plan = _connect_plan(fleets["day_one"], sb, LimitPolicy(warmup_per_day=WARMUP_PER_DAY))
        result = await plan.aapply(sl=sl, warmup_cache=cache)
        return {
            "strategy": connect_strategy(),
            "drift": len(result.drift),
            "planned": len(plan.to_create),
            "succeeded": len(result.succeeded),
            "failed": len(result.failed),
        }

    async def align_job() -> dict[str, Any]:
        raised = jobs["_raised_day_one"]["ids"]
        # tenantlead align's steps: the policy states no warmup volume, so the fleet is loaded
        # with the volumes it needs (cmd_align: with_warmup_details when warmup_per_day is None).
        fleet = await Fleet.aload(tc, sl, with_warmup_details=True, warmup_cache=cache)
        plan = align_limits(fleet, LimitPolicy())
        result = await plan.aapply(tc=tc, sl=sl, warmup_cache=cache)
        changed = sorted({c.account_id for c in plan.changes if c.system == "smartlead" and c.account_id})
        return {
            "warmup_assumed": len(plan.warmup_assumed),
            "raised": len(raised),
            "changed_accounts": len(changed),
            "changed_match_raised": changed == raised,
            "succeeded": len(result.succeeded),
            "failed": len(result.failed),
            "drift": len(result.drift),
        }

    async def nightly_job() -> dict[str, Any]:
        raised = jobs["_raised_nightly"]["ids"]
        fleet = await Fleet.aload(tc, sl, with_warmup_details=True, warmup_cache=cache)  # doctor
        before = troubleshoot(fleet)
        plan = align_limits(fleet, LimitPolicy())
        result = await plan.aapply(tc=tc, sl=sl, warmup_cache=cache)
        after = troubleshoot(await Fleet.aload(tc, sl, with_warmup_details=True, warmup_cache=cache))
        changed = sorted({c.account_id for c in plan.changes if c.system == "smartlead" and c.account_id})
        return {
            "warmup_assumed": len(plan.warmup_assumed),
            "raised": len(raised),
            "changed_accounts": len(changed),
            "changed_match_raised": changed == raised,
            "failed": len(result.failed),
            "drift": len(result.drift),
            "findings_before": len(before),
            "findings_after": len(after),
        }

    try:
        await job("load", load)
        await job("connect", connect_job)
        jobs["_raised_day_one"] = {"ids": _raise_limits(sb, 2)}
        await job("align", align_job)
        jobs["_raised_nightly"] = {"ids": _raise_limits(sb, 10)}
        await job("nightly", nightly_job)
    finally:
        await clients.close()
    return jobs


# ----------------------------------------------------------------------------- the naive scripts' story


def _naive_story(sb: Sandbox, model: LatencyModel, traffic: Traffic) -> dict[str, dict[str, Any]]:
    transport = SyncLatencyTransport(sb, model, traffic)
    clock = sb.clock
    urls = (
        f"https://{Sandbox.TENANTCORE_HOST}/v1",
        sb.tenantcore_api_key,
        f"https://{Sandbox.SMARTLEAD_HOST}/api/v1",
        sb.smartlead_api_key,
    )
    passwords = {m.primary_smtp.lower(): m.password for _, m in sb.tenantcore.iter_mailboxes()}
    jobs: dict[str, dict[str, Any]] = {}

    def job(name: str, work: Callable[[], NaiveResult]) -> None:
        clock.advance(BETWEEN_JOBS)
        before = traffic.snapshot()
        start = clock.monotonic()
        outcome = work()
        seen = traffic.since(before)
        jobs[name] = {
            "wall_s": clock.monotonic() - start,
            "smartlead_requests": seen.count("smartlead"),
            "tenantcore_requests": seen.count("tenantcore"),
            "smartlead_429": seen.status("smartlead", 429),
            "updated": outcome.updated,
            "slept_s": outcome.slept,
        }

    common: dict[str, Any] = {"sleep": clock.sleep, "transport": transport}
    job("load", lambda: load_naively(*urls, **common))
    job(
        "connect",
        lambda: connect_naively(
            *urls, passwords, limit=25 - WARMUP_PER_DAY, warmup_per_day=WARMUP_PER_DAY, **common
        ),
    )
    _raise_limits(sb, 2)
    job("align", lambda: align_naively(*urls, **common))
    _raise_limits(sb, 10)
    job("nightly", lambda: nightly_naively(*urls, **common))
    return jobs


# ----------------------------------------------------------------------------- bounds


def _unavoidable(spec: FleetSpec, ours: dict[str, dict[str, Any]], sb: Sandbox) -> dict[str, dict[str, int]]:
    """Per job, the requests no implementation can skip (see the module docstring)."""
    n = spec.mailboxes
    day_one = ours["_raised_day_one"]["ids"]
    nightly = ours["_raised_nightly"]["ids"]
    tenantcore_load = 1 + 2 * spec.tenants + 1  # tenants, domains + mailboxes per tenant, events
    return {
        # Smartlead is empty on day one: one (empty) list page.
        "load": {"smartlead": _pages(0), "tenantcore": tenantcore_load},
        # One save per mailbox; the ids come back in the answers.
        "connect": {"smartlead": n, "tenantcore": 0},
        # Load, one bulk write per 100 accounts with the same new values, and the pages holding
        # what was written to verify it. Warmup volumes were all written by tenantlead: none
        # has to be read.
        "align": {
            "smartlead": _pages(n) + math.ceil(len(day_one) / PAGE) + _pages_holding(sb, day_one),
            "tenantcore": tenantcore_load,
        },
        # Doctor (load), the writes and their verification, doctor again (load).
        "nightly": {
            "smartlead": 2 * _pages(n) + math.ceil(len(nightly) / PAGE) + _pages_holding(sb, nightly),
            "tenantcore": 2 * tenantcore_load,
        },
    }


def _bound(job: str, counts: dict[str, int], spec: FleetSpec, model: LatencyModel) -> float:
    low = model.smartlead_save[0] if job == "connect" else model.smartlead_list[0]
    smartlead = rate_bound(counts["smartlead"], SMARTLEAD_LIMITS, low)
    loads = counts["tenantcore"] // (1 + 2 * spec.tenants + 1) if counts["tenantcore"] else 0
    mean = sum(model.tenantcore) / 2
    tenantcore = loads * load_tenantcore_path(
        tenants=spec.tenants, event_pages=1, latency=mean, concurrency=LOAD_CONCURRENCY
    )
    return max(smartlead, tenantcore)


# ----------------------------------------------------------------------------- the scenario


def run(scale: Scale, results_dir: Path) -> Result:
    """Run both stories once (simulated time is deterministic) and compare each job with its bound."""
    spec = day_one_spec(scale)
    model = LatencyModel()
    result = Result(
        scenario=NAME,
        title="An agency's day one and every night at Smartlead's real limits (simulated time)",
        scale=scale,
        parameters={
            "mailboxes": spec.mailboxes,
            "tenants": spec.tenants,
            "rate_limits": [list(w) for w in SMARTLEAD_LIMITS],
            "latency_s": model.to_json(),
            "connect_strategy": connect_strategy(),
            "warmup_per_day": WARMUP_PER_DAY,
            "between_jobs_s": BETWEEN_JOBS,
            "clock": "simulated (VirtualLoop over the sandbox VirtualClock)",
        },
    )
    real = time.perf_counter()
    ours_sb = _sandbox(spec)
    ours_traffic = Traffic()
    ours = run_virtual(_tenantlead_story(ours_sb, model, ours_traffic), ours_sb.clock)
    ours_real = time.perf_counter() - real
    naive_sb = _sandbox(spec)
    naive = _naive_story(naive_sb, model, Traffic())
    result.counts["real_seconds"] = {"tenantlead": ours_real, "naive": time.perf_counter() - real - ours_real}
    unavoidable = _unavoidable(spec, ours, ours_sb)
    result.counts["unavoidable"] = unavoidable
    result.counts["tenantlead"] = {k: v for k, v in ours.items() if not k.startswith("_")}
    result.counts["naive"] = naive
    for name in JOBS:
        mine, theirs = ours[name], naive[name]
        bound = _bound(name, unavoidable[name], spec, model)
        efficiency = bound / mine["wall_s"] if mine["wall_s"] > 0 else 0.0
        mine["bound_s"], mine["efficiency"] = bound, efficiency
        mine["speedup_vs_naive"] = theirs["wall_s"] / mine["wall_s"] if mine["wall_s"] > 0 else 0.0
        result.metrics[f"{name}_wall"] = summary([mine["wall_s"]], "s")
        result.metrics[f"{name}_naive_wall"] = summary([theirs["wall_s"]], "s")
        result.metrics[f"{name}_efficiency"] = summary([efficiency], "ratio")
        result.targets.append(
            Target(
                f"{name}: efficiency = bound / wall",
                ">= 0.9",
                f"{efficiency:.2f} (bound {duration(bound)}, wall {duration(mine['wall_s'])}; "
                f"{mine['smartlead_requests']} Smartlead requests, {unavoidable[name]['smartlead']} unavoidable; "
                f"naive {duration(theirs['wall_s'])}, {theirs['smartlead_requests']} requests)",
                efficiency >= 0.9,
            )
        )
    connect_requests = ours["connect"]["smartlead_requests"]
    most = spec.mailboxes * 3800 // 3600  # the 3,800 for 3,600, scaled to the fleet
    result.targets.append(
        Target(
            f"connect {spec.mailboxes}: Smartlead requests",
            f"<= {most:,}",
            f"{connect_requests:,} ({ours['connect']['succeeded']} of {ours['connect']['planned']} connected; "
            f"{ours['connect']['smartlead_reads']} list pages read back)",
            connect_requests <= most and ours["connect"]["failed"] == 0,
        )
    )
    nightly_wall = ours["nightly"]["wall_s"]
    result.targets.append(
        Target(
            f"nightly check, {spec.mailboxes} accounts with warmup in use",
            "<= 10 simulated minutes",
            f"{duration(nightly_wall)} (naive {duration(naive['nightly']['wall_s'])})",
            nightly_wall <= 600,
        )
    )
    unrecovered = sum(ours[j].get("failed", 0) for j in JOBS)
    result.targets.append(
        Target(
            "429s at the real limits",
            "0 unrecovered",
            f"{unrecovered} unrecovered ({sum(ours[j]['smartlead_429'] for j in JOBS)} answered, all retried)",
            unrecovered == 0,
        )
    )
    align_speedup = ours["align"]["speedup_vs_naive"]
    result.targets.append(
        Target(
            f"align on the full fleet ({spec.mailboxes} accounts) vs the naive script",
            ">= 30x",
            f"{align_speedup:.1f}x (naive {duration(naive['align']['wall_s'])}, tenantlead {duration(ours['align']['wall_s'])})",
            align_speedup >= 30,
        )
    )
    result.targets.append(
        Target(
            "same outcome as the naive scripts",
            "both connect every mailbox and lower exactly the raised limits",
            f"connect {ours['connect']['succeeded']} vs {naive['connect']['updated']}; align {ours['align']['changed_accounts']} "
            f"vs {naive['align']['updated']}; nightly {ours['nightly']['changed_accounts']} vs {naive['nightly']['updated']}",
            ours["connect"]["succeeded"] == naive["connect"]["updated"] == spec.mailboxes
            and ours["align"]["changed_match_raised"]
            and ours["nightly"]["changed_match_raised"]
            and naive["align"]["updated"] == ours["align"]["raised"]
            and naive["nightly"]["updated"] == ours["nightly"]["raised"],
        )
    )
    result.write(results_dir)
    return result
