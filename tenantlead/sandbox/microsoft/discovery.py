"""``GET /{tenant}/v2.0/.well-known/openid-configuration``: OIDC discovery (AADSTS90002 for an unknown tenant)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http import SimResponse, json_response
from ._common import Ctx
from .world import HOST

if TYPE_CHECKING:
    from .world import MicrosoftIdentityWorld

__all__ = ["ROUTES", "discovery"]


def discovery(ctx: Ctx) -> SimResponse:
    """The tenant's OpenID configuration."""
    return _discovery(ctx.world, ctx.params[0])


def _discovery(world: MicrosoftIdentityWorld, tenant_path: str) -> SimResponse:
    tenant = world.known_tenant(tenant_path)
    base = f"https://{HOST}/{tenant}"
    return json_response(
        200,
        {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "tenant_region_scope": "NA",
        },
    )


ROUTES = (("GET", "{tenant}/v2.0/.well-known/openid-configuration", discovery),)
