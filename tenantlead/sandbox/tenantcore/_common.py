"""Pieces shared by the simulated TenantCore route handlers: request context, replies, parsing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .._http import SimRequest, SimResponse
from .._routing import ApiReply
from ..state import TcAccount, TcTenant

if TYPE_CHECKING:
    from .world import TenantCoreWorld

__all__ = [
    "DOMAIN_RE",
    "JSON_CT",
    "NICK_RE",
    "NOT_ALLOWED",
    "NOT_FOUND",
    "Ctx",
    "Handler",
    "as_int",
    "error",
    "field_error",
    "format_ts",
    "invalid",
    "ok",
    "query_int",
]

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
NICK_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$")
JSON_CT = {"content-type": "application/json"}

# One encoder for every response; no circular-reference bookkeeping (bodies are fresh trees).
_dumps = json.JSONEncoder(check_circular=False).encode


def error(status: int, code: str, message: str) -> SimResponse:
    """TenantCore's error body ``{"detail": {"message", "code"}}``."""
    body = _dumps({"detail": {"message": message, "code": code}}).encode()
    return SimResponse(status, body, JSON_CT)


def ok(status: int, payload: Any) -> SimResponse:
    """A JSON success reply."""
    return SimResponse(status, _dumps(payload).encode(), JSON_CT)


def invalid(errors: list[dict[str, Any]]) -> SimResponse:
    """FastAPI's default request-validation 422 body (reference §1.7 [INF])."""
    return SimResponse(422, _dumps({"detail": errors}).encode(), JSON_CT)


def field_error(loc: list[str | int], msg: str, typ: str, value: Any = None) -> dict[str, Any]:
    """One entry of a 422's ``detail`` list."""
    return {"type": typ, "loc": loc, "msg": msg, "input": value}


NOT_FOUND = SimResponse(404, b'{"detail": "Not Found"}', JSON_CT)
NOT_ALLOWED = SimResponse(405, b'{"detail": "Method Not Allowed"}', JSON_CT)

_TS_CACHE: dict[datetime, str] = {}


def format_ts(value: datetime | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` (the documented timestamp form), or None."""
    if value is None:
        return None
    # Hot path: every mailbox row carries timestamps that rarely change, so memoise them.
    text = _TS_CACHE.get(value)
    if text is None:
        if len(_TS_CACHE) > 200_000:
            _TS_CACHE.clear()
        text = _TS_CACHE[value] = value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return text


@dataclass(slots=True)
class Ctx:
    """One authenticated request as a TenantCore handler sees it.

    For routes under ``/v1/tenants/{tenant_id}`` the world has already checked that the tenant
    is this account's and connected, so ``tenant`` never fails there.
    """

    world: TenantCoreWorld
    account: TcAccount
    req: SimRequest
    params: tuple[str, ...]

    @property
    def tenant(self) -> TcTenant:
        """The tenant named by the first path parameter (tenant-scoped routes only)."""
        return self.account.tenants[self.params[0]]

    def body(self) -> dict[str, Any]:
        """The JSON object body (an empty body reads as ``{}``), else FastAPI's 422."""
        try:
            data = self.req.json()
        except ValueError:
            raise ApiReply(invalid([field_error(["body"], "JSON decode error", "json_invalid")])) from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ApiReply(
                invalid([field_error(["body"], "Input should be a valid dictionary", "dict_type", data)])
            )
        return data


Handler = Callable[[Ctx], SimResponse]


def as_int(value: Any) -> int | None:
    """A JSON integer (an integral float too), else None; booleans are not integers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def query_int(req: SimRequest, name: str, default: int, errors: list[dict[str, Any]]) -> int | None:
    """Query parameter ``name`` as an int (``default`` when absent); a parse error is appended."""
    raw = req.arg(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        errors.append(
            field_error(
                ["query", name],
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
                raw,
            )
        )
        return None
