"""Is an answer from the served Smartlead sandbox one that reference/smartlead-api.md documents?

``problems(method, path, status, headers, body)`` lists what is wrong with one exchange (an
empty list: documented). The outside-client tests run every answer they get through it. What
counts as documented, by the reference's own sections:

* **Status codes (§1.5):** 200 (and 201 for ``POST /tags``), 400 validation, 401/403 a bad key,
  404 a missing resource or an unknown route, 406 reconnect and live-fetch throttling, 429 rate
  limits. A 5xx is never documented for a served operation (the reference's 500s are OTP and
  client-assignment errors, which the sandbox does not serve).
* **Bodies are JSON** on every served route, strict JSON (no ``NaN``), except the documented odd
  ones: the empty 200 of ``GET /campaigns/{id}`` for a deleted campaign (§1.5 item 7),
  ``OPTIONS`` (Express's ``Allow`` text) and ``HEAD`` (no body).
* **Unknown routes** (an operation the sandbox does not serve, another method) get Express's 404
  page ``Cannot METHOD /api/v1/...`` (§1.5 item 6) - the only HTML the reference documents.
* **Error bodies** are one of §1.5's shapes: every one is an object carrying a string
  ``message`` or ``error`` (Joi, legacy ``{error}``, ``{ok: false, message}``, ``{message}``,
  ``{success: false, message}``), or the 429's ``{"error": {"code", "message", "retry_after"}}``;
  a 429 carries ``Retry-After`` in whole seconds (§1.3).
* **Lists are bare arrays** (§1.4): the account, campaign, campaign-account, campaign-webhook,
  client and tag lists; every other success is an object.
* **It says it is the sandbox:** every answer carries ``X-Tenantlead-Sandbox`` (docs/sandbox.md,
  "It is not production"), so no outside client can take it for Smartlead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from tenantlead.sandbox.smartlead.world import _ROUTER

#: Status codes the reference documents for the operations the sandbox serves.
DOCUMENTED_STATUSES = frozenset({200, 201, 400, 401, 403, 404, 406, 429})
#: Served GET routes that answer a bare JSON array (§1.4, §3).
LIST_ROUTES = frozenset(
    {
        "email-accounts",
        "campaigns",
        "campaigns/{}/email-accounts",
        "campaigns/{}/webhooks",
        "client",
        "email-accounts/tags",
    }
)
_EXPRESS_404 = re.compile(r"<pre>Cannot ([A-Z-]+) (/api/v1/\S*)</pre>")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def route(path: str) -> str:
    """``/api/v1/campaigns/12/webhooks/`` -> ``campaigns/{}/webhooks`` (the route's shape)."""
    rel = path.split("?", 1)[0].removeprefix("/smartlead").removeprefix("/api/v1/").strip("/")
    return "/".join("{}" if seg.isdigit() else seg for seg in rel.split("/"))


def served(method: str, path: str) -> bool:
    """Whether the sandbox serves ``method path`` (a path under ``/api/v1/``)."""
    rel = path.split("?", 1)[0].removeprefix("/smartlead").removeprefix("/api/v1/").strip("/")
    return _ROUTER.match(method.upper(), rel) is not None


def problems(method: str, path: str, status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """What makes this answer undocumented (empty when the reference documents it)."""
    method = method.upper()
    lowered = {k.lower(): v for k, v in headers.items()}
    ctype = lowered.get("content-type", "").split(";")[0].strip()
    out: list[str] = []
    if "x-tenantlead-sandbox" not in lowered:
        out.append("no X-Tenantlead-Sandbox header")
    if status not in DOCUMENTED_STATUSES:
        out.append(f"status {status} is not documented")
    if method in ("HEAD", "OPTIONS"):
        return out
    if not served(method, path):
        match = _EXPRESS_404.search(body.decode("utf-8", "replace"))
        if status != 404 or ctype != "text/html" or match is None or match.group(1) != method:
            out.append(f"an unknown route must get Express's 404 page, got {status} {ctype} {body[:80]!r}")
        return out
    shape = route(path)
    if not body:
        if not (method == "GET" and shape == "campaigns/{}" and status == 200):
            out.append(f"empty {status} body (documented only for a deleted campaign's GET)")
        return out
    if ctype != "application/json":
        out.append(f"{ctype or 'no content-type'} where JSON is documented: {body[:80]!r}")
        return out
    try:
        payload = json.loads(body, parse_constant=_no_constants)
    except ValueError as exc:
        return [*out, f"not strict JSON ({exc}): {body[:80]!r}"]
    if status >= 400:
        if not _error_shape(payload):
            out.append(f"{status} body is none of the documented error shapes: {payload!r:.200}")
        if status == 429 and not lowered.get("retry-after", "").isdigit():
            out.append("a 429 without Retry-After in whole seconds")
        return out
    if method == "GET" and shape in LIST_ROUTES:
        if not isinstance(payload, list) or not all(isinstance(x, dict) for x in payload):
            out.append(f"{shape} must answer a bare array of objects: {payload!r:.120}")
    elif not isinstance(payload, dict):
        out.append(f"{method} {shape} must answer an object: {payload!r:.120}")
    return out


def _error_shape(payload: Any) -> bool:
    if not isinstance(payload, dict):
        return False
    error = payload.get("error")
    if isinstance(error, dict):  # the 429 body
        return isinstance(error.get("message"), str)
    return isinstance(payload.get("message"), str) or isinstance(error, str)
