"""In-process serving: an ``httpx.MockTransport`` in front of both simulated APIs.

Requests are routed by host (``api.tenantcore.io`` -> TenantCore, ``server.smartlead.ai`` ->
Smartlead, path kept) or, for any other host, by path prefix (``/tenantcore/...`` and
``/smartlead/...``, prefix stripped), so both the production base URLs and the loopback-style
base URLs work. The handler is synchronous, which ``MockTransport`` accepts for sync and async
clients alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from ._http import parse_query
from .faults import Hang

if TYPE_CHECKING:
    from .world import Sandbox

__all__ = ["make_transport"]


def make_transport(sandbox: Sandbox) -> httpx.MockTransport:
    """Build the transport for ``sandbox`` (``Sandbox.transport`` caches one)."""

    def handler(request: httpx.Request) -> httpx.Response:
        url = request.url
        try:
            response = sandbox.request(
                request.method,
                url.host,
                url.path,
                parse_query(url.query.decode("ascii", "replace")),
                # Header names are not guaranteed lower-case in .items(): lower them here.
                {k.lower(): v for k, v in request.headers.items()},
                request.content,
            )
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
