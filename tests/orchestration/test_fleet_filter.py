"""Fleet.filter keeps the tenant- and domain-level data troubleshoot's tenant checks read."""

from __future__ import annotations

import pytest

from tenantlead.orchestration import Fleet, troubleshoot
from tests.orchestration.factories import account, domain, fleet, mailbox, tenant


def two_tenants() -> Fleet:
    """Acme is healthy with mailboxes; Beta is brand new: not ready, one unverified domain, no mailboxes."""
    acme = tenant(1, tenant_name="Acme")
    beta = tenant(2, tenant_name="Beta", exchange_bootstrap_status="pending", discovery_completed=False)
    return fleet(
        {
            acme: {
                domain("acme.com"): [(mailbox("a@acme.com"), account("a@acme.com", limit=20))],
                domain("acme-new.com", is_verified=False): [],
            },
            beta: {domain("beta.com", is_verified=False): []},
        }
    )


def codes(f: Fleet) -> set[tuple[str, str]]:
    return {(x.code, x.subject) for x in troubleshoot(f).findings}


def test_filter_without_arguments_keeps_tenants_that_have_no_mailboxes():
    f = two_tenants()
    assert f.filter().tenants == f.tenants
    assert codes(f.filter()) == codes(f)


def test_filter_by_tenant_keeps_a_tenant_with_no_mailboxes_yet():
    beta = tenant(2).tenant_id
    only = two_tenants().filter(tenant="Beta")
    assert [t.tenant_id for t in only.tenants] == [beta]
    assert {("TL107", beta), ("TL103", "beta.com")} <= codes(only)
    assert all(x.tenant_id == beta for x in troubleshoot(only).findings)


def test_filter_by_domain_narrows_the_domain_checks_to_that_domain():
    only = two_tenants().filter(domain="acme-new.com")
    assert [t.tenant_name for t in only.tenants] == ["Acme"]
    assert codes(only) == {("TL103", "acme-new.com")}
    assert codes(two_tenants().filter(domain="acme.com")) == set()


@pytest.mark.parametrize("kwargs", [{"status": "connected"}, {"client_id": 5}])
def test_row_filters_keep_only_tenants_with_matching_rows(kwargs):
    only = two_tenants().filter(**kwargs)
    assert all(t.tenant_name == "Acme" for t in only.tenants)
