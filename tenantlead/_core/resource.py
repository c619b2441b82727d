"""Resource namespaces and response parsers shared by both API packages.

A resource module defines its requests once, as pure builder functions returning
:class:`~tenantlead._core.request.APIRequest`, and two thin classes that execute them: a
:class:`SyncResource` (``def m(...) -> T: return self._client._run(build(...))``) and an
:class:`AsyncResource` (``async def m(...) -> T: return await self._client._run(build(...))``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from tenantlead._core.convert import converter
from tenantlead._core.request import Response

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
]

T = TypeVar("T")


class SyncResource:
    """Base of a blocking resource namespace (``client.tenants``)."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class AsyncResource:
    """Base of an async resource namespace (``client.tenants`` on an async client)."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


def expect_object(response: Response, *, key: str | None = None) -> Mapping[str, Any]:
    """The body as a JSON object (or ``body[key]`` when ``key`` is given); TypeError otherwise."""
    data = response.data
    if not isinstance(data, Mapping):
        raise TypeError(
            f"expected a JSON object, got {'an empty body' if data is None else type(data).__name__}"
        )
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
        data = response.data
        if key is not None:
            data = expect_object(response)[key]
        if not isinstance(data, list):
            raise TypeError(
                f"expected a JSON array, got {'an empty body' if data is None else type(data).__name__}"
            )
        return [converter.structure(item, cls) for item in data]

    return parse


def parse_none(response: Response) -> None:
    """A parser for calls whose answer carries nothing the caller needs."""
    return None


def require_id(value: object, name: str) -> str:
    """Validate a path identifier before it is put into a URL; returns it as a string."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} is required, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{name} must be a positive integer, got {value}")
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if any(ch in value for ch in "/?#% \t\r\n"):
        raise ValueError(f"{name} contains characters not allowed in a URL path: {value!r}")
    return value
