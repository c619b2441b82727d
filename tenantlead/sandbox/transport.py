"""In-process serving: an ``httpx.MockTransport`` in front of both simulated APIs.

Requests are routed by host (``api.tenantcore.io`` -> TenantCore, ``server.smartlead.ai`` ->
Smartlead, path kept) or, for any other host, by path prefix (``/tenantcore/...`` and
``/smartlead/...``, prefix stripped), so both the production base URLs and the loopback-style
base URLs work. The handler is synchronous, which ``MockTransport`` accepts for sync and async
clients alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import httpx

from ._http import SimRequest
from .faults import Hang

if TYPE_CHECKING:
    from .world import Sandbox

__all__ = ["make_transport", "parse_query"]

_NOT_FOUND = b'{"detail": "Not Found"}'


def parse_query(raw: str) -> dict[str, list[str]]:
    """Query string -> ``{name: [values]}`` (blank values kept)."""
    query: dict[str, list[str]] = {}
    if raw:
        for key, value in parse_qsl(raw, keep_blank_values=True):
            query.setdefault(key, []).append(value)
    return query


def make_transport(sandbox: Sandbox) -> httpx.MockTransport:
    """Build the transport for ``sandbox`` (``Sandbox.transport`` caches one)."""

    def handler(request: httpx.Request) -> httpx.Response:
        url = request.url
        target = sandbox.route(url.host, url.path)
        if target is None:
            return httpx.Response(404, content=_NOT_FOUND, headers={"content-type": "application/json"})
        api, path = target
        sim = SimRequest(
            method=request.method,
            path=path,
            query=parse_query(url.query.decode("ascii", "replace")),
            # httpx keeps header names lower-cased in .items()? Not guaranteed: lower them here.
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.content,
        )
        try:
            response = sandbox.dispatch(api, sim)
        except Hang as hang:
            timeouts = request.extensions.get("timeout") or {}
            read_timeout = timeouts.get("read") if isinstance(timeouts, dict) else None
            # Virtual time passes as if the client waited out its timeout, then it gives up.
            sandbox.clock.advance(float(read_timeout) if read_timeout else hang.seconds)
            raise httpx.ReadTimeout(
                "simulated hung response (sandbox fault injection)", request=request
            ) from None
        return httpx.Response(response.status, headers=response.headers, content=response.body)

    return httpx.MockTransport(handler)
