"""How the migration gets Microsoft tokens: a small minting protocol, written as flows.

A [`TokenMinter`][tenantlead.orchestration.migrate_tokens.TokenMinter] mints a Smartlead-bound token for one mailbox (``mint_flow``) and redeems
its refresh token once, as Smartlead will (``preflight_flow``). Both are flows
(`tenantlead._core.flow`), so a minter that talks to Microsoft's token endpoint yields its
requests to the same sync or async driver as the Smartlead writes.

[`ProvidedTokens`][tenantlead.orchestration.migrate_tokens.ProvidedTokens] adapts tokens you mint yourself (a
[`MicrosoftTokenProvider`][tenantlead.orchestration.connect.MicrosoftTokenProvider] or a callable email -> token
dict, as ``connect(..., tokens=...)`` takes): it refuses a token without a refresh token, since
Smartlead could not keep such an account connected.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from tenantlead._core.flow import Flow, on
from tenantlead.errors import TenantleadError
from tenantlead.microsoft import Secret

#: The name the migration's flows address Microsoft's token endpoint by (the driver's client map).
MICROSOFT = "microsoft"

__all__ = [
    "MICROSOFT",
    "TENANT_WIDE_CAUSES",
    "IdentityMinter",
    "ProvidedTokens",
    "TokenError",
    "TokenMinter",
    "as_minter",
    "failure_cause",
]

#: Sign-in causes that fail every mailbox of a tenant alike (the app or the tenant's consent is
#: wrong, not the mailbox): the migration stops that tenant after the first one.
TENANT_WIDE_CAUSES = frozenset({"consent_missing", "app_misconfigured", "tenant_not_found"})


class TokenError(TenantleadError):
    """A token could not be minted or preflighted; ``cause`` names the class of failure."""

    def __init__(self, message: str, *, cause: str = "unknown") -> None:
        super().__init__(message)
        self.cause = cause


def failure_cause(error: BaseException) -> str | None:
    """The sign-in cause of ``error`` (``consent_missing``, ``bad_credentials`` ...) when it has one."""
    diagnosis = getattr(error, "diagnosis", None)
    cause = getattr(diagnosis, "cause", None) if diagnosis is not None else getattr(error, "cause", None)
    if cause is None:
        return None
    return str(getattr(cause, "value", cause))


@runtime_checkable
class TokenMinter(Protocol):
    """Mints and preflights Smartlead-bound Microsoft tokens, one mailbox at a time, as flows."""

    def mint_flow(self, *, tenant_id: str, username: str, password: Secret) -> Flow[Any]:
        """Sign in as ``username`` (password flow, ``password.reveal()``) and return the minted token."""
        ...

    def preflight_flow(self, *, tenant_id: str, token: Any) -> Flow[Any]:
        """Redeem the token's refresh token once; return the ``save-oauth`` token (OAuthToken or dict)."""
        ...


class ProvidedTokens:
    """A [`TokenMinter`][tenantlead.orchestration.migrate_tokens.TokenMinter] over tokens you obtain yourself (``get_token(email)`` or a callable).

    The password is not used (your provider signs in its own way); the preflight checks that
    the token has a refresh token and an expiry, which is all that can be checked without the
    app's secret.
    """

    def __init__(self, provider: Any) -> None:
        get = getattr(provider, "get_token", None)
        if callable(get):
            self._get: Callable[[str], Any] = get
        elif callable(provider):
            self._get = provider
        else:
            raise TypeError(
                "microsoft= needs a token minter (mint_flow/preflight_flow), a MicrosoftTokenProvider "
                f"(get_token(email)) or a callable email -> token dict, got {type(provider).__name__}"
            )

    def __repr__(self) -> str:
        return "<ProvidedTokens (tokens hidden)>"

    def mint_flow(self, *, tenant_id: str, username: str, password: Secret) -> Flow[Any]:
        """Ask the provider for ``username``'s token (no request of its own)."""
        token = self._get(username)
        if inspect.isawaitable(token):
            # A flow cannot await: an async provider belongs behind a real minter.
            close = getattr(token, "close", None)
            if callable(close):
                close()
            raise TokenError(
                "the token provider returned an awaitable; migrate_to_oauth needs a provider that returns the "
                "token dict, or a TokenMinter",
                cause="app_misconfigured",
            )
        if not isinstance(token, Mapping):
            raise TokenError(
                f"the token provider returned {type(token).__name__} for {username}: return the token dict "
                "(scope, token_type, access_token, refresh_token, expiry_date)",
                cause="app_misconfigured",
            )
        yield from ()  # a flow that sends no request
        return dict(token)

    def preflight_flow(self, *, tenant_id: str, token: Any) -> Flow[Any]:
        """Refuse a token Smartlead could not refresh (no refresh token)."""
        if not isinstance(token, Mapping) or not token.get("refresh_token"):
            raise TokenError(
                "the token has no refresh_token: Smartlead could not keep the account connected past the "
                "access token's hour; mint it with offline_access in a confidential exchange",
                cause="app_misconfigured",
            )
        yield from ()  # a flow that sends no request
        return token


class IdentityMinter:
    """A [TokenMinter][tenantlead.orchestration.migrate_tokens.TokenMinter] on the agency's Azure app.

    Mints with the password flow (confidential ROPC, the secret sent; at most two password
    attempts per mailbox per run, the password dropped once used) and preflights by redeeming the
    refresh token once with the secret, as Smartlead will. The flows address their requests to
    the client named `MICROSOFT`: ``identity`` (a
    [MicrosoftIdentity][tenantlead.microsoft.MicrosoftIdentity] or
    [AsyncMicrosoftIdentity][tenantlead.microsoft.AsyncMicrosoftIdentity]) is that client.
    """

    def __init__(self, identity: Any, *, ledger: Any = None) -> None:
        from tenantlead.microsoft import SignInLedger

        app = getattr(identity, "app", None)
        if app is None:
            raise TypeError(
                f"IdentityMinter needs a MicrosoftIdentity or AsyncMicrosoftIdentity, got {type(identity).__name__}"
            )
        self.identity = identity
        self.app = app
        self.ledger = ledger if ledger is not None else SignInLedger()

    def __repr__(self) -> str:
        return f"<IdentityMinter app {self.app.client_id}>"

    def for_run(self) -> IdentityMinter:
        """The same app and client with a fresh ledger: at most two password attempts per mailbox *per run*."""
        return IdentityMinter(self.identity)

    def mint_flow(self, *, tenant_id: str, username: str, password: Secret) -> Flow[Any]:
        """The password flow for one mailbox (a ``MicrosoftToken``); raises ``SignInError``.

        The flow drops the password when it ends, whatever the outcome.
        """
        from tenantlead.microsoft import password_flow

        return (yield from on(MICROSOFT, password_flow(self.app, tenant_id, username, password, self.ledger)))

    def preflight_flow(self, *, tenant_id: str, token: Any) -> Flow[Any]:
        """Redeem the refresh token once with the secret; the preflighted token in ``save-oauth`` form."""
        from tenantlead.microsoft import refresh_flow

        fresh = yield from on(MICROSOFT, refresh_flow(self.app, token))
        return fresh.to_smartlead()


def as_minter(microsoft: Any) -> TokenMinter:
    """``microsoft`` as a [`TokenMinter`][tenantlead.orchestration.migrate_tokens.TokenMinter]: minters pass through, a Microsoft identity client
    is wrapped in [`IdentityMinter`][tenantlead.orchestration.migrate_tokens.IdentityMinter], a token provider in [`ProvidedTokens`][tenantlead.orchestration.migrate_tokens.ProvidedTokens].
    """  # noqa: D205
    if getattr(microsoft, "app", None) is not None and hasattr(microsoft, "sign_in_with_password"):
        return IdentityMinter(microsoft)
    if callable(getattr(microsoft, "mint_flow", None)) and callable(
        getattr(microsoft, "preflight_flow", None)
    ):
        return microsoft  # type: ignore[no-any-return]
    return ProvidedTokens(microsoft)
