"""The simulated Microsoft identity platform (token, authorize, adminconsent, discovery).

[MicrosoftIdentityWorld][tenantlead.sandbox.microsoft.MicrosoftIdentityWorld] is linked to the
sandbox's TenantCore world: its tenants, mailboxes, passwords and ``account_enabled``.
"""

from .state import AppRegistration, AuthCode, Grant, TenantPolicy, UserState
from .world import HOST, LOCKOUT_THRESHOLD, MicrosoftIdentityWorld, SimError

__all__ = [
    "HOST",
    "LOCKOUT_THRESHOLD",
    "AppRegistration",
    "AuthCode",
    "Grant",
    "MicrosoftIdentityWorld",
    "SimError",
    "TenantPolicy",
    "UserState",
]
