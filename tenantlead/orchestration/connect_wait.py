"""Waiting until connected: poll Smartlead until each address shows SMTP and IMAP success.

[`wait_connected`][tenantlead.orchestration.connect_wait.wait_connected] (blocking) and [`await_connected`][tenantlead.orchestration.connect_wait.await_connected] (async) run the same flow: one
list pass (``ceil(n/100)`` requests), then a sleep of ``interval`` seconds on the client's
sleeper, until every address is connected or ``timeout`` seconds have passed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from tenantlead._core.flow import Flow, Now, Sleep, arun_flow, run_flow
from tenantlead.orchestration import _calls
from tenantlead.orchestration.fleet import normalize_address
from tenantlead.orchestration.results import (
    ApplyResult,
    ItemResult,
    OnProgress,
    Progress,
    _Collector,
    progress_callback,
)

if TYPE_CHECKING:
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.smartlead.models import EmailAccount

__all__ = ["await_connected", "await_until_connected", "wait_connected", "wait_until_connected"]

S = TypeVar("S", "Smartlead", "AsyncSmartlead")


def _connected(account: EmailAccount) -> bool:
    return account.is_smtp_success is True and account.is_imap_success is True


def _wait_outcome(
    emails: Sequence[str], seen: Mapping[str, EmailAccount], *, final: bool
) -> list[ItemResult]:
    out: list[ItemResult] = []
    for email in emails:
        account = seen.get(email)
        if account is not None and _connected(account):
            out.append(
                ItemResult(
                    subject=email,
                    action="wait until connected",
                    status="succeeded",
                    detail="connected",
                    account_id=account.id,
                )
            )
        elif final:
            detail = (
                "not in Smartlead yet"
                if account is None
                else (
                    f"added but not connected: {account.smtp_failure_error or account.imap_failure_error or 'pending'}"
                )
            )
            out.append(
                ItemResult(
                    subject=email,
                    action="wait until connected",
                    status="failed",
                    detail=f"timed out: {detail}",
                    account_id=account.id if account is not None else None,
                )
            )
    return out


def _wait_args(emails: Iterable[str], timeout: float, interval: float) -> list[str]:
    if isinstance(emails, str):
        raise TypeError("emails must be a list of addresses, not a single string")
    wanted = list(dict.fromkeys(normalize_address(e) for e in emails))
    if timeout < 0 or interval <= 0:
        raise ValueError("timeout must be >= 0 and interval > 0 (seconds)")
    return wanted


def _wait_flow(
    wanted: list[str],
    timeout: float,
    interval: float,
    on_progress: OnProgress | None,
    clock: Callable[[], float] | None,
) -> Flow[ApplyResult]:
    def now() -> Flow[float]:
        return clock() if clock is not None else float((yield Now()))

    deadline = (yield from now()) + timeout
    collector = _Collector(len(wanted), on_progress, "wait")
    pending = list(wanted)
    while True:
        accounts = yield from _calls.list_accounts()
        seen = {normalize_address(a.from_email): a for a in accounts}
        final = (yield from now()) >= deadline
        for result in _wait_outcome(pending, seen, final=final):
            collector.add(result)
        done = {r.subject for r in collector.items}
        pending = [e for e in pending if e not in done]
        if not pending:
            return collector.result(verified=True)
        left = deadline - (yield from now())
        yield Sleep(min(interval, max(0.0, left)) or interval)


class _Paced:
    """A client seen through another clock and sleeper (``clock=`` / ``sleep=`` of the waits).

    The flow drivers ask a client for ``_run``, ``_clock`` and ``_sleep`` only, so this stands
    in for the client it wraps (the drivers are typed for real clients, hence the cast below).
    """

    def __init__(
        self,
        client: Smartlead | AsyncSmartlead,
        clock: Callable[[], float] | None,
        sleep: Callable[[float], Any],
    ) -> None:
        self._run = client._run
        self._clock = clock or client._clock
        self._sleep = sleep


def _client(sl: S, clock: Callable[[], float] | None, sleep: Callable[[float], Any] | None) -> S:
    if sl is None:
        raise ValueError("waiting needs a Smartlead client as its first argument")
    return sl if sleep is None else cast(S, _Paced(sl, clock, sleep))


def wait_connected(
    sl: Smartlead,
    emails: Iterable[str],
    *,
    timeout: float = 600.0,
    interval: float = 30.0,
    on_progress: OnProgress | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Poll Smartlead (one list pass, ``ceil(n/100)`` requests) until every address shows connected.

    Connected means the account exists with ``is_smtp_success`` and ``is_imap_success`` true.
    Returns succeeded per connected address and failed (with the last error text) for those
    still missing or failing at ``timeout`` seconds. ``on_progress(event)`` runs as each
    address ends (a [ProgressEvent][tenantlead.orchestration.ProgressEvent], stage ``"wait"``;
    ``progress=`` is its deprecated older form). Uses the client's clock and sleeper unless ``clock`` / ``sleep`` are
    given. The async twin is [await_connected][tenantlead.orchestration.await_connected].
    """
    wanted = _wait_args(emails, timeout, interval)
    flow = _wait_flow(wanted, timeout, interval, progress_callback("wait", on_progress, progress), clock)
    return run_flow(flow, {_calls.SMARTLEAD: _client(sl, clock, sleep)})


async def await_connected(
    sl: AsyncSmartlead,
    emails: Iterable[str],
    *,
    timeout: float = 600.0,
    interval: float = 30.0,
    on_progress: OnProgress | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], Any] | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Async [wait_connected][tenantlead.orchestration.wait_connected] (``sleep`` is awaited)."""
    wanted = _wait_args(emails, timeout, interval)
    flow = _wait_flow(wanted, timeout, interval, progress_callback("wait", on_progress, progress), clock)
    return await arun_flow(flow, {_calls.SMARTLEAD: _client(sl, clock, sleep)})


def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"{old}() is deprecated: use {new}() (same arguments); the old name will be removed in 0.3",
        DeprecationWarning,
        stacklevel=3,
    )


def wait_until_connected(sl: Smartlead, emails: Iterable[str], **options: Any) -> ApplyResult:
    """Deprecated alias of [wait_connected][tenantlead.orchestration.wait_connected]."""
    _deprecated("wait_until_connected", "wait_connected")
    return wait_connected(sl, emails, **options)


async def await_until_connected(sl: AsyncSmartlead, emails: Iterable[str], **options: Any) -> ApplyResult:
    """Deprecated alias of [await_connected][tenantlead.orchestration.await_connected]."""
    _deprecated("await_until_connected", "await_connected")
    return await await_connected(sl, emails, **options)
