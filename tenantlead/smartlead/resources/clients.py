"""Agency clients (sub-accounts) and their API keys (reference §3.6).

``Clients.list``/``get``/``save`` each send one request, built by ``list_request``,
``get_request`` and ``save_request`` (same arguments as the methods), which other layers may
compose into flows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from typing import Any, Literal

from tenantlead._core.request import APIRequest, Response
from tenantlead._core.resource import AsyncResource, SyncResource
from tenantlead._core.types import NOT_GIVEN, NotGiven
from tenantlead.smartlead._validate import check_bool, check_email, check_id, check_int
from tenantlead.smartlead.models import Client, ClientAPIKey, SavedClient
from tenantlead.smartlead.resources._common import parse_items, parse_object, parse_ok

__all__ = [
    "AsyncClientAPIKeys",
    "AsyncClients",
    "ClientAPIKeys",
    "Clients",
    "get_request",
    "list_request",
    "save_request",
]

ClientList = list[Client]
Categories = list[str]
KeyList = list[ClientAPIKey]
_KEY_NAME = re.compile(r"^[A-Za-z0-9 _-]+$")


def list_request() -> APIRequest[list[Client]]:
    """``Clients.list``: every client of the agency."""
    return APIRequest(method="GET", path="/client/", parse=parse_items(Client))


def get_request(
    client_id: int,
    *,
    include_permissions: bool = False,
    include_credits: bool = False,
    include_code_integrations: bool = False,
    include_whitelabel: bool = False,
) -> APIRequest[Client]:
    """``Clients.get``: one client; each ``include_*`` flag adds that block to the answer."""
    flags = {
        "includePermissions": include_permissions,
        "includeCredits": include_credits,
        "includeCodeIntegrations": include_code_integrations,
        "includeWhitelabel": include_whitelabel,
    }
    return APIRequest(
        method="GET",
        path=f"/client/{check_id(client_id, 'client_id')}",
        params={k: (check_bool(v, k) or None) for k, v in flags.items()},
        parse=parse_object(Client, unwrap=True),
    )


def _find_client(email: str) -> APIRequest[SavedClient | None]:
    """Reconcile lookup after an uncertain create: the client with this email, or None."""
    wanted = email.lower()

    def parse(response: Response) -> SavedClient | None:
        for client in parse_items(Client)(response):
            if (client.email or "").lower() == wanted:
                return SavedClient(client_id=client.id, name=client.name, email=client.email, ok=True)
        return None

    return APIRequest(method="GET", path="/client/", parse=parse)


def save_request(
    *,
    name: str,
    email: str,
    permission: Iterable[str] = ("full_access",),
    client_id: int | None = None,
    password: str | NotGiven = NOT_GIVEN,
    logo: str | None = None,
    logo_url: str | None = None,
    restricted_category: Categories | None = None,
    is_credit_assigned: bool | None = None,
    email_credits: int | None = None,
    lead_credits: int | None = None,
) -> APIRequest[SavedClient]:
    """``Clients.save``: create a client, or update it when ``client_id`` is given.

    A create is not retried blindly: an uncertain outcome is reconciled by looking the client up
    by email.
    """
    extra = _save_extra(restricted_category, is_credit_assigned, email_credits, lead_credits)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    email = check_email(email, "email")
    perms = [permission] if isinstance(permission, str) else list(permission)
    if not perms or not all(isinstance(p, str) and p for p in perms):
        raise ValueError(
            "permission must be a non-empty list such as ['full_access'] or ['reply_master_inbox']"
        )
    body: dict[str, Any] = {
        "name": name,
        "email": email,
        "permission": perms,
        "logo": logo,
        "logo_url": logo_url,
    }
    if client_id is not None:
        body["id"] = check_id(client_id, "client_id")
    if not isinstance(password, NotGiven):
        if not isinstance(password, str) or not password:
            raise ValueError("password must be a non-empty string")
        body["password"] = password
    body.update(extra)
    updating = client_id is not None
    return APIRequest(
        method="POST",
        path="/client/save",
        json=body,
        parse=parse_object(SavedClient),
        retry_safe=updating,  # an update by id is idempotent; a create is not
        reconcile=None if updating else _find_client(email),
    )


def _save_extra(
    restricted_category: list[str] | None,
    is_credit_assigned: bool | None,
    email_credits: int | None,
    lead_credits: int | None,
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if restricted_category is not None:
        extra["restrictedCategory"] = list(restricted_category)
    if is_credit_assigned is not None:
        extra["is_credit_assigned"] = check_bool(is_credit_assigned, "is_credit_assigned")
    if email_credits is not None:
        extra["email_credits"] = check_int(email_credits, "email_credits", minimum=0)
    if lead_credits is not None:
        extra["lead_credits"] = check_int(lead_credits, "lead_credits", minimum=0)
    return extra


def _keys_list(
    client_id: int | None, status: str | None, key_name: str | None
) -> APIRequest[list[ClientAPIKey]]:
    if status is not None and status not in ("active", "inactive"):
        raise ValueError(f"status must be 'active' or 'inactive', got {status!r}")
    return APIRequest(
        method="GET",
        path="/client/api-key",
        params={
            "clientId": None if client_id is None else check_id(client_id, "client_id"),
            "status": status,
            "keyName": key_name,
        },
        parse=parse_items(ClientAPIKey),
    )


def _keys_create(client_id: int, key_name: str) -> APIRequest[ClientAPIKey]:
    if not isinstance(key_name, str) or not _KEY_NAME.match(key_name):
        raise ValueError(f"key_name may contain only letters, numbers, spaces, '-' and '_', got {key_name!r}")
    return APIRequest(
        method="POST",
        path="/client/api-key",
        json={"clientId": check_id(client_id, "client_id"), "keyName": key_name},
        parse=parse_object(ClientAPIKey, unwrap=True),
        retry_safe=False,
    )


def _keys_delete(key_id: int) -> APIRequest[None]:
    return APIRequest(method="DELETE", path=f"/client/api-key/{check_id(key_id, 'key_id')}", parse=parse_ok)


def _keys_reset(key_id: int) -> APIRequest[ClientAPIKey]:
    return APIRequest(
        method="PUT",
        path=f"/client/api-key/reset/{check_id(key_id, 'key_id')}",
        parse=parse_object(ClientAPIKey, unwrap=True),
        retry_safe=False,  # each reset mints a new key
    )


class ClientAPIKeys(SyncResource):
    """``sl.clients.api_keys``: API keys of agency clients (their ``api_key`` is secret in repr)."""

    def list(
        self,
        *,
        client_id: int | None = None,
        status: Literal["active", "inactive"] | None = None,
        key_name: str | None = None,
    ) -> KeyList:
        """Client API keys, optionally filtered."""
        return self._client._run(_keys_list(client_id, status, key_name))

    def create(self, client_id: int, key_name: str) -> ClientAPIKey:
        """Create a key for a client (``key_name``: letters, numbers, spaces, ``-``, ``_``)."""
        return self._client._run(_keys_create(client_id, key_name))

    def delete(self, key_id: int) -> None:
        """Delete a client key."""
        return self._client._run(_keys_delete(key_id))

    def reset(self, key_id: int) -> ClientAPIKey:
        """Regenerate a client key (the old value stops working)."""
        return self._client._run(_keys_reset(key_id))


class AsyncClientAPIKeys(AsyncResource):
    """``sl.clients.api_keys`` on [`AsyncSmartlead`][tenantlead.AsyncSmartlead]."""

    async def list(
        self,
        *,
        client_id: int | None = None,
        status: Literal["active", "inactive"] | None = None,
        key_name: str | None = None,
    ) -> KeyList:
        """Client API keys, optionally filtered."""
        return await self._client._run(_keys_list(client_id, status, key_name))

    async def create(self, client_id: int, key_name: str) -> ClientAPIKey:
        """Create a key for a client."""
        return await self._client._run(_keys_create(client_id, key_name))

    async def delete(self, key_id: int) -> None:
        """Delete a client key."""
        return await self._client._run(_keys_delete(key_id))

    async def reset(self, key_id: int) -> ClientAPIKey:
        """Regenerate a client key."""
        return await self._client._run(_keys_reset(key_id))


class Clients(SyncResource):
    """``sl.clients``: agency clients (sub-accounts)."""

    @cached_property
    def api_keys(self) -> ClientAPIKeys:
        """Client API keys."""
        return ClientAPIKeys(self._client)

    def list(self) -> ClientList:
        """Every client of the agency."""
        return self._client._run(list_request())

    def get(
        self,
        client_id: int,
        *,
        include_permissions: bool = False,
        include_credits: bool = False,
        include_code_integrations: bool = False,
        include_whitelabel: bool = False,
    ) -> Client:
        """One client (newer endpoint; its field list is undocumented, extras land in ``.extra``)."""
        return self._client._run(
            get_request(
                client_id, include_permissions=include_permissions, include_credits=include_credits,
                include_code_integrations=include_code_integrations, include_whitelabel=include_whitelabel,
            )
        )  # fmt: skip

    def save(
        self,
        *,
        name: str,
        email: str,
        permission: Iterable[str] = ("full_access",),
        client_id: int | None = None,
        password: str | NotGiven = NOT_GIVEN,
        logo: str | None = None,
        logo_url: str | None = None,
        restricted_category: Categories | None = None,
        is_credit_assigned: bool | None = None,
        email_credits: int | None = None,
        lead_credits: int | None = None,
    ) -> SavedClient:
        """Create a client, or update it when ``client_id`` is given (``POST /client/save``).

        A create whose outcome is uncertain is reconciled by looking the client up by email.
        The answer echoes the password; [`SavedClient`][tenantlead.smartlead.models.SavedClient] keeps it out of repr.
        """
        return self._client._run(
            save_request(
                name=name, email=email, permission=permission, client_id=client_id, password=password,
                logo=logo, logo_url=logo_url, restricted_category=restricted_category,
                is_credit_assigned=is_credit_assigned, email_credits=email_credits, lead_credits=lead_credits,
            )
        )  # fmt: skip


class AsyncClients(AsyncResource):
    """``sl.clients`` on [`AsyncSmartlead`][tenantlead.AsyncSmartlead]."""

    @cached_property
    def api_keys(self) -> AsyncClientAPIKeys:
        """Client API keys."""
        return AsyncClientAPIKeys(self._client)

    async def list(self) -> ClientList:
        """Every client of the agency."""
        return await self._client._run(list_request())

    async def get(
        self,
        client_id: int,
        *,
        include_permissions: bool = False,
        include_credits: bool = False,
        include_code_integrations: bool = False,
        include_whitelabel: bool = False,
    ) -> Client:
        """One client."""
        return await self._client._run(
            get_request(
                client_id, include_permissions=include_permissions, include_credits=include_credits,
                include_code_integrations=include_code_integrations, include_whitelabel=include_whitelabel,
            )
        )  # fmt: skip

    async def save(
        self,
        *,
        name: str,
        email: str,
        permission: Iterable[str] = ("full_access",),
        client_id: int | None = None,
        password: str | NotGiven = NOT_GIVEN,
        logo: str | None = None,
        logo_url: str | None = None,
        restricted_category: Categories | None = None,
        is_credit_assigned: bool | None = None,
        email_credits: int | None = None,
        lead_credits: int | None = None,
    ) -> SavedClient:
        """Create or update a client; see [`Clients.save`][tenantlead.smartlead.resources.clients.Clients.save]."""
        return await self._client._run(
            save_request(
                name=name, email=email, permission=permission, client_id=client_id, password=password,
                logo=logo, logo_url=logo_url, restricted_category=restricted_category,
                is_credit_assigned=is_credit_assigned, email_credits=email_credits, lead_credits=lead_credits,
            )
        )  # fmt: skip
