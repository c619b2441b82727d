"""Every TenantCore method, sync and async: method, path, query, headers, body and parsed models."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tenantlead import AsyncTenantCore, TenantCore
from tenantlead.tenantcore import (
    DeprovisionResult,
    DnsRecords,
    Domain,
    EnforcementAction,
    ExchangeBootstrapStatus,
    Mailbox,
    MailboxLimitsResult,
    RotatedKey,
    Tenant,
    UsageReport,
)
from tenantlead.tenantcore.resources.mailboxes import Mailboxes

KEY = "tc_live_" + "0" * 48
NEW_KEY = "tc_live_" + "ab" * 24
TID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
BASE = "https://api.tenantcore.io/v1"

# ------------------------------------------------------------ documented example payloads (reference §2)

TENANT = {
    "id": "uuid",
    "tenant_id": TID,
    "tenant_name": "Acme Corp",
    "tenant_domain": "acmecorp.onmicrosoft.com",
    "default_domain": "acmecorp.onmicrosoft.com",
    "domain_count": 12,
    "mailbox_count": 36,
    "status": None,
    "discovery_completed": True,
    "exchange_bootstrap_status": "ready",
    "consented_at": "2025-01-15T14:32:00Z",
    "last_sync_at": "2025-04-20T08:00:00Z",
}
TENANTS = {"tenants": [TENANT], "count": 1}

DOMAIN = {
    "id": "uuid",
    "domain_name": "mail.acmecorp.com",
    "is_default": True,
    "is_verified": True,
    "spf_status": "v=spf1 include:spf.protection.outlook.com -all",
    "dkim_status": "healthy",
    "dmarc_status": "v=DMARC1; p=quarantine; rua=mailto:dmarc@acmecorp.com",
    "mx_status": "acmecorp-com.mail.protection.outlook.com.",
    "last_checked": "2025-04-20T08:00:00Z",
}
DOMAINS = {"tenant_id": TID, "domains": [DOMAIN], "count": 1}

MAILBOX = {
    "id": "uuid",
    "display_name": "John Doe",
    "primary_smtp": "john@mail.acmecorp.com",
    "user_principal_name": "john@mail.acmecorp.com",
    "mail_nickname": "john",
    "account_enabled": True,
    "daily_send_limit": 25,
    "sends_today": 12,
    "blocked_at": None,
    "created_at": "2025-01-20T10:00:00Z",
    "domain_name": "mail.acmecorp.com",
    "tenant_name": "Acme Corp",
}
MAILBOXES = {"tenant_id": TID, "mailboxes": [MAILBOX], "count": 1}

BLOCKED = {
    "id": "uuid",
    "tenant_id": TID,
    "mailbox_address": "sales@mail.acmecorp.com",
    "action_taken": "blocked",
    "sent_count": 26,
    "limit_value": 25,
    "message": "Mailbox blocked: sent 26, limit 25",
    "created_at": "2025-04-20T14:30:00Z",
}
UNBLOCKED = {
    **BLOCKED,
    "action_taken": "unblocked",
    "sent_count": 0,
    "message": "Mailbox unblocked: sent 0, limit 25",
    "created_at": "2025-04-21T00:00:00Z",
}

# ------------------------------------------------------------ project-decided shapes of the gap endpoints

NEW_DOMAIN = {
    "id": "d-new",
    "domain_name": "new.acme.com",
    "is_default": False,
    "is_verified": False,
    "spf_status": "missing",
    "dkim_status": "missing",
    "dmarc_status": "missing",
    "mx_status": "missing",
    "last_checked": "2025-04-20T08:00:00Z",
    "dns_records": [
        {
            "type": "TXT",
            "name": "@",
            "value": "MS=ms12345678",
            "ttl": 3600,
            "purpose": "verification",
            "status": "missing",
        },
        {
            "type": "MX",
            "name": "@",
            "value": "new-acme-com.mail.protection.outlook.com",
            "ttl": 3600,
            "purpose": "mx",
            "status": "missing",
        },
    ],
}
DNS_RECORDS = {
    "tenant_id": TID,
    "domain_id": "uuid",
    "domain_name": "mail.acmecorp.com",
    "records": [
        {
            "type": "CNAME",
            "name": "selector1._domainkey",
            "value": "selector1-x._domainkey.acme.onmicrosoft.com",
            "ttl": 3600,
            "purpose": "dkim",
            "status": "ok",
        },
    ],
    "count": 1,
}
NEW_MAILBOX = {
    **MAILBOX,
    "id": "mb-new",
    "daily_send_limit": None,
    "sends_today": 0,
    "created_at": "2025-04-20T08:00:00Z",
}
USAGE = {
    "tenant_id": TID,
    "date": "2025-04-20",
    "mailboxes": [
        {
            "mailbox_id": "uuid",
            "primary_smtp": "john@mail.acmecorp.com",
            "sends_today": 12,
            "daily_send_limit": 25,
            "enforced": True,
            "blocked_at": None,
        },
        {
            "mailbox_id": "u2",
            "primary_smtp": "sales@mail.acmecorp.com",
            "sends_today": 26,
            "daily_send_limit": 25,
            "enforced": True,
            "blocked_at": "2025-04-20T14:30:00Z",
        },
    ],
    "total_sends_today": 38,
    "count": 2,
}
LIMITS = {
    "tenant_id": TID,
    "status": "provisioned",
    "domains": ["mail.acmecorp.com"],
    "mailboxes_enforced": 3,
    "mailboxes_without_limit": 0,
    "transport_rule": "TenantCore-SendLimits",
    "security_group": "TenantCore-SendLimit-Blocked",
    "provisioned_at": "2025-04-20T08:00:00Z",
}
ROTATED = {"api_key": NEW_KEY, "user_email": "ops@agency.example", "rotated_at": "2025-04-20T08:00:00Z"}

Client = TenantCore | AsyncTenantCore


def assert_common_headers(request: Any, *, write: bool) -> None:
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("tenantlead/")
    if write:
        assert request.headers["Content-Type"] == "application/json"
    else:
        assert "Content-Type" not in request.headers
        assert request.content == b""


# ------------------------------------------------------------ tenants


async def test_tenants_list_parses_the_documented_example(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, TENANTS)
    tenants = await run(tc.tenants.list())
    request = recorder.last
    assert (request.method, str(request.url)) == ("GET", f"{BASE}/tenants")
    assert_common_headers(request, write=False)
    assert tenants == [
        Tenant(
            id="uuid",
            tenant_id=TID,
            tenant_name="Acme Corp",
            tenant_domain="acmecorp.onmicrosoft.com",
            default_domain="acmecorp.onmicrosoft.com",
            domain_count=12,
            mailbox_count=36,
            status=None,
            discovery_completed=True,
            exchange_bootstrap_status=ExchangeBootstrapStatus.READY,
            consented_at=datetime(2025, 1, 15, 14, 32, tzinfo=UTC),
            last_sync_at=datetime(2025, 4, 20, 8, 0, tzinfo=UTC),
        )
    ]
    assert tenants[0].extra == {}
    assert tenants[0].is_ready
    assert tenants[0].to_wire() == TENANT


async def test_tenants_get_takes_the_bare_object(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, {**TENANT, "exchange_bootstrap_status": "migrating"})
    tenant = await run(tc.tenants.get(TID))
    assert (recorder.last.method, recorder.last.url.path) == ("GET", f"/v1/tenants/{TID}")
    assert tenant.tenant_id == TID
    assert tenant.exchange_bootstrap_status == "migrating"  # open enum: a new status is kept
    assert not tenant.is_ready


def test_a_tenant_whose_status_is_not_reported_counts_as_ready_like_tl107() -> None:
    from tenantlead.tenantcore import Tenant

    assert Tenant.from_dict({"tenant_id": TID}).is_ready
    assert not Tenant.from_dict({"tenant_id": TID, "discovery_completed": False}).is_ready
    assert not Tenant.from_dict({"tenant_id": TID, "exchange_bootstrap_status": "pending"}).is_ready


async def test_tenants_deprovision_sends_delete(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, {"tenant_id": TID, "deprovisioned": True})
    result = await run(tc.tenants.deprovision(TID))
    assert (recorder.last.method, recorder.last.url.path) == ("DELETE", f"/v1/tenants/{TID}")
    assert_common_headers(recorder.last, write=False)
    assert result == DeprovisionResult(tenant_id=TID, deprovisioned=True)


# ------------------------------------------------------------ domains


async def test_domains_list_parses_the_documented_example(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, DOMAINS)
    domains = await run(tc.domains.list(TID))
    assert (recorder.last.method, recorder.last.url.path) == ("GET", f"/v1/tenants/{TID}/domains")
    assert_common_headers(recorder.last, write=False)
    (domain,) = domains
    assert domain.to_wire() == {**DOMAIN, "dns_records": None}
    assert domain.last_checked == datetime(2025, 4, 20, 8, 0, tzinfo=UTC)
    assert domain.is_verified is True
    assert domain.is_healthy
    assert domain.dns_problems() == []


async def test_domains_add_posts_the_name_and_returns_records(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(201, NEW_DOMAIN)
    domain = await run(tc.domains.add(TID, " New.Acme.com "))
    request = recorder.last
    assert (request.method, request.url.path) == ("POST", f"/v1/tenants/{TID}/domains")
    assert_common_headers(request, write=True)
    assert json.loads(request.content) == {"domain_name": "new.acme.com"}
    assert isinstance(domain, Domain)
    assert domain.is_verified is False
    assert domain.dns_problems() == ["SPF missing", "DMARC missing", "MX missing", "DKIM missing"]
    assert domain.dns_records is not None
    assert [(r.type, r.purpose, r.ttl) for r in domain.dns_records] == [
        ("TXT", "verification", 3600),
        ("MX", "mx", 3600),
    ]


async def test_domains_dns_records(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, DNS_RECORDS)
    records = await run(tc.domains.dns_records(TID, "uuid"))
    assert (recorder.last.method, recorder.last.url.path) == (
        "GET",
        f"/v1/tenants/{TID}/domains/uuid/dns-records",
    )
    assert isinstance(records, DnsRecords)
    assert records.to_wire() == DNS_RECORDS
    assert records.records[0].name == "selector1._domainkey"


# ------------------------------------------------------------ mailboxes


async def test_mailboxes_list_parses_the_documented_example(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, MAILBOXES)
    (mailbox,) = await run(tc.mailboxes.list(TID))
    assert (recorder.last.method, recorder.last.url.path) == ("GET", f"/v1/tenants/{TID}/mailboxes")
    assert mailbox.to_wire() == MAILBOX
    assert mailbox.primary_smtp == "john@mail.acmecorp.com"
    assert mailbox.daily_send_limit == 25
    assert mailbox.sends_today == 12
    assert mailbox.blocked_at is None
    assert not mailbox.is_blocked
    assert mailbox.created_at == datetime(2025, 1, 20, 10, 0, tzinfo=UTC)
    assert not hasattr(mailbox, "password")


async def test_mailboxes_create(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(201, NEW_MAILBOX)
    mailbox = await run(
        tc.mailboxes.create(
            TID, domain_name="mail.acmecorp.com", mail_nickname="john", display_name="John Doe"
        )
    )
    request = recorder.last
    assert (request.method, request.url.path) == ("POST", f"/v1/tenants/{TID}/mailboxes")
    assert_common_headers(request, write=True)
    assert json.loads(request.content) == {
        "domain_name": "mail.acmecorp.com",
        "mail_nickname": "john",
        "display_name": "John Doe",
    }
    assert mailbox.id == "mb-new"
    assert mailbox.daily_send_limit is None


async def test_mailboxes_create_defaults_display_name_to_the_nickname(
    tc: Client, recorder: Any, run: Any
) -> None:
    recorder.add(201, NEW_MAILBOX)
    await run(tc.mailboxes.create(TID, domain_name="mail.acmecorp.com", mail_nickname="sales"))
    assert recorder.json()["display_name"] == "sales"


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"daily_send_limit": 25}, {"daily_send_limit": 25}),
        ({"daily_send_limit": 0}, {"daily_send_limit": 0}),
        ({"daily_send_limit": None}, {"daily_send_limit": None}),
        ({"account_enabled": False}, {"account_enabled": False}),
        (
            {"daily_send_limit": 10, "account_enabled": True},
            {"daily_send_limit": 10, "account_enabled": True},
        ),
    ],
)
async def test_mailboxes_update_sends_only_what_was_given(
    tc: Client, recorder: Any, run: Any, kwargs: dict[str, Any], body: dict[str, Any]
) -> None:
    recorder.add(200, MAILBOX)
    mailbox = await run(tc.mailboxes.update(TID, "uuid", **kwargs))
    request = recorder.last
    assert (request.method, request.url.path) == ("PATCH", f"/v1/tenants/{TID}/mailboxes/uuid")
    assert_common_headers(request, write=True)
    assert json.loads(request.content) == body
    assert isinstance(mailbox, Mailbox)


async def test_mailboxes_usage(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, USAGE)
    report = await run(tc.mailboxes.usage(TID))
    assert (recorder.last.method, recorder.last.url.path) == ("GET", f"/v1/tenants/{TID}/mailboxes/usage")
    assert isinstance(report, UsageReport)
    assert report.date == date(2025, 4, 20)
    assert report.total_sends_today == 38
    assert [u.primary_smtp for u in report.mailboxes] == ["john@mail.acmecorp.com", "sales@mail.acmecorp.com"]
    assert report.mailboxes[1].blocked_at == datetime(2025, 4, 20, 14, 30, tzinfo=UTC)
    assert report.to_wire() == USAGE


async def test_wait_until_ready_sleeps_out_the_propagation_delay(
    tc: Client, recorder: Any, run: Any, clock: Any
) -> None:
    created = datetime.fromtimestamp(clock.now - 60, tz=UTC)
    young = Mailbox(id="m", primary_smtp="a@b.example", created_at=created)
    assert young.is_propagating(datetime.fromtimestamp(clock.now, tz=UTC))
    assert await run(tc.mailboxes.wait_until_ready(young)) is young
    assert clock.sleeps == [pytest.approx(240.0)]
    assert not young.is_propagating(datetime.fromtimestamp(clock.now, tz=UTC))
    # Already propagated, or with no creation time: no waiting at all.
    await run(tc.mailboxes.wait_until_ready(young))
    await run(tc.mailboxes.wait_until_ready(Mailbox(id="m", primary_smtp="a@b.example")))
    assert len(clock.sleeps) == 1
    assert recorder.requests == []


def test_is_ready_uses_the_given_time() -> None:
    mailbox = Mailbox(id="m", primary_smtp="a@b.example", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    assert mailbox.ready_at == datetime(2025, 1, 1, 0, 5, tzinfo=UTC)
    assert not Mailboxes.is_ready(mailbox, datetime(2025, 1, 1, 0, 4, 59, tzinfo=UTC))
    assert Mailboxes.is_ready(mailbox, datetime(2025, 1, 1, 0, 5, tzinfo=UTC))


# ------------------------------------------------------------ mailbox limits


async def test_provision_all_domains_sends_an_empty_object(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, LIMITS)
    result = await run(tc.mailbox_limits.provision(TID))
    request = recorder.last
    assert (request.method, request.url.path) == ("POST", f"/v1/tenants/{TID}/mailbox-limits")
    assert_common_headers(request, write=True)
    assert request.content == b"{}"
    assert isinstance(result, MailboxLimitsResult)
    assert result.to_wire() == LIMITS
    assert result.transport_rule == "TenantCore-SendLimits"


async def test_provision_with_scope_and_global_limit(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, LIMITS)
    await run(tc.mailbox_limits.provision(TID, domain_names=["Mail.AcmeCorp.com"], daily_send_limit=20))
    assert recorder.json() == {"domain_names": ["mail.acmecorp.com"], "daily_send_limit": 20}


# ------------------------------------------------------------ enforcement events


async def test_list_events_walks_every_page_with_filters(tc: Client, recorder: Any, run: Any) -> None:
    events = [{**BLOCKED, "id": f"e{i}"} for i in range(5)]

    def page(offset: int) -> dict[str, Any]:
        items = events[offset : offset + 2]
        return {
            "events": items,
            "count": len(items),
            "total": 5,
            "limit": 2,
            "offset": offset,
            "filters": {"tenant_id": TID, "action": "blocked"},
        }

    recorder.add(200, page(0)).add(200, page(2)).add(200, page(4))
    result = await run(tc.enforcement.list_events(tenant_id=TID, action="blocked", page_size=2))
    assert [e.id for e in result] == ["e0", "e1", "e2", "e3", "e4"]
    assert [dict(r.url.params) for r in recorder.requests] == [
        {"tenant_id": TID, "action": "blocked", "limit": "2", "offset": "0"},
        {"tenant_id": TID, "action": "blocked", "limit": "2", "offset": "2"},
        {"tenant_id": TID, "action": "blocked", "limit": "2", "offset": "4"},
    ]
    assert all(r.url.path == "/v1/enforcement/events" for r in recorder.requests)
    assert_common_headers(recorder.last, write=False)


async def test_list_events_parses_the_documented_example(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(
        200,
        {"events": [BLOCKED, UNBLOCKED], "count": 2, "total": 2, "limit": 200, "offset": 0, "filters": {}},
    )
    blocked, unblocked = await run(tc.enforcement.list_events(action=EnforcementAction.UNBLOCKED))
    assert dict(recorder.last.url.params) == {"action": "unblocked", "limit": "200", "offset": "0"}
    assert blocked.to_wire() == BLOCKED
    assert unblocked.to_wire() == UNBLOCKED
    assert blocked.action_taken is EnforcementAction.BLOCKED
    assert (blocked.sent_count, blocked.limit_value) == (26, 25)
    assert blocked.created_at == datetime(2025, 4, 20, 14, 30, tzinfo=UTC)
    assert len(recorder.requests) == 1  # total reached: no trailing request


async def test_list_events_without_filters_or_total_stops_on_a_short_page(
    tc: Client, recorder: Any, run: Any
) -> None:
    recorder.add(200, {"events": [BLOCKED], "count": 1})
    events = await run(tc.enforcement.list_events())
    assert len(events) == 1
    assert dict(recorder.last.url.params) == {"limit": "200", "offset": "0"}


async def test_list_events_max_items(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, {"events": [BLOCKED] * 3, "total": 50})
    events = await run(tc.enforcement.list_events(max_items=3, page_size=50))
    assert len(events) == 3
    assert recorder.last.url.params["limit"] == "3"


async def test_list_events_is_lazy(tc: Client, recorder: Any) -> None:
    pager = tc.enforcement.list_events(page_size=1)
    assert recorder.requests == []
    recorder.add(200, {"events": [BLOCKED], "total": 9})
    if isinstance(tc, TenantCore):
        first = next(iter(pager))  # type: ignore[call-overload]
    else:
        first = await pager.__aiter__().__anext__()  # type: ignore[union-attr]
    assert first.mailbox_address == "sales@mail.acmecorp.com"
    assert len(recorder.requests) == 1


# ------------------------------------------------------------ api keys


async def test_rotate_posts_outside_v1_and_switches_the_client_key(
    tc: Client, recorder: Any, run: Any
) -> None:
    recorder.add(200, ROTATED).add(200, TENANTS)
    rotated = await run(tc.api_keys.rotate("ops@agency.example"))
    request = recorder.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "https://api.tenantcore.io/api-key/rotate?user_email=ops%40agency.example"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert isinstance(rotated, RotatedKey)
    assert rotated.api_key == NEW_KEY
    assert rotated.user_email == "ops@agency.example"
    assert rotated.rotated_at == datetime(2025, 4, 20, 8, 0, tzinfo=UTC)
    await run(tc.tenants.list())
    assert recorder.requests[1].headers["Authorization"] == f"Bearer {NEW_KEY}"


async def test_a_rotation_without_an_answer_is_not_retried_and_says_to_check_the_app(
    tc: Client, recorder: Any, run: Any
) -> None:
    import httpx

    from tenantlead.errors import APITimeoutError

    recorder.add_error(httpx.ReadTimeout("read timed out"))
    with pytest.raises(APITimeoutError) as info:
        await run(tc.api_keys.rotate("ops@agency.example"))
    assert len(recorder.requests) == 1  # never resent: a second rotation would kill the unseen key
    assert "copy the current key from the API page" in str(info.value)
    assert KEY not in str(info.value)


async def test_rotate_with_a_custom_base_url(recorder: Any, clock: Any, run: Any) -> None:
    tc = TenantCore(KEY, base_url="http://127.0.0.1:8765/v1", http_client=recorder.client(), clock=clock)
    recorder.add(200, ROTATED)
    await run(tc.api_keys.rotate("ops@agency.example"))
    assert recorder.last.url.path == "/api-key/rotate"
    assert recorder.last.url.host == "127.0.0.1"
    tc2 = TenantCore(KEY, base_url="http://127.0.0.1:8765", http_client=recorder.client(), clock=clock)
    recorder.add(200, ROTATED)
    await run(tc2.api_keys.rotate("ops@agency.example"))
    assert str(recorder.last.url).startswith("http://127.0.0.1:8765/api-key/rotate?")


# ------------------------------------------------------------ argument validation (no request is sent)

BAD_CALLS = [
    (lambda tc: tc.domains.add(TID, "not a domain"), "domain_name must be a domain name"),
    (lambda tc: tc.domains.add(TID, "https://acme.com"), "domain_name must be a domain name"),
    (lambda tc: tc.domains.add(TID, "localhost"), "domain_name must be a domain name"),
    (lambda tc: tc.domains.add(TID, 42), "domain_name must be a domain name"),
    (lambda tc: tc.domains.add("", "acme.com"), "tenant_id must be a non-empty string"),
    (lambda tc: tc.domains.list("a/b"), "tenant_id contains characters not allowed"),
    (lambda tc: tc.tenants.get(None), "tenant_id is required"),
    (lambda tc: tc.domains.dns_records(TID, "x?y"), "domain_id contains characters"),
    (lambda tc: tc.mailboxes.update(TID, "m", daily_send_limit=-1), "cannot be negative"),
    (lambda tc: tc.mailboxes.update(TID, "m", daily_send_limit=10_001), "above Exchange Online"),
    (lambda tc: tc.mailboxes.update(TID, "m", daily_send_limit="25"), "whole number"),
    (lambda tc: tc.mailboxes.update(TID, "m", daily_send_limit=2.5), "whole number"),
    (lambda tc: tc.mailboxes.update(TID, "m", daily_send_limit=True), "whole number"),
    (
        lambda tc: tc.mailboxes.update(TID, "m", account_enabled="yes"),
        "account_enabled must be True or False",
    ),
    (lambda tc: tc.mailboxes.update(TID, "m"), "nothing to update"),
    (lambda tc: tc.mailboxes.create(TID, domain_name="acme", mail_nickname="ann"), "domain_name"),
    (
        lambda tc: tc.mailboxes.create(TID, domain_name="acme.com", mail_nickname="ann@acme.com"),
        "mail_nickname",
    ),
    (lambda tc: tc.mailboxes.create(TID, domain_name="acme.com", mail_nickname=""), "mail_nickname"),
    (lambda tc: tc.mailbox_limits.provision(TID, domain_names="acme.com"), "not a single string"),
    (lambda tc: tc.mailbox_limits.provision(TID, domain_names=[]), "domain_names is empty"),
    (lambda tc: tc.mailbox_limits.provision(TID, domain_names=["bad name"]), r"domain_names\[\]"),
    (lambda tc: tc.mailbox_limits.provision(TID, daily_send_limit=-5), "cannot be negative"),
    (lambda tc: tc.mailbox_limits.provision(TID, daily_send_limit=None), "must be a number"),
    (lambda tc: tc.enforcement.list_events(action="deleted"), "action must be 'blocked' or 'unblocked'"),
    (lambda tc: tc.enforcement.list_events(page_size=201), "page_size must be between 1 and 200"),
    (lambda tc: tc.enforcement.list_events(page_size=0), "page_size must be between 1 and 200"),
    (lambda tc: tc.enforcement.list_events(tenant_id=""), "tenant_id"),
    (lambda tc: tc.api_keys.rotate("not-an-email"), "user_email must be an email address"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS)
async def test_bad_arguments_fail_before_any_request(
    tc: Client, recorder: Any, run: Any, call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await run(call(tc))
    assert recorder.requests == []
