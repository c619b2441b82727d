"""Parsers and chunk helpers shared by the Smartlead resource modules (pure; no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tenantlead._core.convert import converter
from tenantlead._core.flow import Flow
from tenantlead._core.request import APIRequest, Response
from tenantlead.errors import APIError
from tenantlead.smartlead.models import BatchResult, ChunkOutcome

__all__ = ["ChunkPlan", "batch_flow", "finish_batch", "parse_items", "parse_object", "parse_ok"]

T = TypeVar("T")
B = TypeVar("B", bound=BatchResult[Any])

#: The requests of a chunked operation: (ids covered, request) per chunk.
ChunkPlan = list[tuple[list[int], APIRequest[T]]]


def parse_items(cls: type[T]) -> Callable[[Response], list[T]]:
    """A bare JSON array of ``cls`` (Smartlead's usual list shape), or one under ``data``.

    The new docs wrap some lists in ``{ok, data: [...]}``; the live API answers bare arrays.
    Both are accepted so a switch either way does not break callers.
    """

    def parse(response: Response) -> list[T]:
        data = response.data
        if isinstance(data, Mapping) and isinstance(data.get("data"), list):
            data = data["data"]
        if not isinstance(data, list):
            raise TypeError(
                f"expected a JSON array, got {'an empty body' if data is None else type(data).__name__}"
            )
        return [converter.structure(item, cls) for item in data]

    return parse


def parse_object(cls: type[T], *, unwrap: bool = False) -> Callable[[Response], T]:
    """A JSON object as ``cls``; with ``unwrap``, ``body["data"]`` when it is an object."""

    def parse(response: Response) -> T:
        data = response.data
        if not isinstance(data, Mapping):
            raise TypeError(
                f"expected a JSON object, got {'an empty body' if data is None else type(data).__name__}"
            )
        if unwrap and isinstance(data.get("data"), Mapping):
            data = data["data"]
        return converter.structure(data, cls)

    return parse


def parse_ok(response: Response) -> None:
    """For ``{ok: true}`` answers; errors inside 2xx bodies were already raised by the profile."""
    return None


def finish_batch(result: B) -> B:
    """Return ``result``, or raise the first error when every chunk failed (nothing happened)."""
    if result.chunks and not result.succeeded:
        error = result.chunks[0].error
        assert error is not None
        if len(result.chunks) > 1:
            error.add_note(f"all {len(result.chunks)} chunks of this operation failed")
        raise error
    return result


def outcome(ids: list[int], value: T | None = None, error: APIError | None = None) -> ChunkOutcome[T]:
    """A chunk outcome (small constructor so sync and async loops stay one-liners)."""
    return ChunkOutcome(ids=tuple(ids), value=value, error=error)


def batch_flow(plan: ChunkPlan[T], result: Callable[[list[ChunkOutcome[T]]], B]) -> Flow[B]:
    """Send each chunk's request in turn; an API error in one chunk never stops the others.

    Every outcome goes into ``result(chunks)``, which is returned, or raised as its first error
    when every chunk failed (see ``finish_batch``).
    """
    chunks: list[ChunkOutcome[T]] = []
    for ids, request in plan:
        try:
            chunks.append(outcome(ids, (yield request)))
        except APIError as error:
            chunks.append(outcome(ids, error=error))
    return finish_batch(result(chunks))
