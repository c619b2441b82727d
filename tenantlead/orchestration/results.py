"""What an ``apply()`` did: one [`ItemResult`][tenantlead.orchestration.results.ItemResult] per item, plus any drift found on re-read.

Every item ends ``succeeded``, ``skipped`` (with the reason) or ``failed`` (with the error);
bulk work never stops at the first failure. Error texts come from the SDK's exceptions, which
never contain keys, passwords or tokens.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import attrs

from tenantlead.orchestration._render import Tabular, jsonable, text_table
from tenantlead.orchestration.views import field_is, per_tenant

__all__ = [
    "ApplyResult",
    "Drift",
    "ItemResult",
    "ItemStatus",
    "OnProgress",
    "Progress",
    "ProgressEvent",
    "describe_error",
]

ItemStatus = Literal["succeeded", "skipped", "failed"]


@attrs.frozen(kw_only=True)
class ProgressEvent:
    """What every ``on_progress`` callback receives: ``done`` of ``total`` of ``stage`` have ended.

    Attributes:
        stage: what is being counted: ``"tenants"``, ``"accounts"``, ``"warmup details"``, ``"tags"``
            (``Fleet.load``), ``"connect"``, ``"align"`` (the applies) or ``"wait"``.
        done: how many have ended, ``total``: how many there are (it may grow by the time a
            stage ends, never shrink).
        item: the [ItemResult][tenantlead.orchestration.ItemResult] that just ended (applies and
            waits), or None for a load stage.
    """

    stage: str
    done: int
    total: int
    item: ItemResult | None = None


#: ``on_progress(event)``: the one progress-callback shape of ``Fleet.load``/``aload``, the
#: applies and the waits, called after each item (or read) ends.
OnProgress = Callable[[ProgressEvent], None]

#: Deprecated: ``progress(done, total, item_result)``; pass ``on_progress=`` instead.
Progress = Callable[[int, int, "ItemResult"], None]


def progress_callback(
    stage: str, on_progress: OnProgress | None, progress: Progress | None
) -> OnProgress | None:
    """The ``on_progress`` of an apply or wait, adapting the deprecated ``progress=`` form."""
    if progress is None:
        return on_progress

    def call_old(event: ProgressEvent) -> None:
        assert event.item is not None  # applies and waits always report the item
        progress(event.done, event.total, event.item)

    return deprecated_progress("progress=(done, total, item)", on_progress, call_old)


def deprecated_progress(
    old: str, on_progress: OnProgress | None, call_old: Callable[[ProgressEvent], None]
) -> OnProgress:
    """Warn that ``old`` is deprecated; an ``on_progress`` calling ``call_old`` then ``on_progress``."""
    warnings.warn(
        f"{old} is deprecated: pass on_progress=, called with one ProgressEvent (stage, done, total, item)",
        DeprecationWarning,
        stacklevel=4,
    )

    def both(event: ProgressEvent) -> None:
        call_old(event)
        if on_progress is not None:
            on_progress(event)

    return both


def describe_error(error: BaseException) -> str:
    """One line for an item's error: the exception type and its (already redacted) message."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


@attrs.frozen(kw_only=True)
class ItemResult:
    """The outcome of one item of a plan.

    Attributes:
        subject: a mailbox address, or a tenant id for tenant-wide steps.
        action: what was attempted (``set message_per_day``, ``create OUTLOOK account``...).
        status: ``succeeded``, ``skipped`` or ``failed``.
        detail: what happened, in words (for skips: the reason; for failures: the error).
        error: the exception of a failed item (not rendered in dicts beyond ``detail``).
        account_id: the Smartlead account concerned, when known.
        tenant_id: the tenant of the subject; tenant_name: its name (from the plan).
        code: the troubleshooting code of a failed (or refused) item, e.g. ``TL405`` for a
            Microsoft sign-in behind MFA; None when no check describes it.
        fix: what to change so the item succeeds on the next run, when known.
    """

    subject: str
    action: str
    status: ItemStatus
    detail: str = ""
    error: BaseException | None = attrs.field(default=None, eq=False, repr=False)
    account_id: int | None = None
    tenant_id: str | None = None
    tenant_name: str | None = None
    code: str | None = None
    fix: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A flat JSON-ready dict."""
        return {
            "subject": self.subject,
            "tenant_name": self.tenant_name,
            "action": self.action,
            "status": self.status,
            "detail": self.detail,
            "account_id": self.account_id,
            "error_type": type(self.error).__name__ if self.error is not None else None,
            "tenant_id": self.tenant_id,
            "code": self.code,
            "fix": self.fix,
        }


@attrs.frozen(kw_only=True)
class Drift:
    """A value read back after apply that differs from what the plan wrote."""

    subject: str
    field: str
    expected: Any
    actual: Any

    def to_record(self) -> dict[str, Any]:
        """A flat JSON-ready dict."""
        return {
            "subject": self.subject,
            "field": self.field,
            "expected": self.expected,
            "actual": self.actual,
        }

    def __str__(self) -> str:
        return f"{self.subject}: {self.field} is {self.actual!r}, the plan wrote {self.expected!r}"


@attrs.frozen(kw_only=True)
class ApplyResult(Tabular):
    """Per-item outcomes of an apply, and the drift its re-read found."""

    items: tuple[ItemResult, ...] = ()
    drift: tuple[Drift, ...] = ()
    #: False when apply was asked not to re-read (``verify=False``).
    verified: bool = True

    columns = ("tenant_name", "subject", "action", "status", "detail")
    summary_columns = ("tenant_name", "succeeded", "skipped", "failed")
    row_noun = "items"
    view_name = "result"
    int_columns = ("account_id",)

    @property
    def succeeded(self) -> list[ItemResult]:
        """Items that were written."""
        return [i for i in self.items if i.status == "succeeded"]

    @property
    def skipped(self) -> list[ItemResult]:
        """Items deliberately left alone, each with its reason."""
        return [i for i in self.items if i.status == "skipped"]

    @property
    def failed(self) -> list[ItemResult]:
        """Items whose write failed, each with its error."""
        return [i for i in self.items if i.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when nothing failed and the re-read found no drift."""
        return not self.failed and not self.drift

    def counts(self) -> dict[str, int]:
        """``{"succeeded", "skipped", "failed", "drift"}`` counts."""
        return {
            "succeeded": len(self.succeeded),
            "skipped": len(self.skipped),
            "failed": len(self.failed),
            "drift": len(self.drift),
        }

    def raise_for_failures(self) -> None:
        """Raise the first failed item's error (after the whole run), if any item failed."""
        for item in self.failed:
            if item.error is not None:
                raise item.error

    def to_records(self) -> list[dict[str, Any]]:
        """One record per item."""
        return [i.to_record() for i in self.items]

    def summary_records(self) -> list[dict[str, Any]]:
        """One record per tenant, failures first: items ``succeeded``, ``skipped``, ``failed``."""
        return per_tenant(
            self.to_records(),
            {status: field_is("status", status) for status in ("succeeded", "skipped", "failed")},
            rank=("failed",),
        )

    def view_records(self) -> list[dict[str, Any]]:
        """Failed items first, then writes, then skips (on a big fleet most rows are "nothing to do")."""
        order = {"failed": 0, "succeeded": 1, "skipped": 2}
        return sorted(self.to_records(), key=lambda r: order[r["status"]])

    def _view_notes(self) -> tuple[str, ...]:
        return tuple(f"drift: {d}" for d in self.drift)

    def to_dict(self) -> dict[str, Any]:
        """Counts, items and drift as a JSON-ready dict."""
        return {
            "counts": self.counts(),
            "verified": self.verified,
            "items": self.to_records(),
            "drift": [jsonable(d.to_record()) for d in self.drift],
        }

    def _html_summary(self) -> str:
        c = self.counts()
        return f"{c['succeeded']} succeeded, {c['skipped']} skipped, {c['failed']} failed, {c['drift']} drift"

    def __str__(self) -> str:
        lines = [f"{type(self).__name__}: {self._html_summary()}"]
        if self.items:
            records = self.view_records()
            lines.append(text_table(records, list(self.columns), max_rows=self.max_display_rows))
        if self.drift:
            lines.append("Drift (read back after apply):")
            lines += [f"  {d}" for d in self.drift]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._html_summary()}>"


class _Collector:
    """Collects item results in order and reports progress after each."""

    def __init__(
        self,
        total: int,
        on_progress: OnProgress | None,
        stage: str,
        *,
        tenants: Mapping[str, tuple[str | None, str | None]] | None = None,
    ) -> None:
        self.items: list[ItemResult] = []
        self.total = total
        self._on_progress = on_progress
        self._stage = stage
        # subject -> (tenant_id, tenant_name) from the plan, so every result row names its tenant.
        self._tenants = dict(tenants or {})

    def add(self, item: ItemResult) -> ItemResult:
        if item.tenant_id is None and item.subject in self._tenants:
            tenant_id, tenant_name = self._tenants[item.subject]
            item = attrs.evolve(item, tenant_id=tenant_id, tenant_name=tenant_name)
        self.items.append(item)
        if self._on_progress is not None:
            total = max(self.total, len(self.items))
            self._on_progress(ProgressEvent(stage=self._stage, done=len(self.items), total=total, item=item))
        return item

    def extend(self, items: Iterable[ItemResult]) -> None:
        for item in items:
            self.add(item)

    def replace(self, subject: str, account_id: int, item: ItemResult) -> bool:
        """Put ``item`` in place of the latest result for ``subject`` and ``account_id`` (a later finding)."""
        for index in range(len(self.items) - 1, -1, -1):
            old = self.items[index]
            if old.subject == subject and old.account_id == account_id:
                self.items[index] = attrs.evolve(item, tenant_id=old.tenant_id, tenant_name=old.tenant_name)
                return True
        return False

    def result(self, drift: Iterable[Drift] = (), *, verified: bool = True) -> ApplyResult:
        return ApplyResult(items=tuple(self.items), drift=tuple(drift), verified=verified)


def partial_note(exc: BaseException, collector: _Collector, rerun: str) -> None:
    """Attach what was done before an interruption to ``exc`` (``exc.partial_result``) and say how to finish."""
    result = collector.result(verified=False)
    with contextlib.suppress(AttributeError):  # exceptions with __slots__ cannot take it
        exc.partial_result = result  # type: ignore[attr-defined]
    c = result.counts()
    exc.add_note(
        f"tenantlead: interrupted after {len(result.items)} items ({c['succeeded']} written, "
        f"{c['failed']} failed); every completed write is real. {rerun}"
    )


def group_counts(items: Iterable[Mapping[str, Any]], key: str) -> dict[str, int]:
    """Count records by ``key`` (small helper for summaries)."""
    out: dict[str, int] = {}
    for item in items:
        out[str(item.get(key))] = out.get(str(item.get(key)), 0) + 1
    return out
