"""``GET /{tenant}/v2.0/adminconsent``: a tenant admin grants (or declines) consent to an app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._http import SimResponse
from ._common import Ctx, query_args
from .world import SimError

if TYPE_CHECKING:
    from .world import MicrosoftIdentityWorld

__all__ = ["ROUTES", "adminconsent"]


def adminconsent(ctx: Ctx) -> SimResponse:
    """Record the consent (unless the tenant is planted to decline) and redirect with the answer."""
    return _adminconsent(ctx.world, ctx.params[0], query_args(ctx.req))


def _adminconsent(world: MicrosoftIdentityWorld, tenant_path: str, query: Mapping[str, str]) -> SimResponse:
    tenant, app, redirect = world.browser_app(tenant_path, query)
    state = query.get("state")
    if world.policy(tenant).declines_consent:
        exc = SimError(400, "access_denied", 65004, "User declined to consent to access the app.")
        return world.redirect_error(redirect, state, exc, tenant=tenant)
    world.grant_consent(tenant, app.client_id)
    params = {"admin_consent": "True", "tenant": tenant, "scope": query.get("scope", "")}
    if state is not None:
        params["state"] = state
    return world.redirect(redirect, params)


ROUTES = (("GET", "{tenant}/v2.0/adminconsent", adminconsent),)
