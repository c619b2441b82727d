"""``tc.mailboxes``: shared mailboxes, their stored send limits, usage and propagation.

Each method ``m`` has a module-level builder taking its arguments, for other layers to compose:
``list_request``, ``create_request``, ``update_request``, ``usage_request`` (one request each) and
``wait_until_ready_flow`` (a flow: reads the client's clock, then sleeps).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tenantlead._core.flow import Flow, Now, Sleep
from tenantlead._core.request import APIRequest, Response
from tenantlead._core.resource import AsyncResource, SyncResource, parse_list, parse_model, require_id
from tenantlead._core.types import NOT_GIVEN, NotGiven, drop_not_given
from tenantlead.tenantcore._validate import check_bool, check_daily_limit, check_domain_name, check_nickname
from tenantlead.tenantcore.models import Mailbox, UsageReport

__all__ = [
    "AsyncMailboxes",
    "Mailboxes",
    "create_request",
    "list_request",
    "update_request",
    "usage_request",
    "wait_until_ready_flow",
]


def _base(tenant_id: str) -> str:
    return f"/tenants/{require_id(tenant_id, 'tenant_id')}/mailboxes"


def list_request(tenant_id: str) -> APIRequest[list[Mailbox]]:
    """``Mailboxes.list``: every mailbox of the tenant."""
    return APIRequest(method="GET", path=_base(tenant_id), parse=parse_list(Mailbox, key="mailboxes"))


def _find(tenant_id: str, address: str) -> APIRequest[Mailbox | None]:
    lister = parse_list(Mailbox, key="mailboxes")

    def parse(response: Response) -> Mailbox | None:
        return next((m for m in lister(response) if m.address == address), None)

    return APIRequest(method="GET", path=_base(tenant_id), parse=parse)


def create_request(
    tenant_id: str, *, domain_name: str, mail_nickname: str, display_name: str | None = None
) -> APIRequest[Mailbox]:
    """``Mailboxes.create``: provision a shared mailbox (an uncertain outcome is looked up, not resent)."""
    domain = check_domain_name(domain_name)
    nick = check_nickname(mail_nickname)
    body: dict[str, Any] = {
        "domain_name": domain,
        "mail_nickname": nick,
        "display_name": display_name or nick,
    }
    # Inferred: POST /v1/tenants/{tenant_id}/mailboxes. Not idempotent: an uncertain outcome is
    # settled by looking the address up before sending again.
    return APIRequest(
        method="POST",
        path=_base(tenant_id),
        json=body,
        parse=parse_model(Mailbox),
        reconcile=_find(tenant_id, f"{nick}@{domain}".lower()),
    )


def update_request(
    tenant_id: str,
    mailbox_id: str,
    *,
    daily_send_limit: int | NotGiven | None = NOT_GIVEN,
    account_enabled: bool | NotGiven = NOT_GIVEN,
) -> APIRequest[Mailbox]:
    """``Mailboxes.update``: store a mailbox's ``daily_send_limit`` and/or ``account_enabled``."""
    body = drop_not_given({"daily_send_limit": daily_send_limit, "account_enabled": account_enabled})
    if not body:
        raise ValueError("nothing to update: pass daily_send_limit= and/or account_enabled=")
    if "daily_send_limit" in body:
        body["daily_send_limit"] = check_daily_limit(body["daily_send_limit"])
    if "account_enabled" in body:
        check_bool(body["account_enabled"], "account_enabled")
    # Setting a value is idempotent, so PATCH is retry-safe.
    return APIRequest(
        method="PATCH",
        path=f"{_base(tenant_id)}/{require_id(mailbox_id, 'mailbox_id')}",
        json=body,
        parse=parse_model(Mailbox),
        retry_safe=True,
    )


def usage_request(tenant_id: str) -> APIRequest[UsageReport]:
    """``Mailboxes.usage``: today's sends per mailbox of the tenant."""
    return APIRequest(method="GET", path=f"{_base(tenant_id)}/usage", parse=parse_model(UsageReport))


def _seconds_until_ready(mailbox: Mailbox, now_unix: float) -> float:
    ready = mailbox.ready_at
    if ready is None:
        return 0.0
    return max(0.0, ready.timestamp() - now_unix)


def wait_until_ready_flow(mailbox: Mailbox) -> Flow[Mailbox]:
    """``Mailboxes.wait_until_ready`` as a flow: read the client's clock, sleep out the rest of the delay."""
    now: float = yield Now()
    delay = _seconds_until_ready(mailbox, now)
    if delay:
        yield Sleep(delay)
    return mailbox


class Mailboxes(SyncResource):
    """Shared mailboxes of a tenant (at most 3 per domain)."""

    def list(self, tenant_id: str) -> list[Mailbox]:
        """Every mailbox across every domain of the tenant."""
        return self._client._run(list_request(tenant_id))

    def create(
        self, tenant_id: str, *, domain_name: str, mail_nickname: str, display_name: str | None = None
    ) -> Mailbox:
        """Provision a shared mailbox on a verified domain (inferred: ``POST .../mailboxes``).

        Exchange Online needs 2-5 minutes before the new mailbox can send: use
        [`wait_until_ready`][tenantlead.tenantcore.resources.mailboxes.Mailboxes.wait_until_ready] before connecting it to Smartlead. Raises
        [`ConflictError`][tenantlead.errors.ConflictError] with code ``mailbox_limit_reached`` for a 4th
        mailbox on a domain and ``domain_not_verified`` for an unverified domain.
        """
        return self._client._run(
            create_request(
                tenant_id, domain_name=domain_name, mail_nickname=mail_nickname, display_name=display_name
            )
        )

    def update(
        self,
        tenant_id: str,
        mailbox_id: str,
        *,
        daily_send_limit: int | NotGiven | None = NOT_GIVEN,
        account_enabled: bool | NotGiven = NOT_GIVEN,
    ) -> Mailbox:
        """Store a mailbox's ``daily_send_limit`` (step 1 of enforcement; ``None`` clears it).

        Storing does not restrict sending: call ``tc.mailbox_limits.provision(tenant_id)``
        afterwards so Exchange enforces it. ``account_enabled`` (inferred) enables sign-in.
        """
        return self._client._run(
            update_request(
                tenant_id, mailbox_id, daily_send_limit=daily_send_limit, account_enabled=account_enabled
            )
        )

    def usage(self, tenant_id: str) -> UsageReport:
        """Today's sends per mailbox of the tenant (inferred: ``GET .../mailboxes/usage``)."""
        return self._client._run(usage_request(tenant_id))

    def wait_until_ready(self, mailbox: Mailbox) -> Mailbox:
        """Block until the mailbox's propagation delay (5 minutes after ``created_at``) is over.

        Uses the client's clock and sleeper, so tests with a fake clock return at once.
        """
        return self._flow(wait_until_ready_flow(mailbox))

    @staticmethod
    def is_ready(mailbox: Mailbox, now: datetime | None = None) -> bool:
        """True when the mailbox has finished propagating at ``now`` (default: current UTC time)."""
        return not mailbox.is_propagating(now or datetime.now(UTC))


class AsyncMailboxes(AsyncResource):
    """Async twin of [`Mailboxes`][tenantlead.tenantcore.resources.mailboxes.Mailboxes]."""

    async def list(self, tenant_id: str) -> list[Mailbox]:
        """Every mailbox across every domain of the tenant."""
        return await self._client._run(list_request(tenant_id))

    async def create(
        self, tenant_id: str, *, domain_name: str, mail_nickname: str, display_name: str | None = None
    ) -> Mailbox:
        """Provision a shared mailbox on a verified domain (see [`Mailboxes.create`][tenantlead.tenantcore.resources.mailboxes.Mailboxes.create])."""
        return await self._client._run(
            create_request(
                tenant_id, domain_name=domain_name, mail_nickname=mail_nickname, display_name=display_name
            )
        )

    async def update(
        self,
        tenant_id: str,
        mailbox_id: str,
        *,
        daily_send_limit: int | NotGiven | None = NOT_GIVEN,
        account_enabled: bool | NotGiven = NOT_GIVEN,
    ) -> Mailbox:
        """Store a mailbox's ``daily_send_limit`` (step 1; see [`Mailboxes.update`][tenantlead.tenantcore.resources.mailboxes.Mailboxes.update])."""
        return await self._client._run(
            update_request(
                tenant_id, mailbox_id, daily_send_limit=daily_send_limit, account_enabled=account_enabled
            )
        )

    async def usage(self, tenant_id: str) -> UsageReport:
        """Today's sends per mailbox of the tenant (inferred: ``GET .../mailboxes/usage``)."""
        return await self._client._run(usage_request(tenant_id))

    async def wait_until_ready(self, mailbox: Mailbox) -> Mailbox:
        """Wait until the mailbox's propagation delay is over (client clock and sleeper)."""
        return await self._flow(wait_until_ready_flow(mailbox))
