"""Simulated Smartlead agency-client routes and client API keys (reference §3.6)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from .._http import SimResponse, json_response
from ..state import (
    SlClient,
    SlClientKey,
)
from ._common import (
    Ctx,
    Handler,
    int_param,
    iso_ms,
)
from ._joi import F, Schema, reply, validate

# --------------------------------------------------------------------------- clients

_CLIENT_NOT_FOUND = {"message": "Client not found or does not belong to the user"}


def _master_only(ctx: Ctx) -> None:
    # A client key managing the agency's clients is not documented; refuse it plainly.
    if ctx.client_id is not None:
        raise reply(403, {"message": "Client API keys cannot manage clients; use the agency's API key."})


_CLIENT_SAVE: Schema = {
    "id": F("int", nullable=True),
    "name": F("str", required=True, allow_empty=False),
    "email": F("email", required=True),
    "permission": F("list", required=True, item=F("str")),
    "logo": F("str", nullable=True),
    "logo_url": F("str", nullable=True),
    "password": F("str", nullable=True),
    "restrictedCategory": F("list", item=F("str")),
    "is_credit_assigned": F("bool"),
    "email_credits": F("int", nullable=True),
    "lead_credits": F("int", nullable=True),
}


def save_client(ctx: Ctx) -> SimResponse:
    """POST /client/save (§3.6): the old reply shape, which echoes the password."""
    _master_only(ctx)
    body = validate(ctx.body, _CLIENT_SAVE)
    if body.get("id") is not None:
        client = ctx.user.clients.get(body["id"])
        if client is None:
            raise reply(404, _CLIENT_NOT_FOUND)
        client.name, client.email = body["name"], body["email"]
    else:
        client = SlClient(
            id=ctx.world.next_id("client"),
            name=body["name"],
            email=body["email"],
            uuid=str(uuid.UUID(int=ctx.world.rng.getrandbits(128), version=4)),
            created_at=ctx.now(),
            user_id=ctx.user.user_id,
        )
        ctx.user.clients[client.id] = client
    client.permission = list(body["permission"])
    if "restrictedCategory" in body:
        client.restricted_category = list(body["restrictedCategory"])
    if "logo" in body:
        client.logo = body["logo"]
    if "logo_url" in body:
        client.logo_url = body["logo_url"]
    if body.get("password") is not None:
        client.password = body["password"]
    return json_response(
        200,
        {
            "ok": True,
            "clientId": client.id,
            "name": client.name,
            "email": client.email,
            "password": client.password,
        },
    )


def _client_json(client: SlClient) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "email": client.email,
        "uuid": client.uuid,
        "created_at": iso_ms(client.created_at),
        "user_id": client.user_id,
        "logo": client.logo,
        "logo_url": client.logo_url,
        # The misspellings are the real wire names (§3.6).
        "client_permision": {
            "permission": list(client.permission),
            "retricted_category": list(client.restricted_category),
        },
    }


def list_clients(ctx: Ctx) -> SimResponse:
    """GET /client/ (§3.6): bare array."""
    _master_only(ctx)
    return json_response(
        200, [_client_json(c) for c in sorted(ctx.user.clients.values(), key=lambda c: c.id)]
    )


def get_client(ctx: Ctx) -> SimResponse:
    """GET /client/{id} (§3.6): ``{"ok": true, "data": {...}}``."""
    _master_only(ctx)
    client_id = int_param(ctx.params[0], "client_id")
    client = ctx.user.clients.get(client_id)
    if client is None:
        raise reply(404, _CLIENT_NOT_FOUND)
    return json_response(200, {"ok": True, "data": _client_json(client)})


def _key_json(key: SlClientKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "client_id": key.client_id,
        "key_name": key.key_name,
        "api_key": key.api_key,
        "status": key.status,
        "created_at": iso_ms(key.created_at) if key.created_at else None,
    }


def _new_key_value(ctx: Ctx) -> str:
    rng = ctx.world.rng
    return f"{uuid.UUID(int=rng.getrandbits(128), version=4)}_{rng.getrandbits(32):08x}"


_KEY_CREATE: Schema = {
    "clientId": F("int", required=True),
    "keyName": F("str", required=True, allow_empty=False, pattern=re.compile(r"^[a-zA-Z0-9 _-]+$")),
}


def create_client_key(ctx: Ctx) -> SimResponse:
    """POST /client/api-key (§3.6; reply shape inferred from the list reply)."""
    _master_only(ctx)
    body = validate(ctx.body, _KEY_CREATE)
    if body["clientId"] not in ctx.user.clients:
        raise reply(404, _CLIENT_NOT_FOUND)
    key = SlClientKey(
        id=ctx.world.next_id("client_key"),
        client_id=body["clientId"],
        key_name=body["keyName"],
        api_key=_new_key_value(ctx),
        created_at=ctx.now(),
    )
    ctx.user.client_keys[key.id] = key
    return json_response(200, {"message": "Client API key created successfully", "data": _key_json(key)})


_KEY_LIST: Schema = {
    "clientId": F("int"),
    "status": F("str", choices=("active", "inactive")),
    "keyName": F("str"),
}


def list_client_keys(ctx: Ctx) -> SimResponse:
    """GET /client/api-key (§3.6)."""
    _master_only(ctx)
    q = validate({k: v[0] for k, v in ctx.req.query.items() if v}, _KEY_LIST, "query", allow_unknown=True)
    keys = [
        k
        for k in ctx.user.client_keys.values()
        if ("clientId" not in q or k.client_id == q["clientId"])
        and ("status" not in q or k.status == q["status"])
        and ("keyName" not in q or q["keyName"].lower() in k.key_name.lower())
    ]
    return json_response(
        200, {"message": "Client API keys fetched successfully", "data": [_key_json(k) for k in keys]}
    )


def _client_key(ctx: Ctx, raw: str) -> SlClientKey:
    key_id = int_param(raw, "id")
    key = ctx.user.client_keys.get(key_id)
    if key is None:
        raise reply(404, {"message": "API key not found"})  # wording is a [GAP]
    return key


def delete_client_key(ctx: Ctx) -> SimResponse:
    """DELETE /client/api-key/{id} (§3.6): the key stops working at once."""
    _master_only(ctx)
    key = _client_key(ctx, ctx.params[0])
    del ctx.user.client_keys[key.id]
    return json_response(200, {"message": "Client API key deleted successfully"})


def reset_client_key(ctx: Ctx) -> SimResponse:
    """PUT /client/api-key/reset/{id} (§3.6): a new key value; the old one stops working."""
    _master_only(ctx)
    key = _client_key(ctx, ctx.params[0])
    key.api_key = _new_key_value(ctx)
    return json_response(200, {"message": "Client API key reset successfully", "data": _key_json(key)})


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "POST", "/client/save", save_client
    yield "GET", "/client", list_clients
    yield "POST", "/client/api-key", create_client_key
    yield "GET", "/client/api-key", list_client_keys
    yield "GET", "/client/{client_id}", get_client
    yield "DELETE", "/client/api-key/{id}", delete_client_key
    yield "PUT", "/client/api-key/reset/{id}", reset_client_key


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
