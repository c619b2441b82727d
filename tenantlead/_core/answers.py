"""What a client makes of an answer: error details, status classes and the body reader.

Split out of ``tenantlead._core.http`` (which re-exports ``ErrorInfo`` and ``status_error``):
the pure pieces the send loop uses to turn an HTTP answer into a value or an error.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from tenantlead._core import redact
from tenantlead.errors import (
    APIError,
    APIResponseError,
    APIStatusError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PaymentRequiredError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    ValidationError,
)

if TYPE_CHECKING:
    from tenantlead._core.http import BaseAPIClient

__all__ = [
    "BodyReader",
    "ErrorInfo",
    "RedactedRequest",
    "excerpt",
    "read_timeout",
    "retry_headers",
    "status_error",
    "transient",
]


@attrs.frozen(kw_only=True)
class ErrorInfo:
    """What a profile read out of an error body."""

    message: str
    code: str | None = None
    fields: tuple[str, ...] = ()
    hint: str | None = None
    #: A more specific subclass of the status's error class (e.g. ``NoAPIPlanError`` for a 402).
    error_class: type[APIStatusError] | None = None


def status_error(
    info: ErrorInfo, *, api: str, status: int, method: str, url: str, retry_after: float | None, body: Any
) -> APIError:
    """Build the right [`APIStatusError`][tenantlead.errors.APIStatusError] subclass for ``status``."""
    common: dict[str, Any] = {
        "api": api,
        "status_code": status,
        "code": info.code,
        "method": method,
        "url": url,
        "hint": info.hint,
        "body": body,
    }
    base = _status_class(status)
    cls = info.error_class if info.error_class is not None and issubclass(info.error_class, base) else base
    if issubclass(cls, ValidationError):
        return cls(info.message, fields=info.fields, **common)
    if issubclass(cls, RateLimitError):
        return cls(info.message, retry_after=retry_after, **common)
    return cls(info.message, **common)


def _status_class(status: int) -> type[APIStatusError]:
    classes: dict[int, type[APIStatusError]] = {
        401: AuthenticationError,
        403: AuthenticationError,
        402: PaymentRequiredError,
        404: NotFoundError,
        406: QuotaExceededError,
        409: ConflictError,
        400: ValidationError,
        422: ValidationError,
        429: RateLimitError,
    }
    if status in classes:
        return classes[status]
    return ServerError if status >= 500 else APIStatusError


class BodyReader:
    """One attempt's answer body, read chunk by chunk: a size cap and a wall-clock deadline.

    httpx's ``timeout`` is per network operation, so a server that sends a byte every few
    seconds never trips it; the reader ends the attempt once it has run longer than its
    timeout (checked when the headers arrive and after every chunk) or the body passes
    ``max_response_bytes``. The sync and async loops feed it the same way.
    """

    __slots__ = ("_chunks", "_client", "_deadline", "_limit", "_request", "_size", "_started")

    def __init__(self, client: BaseAPIClient, http_request: httpx.Request, deadline: float | None) -> None:
        self._client = client
        self._request = http_request
        self._deadline = deadline
        self._started = client._clock()
        self._limit = client.max_response_bytes
        self._chunks: list[bytes] = []
        self._size = 0

    def check_time(self) -> None:
        """Raise ``APITimeoutError`` when the attempt has outlived its deadline."""
        if self._deadline is not None and self._client._clock() - self._started > self._deadline:
            raise self._client._deadline_error(self._request, self._deadline)

    def feed(self, chunk: bytes) -> None:
        """Add a chunk; raise when the body is too big or the attempt too long."""
        self._size += len(chunk)
        if self._size > self._limit:
            raise APIResponseError(
                f"the answer's body is larger than {self._limit:,} bytes; stopped reading",
                api=self._client._profile.name,
                method=self._request.method,
                url=self._client._redacted_url(self._request.url),
                hint="No documented answer is that big: a proxy or a misbehaving server sent it. "
                "max_response_bytes on the client sets the cap.",
            )
        self._chunks.append(chunk)
        self.check_time()

    def content(self) -> bytes:
        """The whole body."""
        return b"".join(self._chunks)


def excerpt(text: str, secrets: tuple[str, ...]) -> str:
    """A short, tag-free, single-line view of a non-JSON body for an error message."""
    plain = " ".join(re.sub(r"(?s)<[^>]+>", " ", text).split())
    return redact.redact_text(plain[:80], secrets)


def transient(kind: str, error: APIResponseError) -> APIResponseError:
    """Mark a 2xx failure the send loop may retry (see below)."""
    # Marks a 2xx failure the send loop may retry: "truncated" (a JSON body cut off in transit)
    # or "body" (an error reported inside a 200). Users only ever see APIResponseError.
    error._transient = kind  # type: ignore[attr-defined]
    return error


def retry_headers(error: APIError) -> dict[str, str] | None:
    """The server's retry advice of a 429, as headers for the retry policy."""
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        return {"retry-after": str(error.retry_after)}
    return None


def read_timeout(http_request: httpx.Request) -> float | None:
    """The read timeout the request was built with (the attempt's deadline), or None."""
    timeouts = http_request.extensions.get("timeout")
    read = timeouts.get("read") if isinstance(timeouts, dict) else None
    return float(read) if isinstance(read, int | float) else None


class RedactedRequest(httpx.Request):
    """An httpx request whose ``repr`` hides secret query parameters (the request is unchanged)."""

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {redact.redact_url(self.url)!r})>"
