"""Rules the planners, the checks and the command line share: each written here once.

- [`not_ready_reasons`][tenantlead.orchestration.connect.not_ready_reasons]: why a tenant is not ready (connect's prerequisite and check TL107);
- [`tenant_matches`][tenantlead.orchestration.fleet.tenant_matches] / [`find_tenants`][tenantlead.orchestration.connect.find_tenants] / [`resolve_tenants`][tenantlead.orchestration.fleet.resolve_tenants]: a tenant named by its
  GUID or its name, ignoring case and spaces (``connect``'s ``clients=``/``tags=`` keys,
  ``Fleet.load(tenant_ids=...)``, ``Fleet.filter(tenant=...)``, ``--tenant``); a name that
  matches nothing raises [`UnknownTenantError`][tenantlead.orchestration.UnknownTenantError] with close matches ("did you mean").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from tenantlead.errors import TenantleadError
from tenantlead.tenantcore.models import ExchangeBootstrapStatus, Tenant

__all__ = [
    "UnknownTenantError",
    "close_tenants",
    "find_tenants",
    "not_ready_reasons",
    "resolve_tenants",
    "tenant_key",
    "tenant_matches",
]


def not_ready_reasons(tenant: Tenant) -> list[str]:
    """Why ``tenant`` is not ready to have mailboxes connected or limits enforced (empty: ready).

    A value the API did not report is not a failure: an unknown bootstrap status or discovery
    state passes (the same rule as ``Tenant.is_ready``).
    """
    reasons = []
    status = tenant.exchange_bootstrap_status
    if status is not None and status != ExchangeBootstrapStatus.READY:
        reasons.append(f"Exchange bootstrap is {status}")
    if tenant.discovery_completed is False:
        reasons.append("discovery has not completed")
    return reasons


def tenant_key(value: object) -> str:
    """How a tenant name or GUID is compared: case-folded, whitespace removed (``"Dunmore  health"``)."""
    return "".join(str(value).split()).casefold()


def tenant_matches(tenant: Tenant | None, key: object) -> bool:
    """True when ``key`` names ``tenant``: its Microsoft GUID or its name, ignoring case and spaces."""
    if tenant is None or key is None:
        return False
    wanted = tenant_key(key)
    return wanted in (tenant_key(tenant.tenant_id), tenant_key(tenant.tenant_name or ""))


def find_tenants(tenants: Iterable[Tenant], key: object) -> list[Tenant]:
    """The tenants ``key`` names (see [`tenant_matches`][tenantlead.orchestration.fleet.tenant_matches]), in the order given."""
    return [t for t in tenants if tenant_matches(t, key)]


class UnknownTenantError(TenantleadError, ValueError):
    """A tenant name or GUID that names no tenant; the message suggests the closest names.

    Attributes:
        unknown: the keys that matched nothing.
        suggestions: for each unknown key, the closest tenant names (difflib), best first.
    """

    def __init__(self, unknown: Sequence[str], suggestions: dict[str, list[str]], what: str) -> None:
        self.unknown = tuple(unknown)
        self.suggestions = suggestions
        parts = []
        for key in self.unknown:
            close = suggestions.get(key) or []
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            parts.append(f"{key!r}{hint}")
        super().__init__(
            f"unknown {what} {', '.join(parts)}: use a tenant GUID or a tenant name (case and spaces do not matter)"
        )


def close_tenants(tenants: Iterable[Tenant], key: object, n: int = 3) -> list[str]:
    """The names (or GUIDs) of the tenants closest to ``key``, best first (difflib)."""
    labels: dict[str, str] = {}
    for tenant in tenants:
        for label in (tenant.tenant_name, tenant.tenant_id):
            if label:
                labels.setdefault(tenant_key(label), label)
    keys = difflib.get_close_matches(tenant_key(key), list(labels), n=n, cutoff=0.6)
    return [labels[k] for k in keys]


def resolve_tenants(tenants: Sequence[Tenant], keys: Iterable[object], what: str = "tenant") -> list[Tenant]:
    """The tenants ``keys`` name (GUIDs or names), in the order given and once each.

    Raises ``UnknownTenantError`` naming every key
    that matches no tenant, with close matches.
    """
    if isinstance(keys, str):
        raise ValueError(f"{what} must be a list of tenant GUIDs or names, not a single string")
    out: list[Tenant] = []
    unknown: list[str] = []
    suggestions: dict[str, list[str]] = {}
    for key in keys:
        found = find_tenants(tenants, key)
        if not found:
            unknown.append(str(key))
            suggestions[str(key)] = close_tenants(tenants, key)
        out.extend(t for t in found if t not in out)
    if unknown:
        raise UnknownTenantError(unknown, suggestions, what)
    return out
