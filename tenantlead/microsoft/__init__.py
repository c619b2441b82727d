"""Microsoft sign-in for the agency's own Azure app: tokens Smartlead can refresh, minted in bulk.

- [MicrosoftApp][tenantlead.microsoft.MicrosoftApp]: the multi-tenant app (client id, secret,
  scopes, loopback redirect, authority host) and the URLs built from it.
- [MicrosoftIdentity][tenantlead.microsoft.MicrosoftIdentity] /
  [AsyncMicrosoftIdentity][tenantlead.microsoft.AsyncMicrosoftIdentity]: the password flow
  (confidential ROPC), the browser flow (authorization code + PKCE on a loopback listener),
  the refresh preflight, bulk sign-in with per-tenant concurrency, and admin consent capture.
- [MicrosoftToken][tenantlead.microsoft.MicrosoftToken]: always carries its refresh token;
  ``to_smartlead()`` gives Smartlead's ``save-oauth`` token.
- [SignInError][tenantlead.microsoft.SignInError] and
  [classify_oauth_error][tenantlead.microsoft.classify_oauth_error]: every failure mapped to
  a [SignInCause][tenantlead.microsoft.SignInCause] with a fix.

There is deliberately no device-code flow: its tokens are public-client tokens, and Smartlead's
refresh (with the app's secret) fails on them with AADSTS700025.
"""

from tenantlead.microsoft._app import (
    DEFAULT_AUTHORITY_HOST,
    DEFAULT_REDIRECT_URI,
    DEFAULT_SCOPES,
    MicrosoftApp,
    validate_tenant_id,
)
from tenantlead.microsoft._client import AsyncMicrosoftIdentity, ConsentResult, MicrosoftIdentity
from tenantlead.microsoft._flows import (
    PKCE,
    TENANT_WIDE,
    MailboxCredential,
    Secret,
    SignInOutcome,
    as_sign_in_error,
    code_flow,
    password_flow,
    refresh_flow,
    sign_in_flow,
    sign_in_many_flow,
)
from tenantlead.microsoft._types import MicrosoftToken, SignInError, SignInLedger
from tenantlead.microsoft.classify import (
    AADSTS_CAUSES,
    Diagnosis,
    SignInCause,
    classify_oauth_error,
    classify_smtp_reply,
    classify_text,
)
from tenantlead.microsoft.loopback import CallbackAnswer, LoopbackListener

__all__ = [
    "AADSTS_CAUSES",
    "DEFAULT_AUTHORITY_HOST",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_SCOPES",
    "PKCE",
    "TENANT_WIDE",
    "AsyncMicrosoftIdentity",
    "CallbackAnswer",
    "ConsentResult",
    "Diagnosis",
    "LoopbackListener",
    "MailboxCredential",
    "MicrosoftApp",
    "MicrosoftIdentity",
    "MicrosoftToken",
    "Secret",
    "SignInCause",
    "SignInError",
    "SignInLedger",
    "SignInOutcome",
    "as_sign_in_error",
    "classify_oauth_error",
    "classify_smtp_reply",
    "classify_text",
    "code_flow",
    "password_flow",
    "refresh_flow",
    "sign_in_flow",
    "sign_in_many_flow",
    "validate_tenant_id",
]
