"""The shared client machinery: one transport-free base, a sync and an async send loop.

Everything API-specific (auth placement, error body shapes, hints, key format, default rate
limit) comes from an `APIProfile`; everything transport-specific is here. The decision
after each attempt (return, retry, reconcile, raise) is a pure method of the base class, so the
two loops below differ only in ``await``.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, Self, TypeVar
from urllib.parse import urlencode

import attrs
import httpx

from tenantlead._core import redact, sandbox_hint
from tenantlead._core.answers import (
    BodyReader,
    ErrorInfo,
    RedactedRequest,
    excerpt,
    read_timeout,
    retry_headers,
    status_error,
    transient,
)
from tenantlead._core.config import configure_env_logging, resolve_api_key, resolve_base_url, resolve_timeout
from tenantlead._core.convert import describe_structure_error
from tenantlead._core.ratelimit import RateLimit, RateLimiter
from tenantlead._core.request import APIRequest, Response
from tenantlead._core.retry import RetryPolicy
from tenantlead._core.types import NOT_GIVEN, AsyncSleeper, Clock, NotGiven, Sleeper, async_sleep
from tenantlead._core.validate import check_path
from tenantlead._version import __version__
from tenantlead.errors import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APITimeoutError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "APIProfile",
    "AsyncAPIClient",
    "BaseAPIClient",
    "ErrorInfo",
    "RequestStats",
    "SyncAPIClient",
    "status_error",
]

T = TypeVar("T")
logger = logging.getLogger("tenantlead")

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
#: The largest answer body a client reads (after ``Content-Encoding`` is undone): 32 MiB. The
#: biggest documented answers (a 100-account page, a 200-event page, a tenant's 36 mailboxes)
#: are well under 1 MiB, so a bigger body is a proxy's or an attacker's, not the API's.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
USER_AGENT = f"tenantlead/{__version__} (+python; httpx/{httpx.__version__})"


class APIProfile(Protocol):
    """The API-specific knowledge a client needs (implemented by each API package).

    Optional: ``plain_text_successes``, the exact plain-text bodies (compared without
    surrounding whitespace) the API answers a successful write with. Any other non-JSON 2xx
    body to a write is not the API's answer (a proxy's or captive portal's page) and raises
    ``APIResponseError``; a profile without the attribute accepts no plain-text success.
    """

    name: str
    display_name: str
    default_base_url: str
    env_api_key: str
    env_base_url: str
    key_help: str

    def validate_key(self, key: str) -> str | None:
        """None for a well-formed key, else what is wrong with it."""
        ...

    def authenticate(self, key: str, headers: dict[str, str], params: dict[str, Any]) -> None:
        """Put the key where the API expects it (a header or a query parameter)."""
        ...

    def parse_error(self, response: Response) -> ErrorInfo:
        """Read code/message/fields from a non-2xx response of any shape (JSON, text, HTML, empty)."""
        ...

    def body_error(self, response: Response) -> ErrorInfo | None:
        """An error reported inside a 2xx body (``{ok: false}``), else None."""
        ...


@attrs.define
class RequestStats:
    """Counters a client keeps about its own traffic (for diagnostics and benchmarks)."""

    requests: int = 0  # HTTP attempts sent
    retries: int = 0  # attempts that were repeats
    rate_limited: int = 0  # 429 answers received
    reconciled: int = 0  # uncertain writes resolved by a lookup
    waited: float = 0.0  # seconds slept in backoff (not counting rate-limiter waits)


@attrs.frozen
class _Return:
    value: Any


@attrs.frozen
class _Retry:
    delay: float
    error: APIError


@attrs.frozen
class _Reconcile:
    error: APIError


@attrs.frozen
class _Raise:
    error: APIError


_Outcome = _Return | _Retry | _Reconcile | _Raise


class BaseAPIClient:
    """Configuration and pure decision logic shared by the sync and async clients."""

    #: The API this client speaks (set by each API's client class).
    _profile: APIProfile
    #: Client-side pacing when the caller passes no ``rate_limit`` (None: unlimited).
    default_rate_limit: RateLimit | None = None
    #: The largest answer body read, in bytes (``MAX_RESPONSE_BYTES``, 32 MiB); a bigger one
    #: raises ``APIResponseError`` instead of being buffered.
    max_response_bytes: int = MAX_RESPONSE_BYTES
    _owns_http: bool

    def _configure(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | None,
        max_retries: int,
        retry: RetryPolicy | None,
        rate_limit: RateLimit | NotGiven | None,
        clock: Clock | None,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        profile = self._profile
        if isinstance(rate_limit, NotGiven):
            rate_limit = self.default_rate_limit
        self._api_key = resolve_api_key(
            api_key,
            env_var=profile.env_api_key,
            service=profile.display_name,
            validate=profile.validate_key,
            where_to_get=profile.key_help,
        )
        self.base_url = resolve_base_url(
            base_url,
            env_var=profile.env_base_url,
            default=profile.default_base_url,
            service=profile.display_name,
        )
        self.timeout = resolve_timeout(timeout)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(f"max_retries must be a whole number >= 0, got {max_retries!r}.")
        self.retry = (
            attrs.evolve(retry, max_retries=max_retries)
            if retry is not None
            else RetryPolicy(max_retries=max_retries)
        )
        import time

        self._clock: Clock = clock or time.time
        self._limiter = (
            RateLimiter(rate_limit, clock=self._clock) if rate_limit and rate_limit.windows else None
        )
        self._rate_limit = rate_limit
        self._default_headers = dict(default_headers or {})
        self.stats = RequestStats()
        redact.install_log_redaction()
        configure_env_logging()

    @property
    def _api_key(self) -> str:
        return self._key

    @_api_key.setter
    def _api_key(self, key: str) -> None:
        # Held as a Secret (masked repr), so a frame-locals dump or vars(client) cannot show it;
        # a rotated key set later is wrapped the same way.
        self._key = redact.Secret(key)

    # ----------------------------------------------------------------- public bits

    @property
    def api_name(self) -> str:
        """``"tenantcore"`` or ``"smartlead"``."""
        return self._profile.name

    def now(self) -> datetime:
        """The current time by this client's clock (aware UTC): real time unless ``clock=`` was injected."""
        return datetime.fromtimestamp(self._clock(), tz=UTC)

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt for retry-safe requests."""
        return self.retry.max_retries

    @property
    def rate_limit(self) -> RateLimit | None:
        """The client-side rate limit, or None when unlimited."""
        return self._rate_limit

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The live limiter (shared by copies made with ``with_options``)."""
        return self._limiter

    def __repr__(self) -> str:
        # getattr: a client whose construction failed is still shown (a locals-capturing crash
        # reporter renders the half-built one in its __init__ frame).
        base_url = getattr(self, "base_url", None)
        shown = redact.redact_url(base_url) if base_url is not None else "<not configured>"
        return f"{type(self).__name__}(base_url={shown!r}, api_key='***')"

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled client would carry its key in clear (and an open connection pool).
        raise TypeError(f"{type(self).__name__} cannot be pickled; pickle the data it returned instead")

    def __copy__(self) -> Self:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def with_options(
        self,
        *,
        timeout: float | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry: RetryPolicy | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A copy with other options that shares this client's connection pool and rate limiter.

        ``client.with_options(timeout=5.0, max_retries=0).tenants.list()``; closing the copy
        never closes the original's pool.
        """
        clone = copy.copy(self)
        if not isinstance(timeout, NotGiven):
            clone.timeout = resolve_timeout(timeout)
        if not isinstance(retry, NotGiven):
            clone.retry = retry
        if not isinstance(max_retries, NotGiven):
            if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
                raise ConfigurationError(f"max_retries must be a whole number >= 0, got {max_retries!r}.")
            clone.retry = attrs.evolve(clone.retry, max_retries=max_retries)
        clone._owns_http = False  # the original closes the shared connection pool
        for key in [k for k, v in clone.__dict__.items() if hasattr(v, "_client") and v._client is self]:
            del clone.__dict__[key]  # cached resource namespaces point at the original
        return clone

    # ----------------------------------------------------------------- request building

    def _secrets(self) -> tuple[str, ...]:
        return (self._api_key,)

    def _url_for(self, request: APIRequest[Any]) -> str:
        check_path(request.path)
        if request.path.startswith(("http://", "https://")):
            return request.path
        base = request.base_url if request.base_url is not None else self.base_url
        return base + (request.path if request.path.startswith("/") else "/" + request.path)

    def _build(self, http: httpx.Client | httpx.AsyncClient, request: APIRequest[Any]) -> httpx.Request:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **self._default_headers}
        params = request.query()
        self._profile.authenticate(self._api_key, headers, params)
        content: bytes | None = None
        if not isinstance(request.json, NotGiven):
            content = json.dumps(request.json, separators=(",", ":"), default=str).encode()
            headers["Content-Type"] = "application/json"
        elif request.form is not None:
            content = urlencode(request.form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            built = http.build_request(
                request.method.upper(),
                self._url_for(request),
                params=params or None,  # an empty mapping makes httpx re-parse the URL
                headers=headers,
                content=content,
                timeout=self._timeout_of(request),
            )
        except httpx.InvalidURL as exc:
            raise ConfigurationError(
                f"{self._profile.display_name} request URL is invalid "
                f"({redact.redact_text(str(exc), self._secrets())}); check base_url and the path "
                "parameters of this call"
            ) from None
        # Tracebacks that capture locals (rich, Sentry) print this request while it is in flight;
        # Smartlead's key is in its URL.
        built.__class__ = RedactedRequest
        return built

    def _timeout_of(self, request: APIRequest[Any]) -> float | None:
        return self.timeout if isinstance(request.timeout, NotGiven) else request.timeout

    def _scrub(self, info: ErrorInfo) -> ErrorInfo:
        # A server (or proxy) may echo the request's key or a token back in its error message.
        return attrs.evolve(info, message=redact.redact_text(info.message, self._secrets()))

    def _redacted_url(self, url: object) -> str:
        return redact.redact_text(redact.redact_url(url), self._secrets())

    # ----------------------------------------------------------------- pure decisions

    def _interpret(self, request: APIRequest[T], http_response: httpx.Response, content: bytes) -> T:
        """Turn a response (its body read into ``content``) into the parsed value or raise the mapped error.

        Holds no ``httpx.Request`` in a local: its repr shows the URL, and Smartlead's carries
        the key, to any crash reporter that records locals (``http_response``'s repr is its status).
        """
        response = Response.decode(http_response.status_code, http_response.headers, content)
        if self._limiter is not None:
            self._limiter.observe(http_response.headers)
        # The redacted URL is built only when an error needs it: successes skip that work.
        method, api = http_response.request.method, self._profile.name
        if not 200 <= response.status_code < 300:
            info = self._scrub(self._profile.parse_error(response))
            info = sandbox_hint.refine(info, response.status_code, http_response.request.url, self._profile)
            retry_after = self.retry.server_advice(http_response.headers, now_unix=self._clock())
            raise status_error(
                info,
                api=api,
                status=response.status_code,
                method=method,
                url=self._redacted_url(http_response.request.url),
                retry_after=retry_after,
                body=redact.redact_body(response.data, self._secrets()),
            )
        if (
            not response.is_json
            and response.text.lstrip()[:1] in ("{", "[")
            and "json" in http_response.headers.get("content-type", "")
        ):
            # A JSON answer that does not parse was cut short in transit: as transient as a reset
            # connection, so retry-safe requests are repeated (see _decide).
            raise transient(
                "truncated",
                APIResponseError(
                    f"the {response.status_code} body is declared JSON but does not parse (truncated?)",
                    api=api,
                    status_code=response.status_code,
                    method=method,
                    url=self._redacted_url(http_response.request.url),
                    hint="Usually a connection cut mid-response or a proxy; retry-safe calls were retried.",
                    body=redact.redact_text(response.text[:200], self._secrets()),
                ),
            )
        problem = self._profile.body_error(response)
        if problem is not None:
            problem = self._scrub(problem)
            raise transient(
                "body",
                APIResponseError(
                    problem.message,
                    api=api,
                    status_code=response.status_code,
                    code=problem.code,
                    method=method,
                    url=self._redacted_url(http_response.request.url),
                    hint=problem.hint,
                    body=redact.redact_body(response.data, self._secrets()),
                ),
            )
        if (
            response.is_json is False
            and isinstance(response.data, str)
            and method.upper() not in ("GET", "HEAD", "OPTIONS")
            and response.text.strip() not in getattr(self._profile, "plain_text_successes", ())
        ):
            # A proxy, captive portal or firewall answering a write with its own 200 page: the
            # write most likely never reached the API, so it must not count as done.
            raise APIResponseError(
                f"the {response.status_code} answer to this write is not {self._profile.display_name}'s "
                f"({http_response.headers.get('content-type') or 'no content type'}: "
                f"{excerpt(response.text, self._secrets())!r}); the change was probably not made",
                api=api,
                status_code=response.status_code,
                method=method,
                url=self._redacted_url(http_response.request.url),
                hint="Something between you and the API (a proxy, captive portal or firewall) answered "
                "instead of it: check the network and base_url, then re-run (re-running is safe).",
                body=redact.redact_text(response.text[:200], self._secrets()),
            )
        try:
            return request.parse(response)
        except APIError as exc:
            if not exc.url.startswith(("http://", "https://")):
                # Raised by a parser, which cannot see the request: say where it came from.
                exc.method, exc.url = method, self._redacted_url(http_response.request.url)
                exc.args = (exc._render(),)
            raise
        except (TypeError, ValueError, KeyError, AttributeError, IndexError, BaseExceptionGroup) as exc:
            shape = "empty body" if response.data is None else type(response.data).__name__
            raise APIResponseError(
                f"unexpected response shape ({shape}): {redact.redact_text(describe_structure_error(exc), self._secrets())}",
                api=api,
                status_code=response.status_code,
                method=method,
                url=self._redacted_url(http_response.request.url),
                hint="The API may have changed, or a proxy answered instead of it; "
                "see .body on this error and report it if it persists.",
                body=redact.redact_body(response.data, self._secrets()),
            ) from None

    def _decide(
        self, request: APIRequest[Any], attempt: int, error: APIError, *, sent: bool = True
    ) -> _Outcome:
        status = error.status_code
        if isinstance(error, RateLimitError):
            self.stats.rate_limited += 1
            if self._limiter is not None and error.retry_after:
                self._limiter.pause(error.retry_after)
        if attempt <= self.retry.max_retries and (
            (getattr(error, "_transient", None) == "truncated" and request.safe)
            or (getattr(error, "_transient", None) == "body" and request.method.upper() in ("GET", "HEAD"))
        ):
            # A body cut off in transit, or a read whose 200 reports an error: as transient as a 5xx.
            # (On writes a body-reported error is the API's business answer, so it is final.)
            return _Retry(self.retry.backoff(attempt), error)
        connection = isinstance(error, APIConnectionError)
        uncertain = (connection and sent) or (status is not None and status >= 500)
        if request.reconcile is not None and not request.safe and uncertain:
            return _Reconcile(error)
        delay = self.retry.decide(
            attempt,
            retry_safe=request.safe,
            status=status,
            headers=None if isinstance(error, APIConnectionError) else retry_headers(error),
            connection_error=connection,
            request_sent=sent,
            now_unix=self._clock(),
        )
        if delay is None:
            return _Raise(error)
        return _Retry(delay, error)

    def _after_lookup_missed(self, request: APIRequest[Any], attempt: int, error: APIError) -> _Outcome:
        # The write did not land, so resending it is safe this time; the request keeps its
        # reconcile lookup, so a second uncertain outcome is looked up again, never resent blindly.
        return self._decide(attrs.evolve(request, retry_safe=True, reconcile=None), attempt, error)

    def _transport_error(self, http_request: httpx.Request, exc: httpx.HTTPError) -> tuple[APIError, bool]:
        """Any httpx exception as the SDK's error (never the httpx one: its ``.request.url`` holds
        Smartlead's key), and whether the request may have reached the server."""  # noqa: D205, D209
        url = self._redacted_url(http_request.url)
        api, method = self._profile.name, http_request.method
        detail = redact.redact_text(str(exc) or type(exc).__name__, self._secrets())
        if isinstance(exc, httpx.DecodingError):
            # The answer arrived but its Content-Encoding does not decode: as transient as a body
            # cut off in transit, so retry-safe requests are repeated.
            return transient(
                "truncated",
                APIResponseError(
                    f"the answer's body could not be decoded ({detail})",
                    api=api,
                    method=method,
                    url=url,
                    hint="A proxy or the server sent a body that does not match its Content-Encoding; "
                    "retry-safe calls were retried.",
                ),
            ), True
        sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        if isinstance(exc, httpx.TimeoutException):
            timeout = read_timeout(http_request)
            err: APIError = APITimeoutError(
                f"request timed out ({type(exc).__name__}{f' after {timeout:g}s' if timeout else ''})",
                api=api,
                method=method,
                url=url,
                hint="Raise timeout= on the client or per call; for writes, check whether the change landed before resending.",
            )
        elif isinstance(exc, httpx.TooManyRedirects):
            err = APIConnectionError(
                f"too many redirects ({detail})",
                api=api,
                method=method,
                url=url,
                hint="The base_url (or a proxy) redirects in a loop: use the API's own base URL.",
            )
        else:
            err = APIConnectionError(
                f"connection failed: {detail}",
                api=api,
                method=method,
                url=url,
                hint="Check the network, proxy settings and base_url.",
            )
        return err, sent

    def _deadline_error(self, http_request: httpx.Request, deadline: float) -> APIError:
        return APITimeoutError(
            f"request timed out (the answer took longer than the {deadline:g}s deadline)",
            api=self._profile.name,
            method=http_request.method,
            url=self._redacted_url(http_request.url),
            hint="timeout= bounds a whole attempt, the answer's body included (a server or proxy "
            "trickling bytes cannot hold a call open); raise it on the client or per call.",
        )

    def _body_reader(self, http_request: httpx.Request) -> BodyReader:
        """Collects an answer's body chunks, enforcing the size cap and the attempt's deadline."""
        deadline = read_timeout(http_request)
        return BodyReader(self, http_request, deadline)

    def _log_response(self, http_response: httpx.Response, attempt: int) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s -> %s (attempt %d)",
                self._profile.name,
                http_response.request.method,
                self._redacted_url(http_response.request.url),
                http_response.status_code,
                attempt,
            )

    def _log_retry(self, outcome: _Retry, attempt: int) -> None:
        self.stats.retries += 1
        self.stats.waited += outcome.delay
        logger.info(
            "%s %s %s failed (%s); retry %d in %.2fs",
            self._profile.name,
            outcome.error.method,
            outcome.error.url,
            outcome.error.status_code or type(outcome.error).__name__,
            attempt,
            outcome.delay,
        )


class SyncAPIClient(BaseAPIClient):
    """Blocking client: executes [`APIRequest`][tenantlead.smartlead.resources.tags.APIRequest] descriptions over an ``httpx.Client``."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        rate_limit: RateLimit | NotGiven | None = NOT_GIVEN,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        sleep: Sleeper | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            rate_limit=rate_limit,
            clock=clock,
            default_headers=default_headers,
        )
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                f"http_client must be an httpx.Client for {type(self).__name__}, got {type(http_client).__name__} "
                "(use the Async client with an httpx.AsyncClient)."
            )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout, follow_redirects=False)
        import time

        self._sleep: Sleeper = sleep or time.sleep

    def _run(self, request: APIRequest[T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            if self._limiter is not None:
                self._limiter.acquire(self._sleep)
            http_request = self._build(self._http, request)
            self.stats.requests += 1
            if self._limiter is not None:
                self._limiter.sent()  # the slot counts from when the request really leaves
            reader = self._body_reader(http_request)
            try:
                http_response = self._http.send(http_request, stream=True)
                try:
                    reader.check_time()
                    for chunk in http_response.iter_bytes():
                        reader.feed(chunk)
                finally:
                    http_response.close()
            except httpx.HTTPError as exc:
                error, sent = self._transport_error(http_request, exc)
                del http_request, reader  # see _interpret: no local may show the key
                outcome = self._decide(request, attempt, error, sent=sent)
            except APIError as error:
                del http_request, reader
                outcome = self._decide(request, attempt, error)
            else:
                del http_request
                self._log_response(http_response, attempt)
                try:
                    return self._interpret(request, http_response, reader.content())
                except APIError as error:
                    outcome = self._decide(request, attempt, error)
            if isinstance(outcome, _Reconcile):
                assert request.reconcile is not None
                try:
                    found = self._run(request.reconcile)
                except NotFoundError:
                    found = None  # the lookup says "not there": the write did not land
                except APIError:
                    raise outcome.error from None  # still unknown: report the write's own failure
                if found is not None:
                    self.stats.reconciled += 1
                    return found
                outcome = self._after_lookup_missed(request, attempt, outcome.error)
            if isinstance(outcome, _Raise):
                raise outcome.error
            if isinstance(outcome, _Retry):
                self._log_retry(outcome, attempt)
                self._sleep(outcome.delay)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NOT_GIVEN,
        timeout: float | NotGiven | None = NOT_GIVEN,
        retry_safe: bool | None = None,
    ) -> Any:
        """Call an endpoint the SDK does not wrap yet, with auth, retries, rate limiting and errors.

        Returns the decoded body: parsed JSON, text for non-JSON bodies, None for an empty body.
        Only GETs are retried unless ``retry_safe=True`` says the call is idempotent.
        """
        return self._run(
            APIRequest(
                method=method, path=path, params=params, json=json, timeout=timeout, retry_safe=retry_safe
            )
        )

    def close(self) -> None:
        """Close the connection pool (only when this client created it)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncAPIClient(BaseAPIClient):
    """Async client: executes [`APIRequest`][tenantlead.smartlead.resources.tags.APIRequest] descriptions over an ``httpx.AsyncClient``."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        rate_limit: RateLimit | NotGiven | None = NOT_GIVEN,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        sleep: AsyncSleeper | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            rate_limit=rate_limit,
            clock=clock,
            default_headers=default_headers,
        )
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError(
                f"http_client must be an httpx.AsyncClient for {type(self).__name__}, got {type(http_client).__name__} "
                "(use the sync client with an httpx.Client)."
            )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        self._sleep: AsyncSleeper = sleep or async_sleep

    async def _run(self, request: APIRequest[T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            if self._limiter is not None:
                await self._limiter.async_acquire(self._sleep)
            http_request = self._build(self._http, request)
            self.stats.requests += 1
            if self._limiter is not None:
                self._limiter.sent()  # the slot counts from when the request really leaves
            reader = self._body_reader(http_request)
            try:
                http_response = await self._http.send(http_request, stream=True)
                try:
                    reader.check_time()
                    async for chunk in http_response.aiter_bytes():
                        reader.feed(chunk)
                finally:
                    await http_response.aclose()
            except httpx.HTTPError as exc:
                error, sent = self._transport_error(http_request, exc)
                del http_request, reader  # see _interpret: no local may show the key
                outcome = self._decide(request, attempt, error, sent=sent)
            except APIError as error:
                del http_request, reader
                outcome = self._decide(request, attempt, error)
            else:
                del http_request
                self._log_response(http_response, attempt)
                try:
                    return self._interpret(request, http_response, reader.content())
                except APIError as error:
                    outcome = self._decide(request, attempt, error)
            if isinstance(outcome, _Reconcile):
                assert request.reconcile is not None
                try:
                    found = await self._run(request.reconcile)
                except NotFoundError:
                    found = None
                except APIError:
                    raise outcome.error from None
                if found is not None:
                    self.stats.reconciled += 1
                    return found
                outcome = self._after_lookup_missed(request, attempt, outcome.error)
            if isinstance(outcome, _Raise):
                raise outcome.error
            if isinstance(outcome, _Retry):
                self._log_retry(outcome, attempt)
                await self._sleep(outcome.delay)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NOT_GIVEN,
        timeout: float | NotGiven | None = NOT_GIVEN,
        retry_safe: bool | None = None,
    ) -> Any:
        """Async twin of `SyncAPIClient.request`."""
        return await self._run(
            APIRequest(
                method=method, path=path, params=params, json=json, timeout=timeout, retry_safe=retry_safe
            )
        )

    async def aclose(self) -> None:
        """Close the connection pool (only when this client created it)."""
        if self._owns_http:
            await self._http.aclose()

    async def close(self) -> None:
        """Alias of `aclose`."""
        await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
