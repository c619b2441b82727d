"""tenantlead: typed clients for TenantCore and Smartlead, and the tools that join them.

>>> from tenantlead import TenantCore, Smartlead
>>> tc, sl = TenantCore(), Smartlead()          # keys from TENANTCORE_API_KEY / SMARTLEAD_API_KEY
"""

from tenantlead import errors
from tenantlead._core.pager import AsyncPager, SyncPager
from tenantlead._core.ratelimit import RateLimit
from tenantlead._core.retry import RetryPolicy
from tenantlead._core.types import NOT_GIVEN, NotGiven
from tenantlead._version import __version__
from tenantlead.smartlead import AsyncSmartlead, Smartlead
from tenantlead.tenantcore import AsyncTenantCore, TenantCore

__all__ = [
    "NOT_GIVEN",
    "AsyncPager",
    "AsyncSmartlead",
    "AsyncTenantCore",
    "NotGiven",
    "RateLimit",
    "RetryPolicy",
    "Smartlead",
    "SyncPager",
    "TenantCore",
    "__version__",
    "errors",
]
