"""Hardening cases of issue 16 about the connect surface, registered on import with ``@case``.

Kept apart from ``hardening.py`` so each surface's cases live beside their own helpers;
``test_hardening.py`` imports this module, so its cases run and are counted with the rest.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bench._bounds import rate_bound
from bench._fleet import FleetSpec, build_sandbox
from bench._virtual import LatencyModel, LatencyTransport, Traffic, run_virtual
from tenantlead import AsyncSmartlead, AsyncTenantCore, Smartlead, TenantCore
from tenantlead.microsoft import AsyncMicrosoftIdentity, MicrosoftApp, MicrosoftIdentity
from tenantlead.orchestration import Fleet, LimitPolicy, ProgressEvent, connect
from tenantlead.orchestration.connect import ConnectPlan
from tenantlead.sandbox import Sandbox, VirtualClock
from tests.reliability._world import POLICY, build_world, duplicates, live_accounts
from tests.reliability.hardening import case

__all__ = ["case"]

# ---------------------------------------------------------------------------------- 8

#: Mailboxes per interrupted run, and how many saves reach Smartlead before the interruption.
MAILBOXES = 24
INTERRUPT_AFTER = 10
CLIENT = 4242


class DiskFull(RuntimeError):
    """The user's progress callback (or anything around it) failing mid-run."""


class _Interrupt:
    """How the first run stops, once ``INTERRUPT_AFTER`` accounts were saved (their tags not yet written).

    ``"ctrl-c"``: from the progress callback; ``"exception"``: the callback raises ``DiskFull``;
    ``"kill"``: the save reaches Smartlead and its answer never comes back. Ctrl-C and a kill are
    ``KeyboardInterrupt`` on blocking clients and, as ``asyncio.run`` turns SIGINT into, the
    cancellation of the apply's task on async ones.
    """

    def __init__(self, how: str, mode: str) -> None:
        self.how, self.mode = how, mode
        self.armed = True
        self.saves = 0
        self.victim: asyncio.Future[Any] | None = None

    def expected(self) -> type[BaseException]:
        if self.how == "exception":
            return DiskFull
        return KeyboardInterrupt if self.mode == "sync" else asyncio.CancelledError

    def _fire(self) -> None:
        self.armed = False
        if self.how == "exception":
            raise DiskFull("disk full")
        if self.mode == "sync":
            raise KeyboardInterrupt
        assert self.victim is not None
        self.victim.cancel()

    def on_progress(self, event: ProgressEvent) -> None:
        succeeded = event.item is not None and event.item.status == "succeeded"
        if self.armed and self.how != "kill" and succeeded and event.done >= INTERRUPT_AFTER:
            self._fire()

    def saved(self, request: httpx.Request) -> bool:
        """After a save reached the sandbox: True when its answer is lost to the kill."""
        if not (self.armed and self.how == "kill" and request.method == "POST"):
            return False
        if not request.url.path.rstrip("/").endswith(("/save", "/save-oauth")):
            return False
        self.saves += 1
        if self.saves < INTERRUPT_AFTER:
            return False
        self._fire()
        return True


class _Sync(httpx.BaseTransport):
    def __init__(self, sb: Sandbox, interrupt: _Interrupt) -> None:
        self.inner, self.interrupt = sb.transport, interrupt

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.interrupt.saved(request)  # a kill raises KeyboardInterrupt here
        return response


class _Async(httpx.AsyncBaseTransport):
    def __init__(self, sb: Sandbox, interrupt: _Interrupt) -> None:
        self.inner, self.interrupt = sb.transport, interrupt

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # a network suspends the caller (the in-process sandbox alone does not)
        response = await self.inner.handle_async_request(request)
        if self.interrupt.saved(request):
            await asyncio.Event().wait()  # the answer never comes: the cancellation ends the wait
        return response


def _app(sb: Sandbox) -> MicrosoftApp:
    reg = sb.authority.smartlead_app
    return MicrosoftApp(reg.client_id, reg.secret, environ={})


def _plan(sb: Sandbox, fleet: Fleet, strategy: str, tag_ids: list[int]) -> ConnectPlan:
    common: dict[str, Any] = {"policy": POLICY, "clients": CLIENT, "tags": tag_ids}
    if strategy == "smtp":
        return connect(fleet, "smtp", credentials=sb.credentials_csv(), **common)
    if strategy == "oauth-tokens":
        return connect(fleet, "oauth", tokens=sb.microsoft_token, **common)
    return connect(fleet, "oauth", microsoft=_app(sb), credentials=sb.credentials_csv(), **common)


def _misses(sb: Sandbox, planned: ConnectPlan, tag_ids: list[int]) -> dict[str, list[str]]:
    """Per setting, the addresses whose live account does not hold what the first plan planned."""
    by_email = {a.from_email.lower(): a for a in live_accounts(sb)}
    misses: dict[str, list[str]] = {}
    for item in planned.to_create:
        acc = by_email.get(item.address.lower())
        s = item.settings
        warm = acc.warmup if acc is not None else None
        checks = {
            "account": acc is not None,
            "daily limit": acc is not None and acc.message_per_day == s.max_email_per_day,
            "gap": acc is not None and acc.min_time_to_wait_in_mins == s.time_to_wait_in_mins,
            "warmup": warm is not None
            and (warm.status, warm.total_warmup_per_day) == ("ACTIVE", s.warmup_per_day),
            "client": acc is not None and acc.client_id == CLIENT,
            "tags": acc is not None and set(tag_ids) <= set(acc.tag_ids),
        }
        for name, ok in checks.items():
            if not ok:
                misses.setdefault(name, []).append(item.address)
    return misses


def _interrupted_then_rerun(strategy: str, mode: str, how: str) -> None:
    sb = build_world(seed=len(strategy) * 10 + len(mode), mailboxes=MAILBOXES)
    if strategy == "oauth-signin":
        for tenant in sb.tc_account.tenants.values():
            sb.microsoft.grant_consent(tenant.tenant_id, sb.authority.smartlead_app.client_id)
    interrupt = _Interrupt(how, mode)
    tag_ids: list[int] = []
    plans: list[ConnectPlan] = []
    if mode == "sync":
        opts: dict[str, Any] = {"clock": sb.clock.timestamp, "sleep": sb.clock.sleep}
        tc = TenantCore(
            sb.tenantcore_api_key, http_client=httpx.Client(transport=_Sync(sb, interrupt)), **opts
        )
        sl = Smartlead(sb.smartlead_api_key, http_client=httpx.Client(transport=_Sync(sb, interrupt)), **opts)
        ms = MicrosoftIdentity(_app(sb), http_client=httpx.Client(transport=_Sync(sb, interrupt)), **opts)
        with tc, sl, ms:
            for name in ("wave-1", "client-acme"):
                tag = sl.tags.create(name).id
                assert tag is not None
                tag_ids.append(tag)

            def run(progress: Any) -> Any:
                plans.append(_plan(sb, Fleet.load(tc, sl), strategy, tag_ids))
                signs_in = {"ms": ms} if strategy == "oauth-signin" else {}
                return plans[-1].apply(sl=sl, on_progress=progress, **signs_in)

            with pytest.raises(interrupt.expected()) as info:
                run(interrupt.on_progress)
            result = run(None)
    else:
        opts = {"clock": sb.clock.timestamp, "sleep": sb.clock.asleep}

        async def arun(progress: Any) -> Any:
            async with (
                AsyncTenantCore(sb.tenantcore_api_key, http_client=httpx.AsyncClient(transport=_Async(sb, interrupt)), **opts) as atc,
                AsyncSmartlead(sb.smartlead_api_key, http_client=httpx.AsyncClient(transport=_Async(sb, interrupt)), **opts) as asl,
                AsyncMicrosoftIdentity(_app(sb), http_client=httpx.AsyncClient(transport=_Async(sb, interrupt)), **opts) as ams,
            ):  # fmt: skip
                for name in ("wave-1", "client-acme")[len(tag_ids) :]:
                    tag = (await asl.tags.create(name)).id
                    assert tag is not None
                    tag_ids.append(tag)
                plans.append(_plan(sb, await Fleet.aload(atc, asl), strategy, tag_ids))
                signs_in = {"ms": ams} if strategy == "oauth-signin" else {}
                task = asyncio.ensure_future(
                    plans[-1].aapply(sl=asl, on_progress=progress, concurrency=4, **signs_in)
                )
                interrupt.victim = task
                return await task

        with pytest.raises(interrupt.expected()) as info:
            asyncio.run(arun(interrupt.on_progress))
        result = asyncio.run(arun(None))
    assert not interrupt.armed, "the first run was interrupted"
    assert info.value.partial_result.counts()["succeeded"] >= INTERRUPT_AFTER - 1  # type: ignore[attr-defined]
    first, again = plans
    assert len(first.to_create) == MAILBOXES

    assert duplicates(sb) == {}, f"duplicate accounts: {duplicates(sb)}"
    assert result.failed == [], [(i.subject, i.detail) for i in result.failed]
    misses = _misses(sb, first, tag_ids)
    assert not misses, (
        f"{strategy} {mode}, interrupted by {how}: after the re-run, settings missing on "
        + "; ".join(f"{name}: {len(who)} of {MAILBOXES}" for name, who in misses.items())
        + f" (re-plan: {again.counts()})"
    )
    converged = [i for i in again.items if i.action == "update"]
    assert converged, "the re-plan converges the accounts saved before the interruption"
    assert all("add tags" in i.reason for i in converged), "the re-plan says what it converges"


@case(
    8,
    "fault",
    "connect interrupted after its first saves (Ctrl-C, an exception, a kill mid-save), "
    "re-planned and re-applied: every account holds its limit, gap, warmup, client and tags, no duplicate "
    "(SMTP, OAuth tokens, OAuth sign-in; sync and async)",
)
def interrupted_connect_reruns_converge_on_every_planned_setting() -> None:
    for strategy, mode, interruption in (
        ("smtp", "sync", "ctrl-c"),
        ("smtp", "async", "kill"),
        ("oauth-tokens", "sync", "exception"),
        ("oauth-tokens", "async", "ctrl-c"),
        ("oauth-signin", "sync", "kill"),
        ("oauth-signin", "async", "kill"),
    ):
        _interrupted_then_rerun(strategy, mode, interruption)


# ---------------------------------------------------------------------------------- 13

#: Smartlead's documented per-key windows, which the sandbox enforces and the client paces at.
SMARTLEAD_WINDOWS: tuple[tuple[int, float], ...] = ((60, 60.0), (10, 2.0))


@case(
    13,
    "fault",
    "240 account saves, 16 at a time, over a network with transit time at Smartlead's default windows: "
    "at most 1% of attempts draw a 429 and throughput is at least 90% of what the windows allow",
)
def concurrent_saves_keep_to_the_servers_window() -> None:
    clock = VirtualClock()
    spec = FleetSpec(
        tenants=40,
        domains_per_tenant=2,
        mailboxes_per_domain=3,
        rate_limits=SMARTLEAD_WINDOWS,
        connected=False,
    )
    sb = build_sandbox(spec, clock=clock)
    traffic = Traffic()
    # The server counts a request after its uplink transit (30-80 ms, seeded); saves answer in 1.5-3 s.
    model = LatencyModel(seed=5)

    async def go() -> tuple[float, Traffic, Any, ConnectPlan]:
        transport = LatencyTransport(sb, model, traffic)
        async with (
            AsyncTenantCore(sb.tenantcore_api_key, http_client=httpx.AsyncClient(transport=transport), clock=clock.timestamp) as tc,
            # Smartlead's default client: the default windows, sleeping on the virtual loop.
            AsyncSmartlead(sb.smartlead_api_key, http_client=httpx.AsyncClient(transport=transport), clock=clock.timestamp) as sl,
        ):  # fmt: skip
            fleet = await Fleet.aload(tc, sl)
            plan = connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=LimitPolicy())
            clock.advance(120.0)  # fresh windows: the load's requests have left them
            before = traffic.snapshot()
            start = clock.monotonic()
            result = await plan.aapply(sl=sl, concurrency=16)
            return clock.monotonic() - start, traffic.since(before), result, plan

    wall, seen, result, plan = run_virtual(go(), clock)
    attempts = seen.count("smartlead")
    refused = seen.status("smartlead", 429)
    answered = attempts - refused
    # The shortest time the answered requests need at the windows (each at a save's least latency).
    bound = rate_bound(answered, SMARTLEAD_WINDOWS, model.smartlead_save[0])
    assert len(plan.to_create) == 240
    assert result.failed == [], [(i.subject, i.detail) for i in result.failed][:3]
    assert refused <= attempts // 100, (
        f"{refused} of {attempts} attempts ({refused / attempts:.1%}) drew a 429: the limiter overshoots"
    )
    assert bound / wall >= 0.90, (
        f"throughput {bound / wall:.1%} of the windows' (wall {wall:.0f} s, bound {bound:.0f} s)"
    )
