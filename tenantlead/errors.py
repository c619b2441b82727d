"""One error tree for both APIs.

Every exception the SDK raises on purpose derives from [`TenantleadError`][tenantlead.errors.TenantleadError]. Errors that
come from an API call derive from [`APIError`][tenantlead.errors.APIError] and carry the API's name, the HTTP status,
the API's own error code and message, the request method and the *redacted* URL, plus a hint
when we know the usual cause::

    TenantleadError
    ├── ConfigurationError                 bad or missing key / base URL / option
    └── APIError                           .api .status_code .code .message .method .url .hint
        ├── APIStatusError                 any non-2xx answer
        │   ├── AuthenticationError        401 / 403
        │   ├── PaymentRequiredError       402
        │   │   ├── NoAPIPlanError         TenantCore ``no_api_plan``
        │   │   └── TenantLimitReachedError  TenantCore ``tenant_limit_reached``
        │   ├── NotFoundError              404
        │   ├── ConflictError              409
        │   ├── ValidationError            400 / 422  (.fields)
        │   ├── QuotaExceededError         406 (Smartlead throttles, e.g. bulk reconnect 3/day)
        │   ├── RateLimitError             429  (.retry_after)
        │   └── ServerError                5xx
        ├── APIConnectionError             the request never got an answer
        │   └── APITimeoutError
        └── APIResponseError               a 2xx whose body reports an error or cannot be parsed

Messages never contain an API key, a mailbox password or an OAuth token: URLs are redacted
before an error is built and bodies are never copied into messages verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "InsecureTransportWarning",
    "NoAPIPlanError",
    "NotFoundError",
    "PaymentRequiredError",
    "QuotaExceededError",
    "RateLimitError",
    "ServerError",
    "TenantLimitReachedError",
    "TenantleadError",
    "ValidationError",
]


class TenantleadError(Exception):
    """Base class of every error tenantlead raises on purpose."""


class ConfigurationError(TenantleadError, ValueError):
    """A client or helper was configured wrongly (missing/malformed key, bad base URL, bad option).

    The message names the argument or environment variable to fix.
    """


class InsecureTransportWarning(UserWarning):
    """A client was pointed at a plain ``http://`` base URL on a host that is not loopback.

    The API key (Smartlead's, in every URL) and every answer would cross the network in clear.
    The client still works (a TLS-terminating proxy on a private network may be intended);
    ``warnings.simplefilter("error", InsecureTransportWarning)`` makes it refuse instead.
    """


class APIError(TenantleadError):
    """An API call failed.

    Attributes:
        api: ``"tenantcore"`` or ``"smartlead"``.
        status_code: HTTP status, or None when no response arrived.
        code: the API's machine-readable error code when it sent one (``"no_api_plan"``,
            ``"ACCOUNT_NOT_FOUND"``), else None.
        message: the API's human-readable message (or ours when it sent none).
        method: HTTP method of the failed request.
        url: the request URL with secrets redacted.
        hint: what usually causes this and how to fix it, when known.
        body: the decoded response body with secret-looking keys masked (for debugging).
    """

    def __init__(
        self,
        message: str,
        *,
        api: str,
        status_code: int | None = None,
        code: str | None = None,
        method: str = "",
        url: str = "",
        hint: str | None = None,
        body: Any = None,
    ) -> None:
        self.api = api
        self.status_code = status_code
        self.code = code
        self.message = message
        self.method = method
        self.url = url
        self.hint = hint
        self.body = body
        super().__init__(self._render())

    def _render(self) -> str:
        head = self.api
        if self.status_code is not None:
            head += f" {self.status_code}"
        if self.code:
            head += f" {self.code}"
        text = f"{head}: {self.message}"
        if self.method or self.url:
            text += f" ({self.method} {self.url})".replace("( ", "(")
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._render()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable (multiprocessing, pytest-xdist) despite keyword-only init.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[APIError], state: dict[str, Any]) -> APIError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, err._render())
    return err


class APIStatusError(APIError):
    """The API answered with a non-2xx status."""


class AuthenticationError(APIStatusError):
    """401/403: the key is missing, malformed, unknown, rotated, or lacks access."""


class PaymentRequiredError(APIStatusError):
    """402: the account's plan does not allow the request."""


class NoAPIPlanError(PaymentRequiredError):
    """TenantCore 402 ``no_api_plan``: the API plan lapsed; every request fails until renewed."""


class TenantLimitReachedError(PaymentRequiredError):
    """TenantCore 402 ``tenant_limit_reached``: a write would exceed the plan's tenant ceiling."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist, or belongs to another account."""


class ConflictError(APIStatusError):
    """409: the request conflicts with existing state (already exists, limit reached)."""


class ValidationError(APIStatusError):
    """400/422: the API rejected the request's parameters or body.

    ``fields`` lists the offending field names when the API said which (Joi ``validation.keys``,
    FastAPI ``detail[].loc``).
    """

    def __init__(self, message: str, *, fields: Sequence[str] = (), **kwargs: Any) -> None:
        self.fields: tuple[str, ...] = tuple(fields)
        super().__init__(message, **kwargs)


class QuotaExceededError(APIStatusError):
    """406: a per-endpoint quota refused the call (Smartlead bulk reconnect: 3/day, 30 min apart).

    Not retried automatically: waiting seconds does not help.
    """


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the server's advice in seconds, when given."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(APIStatusError):
    """5xx: the API failed. Safe requests are retried before this is raised."""


class APIConnectionError(APIError):
    """No response arrived (DNS, refused connection, TLS, reset)."""


class APITimeoutError(APIConnectionError):
    """The request timed out. For a write, the API may or may not have applied it."""


class APIResponseError(APIError):
    """A 2xx response reported an error in its body, or could not be parsed into the expected shape."""
