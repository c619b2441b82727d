"""Pieces shared by the simulated Microsoft identity endpoints: the request context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._http import SimRequest

if TYPE_CHECKING:
    from .world import MicrosoftIdentityWorld

__all__ = ["Ctx", "query_args"]


@dataclass(frozen=True)
class Ctx:
    """One request as a handler sees it: ``params[0]`` is the tenant path segment."""

    world: MicrosoftIdentityWorld
    req: SimRequest
    params: tuple[str, ...]


def query_args(req: SimRequest) -> dict[str, str]:
    """The first value of every query parameter."""
    return {k: v[0] for k, v in req.query.items() if v}
