"""``POST /{tenant}/oauth2/v2.0/token``: the password, refresh_token and authorization_code grants."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .._http import SimResponse, json_response
from ._common import Ctx
from .state import AppRegistration
from .world import INACTIVITY_SECONDS, LOCKOUT_SECONDS, LOCKOUT_THRESHOLD, SimError, match_redirect

if TYPE_CHECKING:
    from .world import MicrosoftIdentityWorld

__all__ = ["ROUTES", "token", "token_grant"]


def token(ctx: Ctx) -> SimResponse:
    """The token endpoint: a form body in, a token (or Microsoft's error body) out."""
    form = dict(parse_qsl(ctx.req.body.decode("utf-8", "replace"), keep_blank_values=True))
    return json_response(200, token_grant(ctx.world, ctx.params[0], form))


def token_grant(world: MicrosoftIdentityWorld, tenant_path: str, form: Mapping[str, str]) -> dict[str, Any]:
    """Serve one token request's form; raises [SimError][tenantlead.sandbox.microsoft.SimError]."""
    grant_type = form.get("grant_type", "")
    world.requests.append((grant_type, tenant_path, form.get("username")))
    tenant = (
        world.known_tenant(tenant_path, grant_type=grant_type)
        if tenant_path.lower() != "organizations"
        else "organizations"
    )
    app = world.app_for(form.get("client_id"), tenant)
    world.throttle(tenant)
    if grant_type == "password":
        return _password(world, tenant, app, form)
    if grant_type == "refresh_token":
        return _refresh(world, tenant, app, form)
    if grant_type == "authorization_code":
        return _redeem(world, tenant, app, form)
    raise SimError(
        400,
        "unsupported_grant_type",
        70003,
        f"The app requested an unsupported grant type '{grant_type}'.",
    )


def _password(
    world: MicrosoftIdentityWorld, tenant: str, app: AppRegistration, form: Mapping[str, str]
) -> dict[str, Any]:
    confidential = world.authenticate_client(app, form, public_ok=True)
    username, password = form.get("username", ""), form.get("password", "")
    mailbox, state = world.user_for(username, tenant)
    world.check_lock(state)
    state.password_checks += 1
    if not password or not hmac.compare_digest(password.encode(), mailbox.password.encode()):
        state.failed_passwords += 1
        if state.failed_passwords >= LOCKOUT_THRESHOLD:
            state.lockouts += 1
            state.failed_passwords = 0
            state.locked_until = world._clock.timestamp() + LOCKOUT_SECONDS * (2 ** (state.lockouts - 1))
        raise SimError(
            400,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        )
    state.failed_passwords = 0
    world.check_account(mailbox, state, tenant, interactive=False)
    world.require_consent(tenant, app)
    return world.mint(
        app.client_id,
        tenant,
        mailbox.user_principal_name,
        form.get("scope", ""),
        confidential=confidential,
    )


def _refresh(
    world: MicrosoftIdentityWorld, tenant: str, app: AppRegistration, form: Mapping[str, str]
) -> dict[str, Any]:
    grant = world.grants.get(form.get("refresh_token", ""))
    if grant is None or grant.client_id != app.client_id:
        raise SimError(
            400, "invalid_grant", 70000, "The provided value for the 'refresh_token' is not valid."
        )
    if grant.confidential and "client_secret" not in form:
        raise SimError(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    if not grant.confidential and "client_secret" in form:
        raise SimError(
            401,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )
    if grant.confidential:
        world.authenticate_client(app, form, public_ok=False)
    now = world._clock.timestamp()
    if grant.revoked:
        raise SimError(
            400,
            "invalid_grant",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
        )
    if now - grant.last_used_at > INACTIVITY_SECONDS:
        raise SimError(
            400,
            "invalid_grant",
            700082,
            "The refresh token has expired due to inactivity. The token was issued on "
            f"{datetime.fromtimestamp(grant.issued_at, tz=UTC).isoformat()} and was inactive for 90.00:00:00.",
        )
    mailbox, state = world.user_for(grant.upn, grant.tenant_id)
    world.check_lock(state)
    world.check_account(mailbox, state, grant.tenant_id, interactive=grant.interactive)
    world.require_consent(grant.tenant_id, app)
    grant.last_used_at = now
    return world.mint(
        app.client_id,
        grant.tenant_id,
        grant.upn,
        form.get("scope") or grant.scope,
        confidential=grant.confidential,
        interactive=grant.interactive,
    )


def _redeem(
    world: MicrosoftIdentityWorld, tenant: str, app: AppRegistration, form: Mapping[str, str]
) -> dict[str, Any]:
    code = world.codes.get(form.get("code", ""))
    if code is None or code.client_id != app.client_id or code.tenant_id != tenant:
        raise SimError(400, "invalid_grant", 70000, "The provided authorization code is invalid.")
    code.verifier = form.get("code_verifier", "")  # recorded for secrets scans, right or wrong
    if code.redeemed:
        raise SimError(
            400,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        )
    if code.expires_at <= world._clock.timestamp():
        raise SimError(
            400,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity.",
        )
    redirect = form.get("redirect_uri", "")
    if redirect != code.redirect_uri:
        raise SimError(
            400,
            "invalid_grant",
            50148,
            "The redirect_uri does not match the one in the authorization request.",
        )
    public = match_redirect(redirect, app.public_redirects) and not match_redirect(
        redirect, app.web_redirects
    )
    if public and "client_secret" in form:
        raise SimError(
            401,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )
    confidential = False if public else world.authenticate_client(app, form, public_ok=False)
    verifier = form.get("code_verifier", "")
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    if not hmac.compare_digest(digest, code.code_challenge):
        raise SimError(
            400,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        )
    code.redeemed = True
    return world.mint(
        app.client_id,
        tenant,
        code.upn,
        form.get("scope") or code.scope,
        confidential=confidential,
        interactive=True,
    )


ROUTES = (("POST", "{tenant}/oauth2/v2.0/token", token),)
