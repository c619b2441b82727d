"""How every apply runs: a list of phases, each a flow, driven by the flow seam's two drivers.

An apply run (``ConnectPlan.apply``, ``LimitPlan.apply``, the waits) is a subclass of
[`PhasedRun`][tenantlead.orchestration.limits_apply.PhasedRun]: its [`phases`][tenantlead.orchestration.limits_apply.PhasedRun.phases] are generator functions that yield
[`Gather`][tenantlead.orchestration.fleet.Gather] steps of per-item flows (the API calls of
``tenantlead.orchestration._calls``), and record each item's outcome as it ends. Nothing in a
run does I/O: `apply` drives it on the blocking clients (one item after another) and
`aapply` on the async clients (at most ``concurrency`` items at a time), so connect's and
align's writes are written once for both.

One item's failure never stops a phase. ``KeyboardInterrupt`` (or cancellation) stops the run
where it is: every completed write stands, and the exception carries ``partial_result`` and a
note saying how to finish.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from tenantlead._core.flow import Flow, Gather, Outcome, arun_flow, run_flow
from tenantlead.orchestration._calls import SMARTLEAD, TENANTCORE
from tenantlead.orchestration.results import ApplyResult, ItemResult, OnProgress, _Collector, partial_note

if TYPE_CHECKING:
    from tenantlead._core.http import AsyncAPIClient, SyncAPIClient
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.tenantcore import AsyncTenantCore, TenantCore

__all__ = ["PhasedRun", "aapply", "apply", "check_concurrency"]

K = TypeVar("K")
R = TypeVar("R")
C = TypeVar("C", bound="SyncAPIClient | AsyncAPIClient")

#: ``done(key, value, error)``: records how one item of a phase ended.
Done: TypeAlias = Callable[[K, Any, Exception | None], None]


def check_concurrency(concurrency: int) -> int:
    """``concurrency`` when it is an integer >= 1, else a ValueError that says so."""
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        raise ValueError(f"concurrency must be an integer >= 1, got {concurrency!r}")
    return concurrency


class PhasedRun:
    """One run of a plan: phases of independent per-item flows, and the results they record."""

    #: Items at a time within a phase (set by the driver: 1 blocking, ``concurrency`` async).
    concurrency: int = 1

    def __init__(
        self,
        total: int,
        on_progress: OnProgress | None,
        stage: str,
        *,
        tenants: Mapping[str, tuple[str | None, str | None]] | None = None,
    ) -> None:
        # tenants: subject -> (tenant_id, tenant_name), so the results name their tenants.
        self.collector = _Collector(total, on_progress, stage, tenants=tenants)

    def skipped(self, subject: str, action: str, detail: str, account_id: int | None = None) -> None:
        """Record an item the run leaves alone, with the reason."""
        self.collector.add(
            ItemResult(subject=subject, action=action, status="skipped", detail=detail, account_id=account_id)
        )

    def phases(self) -> Sequence[Callable[[], Flow[None]]]:
        """The phases, in order; each is started only once the previous one has ended."""
        raise NotImplementedError

    def result(self) -> ApplyResult:
        """The run's result once every phase has ended."""
        return self.collector.result(verified=False)

    def rerun_hint(self) -> str:
        """How to finish after an interruption (appended to the exception's note)."""
        return "Load the fleet again and plan again: re-running is safe."

    def each(self, work: Sequence[tuple[K, Flow[Any]]], done: Done[K]) -> Flow[None]:
        """Run ``work``'s flows as one step (``concurrency`` at a time); ``done`` as each ends."""
        if not work:
            return
        keys = [key for key, _ in work]

        def finished(index: int, outcome: Outcome[Any]) -> None:
            done(keys[index], outcome.value, outcome.error)

        yield Gather([flow for _, flow in work], concurrency=self.concurrency, on_done=finished)

    def flow(self) -> Flow[ApplyResult]:
        """Every phase in order, then the result: the one flow both drivers run."""
        for phase in self.phases():
            yield from phase()
        return self.result()


def _clients(tc: C | None, sl: C | None) -> dict[str, C]:
    """The clients a run was given, by the names its flows address them with."""
    named = {TENANTCORE: tc, SMARTLEAD: sl}
    return {name: client for name, client in named.items() if client is not None}


def _dry(flow: Flow[R]) -> R:
    """Run a flow that needs no client (a plan with nothing to write): it must yield no step."""
    try:
        step = next(flow)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    flow.close()
    raise ValueError(f"this run needs a client: pass tc= and/or sl= (it tried to send {step!r})")


def apply(run: PhasedRun, tc: TenantCore | None, sl: Smartlead | None) -> ApplyResult:
    """Drive ``run`` on blocking clients, one item after another."""
    run.concurrency = 1
    clients: Mapping[str, SyncAPIClient] = _clients(tc, sl)
    try:
        return run_flow(run.flow(), clients) if clients else _dry(run.flow())
    except BaseException as exc:
        partial_note(exc, run.collector, run.rerun_hint())
        raise


async def aapply(
    run: PhasedRun, tc: AsyncTenantCore | None, sl: AsyncSmartlead | None, *, concurrency: int
) -> ApplyResult:
    """Drive ``run`` on async clients, at most ``concurrency`` items of a phase at a time."""
    run.concurrency = check_concurrency(concurrency)
    clients: Mapping[str, AsyncAPIClient] = _clients(tc, sl)
    try:
        return await arun_flow(run.flow(), clients) if clients else _dry(run.flow())
    except BaseException as exc:
        partial_note(exc, run.collector, run.rerun_hint())
        raise
