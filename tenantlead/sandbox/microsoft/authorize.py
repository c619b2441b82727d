"""``GET /{tenant}/oauth2/v2.0/authorize``: the browser sign-in (the simulated user named by ``login_hint``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._http import SimResponse
from ._common import Ctx, query_args
from .state import AuthCode
from .world import CODE_SECONDS, SimError

if TYPE_CHECKING:
    from .world import MicrosoftIdentityWorld

__all__ = ["ROUTES", "authorize"]


def authorize(ctx: Ctx) -> SimResponse:
    """Sign the ``login_hint`` user in and redirect with a code (or an error) to ``redirect_uri``."""
    return _authorize(ctx.world, ctx.params[0], query_args(ctx.req))


def _authorize(world: MicrosoftIdentityWorld, tenant_path: str, query: Mapping[str, str]) -> SimResponse:
    tenant, app, redirect = world.browser_app(tenant_path, query)
    state = query.get("state")
    try:
        if query.get("response_type") != "code":
            raise SimError(400, "unsupported_response_type", 70005, "The response_type must be 'code'.")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            raise SimError(
                400, "invalid_request", 50148, "PKCE with code_challenge_method S256 is required here."
            )
        hint = query.get("login_hint", "")
        mailbox, user = world.user_for(world.signs_in_as.get(hint.lower(), hint), tenant)
        world.check_lock(user)
        world.check_account(mailbox, user, tenant, interactive=True)
        world.require_consent(tenant, app)
    except SimError as exc:
        return world.redirect_error(redirect, state, exc)
    code = world.token_value("0.AXcA", 90)
    world.codes[code] = AuthCode(
        code=code,
        client_id=app.client_id,
        tenant_id=tenant,
        upn=mailbox.user_principal_name,
        redirect_uri=redirect,
        code_challenge=query["code_challenge"],
        scope=query.get("scope", ""),
        expires_at=world._clock.timestamp() + CODE_SECONDS,
    )
    params = {"code": code, "session_state": str(uuid.UUID(int=world._rng.getrandbits(128), version=4))}
    if state is not None:
        params["state"] = state
    return world.redirect(redirect, params)


ROUTES = (("GET", "{tenant}/oauth2/v2.0/authorize", authorize),)
