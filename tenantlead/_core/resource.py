"""Resource namespaces and response parsers shared by both API packages.

A resource module defines its requests once, as pure builder functions returning
``APIRequest``, and two thin classes that execute them: a ``SyncResource``
(``def m(...) -> T: return self._client._run(m_request(...))``) and an ``AsyncResource``
(``async def m(...) -> T: return await self._client._run(m_request(...))``). A call that makes
several requests is written once as a flow (``m_flow(...)``, see ``tenantlead._core.flow``) and
both classes run it with ``self._flow(m_flow(...))``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from tenantlead._core.convert import converter
from tenantlead._core.flow import Flow, arun_flow, run_flow
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


class SyncResource:
    """Base of a blocking resource namespace (``client.tenants``)."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def _flow(self, flow: Flow[T]) -> T:
        """Run a multi-request ``flow`` on this resource's client and return its value."""
        return run_flow(flow, self._client)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class AsyncResource:
    """Base of an async resource namespace (``client.tenants`` on an async client)."""

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
