"""The simulated TenantCore API, driven with raw httpx requests through the sandbox transport."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenantlead.sandbox import Sandbox, TenantCoreConfig
from tenantlead.sandbox.state import TcDomain, TcTenant

BASE = "https://api.tenantcore.io/v1"


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(seed=3)


@pytest.fixture
def tenant(sb: Sandbox) -> TcTenant:
    return sb.tenantcore.add_tenant(sb.tc_account, "Acme Corp")


@pytest.fixture
def domain(sb: Sandbox, tenant: TcTenant) -> TcDomain:
    return sb.tenantcore.add_domain(sb.tc_account, tenant, "mail.acme.com")


@pytest.fixture
def tc(sb: Sandbox) -> Iterator[httpx.Client]:
    with sb.http_client(base_url=BASE, headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"}) as c:
        yield c


def _code(resp: httpx.Response) -> str:
    detail = resp.json()["detail"]
    assert isinstance(detail, dict)
    return str(detail["code"])


def _create(tc: httpx.Client, tenant: TcTenant, nick: str, domain: str = "mail.acme.com") -> httpx.Response:
    return tc.post(
        f"/tenants/{tenant.tenant_id}/mailboxes",
        json={"domain_name": domain, "mail_nickname": nick, "display_name": nick.title()},
    )


# ----------------------------------------------------------------------------- auth and plan


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "invalid_auth_header"),
        ("Token abc", "invalid_auth_header"),
        ("Bearer ", "missing_api_key"),
        ("Bearer tc_live_short", "invalid_api_key_format"),
        ("Bearer tc_test_" + "0" * 48, "invalid_api_key_format"),
        ("Bearer tc_live_" + "0" * 48, "invalid_api_key"),
    ],
)
def test_auth_errors(sb: Sandbox, header: str | None, code: str) -> None:
    headers = {"Authorization": header} if header is not None else {}
    with sb.http_client() as c:
        resp = c.get(f"{BASE}/tenants", headers=headers)
    assert resp.status_code == 401
    assert _code(resp) == code


def test_uppercase_hex_key_is_accepted_by_default(sb: Sandbox) -> None:
    key = "tc_live_" + "AB" * 24
    sb.tenantcore.add_account(key, user_email="second@agency.example")
    with sb.http_client() as c:
        resp = c.get(f"{BASE}/tenants", headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 200
    assert resp.json() == {"tenants": [], "count": 0}


def test_lapsed_plan_fails_every_request(sb: Sandbox, tc: httpx.Client, tenant: TcTenant) -> None:
    sb.tc_account.plan_active = False
    for resp in (tc.get("/tenants"), tc.get(f"/tenants/{tenant.tenant_id}"), tc.get("/enforcement/events")):
        assert resp.status_code == 402
        assert _code(resp) == "no_api_plan"


def test_tenant_ceiling_blocks_writes_not_reads(
    sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain
) -> None:
    sb.tc_account.tenant_ceiling = 1
    sb.tenantcore.add_tenant(sb.tc_account, "Second Client")
    assert tc.get("/tenants").status_code == 200
    resp = _create(tc, tenant, "john")
    assert resp.status_code == 402
    assert _code(resp) == "tenant_limit_reached"
    # Deprovisioning is the way back under the ceiling, so it is allowed.
    assert tc.delete(f"/tenants/{tenant.tenant_id}").status_code == 200


def test_other_accounts_tenant_is_not_found(sb: Sandbox, tc: httpx.Client) -> None:
    other = sb.tenantcore.add_account(user_email="other@agency.example")
    foreign = sb.tenantcore.add_tenant(other, "Not Yours")
    for path in (f"/tenants/{foreign.tenant_id}", f"/tenants/{foreign.tenant_id}/mailboxes"):
        resp = tc.get(path)
        assert resp.status_code == 404
        assert _code(resp) == "tenant_not_found"
    resp = tc.get("/enforcement/events", params={"tenant_id": foreign.tenant_id})
    assert _code(resp) == "tenant_not_found"


def test_unknown_route_and_wrong_method_use_fastapi_defaults(tc: httpx.Client, tenant: TcTenant) -> None:
    resp = tc.get("/nope")
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Not Found"}
    resp = tc.put(f"/tenants/{tenant.tenant_id}")
    assert resp.status_code == 405
    assert resp.json() == {"detail": "Method Not Allowed"}


# ----------------------------------------------------------------------------- tenants


def test_tenants_list_newest_connection_first_with_counts(
    sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain
) -> None:
    sb.clock.advance(hours=1)
    newer = sb.tenantcore.add_tenant(sb.tc_account, "Newer Client")
    sb.tenantcore.add_mailbox(sb.tc_account, domain, "john", "John")
    body = tc.get("/tenants").json()
    assert body["count"] == 2
    assert [t["tenant_id"] for t in body["tenants"]] == [newer.tenant_id, tenant.tenant_id]
    item = body["tenants"][1]
    assert item["domain_count"] == 1
    assert item["mailbox_count"] == 1
    assert item["exchange_bootstrap_status"] == "ready"
    assert item["consented_at"].endswith("Z")
    assert set(item) == {
        "id", "tenant_id", "tenant_name", "tenant_domain", "default_domain", "domain_count",
        "mailbox_count", "status", "discovery_completed", "exchange_bootstrap_status",
        "consented_at", "last_sync_at",
    }  # fmt: skip


def test_get_and_deprovision_tenant(tc: httpx.Client, tenant: TcTenant) -> None:
    assert tc.get(f"/tenants/{tenant.tenant_id}").json()["tenant_name"] == "Acme Corp"
    resp = tc.delete(f"/tenants/{tenant.tenant_id}")
    assert resp.json() == {"tenant_id": tenant.tenant_id, "deprovisioned": True}
    assert tc.get("/tenants").json()["count"] == 0
    assert _code(tc.get(f"/tenants/{tenant.tenant_id}/domains")) == "tenant_not_found"


# ----------------------------------------------------------------------------- domains


def test_add_domain_returns_unverified_domain_with_dns_records(tc: httpx.Client, tenant: TcTenant) -> None:
    resp = tc.post(f"/tenants/{tenant.tenant_id}/domains", json={"domain_name": "Go.Example.com"})
    assert resp.status_code == 201
    body = resp.json()
    assert body["domain_name"] == "go.example.com"
    assert body["is_verified"] is False
    assert body["is_default"] is False
    assert {body[k] for k in ("spf_status", "dkim_status", "dmarc_status", "mx_status")} == {"missing"}
    purposes = {r["purpose"] for r in body["dns_records"]}
    assert purposes == {"verification", "mx", "spf", "autodiscover", "dkim", "dmarc"}
    records = tc.get(f"/tenants/{tenant.tenant_id}/domains/{body['id']}/dns-records").json()
    assert records["count"] == len(body["dns_records"])
    assert records["domain_name"] == "go.example.com"


def test_add_domain_errors(sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain) -> None:
    path = f"/tenants/{tenant.tenant_id}/domains"
    assert _code(tc.post(path, json={"domain_name": "mail.acme.com"})) == "domain_exists"
    bad = tc.post(path, json={"domain_name": "not a domain"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "domain_name"]
    assert tc.post(path, json={}).json()["detail"][0]["type"] == "missing"
    assert _code(tc.get(f"{path}/nope/dns-records")) == "domain_not_found"


def test_domain_limit_is_advisory_by_default_and_hard_when_configured() -> None:
    for hard, expected in ((False, 201), (True, 409)):
        sb = Sandbox(seed=1, tenantcore=TenantCoreConfig(domain_limit_hard=hard))
        t = sb.tenantcore.add_tenant(sb.tc_account, "Big")
        for i in range(12):
            sb.tenantcore.add_domain(sb.tc_account, t, f"d{i}.example.com")
        with sb.http_client(headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"}) as c:
            resp = c.post(f"{BASE}/tenants/{t.tenant_id}/domains", json={"domain_name": "d12.example.com"})
        assert resp.status_code == expected
        if hard:
            assert _code(resp) == "domain_limit_reached"


def test_domains_list_reads_dns_live(
    sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain
) -> None:
    sb.clock.advance(minutes=10)
    body = tc.get(f"/tenants/{tenant.tenant_id}/domains").json()
    assert body["count"] == 1
    assert body["domains"][0]["last_checked"] == sb.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["domains"][0]["dkim_status"] == "healthy"


# ----------------------------------------------------------------------------- mailboxes


def test_create_mailbox_shape_and_no_password(tc: httpx.Client, tenant: TcTenant, domain: TcDomain) -> None:
    resp = _create(tc, tenant, "john")
    assert resp.status_code == 201
    body = resp.json()
    assert body["primary_smtp"] == "john@mail.acme.com"
    assert body["daily_send_limit"] is None
    assert body["sends_today"] == 0
    assert body["blocked_at"] is None
    assert body["account_enabled"] is True
    assert "password" not in body
    listed = tc.get(f"/tenants/{tenant.tenant_id}/mailboxes").json()
    assert listed["count"] == 1
    assert listed["mailboxes"][0]["tenant_name"] == "Acme Corp"


def test_three_mailboxes_per_domain_is_hard(tc: httpx.Client, tenant: TcTenant, domain: TcDomain) -> None:
    for nick in ("a", "b", "c"):
        assert _create(tc, tenant, nick).status_code == 201
    resp = _create(tc, tenant, "d")
    assert resp.status_code == 409
    assert _code(resp) == "mailbox_limit_reached"


def test_create_mailbox_errors(sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain) -> None:
    assert _code(_create(tc, tenant, "x", domain="nope.example.com")) == "domain_not_found"
    sb.tenantcore.add_domain(sb.tc_account, tenant, "new.acme.com", verified=False)
    assert _code(_create(tc, tenant, "x", domain="new.acme.com")) == "domain_not_verified"
    assert _create(tc, tenant, "john").status_code == 201
    assert _code(_create(tc, tenant, "john")) == "mailbox_exists"
    resp = tc.post(f"/tenants/{tenant.tenant_id}/mailboxes", json={"domain_name": "mail.acme.com"})
    assert resp.status_code == 422
    assert {tuple(e["loc"]) for e in resp.json()["detail"]} == {
        ("body", "mail_nickname"),
        ("body", "display_name"),
    }


def test_new_mailbox_propagates_for_two_to_five_minutes(
    sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain
) -> None:
    _create(tc, tenant, "john")
    found = sb.tenantcore.find_mailbox("john@mail.acme.com")
    assert found is not None
    mailbox = found[1]
    assert not sb.tenantcore.is_ready(mailbox)
    sb.advance(seconds=119)
    assert not sb.tenantcore.is_ready(mailbox)
    sb.advance(seconds=182)
    assert sb.tenantcore.is_ready(mailbox)


def test_patch_validation(sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain) -> None:
    mailbox = sb.tenantcore.add_mailbox(sb.tc_account, domain, "john", "John")
    path = f"/tenants/{tenant.tenant_id}/mailboxes/{mailbox.id}"
    for body in ({}, {"daily_send_limit": -1}, {"daily_send_limit": 2.5}, {"daily_send_limit": "25"}):
        assert tc.patch(path, json=body).status_code == 422, body
    assert _code(tc.patch(f"/tenants/{tenant.tenant_id}/mailboxes/nope", json={"daily_send_limit": 1})) == (
        "mailbox_not_found"
    )
    assert tc.patch(path, json={"account_enabled": False}).json()["account_enabled"] is False
    assert tc.patch(path, json={"daily_send_limit": None}).json()["daily_send_limit"] is None


# ----------------------------------------------------------------------------- enforcement


def _send(sb: Sandbox, address: str, times: int) -> list[bool]:
    found = sb.tenantcore.find_mailbox(address)
    assert found is not None
    return [sb.tenantcore.record_send(found[1]) for _ in range(times)]


def test_two_step_enforcement(sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain) -> None:
    mailbox = sb.tenantcore.add_mailbox(sb.tc_account, domain, "john", "John")
    path = f"/tenants/{tenant.tenant_id}/mailboxes/{mailbox.id}"
    assert tc.patch(path, json={"daily_send_limit": 25}).json()["daily_send_limit"] == 25
    # Step 1 alone stores the value but enforces nothing.
    assert all(_send(sb, mailbox.primary_smtp, 30))
    assert mailbox.blocked_at is None
    sb.advance(hours=24)  # next day: counters reset
    prov = tc.post(f"/tenants/{tenant.tenant_id}/mailbox-limits", json={}).json()
    assert prov["status"] == "provisioned"
    assert prov["mailboxes_enforced"] == 1
    assert prov["domains"] == ["mail.acme.com"]
    results = _send(sb, mailbox.primary_smtp, 27)
    assert results[:25] == [True] * 25
    assert results[25:] == [False, False]  # the 26th send is blocked, and every later one
    usage = tc.get(f"/tenants/{tenant.tenant_id}/mailboxes/usage").json()
    assert usage["mailboxes"][0]["sends_today"] == 26
    assert usage["mailboxes"][0]["enforced"] is True
    assert usage["mailboxes"][0]["blocked_at"] is not None
    events = tc.get("/enforcement/events").json()
    assert events["total"] == 1
    assert events["events"][0]["message"] == "Mailbox blocked: sent 26, limit 25"
    # Reset at UTC midnight unblocks and logs it.
    sb.advance(hours=24)
    listed = tc.get(f"/tenants/{tenant.tenant_id}/mailboxes").json()["mailboxes"][0]
    assert listed["sends_today"] == 0
    assert listed["blocked_at"] is None
    newest = tc.get("/enforcement/events").json()["events"][0]
    assert (newest["action_taken"], newest["sent_count"], newest["limit_value"]) == ("unblocked", 0, 25)
    assert newest["created_at"].endswith("T00:00:00Z")


def test_later_patch_needs_another_provision(
    sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain
) -> None:
    mailbox = sb.tenantcore.add_mailbox(
        sb.tc_account, domain, "john", "John", daily_send_limit=5, enforced=True
    )
    tc.patch(f"/tenants/{tenant.tenant_id}/mailboxes/{mailbox.id}", json={"daily_send_limit": 50})
    assert _send(sb, mailbox.primary_smtp, 6)[-1] is False
    # Provisioning the higher limit releases the blocked mailbox.
    tc.post(f"/tenants/{tenant.tenant_id}/mailbox-limits", json={"domain_names": ["mail.acme.com"]})
    assert mailbox.blocked_at is None
    assert _send(sb, mailbox.primary_smtp, 1) == [True]


def test_provision_with_global_limit_and_errors(
    sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain
) -> None:
    a = sb.tenantcore.add_mailbox(sb.tc_account, domain, "a", "A")
    sb.tenantcore.add_mailbox(sb.tc_account, domain, "b", "B")
    path = f"/tenants/{tenant.tenant_id}/mailbox-limits"
    none_yet = tc.post(path, json={}).json()
    assert (none_yet["mailboxes_enforced"], none_yet["mailboxes_without_limit"]) == (0, 2)
    body = tc.post(path, json={"daily_send_limit": 20}).json()
    assert (body["mailboxes_enforced"], body["mailboxes_without_limit"]) == (2, 0)
    assert a.daily_send_limit == 20
    assert a.enforced_limit == 20
    assert _code(tc.post(path, json={"domain_names": ["missing.example.com"]})) == "domain_not_found"
    assert tc.post(path, json={"daily_send_limit": -3}).status_code == 422


def test_rolling_24h_reset_policy() -> None:
    sb = Sandbox(seed=2, tenantcore=TenantCoreConfig(reset_policy="rolling_24h"))
    t = sb.tenantcore.add_tenant(sb.tc_account, "Rolling")
    d = sb.tenantcore.add_domain(sb.tc_account, t, "roll.example.com")
    m = sb.tenantcore.add_mailbox(sb.tc_account, d, "r", "R", daily_send_limit=2, enforced=True)
    assert _send(sb, m.primary_smtp, 3) == [True, True, False]
    sb.advance(hours=23)
    assert m.blocked_at is not None  # midnight passed, but the window has not
    sb.advance(hours=1)
    assert m.blocked_at is None
    assert m.sends_today == 0


def _events_fixture(sb: Sandbox, domain: TcDomain, tenant: TcTenant) -> None:
    for i in range(7):
        m = sb.tenantcore.add_mailbox(sb.tc_account, domain, f"m{i}", f"M{i}")
        sb.tenantcore.log_event(m, "blocked", 26, 25, sb.clock.now())
        sb.clock.advance(60)
        sb.tenantcore.log_event(m, "unblocked", 0, 25, sb.clock.now())
        sb.clock.advance(60)


def test_events_paging_and_filters(sb: Sandbox, tc: httpx.Client, tenant: TcTenant, domain: TcDomain) -> None:
    _events_fixture(sb, domain, tenant)
    other = sb.tenantcore.add_tenant(sb.tc_account, "Other")
    seen: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = tc.get("/enforcement/events", params={"limit": 5, "offset": offset}).json()
        assert page["limit"] == 5
        assert page["offset"] == offset
        assert page["total"] == 14
        seen += page["events"]
        if page["count"] < 5:
            break
        offset += 5
    assert len(seen) == 14
    assert len({e["id"] for e in seen}) == 14
    assert [e["created_at"] for e in seen] == sorted((e["created_at"] for e in seen), reverse=True)
    blocked = tc.get(
        "/enforcement/events", params={"action": "blocked", "tenant_id": tenant.tenant_id}
    ).json()
    assert blocked["total"] == 7
    assert blocked["filters"] == {"tenant_id": tenant.tenant_id, "action": "blocked"}
    assert tc.get("/enforcement/events", params={"tenant_id": other.tenant_id}).json()["total"] == 0
    assert tc.get("/enforcement/events").json()["filters"] == {"tenant_id": None, "action": None}


@pytest.mark.parametrize(
    "params",
    [{"action": "paused"}, {"limit": "201"}, {"limit": "0"}, {"offset": "-1"}, {"limit": "ten"}],
)
def test_events_bad_query_is_422(tc: httpx.Client, params: dict[str, str]) -> None:
    resp = tc.get("/enforcement/events", params=params)
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"][0] == "query"


# ----------------------------------------------------------------------------- key rotation


def test_rotate_key(sb: Sandbox) -> None:
    old = sb.tenantcore_api_key
    with sb.http_client(base_url="https://api.tenantcore.io") as c:
        auth = {"Authorization": f"Bearer {old}"}
        assert c.post("/api-key/rotate", headers=auth).status_code == 422
        mismatch = c.post("/api-key/rotate", params={"user_email": "x@y.z"}, headers=auth)
        assert mismatch.status_code == 403
        assert _code(mismatch) == "user_email_mismatch"
        resp = c.post("/api-key/rotate", params={"user_email": sb.tc_account.user_email}, headers=auth)
        assert resp.status_code == 200
        new = resp.json()["api_key"]
        assert new != old
        assert new.startswith("tc_live_")
        assert len(new) == 56
        assert sb.tenantcore_api_key == new
        assert _code(c.get("/v1/tenants", headers=auth)) == "invalid_api_key"
        assert c.get("/v1/tenants", headers={"Authorization": f"Bearer {new}"}).status_code == 200
