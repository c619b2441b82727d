"""Every response parser of both clients, reachable through one call each.

Shared by the hypothesis fuzz tests and the optional atheris harness (``fuzz_atheris.py``): a
target is ``(name, call)`` where ``call(tc, sl)`` makes one SDK call whose answer the fuzzer
controls. Clients are built over a transport that answers every request with the same
(status, headers, body), with retries off so one input means one parse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tenantlead import TenantCore
from tenantlead.smartlead import Smartlead

#: A syntactically valid fake TenantCore key, built at runtime (never a literal key in source).
FAKE_TC_KEY = "tc_live_" + "ab" * 24
FAKE_SL_KEY = "sl-fuzz-" + "9" * 24
TENANT = "7f0c2a8e-1111-4222-8333-944455556666"

Call = Callable[[TenantCore, Smartlead], Any]

TARGETS: dict[str, Call] = {
    # TenantCore
    "tc.tenants.list": lambda tc, sl: tc.tenants.list(),
    "tc.tenants.get": lambda tc, sl: tc.tenants.get(TENANT),
    "tc.tenants.deprovision": lambda tc, sl: tc.tenants.deprovision(TENANT),
    "tc.domains.list": lambda tc, sl: tc.domains.list(TENANT),
    "tc.domains.add": lambda tc, sl: tc.domains.add(TENANT, "mail.example.com"),
    "tc.domains.dns_records": lambda tc, sl: tc.domains.dns_records(TENANT, "dom-1"),
    "tc.mailboxes.list": lambda tc, sl: tc.mailboxes.list(TENANT),
    "tc.mailboxes.create": lambda tc, sl: tc.mailboxes.create(
        TENANT, domain_name="mail.example.com", mail_nickname="ava"
    ),
    "tc.mailboxes.update": lambda tc, sl: tc.mailboxes.update(TENANT, "mbx-1", daily_send_limit=20),
    "tc.mailboxes.usage": lambda tc, sl: tc.mailboxes.usage(TENANT),
    "tc.mailbox_limits.provision": lambda tc, sl: tc.mailbox_limits.provision(TENANT),
    "tc.enforcement.list_events": lambda tc, sl: tc.enforcement.list_events(
        page_size=5, max_items=12
    ).to_list(),
    "tc.api_keys.rotate": lambda tc, sl: tc.api_keys.rotate("ops@agency.example"),
    # Smartlead
    "sl.email_accounts.list": lambda tc, sl: sl.email_accounts.list(page_size=5, max_items=12).to_list(),
    "sl.email_accounts.get": lambda tc, sl: sl.email_accounts.get(101),
    "sl.email_accounts.get_by_email": lambda tc, sl: sl.email_accounts.get_by_email("ava@mail.example.com"),
    "sl.email_accounts.create_smtp": lambda tc, sl: sl.email_accounts.create_smtp(
        from_name="Ava",
        from_email="ava@mail.example.com",
        user_name="ava@mail.example.com",
        password="Fuzz-Passw0rd!",
        smtp_host="smtp.office365.com",
        smtp_port=587,
        imap_host="outlook.office365.com",
        imap_port=993,
    ),
    "sl.email_accounts.update": lambda tc, sl: sl.email_accounts.update(101, max_email_per_day=20),
    "sl.email_accounts.bulk_update": lambda tc, sl: sl.email_accounts.bulk_update(
        [101, 102], message_per_day=20
    ),
    "sl.email_accounts.warmup_stats": lambda tc, sl: sl.email_accounts.warmup_stats(101),
    "sl.email_accounts.reconnect_failed": lambda tc, sl: sl.email_accounts.reconnect_failed(),
    "sl.email_accounts.suspend": lambda tc, sl: sl.email_accounts.suspend(101),
    "sl.email_accounts.add_tags": lambda tc, sl: sl.email_accounts.add_tags([101], [7]),
    "sl.email_accounts.tags_for": lambda tc, sl: sl.email_accounts.tags_for(["ava@mail.example.com"]),
    "sl.tags.list": lambda tc, sl: sl.tags.list(),
    "sl.tags.create": lambda tc, sl: sl.tags.create("client-a"),
    "sl.campaigns.list": lambda tc, sl: sl.campaigns.list(),
    "sl.campaigns.get": lambda tc, sl: sl.campaigns.get(55),
    "sl.campaigns.create": lambda tc, sl: sl.campaigns.create("Q4 outbound"),
    "sl.campaigns.list_email_accounts": lambda tc, sl: sl.campaigns.list_email_accounts(55),
    "sl.campaigns.add_email_accounts": lambda tc, sl: sl.campaigns.add_email_accounts(55, [101]),
    "sl.clients.list": lambda tc, sl: sl.clients.list(),
    "sl.webhooks.list": lambda tc, sl: sl.webhooks.list(55),
}


class FixedAnswer:
    """A transport that answers every request with one (status, headers, body) and counts requests."""

    def __init__(self) -> None:
        self.status = 200
        self.headers: dict[str, str] = {}
        self.body = b""
        self.requests = 0
        self.transport = httpx.MockTransport(self._handle)

    def set(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Answer the next requests with this."""
        self.status, self.body, self.headers = status, body, dict(headers or {})

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return httpx.Response(self.status, content=self.body, headers=self.headers)


def make_clients(answer: FixedAnswer) -> tuple[TenantCore, Smartlead]:
    """A TenantCore and a Smartlead client over ``answer``, with retries and rate limiting off."""
    http = httpx.Client(transport=answer.transport)
    tc = TenantCore(FAKE_TC_KEY, http_client=http, max_retries=0, sleep=lambda s: None)
    sl = Smartlead(FAKE_SL_KEY, http_client=http, max_retries=0, rate_limit=None, sleep=lambda s: None)
    return tc, sl
