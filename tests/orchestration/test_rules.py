"""The shared rules: connect and the checks agree on tenant readiness; one tenant lookup by GUID or name."""

from __future__ import annotations

import pytest

from tenantlead.orchestration import connect, troubleshoot
from tenantlead.orchestration._rules import find_tenants, not_ready_reasons, tenant_matches
from tests.orchestration.factories import build_fleet, mailbox, tenant

STATES = [
    ({}, []),
    ({"exchange_bootstrap_status": None, "discovery_completed": None}, []),
    ({"exchange_bootstrap_status": "pending"}, ["Exchange bootstrap is pending"]),
    ({"discovery_completed": False}, ["discovery has not completed"]),
    (
        {"exchange_bootstrap_status": "failed", "discovery_completed": False},
        ["Exchange bootstrap is failed", "discovery has not completed"],
    ),
]


@pytest.mark.parametrize(("over", "reasons"), STATES)
def test_connect_and_tl107_use_the_same_readiness_rule(over: dict[str, object], reasons: list[str]) -> None:
    t = tenant(1, **over)
    fleet = build_fleet({t.tenant_id: [mailbox("ann@acme.com")]}, tenants=[t])

    assert not_ready_reasons(t) == reasons
    assert t.is_ready is (not reasons)  # the model's shortcut says the same
    item = connect(fleet, "manual").items[0]
    assert (item.code == "TL107") is bool(reasons)
    assert troubleshoot(fleet).subjects("TL107") == ([t.tenant_id] if reasons else [])
    for reason in reasons:
        assert reason in item.reason


def test_a_tenant_is_named_by_its_exact_guid_or_name() -> None:
    acme, beta = tenant(1, tenant_name="Acme"), tenant(2, tenant_name="Beta")
    assert tenant_matches(acme, acme.tenant_id)
    assert tenant_matches(acme, "Acme")
    assert not tenant_matches(None, "Acme")
    assert not tenant_matches(tenant(3, tenant_name=None), None)
    assert find_tenants([acme, beta], "Beta") == [beta]
    assert find_tenants([acme, beta], "Gamma") == []
