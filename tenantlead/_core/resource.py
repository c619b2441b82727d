"""Resource namespaces and response parsers shared by both API packages.

A resource module defines its requests once, as pure builder functions returning
``APIRequest``, and two thin classes that execute them: a ``SyncResource``
(``def m(...) -> T: return self._client._run(m_request(...))``) and an ``AsyncResource``
(``async def m(...) -> T: return await self._client._run(m_request(...))``). A call that makes
several requests is written once as a flow (``m_flow(...)``, see ``tenantlead._core.flow``) and
both classes run it with ``self._flow(m_flow(...))``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from tenantlead._core.convert import converter
from tenantlead._core.flow import Flow, arun_flow, run_flow
from tenantlead._core.redact import hide, is_secret_key
from tenantlead._core.request import Response
from tenantlead._core.validate import require_id

if TYPE_CHECKING:
    from tenantlead._core.http import AsyncAPIClient, SyncAPIClient

__all__ = [
    "AsyncResource",
    "SyncResource",
    "expect_object",
    "parse_list",
    "parse_model",
    "parse_none",
    "require_id",
    "structure_list",
]

T = TypeVar("T")


def _hiding_secrets(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with its secret-named arguments (``password``, ``token``, ``otp``, ...) hidden.

    The wrapper replaces each such argument with [hide][tenantlead._core.redact.hide]'s masked
    twin before ``fn`` runs, so the frames of ``fn`` and of everything it calls hold values whose
    repr is ``'***'``: a crash reporter that records locals cannot print them. Functions with no
    such parameter (and no ``**fields``) are returned unchanged.
    """
    params = list(inspect.signature(fn).parameters.values())
    positions = [
        i
        for i, p in enumerate(params)
        if is_secret_key(p.name) and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    named = any(is_secret_key(p.name) for p in params) or any(p.kind is p.VAR_KEYWORD for p in params)
    if not named:
        return fn

    def masked(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        for key in [k for k in kwargs if is_secret_key(k)]:
            kwargs[key] = hide(kwargs[key])
        if positions and any(i < len(args) for i in positions):
            args = tuple(hide(a) if i in positions else a for i, a in enumerate(args))
        return args

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def awrapper(*args: Any, **kwargs: Any) -> Any:
            args = masked(args, kwargs)
            return await fn(*args, **kwargs)

        return awrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args = masked(args, kwargs)
        return fn(*args, **kwargs)

    return wrapper


def _hide_secret_arguments(cls: type) -> None:
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(value):
            setattr(cls, name, _hiding_secrets(value))


class SyncResource:
    """Base of a blocking resource namespace (``client.tenants``).

    Every public method of a subclass takes its secret-named arguments (``password``,
    ``token``, ``otp``, ...) as masked values, so no frame of the SDK shows them.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _hide_secret_arguments(cls)

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def _flow(self, flow: Flow[T]) -> T:
        """Run a multi-request ``flow`` on this resource's client and return its value."""
        return run_flow(flow, self._client)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class AsyncResource:
    """Base of an async resource namespace (``client.tenants`` on an async client).

    Secret-named arguments are masked as in [SyncResource][tenantlead._core.resource.SyncResource].
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _hide_secret_arguments(cls)

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def _flow(self, flow: Flow[T]) -> T:
        """Run a multi-request ``flow`` on this resource's client and return its value."""
        return await arun_flow(flow, self._client)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


def expect_object(response: Response, *, key: str | None = None) -> Mapping[str, Any]:
    """The body as a JSON object (or ``body[key]`` when ``key`` is given); TypeError otherwise."""
    data = response.data
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a JSON object, got {_shape(data)}")
    if key is not None:
        inner = data[key]
        if not isinstance(inner, Mapping):
            raise TypeError(f"expected {key!r} to be an object, got {type(inner).__name__}")
        return inner
    return data


def parse_model(cls: type[T], *, key: str | None = None) -> Callable[[Response], T]:
    """A parser that structures the body (or ``body[key]``) into ``cls``."""

    def parse(response: Response) -> T:
        return converter.structure(expect_object(response, key=key), cls)

    return parse


def parse_list(cls: type[T], *, key: str | None = None) -> Callable[[Response], list[T]]:
    """A parser for a bare JSON array (``key=None``) or an array under ``body[key]``."""

    def parse(response: Response) -> list[T]:
        data = response.data if key is None else expect_object(response)[key]
        return structure_list(data, cls)

    return parse


def _shape(data: object) -> str:
    return "an empty body" if data is None else type(data).__name__


def structure_list(data: object, cls: type[T]) -> list[T]:
    """``data`` (a decoded JSON array) as a list of ``cls``; TypeError when it is not an array."""
    if not isinstance(data, list):
        raise TypeError(f"expected a JSON array, got {_shape(data)}")
    return [converter.structure(item, cls) for item in data]


def parse_none(response: Response) -> None:
    """A parser for calls whose answer carries nothing the caller needs."""
    return None
