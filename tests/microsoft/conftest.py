"""Microsoft identity fixtures: a sandbox with two consented tenants, and sync/async clients on it."""

from __future__ import annotations

import inspect
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from tenantlead.microsoft import AsyncMicrosoftIdentity, MailboxCredential, MicrosoftApp, MicrosoftIdentity
from tenantlead.sandbox import Sandbox
from tenantlead.sandbox.state import TcMailbox, TcTenant


def _visit(url: str) -> None:
    """The browser's last leg, to the loopback listener (urllib: a browser's visit is not logged)."""
    with urllib.request.urlopen(url.replace("//localhost:", "//127.0.0.1:"), timeout=10) as page:
        page.read()


class World:
    """A sandbox with tenants ``a`` and ``b`` (three mailboxes each) consented to the agency app."""

    def __init__(self) -> None:
        self.sb = Sandbox(seed=5)
        tc, account = self.sb.tenantcore, self.sb.tc_account
        self.tenants: dict[str, TcTenant] = {}
        self.mailboxes: dict[str, list[TcMailbox]] = {}
        for name in ("a", "b"):
            tenant = tc.add_tenant(account, f"Tenant {name.upper()}")
            domain = tc.add_domain(account, tenant, f"tenant{name}-mail.com")
            self.tenants[name] = tenant
            self.mailboxes[name] = [
                tc.add_mailbox(account, domain, f"user{i}", f"User {i}") for i in range(3)
            ]
        self.reg = self.sb.authority.smartlead_app
        self.app = MicrosoftApp(self.reg.client_id, self.reg.secret, environ={})
        for tenant in self.tenants.values():
            self.sb.microsoft.grant_consent(tenant.tenant_id, self.app.client_id)

    def mailbox(self, tenant: str = "a", index: int = 0) -> TcMailbox:
        return self.mailboxes[tenant][index]

    def credential(self, mailbox: TcMailbox, password: str | None = None) -> MailboxCredential:
        return MailboxCredential(mailbox.tenant_id, mailbox.user_principal_name, password or mailbox.password)

    def checks(self, mailbox: TcMailbox) -> int:
        """How many times the token endpoint evaluated this mailbox's password."""
        return self.sb.microsoft.user(mailbox.user_principal_name).password_checks

    def browser(self, *, follow: bool = True) -> Callable[[str], None]:
        """An ``open_browser`` stand-in: GET the URL on the sandbox, then GET the redirect on the listener."""
        opened: list[str] = []

        def open_browser(url: str) -> None:
            opened.append(url)

            def run() -> None:
                with self.sb.http_client() as client:
                    answer = client.get(url)
                if follow and answer.status_code == 302:
                    _visit(answer.headers["location"])

            threading.Thread(target=run, daemon=True).start()

        open_browser.opened = opened  # type: ignore[attr-defined]
        return open_browser


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ms(world: World, mode: str) -> MicrosoftIdentity | AsyncMicrosoftIdentity:
    """The identity client (sync, then async) on the world's sandbox and virtual clock."""
    if mode == "sync":
        return MicrosoftIdentity(world.app, **world.sb.client_options())
    return AsyncMicrosoftIdentity(world.app, **world.sb.client_options(asynchronous=True))


async def call(value: Any) -> Any:
    """Await ``value`` when the async twin returned a coroutine."""
    return await value if inspect.isawaitable(value) else value
