"""Transport-independent plumbing shared by both API clients (no API knowledge lives here)."""

from tenantlead._core.convert import Model, OpenStrEnum, converter
from tenantlead._core.pager import AsyncPager, Page, SyncPager
from tenantlead._core.ratelimit import RateLimit, RateLimiter
from tenantlead._core.request import APIRequest, Response
from tenantlead._core.retry import RetryPolicy
from tenantlead._core.types import NOT_GIVEN, NotGiven

__all__ = [
    "NOT_GIVEN",
    "APIRequest",
    "AsyncPager",
    "Model",
    "NotGiven",
    "OpenStrEnum",
    "Page",
    "RateLimit",
    "RateLimiter",
    "Response",
    "RetryPolicy",
    "SyncPager",
    "converter",
]
