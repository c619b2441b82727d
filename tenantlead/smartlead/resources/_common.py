"""Smartlead's own parsers and the chunk helpers of its resource modules (pure; no I/O).

The parsers both APIs share (``expect_object``, ``parse_model``, ``parse_list``, ``parse_none``)
are in ``tenantlead._core.resource``; these add Smartlead's ``{ok, data: ...}`` envelope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tenantlead._core.convert import converter
from tenantlead._core.flow import Flow
from tenantlead._core.request import APIRequest, Response
from tenantlead._core.resource import expect_object, parse_none, structure_list
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
        return structure_list(data, cls)

    return parse


def parse_object(cls: type[T], *, unwrap: bool = False) -> Callable[[Response], T]:
    """A JSON object as ``cls``; with ``unwrap``, ``body["data"]`` when it is an object."""

    def parse(response: Response) -> T:
        data = expect_object(response)
        if unwrap and isinstance(data.get("data"), Mapping):
            data = data["data"]
        return converter.structure(data, cls)

    return parse


#: For ``{ok: true}`` answers; errors inside 2xx bodies were already raised by the profile.
parse_ok = parse_none


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
