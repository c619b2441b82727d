"""Per-tenant summaries and problems-first rows for the views of fleets, reports, plans and results.

Everything here is pure and feeds the one rendering path in ``_render`` (``Tabular.show()``):
each object's ``summary_records()`` and ``view_records()`` come from these functions, and
[`attach_tenants`][tenantlead.orchestration.views.attach_tenants] gives every plan and report row its tenant's name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from tenantlead.orchestration._render import problems_first

if TYPE_CHECKING:
    from tenantlead.orchestration.checks import Report
    from tenantlead.orchestration.fleet import Fleet

__all__ = [
    "CONNECT_SUMMARY_COLUMNS",
    "FLEET_SUMMARY_COLUMNS",
    "LIMIT_SUMMARY_COLUMNS",
    "attach_tenants",
    "connect_plan_rows",
    "connect_plan_summary",
    "field_is",
    "fleet_summary",
    "fleet_view_rows",
    "limit_plan_rows",
    "limit_plan_summary",
    "per_tenant",
    "subject_tenants",
]

T = TypeVar("T")

#: The per-tenant summary of a fleet (``Fleet.summary_records()``), in order.
FLEET_SUMMARY_COLUMNS = (
    "tenant_name",
    "mailboxes",
    "connected",
    "not_connected",
    "daily_send_limit_total",
    "message_per_day_total",
    "sends_today",
    "blocked",
    "errors",
    "warnings",
    "info",
)


def _name_key(record: Mapping[str, Any]) -> str:
    return str(record.get("tenant_name") or record.get("tenant_id") or "~")


def attach_tenants(items: Iterable[T], fleet: Fleet) -> tuple[T, ...]:
    """``items`` with ``tenant_id`` and ``tenant_name`` filled in from ``fleet``.

    An item's subject (``address`` or ``subject``) is looked up as a mailbox address, then as a
    tenant GUID; an item that already names its tenant keeps it. Items are attrs classes with
    ``tenant_id`` / ``tenant_name`` fields.
    """
    names = {t.tenant_id: t.tenant_name for t in fleet.tenants}
    by_address = {r.address: r.tenant_id for r in fleet.rows}
    out: list[T] = []
    for item in items:
        tenant_id = getattr(item, "tenant_id", None)
        if tenant_id is None:
            subject = str(getattr(item, "address", None) or getattr(item, "subject", "")).strip()
            tenant_id = by_address.get(subject.lower()) or (subject if subject in names else None)
        name = names.get(tenant_id) if tenant_id is not None else None
        if tenant_id == getattr(item, "tenant_id", None) and name == getattr(item, "tenant_name", None):
            out.append(item)
            continue
        out.append(attrs.evolve(item, tenant_id=tenant_id, tenant_name=name))  # type: ignore[misc]
    return tuple(out)


def subject_tenants(items: Iterable[Any]) -> dict[str, tuple[str | None, str | None]]:
    """Subject (address or tenant GUID) -> ``(tenant_id, tenant_name)`` for an apply's results."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for item in items:
        subject = getattr(item, "address", None) or getattr(item, "subject", None)
        tenant_id = getattr(item, "tenant_id", None)
        if subject and tenant_id is not None:
            out.setdefault(str(subject), (tenant_id, getattr(item, "tenant_name", None)))
    return out


def field_is(key: str, value: Any) -> Callable[[Mapping[str, Any]], bool]:
    """A ``per_tenant`` counter: records whose ``key`` equals ``value``."""

    def test(record: Mapping[str, Any]) -> bool:
        return bool(record.get(key) == value)

    return test


def per_tenant(
    records: Sequence[Mapping[str, Any]],
    counters: Mapping[str, Callable[[Mapping[str, Any]], bool]],
    *,
    rank: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Count ``records`` per tenant: one dict per tenant with a count per ``counters`` key.

    Sorted problems first: by the ``rank`` counts (largest first, in that order), then name.
    """
    groups: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for record in records:
        key = (record.get("tenant_id"), record.get("tenant_name"))
        group = groups.setdefault(
            key, {"tenant_name": key[1], "tenant_id": key[0], **dict.fromkeys(counters, 0)}
        )
        for name, test in counters.items():
            if test(record):
                group[name] += 1
    return sorted(groups.values(), key=lambda g: (*(-g[k] for k in rank), _name_key(g)))


def fleet_summary(fleet: Fleet, report: Report) -> list[dict[str, Any]]:
    """One record per tenant of ``fleet``, problems first (errors, warnings, blocks, unconnected)."""
    severity = Counter((f.tenant_id, f.severity.value) for f in report.findings)
    out: list[dict[str, Any]] = []
    rows_of: dict[str | None, list[Any]] = {}
    for row in fleet.rows:
        rows_of.setdefault(row.tenant_id, []).append(row)
    for tenant in fleet.tenants:
        rows = rows_of.get(tenant.tenant_id, [])
        connected = [r for r in rows if r.status == "connected"]
        out.append(
            {
                "tenant_name": tenant.tenant_name,
                "tenant_id": tenant.tenant_id,
                "domains": len(fleet.domains.get(tenant.tenant_id, ())),
                "mailboxes": sum(1 for r in rows if r.mailbox is not None),
                "connected": len(connected),
                "not_connected": sum(1 for r in rows if r.status == "not_connected"),
                "orphans": sum(1 for r in rows if r.status == "orphan"),
                "daily_send_limit_total": sum(r.daily_send_limit or 0 for r in rows),
                "message_per_day_total": sum(r.message_per_day or 0 for r in connected),
                "warmup_per_day_total": sum(r.warmup_per_day or 0 for r in connected),
                "sends_today": sum(r.sends_today or 0 for r in rows),
                "blocked": sum(1 for r in rows if r.is_blocked),
                "errors": severity[(tenant.tenant_id, "error")],
                "warnings": severity[(tenant.tenant_id, "warning")],
                "info": severity[(tenant.tenant_id, "info")],
            }
        )
    return sorted(
        out,
        key=lambda r: (
            -r["errors"],
            -r["blocked"],
            -r["warnings"],
            -r["not_connected"],
            -r["info"],
            _name_key(r),
        ),
    )


def fleet_view_rows(fleet: Fleet, report: Report) -> list[dict[str, Any]]:
    """The fleet's rows problems first, each with its worst ``severity`` and its ``findings`` codes."""
    found: dict[str, list[Any]] = {}
    for finding in report.findings:
        if finding.subject_kind == "mailbox":
            found.setdefault(finding.subject.lower(), []).append(finding)
    records: list[dict[str, Any]] = []
    for row in fleet.rows:
        record = row.to_record()
        mine = sorted(found.get(row.address, ()), key=lambda f: (f.severity.rank, f.code))
        record["severity"] = mine[0].severity.value if mine else None
        record["findings"] = ", ".join(dict.fromkeys(f.code for f in mine))
        records.append(record)
    return problems_first(records, _name_key, lambda r: r["address"])


# ----------------------------------------------------------------------------- plans


#: The per-tenant summary of a limit plan (``LimitPlan.summary_records()``).
LIMIT_SUMMARY_COLUMNS = (
    "tenant_name",
    "changes",
    "lowered",
    "raised",
    "ceilings_stored",
    "enforcement",
    "skipped",
)

#: The per-tenant summary of a connect plan (``ConnectPlan.summary_records()``).
CONNECT_SUMMARY_COLUMNS = ("tenant_name", "to_connect", "to_update", "blocked", "already_connected")


def _code_level(code: str | None) -> str:
    from tenantlead.orchestration.checks_rules import CHECKS

    if code is not None and code in CHECKS:
        return CHECKS[code].severity.value
    return "warning"


def _lowers(record: Mapping[str, Any]) -> bool:
    before, after = record.get("before"), record.get("after")
    return (
        record.get("field") == "message_per_day"
        and isinstance(before, int)
        and isinstance(after, int)
        and after < before
    )


def _raises(record: Mapping[str, Any]) -> bool:
    before, after = record.get("before"), record.get("after")
    return record.get("field") == "message_per_day" and isinstance(after, int) and (before or 0) < after


def limit_plan_rows(plan: Any) -> list[dict[str, Any]]:
    """A limit plan's changes and skips as view rows, problems first.

    Skips (rows the plan cannot make safe) carry the severity of their TL code; a lowered
    Smartlead limit (it is over its budget today) is a warning; other changes follow.
    """
    rows: list[dict[str, Any]] = []
    for change in plan.changes:
        record = change.to_record()
        record["severity"] = "warning" if _lowers(record) else None
        rows.append(record)
    for skip in plan.skipped:
        record = skip.to_record()
        rows.append(
            {
                **record,
                "system": "-",
                "field": skip.code or "skip",
                "before": None,
                "after": None,
                "severity": _code_level(skip.code),
            }
        )
    return problems_first(rows, _name_key, lambda r: r["subject"])


def limit_plan_summary(plan: Any) -> list[dict[str, Any]]:
    """Per tenant: changes, Smartlead limits lowered / raised, TenantCore ceilings stored, skips."""
    records = [{**c.to_record(), "kind": "change"} for c in plan.changes]
    records += [{**s.to_record(), "kind": "skip"} for s in plan.skipped]
    return per_tenant(
        records,
        {
            "changes": lambda r: r["kind"] == "change",
            "lowered": _lowers,
            "raised": _raises,
            "ceilings_stored": lambda r: r.get("field") == "daily_send_limit",
            "enforcement": lambda r: r.get("field") == "mailbox_limits",
            "skipped": lambda r: r["kind"] == "skip",
        },
        rank=("skipped", "lowered", "changes"),
    )


def _blocked(item: Any) -> bool:
    """A connect item a prerequisite (a TL code) keeps from connecting."""
    return bool(item.action == "skip" and item.account_id is None)


def connect_plan_rows(plan: Any) -> list[dict[str, Any]]:
    """A connect plan's items: blocked by a prerequisite first, then work, then already connected."""
    order = {"create": 1, "manual": 1, "update": 2, "skip": 3}
    rows: list[dict[str, Any]] = []
    for item in plan.items:
        record = item.to_record()
        record["severity"] = _code_level(item.code) if _blocked(item) else None
        rows.append(record)
    return problems_first(
        rows, lambda r: 0 if r["severity"] else order[r["action"]], _name_key, lambda r: r["address"]
    )


def connect_plan_summary(plan: Any) -> list[dict[str, Any]]:
    """Per tenant: mailboxes to connect, accounts to update, blocked by a prerequisite, already connected."""
    records = [{**i.to_record(), "blocked": _blocked(i)} for i in plan.items]
    return per_tenant(
        records,
        {
            "to_connect": lambda r: r["action"] in ("create", "manual"),
            "to_update": lambda r: r["action"] == "update",
            "blocked": lambda r: bool(r["blocked"]),
            "already_connected": lambda r: r["action"] == "skip" and not r["blocked"],
        },
        rank=("blocked", "to_connect"),
    )
