"""The route table of the simulated Microsoft identity platform (one module per endpoint)."""

from __future__ import annotations

from .._routing import Router
from . import adminconsent, authorize, discovery, token
from ._common import Ctx

__all__ = ["ROUTER"]

ROUTER: Router[Ctx] = Router([*token.ROUTES, *authorize.ROUTES, *adminconsent.ROUTES, *discovery.ROUTES])
