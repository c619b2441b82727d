"""Scenario: connect 3,600 mailboxes over OAuth with the SDK's own Microsoft sign-in, on simulated time.

The agency's day one as in ``real_limits`` (a TenantCore fleet, Smartlead still empty, the
agency app consented in every tenant), but connected with
``connect(fleet, "oauth", microsoft=app, credentials=...)`` and ``aapply(sl=..., ms=...)`` at
the clients' defaults. Per mailbox the SDK sends, through ``tenantlead.microsoft``:

1. the password grant (confidential ROPC) to ``/{tenant}/oauth2/v2.0/token``;
2. the refresh preflight (the new refresh token redeemed once with the app's secret);
3. ``POST /email-accounts/save-oauth`` to Smartlead (one request); at the end one walk of the
   account list reads every account back, its connection state included.

Every API sits behind the seeded latency of ``bench._virtual.LatencyModel`` (Microsoft's token
endpoint included) on a ``bench._virtual.VirtualLoop``; the sandbox enforces Smartlead's
documented 60 requests / 60 s plus 10 / 2 s per key and serves the simulated identity platform.
Requests are counted where they arrive: Smartlead's and TenantCore's by the transport in front
of the sandbox (after the server answered), Microsoft's also by the identity platform's own log
of token requests by grant type.

Bounds (each request at the low end of its latency range, unlimited concurrency):

* Smartlead: ``bench._bounds.rate_bound`` of the requests no implementation can skip (one
  ``save-oauth`` per mailbox and one walk of the list: the rows carry ``is_smtp_success``,
  ``is_imap_success`` and the failure texts), and of the requests the SDK made (its pacing);
* Microsoft: the SDK's own per-tenant concurrency (``per_tenant`` sign-ins at once in a tenant,
  the first one alone, ``tenants_at_once`` tenants at once; two token requests per mailbox, one
  after the other). Microsoft publishes no token-endpoint rate limit, so this is the only bound
  on its side. The run also measures the *Microsoft-only time*: when a token request was in
  flight and no Smartlead request was, i.e. what the sign-ins add to the wall time.
"""

from __future__ import annotations

import inspect
import math
import time
from pathlib import Path
from typing import Any

import httpx

from bench._bounds import rate_bound
from bench._common import Result, Scale, Target, duration, summary
from bench._fleet import FleetSpec, build_sandbox
from bench._virtual import LatencyModel, LatencyTransport, Traffic, run_virtual
from bench.scenarios.real_limits import SMARTLEAD_LIMITS, WARMUP_PER_DAY, day_one_spec
from tenantlead import AsyncSmartlead, AsyncTenantCore
from tenantlead.microsoft import AsyncMicrosoftIdentity, MicrosoftApp
from tenantlead.orchestration import LimitPolicy, connect
from tenantlead.orchestration.connect import ConnectPlan
from tenantlead.orchestration.fleet import Fleet
from tenantlead.sandbox import Sandbox, VirtualClock

__all__ = ["microsoft_bound", "microsoft_only_time", "run"]

NAME = "oauth_connect"
PAGE = 100
#: ``ConnectPlan.aapply``'s default ``concurrency`` (the story runs it at its default).
APPLY_CONCURRENCY: int = inspect.signature(ConnectPlan.aapply).parameters["concurrency"].default
#: Idle simulated seconds before each job (fresh rate-limit windows, as in ``real_limits``).
BETWEEN_JOBS = 120.0


def _sandbox(spec: FleetSpec) -> Sandbox:
    """The fleet, Smartlead empty, the agency app (Smartlead's OAuth app) consented in every tenant."""
    sb = build_sandbox(spec, clock=VirtualClock())
    client_id = sb.authority.smartlead_app.client_id
    for tenant in sb.tc_account.tenants.values():
        sb.microsoft.grant_consent(tenant.tenant_id, client_id)
    return sb


def _app(sb: Sandbox) -> MicrosoftApp:
    reg = sb.authority.smartlead_app
    return MicrosoftApp(reg.client_id, reg.secret, environ={})


def microsoft_bound(
    per_tenant_mailboxes: list[int], *, per_tenant: int, tenants_at_once: int, latency: float
) -> float:
    """Shortest time the SDK's per-tenant bounds allow for the sign-ins (two token requests each).

    Within a tenant the first mailbox goes alone, then ``per_tenant`` at a time; tenants run
    ``tenants_at_once`` at a time (batches in the plan's order, each as long as its longest tenant).
    """
    rounds = [1 + math.ceil((m - 1) / per_tenant) for m in per_tenant_mailboxes if m > 0]
    batches = [rounds[i : i + tenants_at_once] for i in range(0, len(rounds), tenants_at_once)]
    return sum(max(b) for b in batches) * 2 * latency


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def microsoft_only_time(spans: list[tuple[str, float, float]], start: float, end: float) -> float:
    """Seconds in ``[start, end]`` with a Microsoft request in flight and no Smartlead request."""

    def clip(api: str) -> list[tuple[float, float]]:
        return _union(
            [(max(a, start), min(b, end)) for x, a, b in spans if x == api and b > start and a < end]
        )

    microsoft, smartlead = clip("microsoft"), clip("smartlead")
    total = sum(b - a for a, b in microsoft)
    i = 0
    for a, b in microsoft:
        while i < len(smartlead) and smartlead[i][1] <= a:
            i += 1
        j = i
        while j < len(smartlead) and smartlead[j][0] < b:
            total -= min(b, smartlead[j][1]) - max(a, smartlead[j][0])
            j += 1
    return total


async def _story(sb: Sandbox, model: LatencyModel, traffic: Traffic) -> dict[str, dict[str, Any]]:
    transport = LatencyTransport(sb, model, traffic)
    clock = sb.clock
    opts: dict[str, Any] = {"clock": clock.timestamp}
    tc = AsyncTenantCore(sb.tenantcore_api_key, http_client=httpx.AsyncClient(transport=transport), **opts)
    sl = AsyncSmartlead(sb.smartlead_api_key, http_client=httpx.AsyncClient(transport=transport), **opts)
    app = _app(sb)
    ms = AsyncMicrosoftIdentity(app, http_client=httpx.AsyncClient(transport=transport), **opts)
    jobs: dict[str, dict[str, Any]] = {}

    def counts(seen: Traffic) -> dict[str, Any]:
        return {
            "tenantcore_requests": seen.count("tenantcore"),
            "smartlead_requests": seen.count("smartlead"),
            "smartlead_reads": seen.count("smartlead", "GET"),
            "smartlead_saves": seen.kind("smartlead_save"),
            "smartlead_reads_by_id": seen.kind("smartlead_read"),
            "smartlead_list_pages": seen.kind("smartlead_list"),
            "microsoft_requests": seen.count("microsoft"),
            "smartlead_429": seen.status("smartlead", 429),
            "microsoft_429": seen.status("microsoft", 429),
        }

    try:
        clock.advance(BETWEEN_JOBS)
        before, start = traffic.snapshot(), clock.monotonic()
        fleet = await Fleet.aload(tc, sl)
        jobs["load"] = {
            "wall_s": clock.monotonic() - start,
            "rows": len(fleet.rows),
            **counts(traffic.since(before)),
        }

        clock.advance(BETWEEN_JOBS)
        before, logged = traffic.snapshot(), len(sb.microsoft.requests)
        cpu, start = time.process_time(), clock.monotonic()
        plan = connect(
            fleet,
            "oauth",
            microsoft=app,
            credentials=sb.credentials_csv(),
            policy=LimitPolicy(warmup_per_day=WARMUP_PER_DAY),
        )
        result = await plan.aapply(sl=sl, ms=ms)
        end = clock.monotonic()
        grants = [g for g, _, _ in sb.microsoft.requests[logged:]]
        jobs["connect"] = {
            "wall_s": end - start,
            "client_cpu_s": time.process_time() - cpu,
            **counts(traffic.since(before)),
            "microsoft_password_grants": grants.count("password"),
            "microsoft_refresh_grants": grants.count("refresh_token"),
            "microsoft_only_s": microsoft_only_time(traffic.spans, start, end),
            "per_tenant": plan.per_tenant,
            "tenants_at_once": plan.tenants_at_once,
            "planned": len(plan.to_create),
            "succeeded": len(result.succeeded),
            "failed": len(result.failed),
            "drift": len(result.drift),
        }

        # A second run (an operator re-running the job): it must plan nothing to create.
        clock.advance(BETWEEN_JOBS)
        again = connect(
            await Fleet.aload(tc, sl),
            "oauth",
            microsoft=app,
            credentials=sb.credentials_csv(),
            policy=LimitPolicy(warmup_per_day=WARMUP_PER_DAY),
        )
        jobs["rerun"] = {"planned": len(again.to_create)}
    finally:
        await tc.aclose()
        await sl.aclose()
        await ms.aclose()
    return jobs


def _accounts(sb: Sandbox) -> dict[str, Any]:
    """What Smartlead holds after the run: accounts per address, their type and connection state."""
    with sb.lock:
        accounts = list(sb.sl_user.accounts.values())
    by_email: dict[str, int] = {}
    for account in accounts:
        key = account.from_email.lower()
        by_email[key] = by_email.get(key, 0) + 1
    mailboxes = {m.primary_smtp.lower() for _, m in sb.tenantcore.iter_mailboxes()}
    return {
        "accounts": len(accounts),
        "duplicates": sum(n - 1 for n in by_email.values()),
        "mailboxes_connected_once": sum(1 for e in mailboxes if by_email.get(e) == 1),
        "outlook_connected": sum(
            1 for a in accounts if a.type == "OUTLOOK" and a.is_smtp_success and a.is_imap_success
        ),
    }


def run(scale: Scale, results_dir: Path) -> Result:
    """Run the day-one OAuth connect once (simulated time is deterministic) and compare it with its bounds."""
    spec = day_one_spec(scale)
    model = LatencyModel()
    n = spec.mailboxes
    sb = _sandbox(spec)
    traffic = Traffic()
    real = time.perf_counter()
    jobs = run_virtual(_story(sb, model, traffic), sb.clock)
    real_s = time.perf_counter() - real
    held = _accounts(sb)
    load, job = jobs["load"], jobs["connect"]
    result = Result(
        scenario=NAME,
        title="Connect over OAuth with the SDK's Microsoft sign-in at Smartlead's real limits (simulated time)",
        scale=scale,
        parameters={
            "mailboxes": n,
            "tenants": spec.tenants,
            "rate_limits": [list(w) for w in SMARTLEAD_LIMITS],
            "latency_s": model.to_json(),
            "sign_in": "password grant (confidential ROPC) + refresh preflight per mailbox",
            "per_tenant": job["per_tenant"],
            "tenants_at_once": job["tenants_at_once"],
            "apply_concurrency": APPLY_CONCURRENCY,
            "warmup_per_day": WARMUP_PER_DAY,
            "clock": "simulated (VirtualLoop over the sandbox VirtualClock)",
        },
    )
    pages = n // PAGE + 1
    unavoidable = n + pages
    bound = rate_bound(unavoidable, SMARTLEAD_LIMITS, model.smartlead_save[0])
    pacing_bound = rate_bound(job["smartlead_requests"], SMARTLEAD_LIMITS, model.smartlead_save[0])
    per_tenant_boxes = [spec.domains_per_tenant * spec.mailboxes_per_domain] * spec.tenants
    ms_bound = microsoft_bound(
        per_tenant_boxes,
        per_tenant=job["per_tenant"],
        tenants_at_once=job["tenants_at_once"],
        latency=model.microsoft[0],
    )
    wall = job["wall_s"]
    efficiency = bound / wall if wall > 0 else 0.0
    pacing = pacing_bound / wall if wall > 0 else 0.0
    job.update(
        bound_s=bound,
        pacing_bound_s=pacing_bound,
        microsoft_bound_s=ms_bound,
        efficiency=efficiency,
        pacing_efficiency=pacing,
        smartlead_per_mailbox=job["smartlead_requests"] / n,
        microsoft_per_mailbox=job["microsoft_requests"] / n,
        tenantcore_per_mailbox=(load["tenantcore_requests"] + job["tenantcore_requests"]) / n,
    )
    result.counts = {
        "load": load,
        "connect": job,
        "rerun": jobs["rerun"],
        "smartlead_after": held,
        "unavoidable_smartlead": unavoidable,
        "real_seconds": real_s,
    }
    result.metrics["connect_wall"] = summary([wall], "s")
    result.metrics["connect_efficiency"] = summary([efficiency], "ratio")
    result.metrics["connect_pacing_efficiency"] = summary([pacing], "ratio")
    result.metrics["microsoft_only"] = summary([job["microsoft_only_s"]], "s")
    result.metrics["smartlead_per_mailbox"] = summary([job["smartlead_per_mailbox"]], "requests")
    result.metrics["microsoft_per_mailbox"] = summary([job["microsoft_per_mailbox"]], "requests")
    result.metrics["tenantcore_per_mailbox"] = summary([job["tenantcore_per_mailbox"]], "requests")

    ms_ok = job["microsoft_password_grants"] == job["microsoft_refresh_grants"] == n
    result.targets.append(
        Target(
            "Microsoft token requests per mailbox",
            "= 2 (one password grant, one refresh preflight)",
            f"{job['microsoft_per_mailbox']:.2f} ({job['microsoft_password_grants']:,} password + "
            f"{job['microsoft_refresh_grants']:,} refresh grants in the identity platform's log; "
            f"{job['microsoft_requests']:,} at the transport)",
            ms_ok and job["microsoft_requests"] == 2 * n,
        )
    )
    most = 1 + (pages + 6) / n  # one save, plus the read-back walk's share (a few pages read ahead)
    result.targets.append(
        Target(
            "Smartlead requests per mailbox",
            f"<= 1 save + the read-back walk's share ({most:.3f})",
            f"{job['smartlead_per_mailbox']:.3f} ({job['smartlead_requests']:,}: {job['smartlead_saves']:,} "
            f"save-oauth, {job['smartlead_reads_by_id']:,} reads by id, {job['smartlead_list_pages']} list pages)",
            job["smartlead_per_mailbox"] <= most,
            note="the OAuth apply reads each account back by id after its save-oauth (for its connection "
            "state), although the list rows its read-back walk fetches carry is_smtp_success, "
            "is_imap_success and the failure texts"
            if job["smartlead_per_mailbox"] > most
            else "",
        )
    )
    tc_load = 1 + 2 * spec.tenants + 1
    result.targets.append(
        Target(
            "TenantCore requests per mailbox",
            f"the load only: (1 + 2 x {spec.tenants} + 1) / {n:,} = {tc_load / n:.3f}; 0 during connect",
            f"{job['tenantcore_per_mailbox']:.3f} ({load['tenantcore_requests']} in the load, "
            f"{job['tenantcore_requests']} during connect)",
            load["tenantcore_requests"] == tc_load and job["tenantcore_requests"] == 0,
        )
    )
    result.targets.append(
        Target(
            "connect: efficiency = bound / wall",
            ">= 0.9",
            f"{efficiency:.2f} (bound {duration(bound)} for {unavoidable:,} unavoidable Smartlead requests: "
            f"a save per mailbox and {pages} list pages; wall {duration(wall)})",
            efficiency >= 0.9,
            note=f"{job['smartlead_reads_by_id']:,} reads by id beside the saves and list pages: the pacing row "
            "below shows the client keeps Smartlead's windows full with the requests it makes"
            if efficiency < 0.9 and job["smartlead_reads_by_id"] > 0
            else "",
        )
    )
    result.targets.append(
        Target(
            "connect: pacing = bound of the requests made / wall",
            ">= 0.9",
            f"{pacing:.2f} (bound {duration(pacing_bound)} for {job['smartlead_requests']:,} Smartlead "
            f"requests; wall {duration(wall)})",
            pacing >= 0.9,
        )
    )
    share = job["microsoft_only_s"] / wall if wall > 0 else 0.0
    bounded_by = "Smartlead" if pacing_bound >= ms_bound else "Microsoft (the SDK's per-tenant bounds)"
    result.targets.append(
        Target(
            "what bounds the wall: Smartlead's windows, not Microsoft's per-tenant concurrency",
            "Microsoft-only time <= 5% of the wall",
            f"bounded by {bounded_by} (Smartlead's bound {duration(pacing_bound)}; Microsoft's "
            f"{duration(ms_bound)} at {job['per_tenant']} per tenant, {job['tenants_at_once']} tenants at once); "
            f"Microsoft-only time {duration(job['microsoft_only_s'])} ({100 * share:.1f}% of the wall)",
            bounded_by == "Smartlead" and share <= 0.05,
            note="each batch of tenants is signed in before its saves start and after the previous "
            "batch's saves ended, so sign-in time adds to the wall instead of overlapping Smartlead's waits"
            if job["microsoft_only_s"] > 0
            else "",
        )
    )
    result.targets.append(
        Target(
            "429s at the real limits",
            "0 unrecovered",
            f"{job['failed']} unrecovered ({job['smartlead_429']} Smartlead and {job['microsoft_429']} Microsoft "
            "429s answered, all retried)",
            job["failed"] == 0,
        )
    )
    result.targets.append(
        Target(
            "every mailbox connected once, no duplicate account",
            f"{n:,} OUTLOOK accounts connected, 0 duplicates, a re-run plans 0 creates",
            f"{job['succeeded']:,} of {job['planned']:,} succeeded; {held['mailboxes_connected_once']:,} mailboxes "
            f"with exactly one account, {held['outlook_connected']:,} OUTLOOK accounts connected, "
            f"{held['duplicates']} duplicates, {job['drift']} drift; the re-run plans {jobs['rerun']['planned']} creates",
            job["succeeded"] == job["planned"] == n
            and held["mailboxes_connected_once"] == held["outlook_connected"] == held["accounts"] == n
            and held["duplicates"] == job["drift"] == jobs["rerun"]["planned"] == 0,
        )
    )
    if job["smartlead_reads_by_id"] > 0:
        result.notes.append(
            f"Smartlead: {job['smartlead_reads_by_id']:,} of the {job['smartlead_requests']:,} requests are "
            "GET /email-accounts/{id} after each save-oauth (the OAuth apply reads every account back for its "
            "connection state; the SMTP and ready-made-token paths do not). At Smartlead's 1 request/s they "
            f"double the bound from {duration(bound)} to {duration(pacing_bound)}. The list rows the "
            "apply's read-back walk already fetches carry is_smtp_success, is_imap_success and "
            "smtp_failure_error, so the state could be checked there for one request per mailbox."
        )
    result.notes.append(
        f"Microsoft: {job['microsoft_requests']:,} token requests and {job['microsoft_429']} 429s. The sign-ins run "
        f"{job['per_tenant']} at once per tenant and {job['tenants_at_once']} tenants at once, a batch of "
        f"{job['tenants_at_once']} tenants at a time, each batch's sign-ins before its saves; Microsoft alone would "
        f"need {duration(ms_bound)}, and the time with a token request but no Smartlead request in flight is "
        f"{duration(job['microsoft_only_s'])}, part of which the 60-second window wins back as a burst. "
        f"Real time for the whole run: {real_s:.0f} s."
    )
    result.write(results_dir)
    return result
