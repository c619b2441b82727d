"""Transport-neutral request/response values for the simulated APIs.

Each simulated API is a pure-ish function ``handle(SimRequest) -> SimResponse`` over its world
state. The in-process ``httpx.MockTransport`` and the loopback HTTP server both translate to
and from these two values, so the worlds never see httpx or sockets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["SimRequest", "SimResponse", "json_response", "parse_query", "text_response"]


@dataclass(frozen=True)
class SimRequest:
    """One HTTP request as a simulated API sees it.

    ``path`` is relative to the API root *including* its version prefix, e.g.
    ``/v1/tenants`` for TenantCore or ``/api/v1/email-accounts/`` for Smartlead.
    ``query`` keeps repeated keys as lists; ``headers`` keys are lower-case.
    """

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        query_string: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> SimRequest:
        """Build from raw parts (a query string is parsed, header names lower-cased)."""
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        return cls(
            method=method.upper(), path=path, query=parse_query(query_string), headers=lowered, body=body
        )

    def arg(self, name: str) -> str | None:
        """The first value of query parameter ``name``, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        """The body decoded as JSON (raises ``ValueError`` when it is not JSON)."""
        if not self.body:
            return None
        return json.loads(self.body)


def parse_query(raw: str) -> dict[str, list[str]]:
    """Query string -> ``{name: [values]}`` (blank values kept)."""
    query: dict[str, list[str]] = {}
    if raw:
        for key, value in parse_qsl(raw, keep_blank_values=True):
            query.setdefault(key, []).append(value)
    return query


@dataclass
class SimResponse:
    """One HTTP response from a simulated API. ``body`` is raw bytes."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SimResponse:
    """A JSON response with ``Content-Type: application/json``."""
    out = {"content-type": "application/json; charset=utf-8"}
    out.update(headers or {})
    return SimResponse(status=status, body=json.dumps(payload).encode(), headers=out)


def text_response(
    status: int,
    text: str,
    content_type: str = "text/html; charset=utf-8",
    headers: Mapping[str, str] | None = None,
) -> SimResponse:
    """A non-JSON response (Express 404 pages, plain-text ``success``)."""
    out = {"content-type": content_type}
    out.update(headers or {})
    return SimResponse(status=status, body=text.encode(), headers=out)
