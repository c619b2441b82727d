"""Sans-I/O request descriptions.

A resource method does not talk to the network: it builds an [`APIRequest`][tenantlead.smartlead.resources.tags.APIRequest] saying what to
send, whether it is safe to retry, how to reconcile an uncertain write, and how to parse the
answer. The sync and async clients only *execute* these descriptions, so both share every line
of API knowledge and differ only in their send loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from tenantlead._core.redact import redact_body, redact_url
from tenantlead._core.types import NOT_GIVEN, NotGiven

__all__ = ["APIRequest", "Response"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@attrs.frozen
class Response:
    """A decoded response handed to parsers and error mappers.

    ``data`` is the parsed JSON when the body is JSON, the text when it is not, and None when
    the body is empty (Smartlead answers some successes with an empty 200).
    """

    status_code: int
    headers: Mapping[str, str]
    # Bodies may carry tokens (an OAuth token answer): keep them out of repr, so a traceback
    # rendered with its frames' locals cannot print them.
    data: Any = attrs.field(repr=False)
    text: str = attrs.field(repr=False)
    #: True when the body parsed as JSON.
    is_json: bool = False

    @classmethod
    def decode(cls, status_code: int, headers: Mapping[str, str], content: bytes) -> Response:
        """Decode raw bytes: JSON when it parses, else text, else None for an empty body."""
        text = content.decode("utf-8", errors="replace")
        stripped = text.strip()
        if not stripped:
            return cls(status_code, headers, None, text, False)
        if stripped[0] in '{["' or stripped in ("true", "false", "null") or stripped[0].isdigit():
            try:
                return cls(status_code, headers, json.loads(stripped), text, True)
            except (ValueError, RecursionError):
                # RecursionError: nesting deeper than the JSON parser can follow (hostile proxy).
                pass
        return cls(status_code, headers, text, text, False)


def _identity(response: Response) -> Any:
    return response.data


@attrs.frozen(kw_only=True, repr=False)
class APIRequest(Generic[T]):
    """What to send and how to read the answer.

    Its ``repr`` is redacted (secret-named body and query values masked), so a crash reporter
    that records frame locals never prints the SMTP password or OAuth token of a request.

    Attributes:
        method: HTTP method.
        path: path relative to the client's base URL (``/tenants``), or absolute URL.
        params: query parameters (``None`` values are dropped).
        json: JSON body; ``NOT_GIVEN`` sends no body. Left out of ``repr`` (a body may carry a
            password or an OAuth token).
        form: form fields sent as an ``application/x-www-form-urlencoded`` body (OAuth token
            endpoints); mutually exclusive with ``json``. Left out of ``repr`` because form
            bodies carry credentials (passwords, client secrets, codes).
        parse: turns the decoded [`Response`][tenantlead.smartlead.resources.tags.Response] into the method's return value; raise
            ``TypeError``/``ValueError``/``KeyError`` for a body of the wrong shape.
        retry_safe: whether repeating the request cannot do harm (GETs; idempotent writes).
        reconcile: for a non-idempotent create, a lookup that tells whether an attempt whose
            outcome is unknown (timeout, 5xx) did in fact succeed; it returns the result, or
            None when the create did not happen (so it is safe to send again).
        timeout: per-call timeout in seconds, overriding the client's.
        base_url: per-request base URL override (TenantCore's key rotation lives outside /v1).
    """

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    # Out of repr, like form: a body may carry a password or an OAuth token (save, save-oauth),
    # and flow drivers hold the request in a local that locals-capturing tracebacks print.
    json: Any = attrs.field(default=NOT_GIVEN, repr=False)
    form: Mapping[str, str] | None = attrs.field(default=None, repr=False)
    parse: Callable[[Response], T] = _identity
    retry_safe: bool | None = None
    reconcile: APIRequest[T | None] | None = None
    timeout: float | NotGiven | None = NOT_GIVEN
    base_url: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.form is not None and not isinstance(self.json, NotGiven):
            raise ValueError("an APIRequest sends a json body or a form body, not both")

    def __repr__(self) -> str:
        parts = [f"method={self.method!r}", f"path={redact_url(self.path)!r}"]
        if self.params:
            parts.append(f"params={redact_body(dict(self.params))!r}")
        if not isinstance(self.json, NotGiven):
            parts.append(f"json={redact_body(self.json)!r}")
        if self.retry_safe is not None:
            parts.append(f"retry_safe={self.retry_safe!r}")
        if self.reconcile is not None:
            parts.append(f"reconcile={self.reconcile!r}")
        if self.base_url is not None:
            parts.append(f"base_url={redact_url(self.base_url)!r}")
        return f"APIRequest({', '.join(parts)})"

    @property
    def safe(self) -> bool:
        """Effective retry safety: explicit flag, else True for GET/HEAD/OPTIONS."""
        if self.retry_safe is not None:
            return self.retry_safe
        return self.method.upper() in ("GET", "HEAD", "OPTIONS")

    def query(self) -> dict[str, Any]:
        """Query parameters without ``None``/``NOT_GIVEN`` values; booleans as ``"true"``/``"false"``."""
        out: dict[str, Any] = {}
        for key, value in (self.params or {}).items():
            if value is None or isinstance(value, NotGiven):
                continue
            out[key] = ("true" if value else "false") if isinstance(value, bool) else value
        return out
