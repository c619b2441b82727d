"""The hint for a key refused by the loopback tenantlead sandbox, not by the real API.

``tenantlead sandbox serve`` listens on a loopback address and prints base URLs under
``/tenantcore/`` and ``/smartlead/``. A 401 from such a URL means the client sent a key the
sandbox does not know (usually a real one, with ``TENANTCORE_BASE_URL`` / ``SMARTLEAD_BASE_URL``
still pointing at the sandbox), so the API's own 401 hint ("copy the key from
app.tenantcore.io") sends the user the wrong way. The client replaces it with
[`refine`][tenantlead._core.sandbox_hint.refine]; the CLI says the same in its own
words (``tenantlead.cli._banner``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import httpx

from tenantlead._core.config import is_loopback

if TYPE_CHECKING:
    from tenantlead._core.answers import ErrorInfo
    from tenantlead._core.http import APIProfile

__all__ = ["SANDBOX_PREFIXES", "is_sandbox_url", "refine", "sandbox_key_hint"]

#: The path prefixes of the loopback server's base URLs (``tenantlead.sandbox.server``).
SANDBOX_PREFIXES = ("/tenantcore/", "/smartlead/")


def is_sandbox_url(url: object) -> bool:
    """Whether ``url`` (a base URL or a request URL) is the loopback sandbox's: loopback host, sandbox prefix."""
    try:
        parts = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    return is_loopback(parts.host) and (parts.path.rstrip("/") + "/").startswith(SANDBOX_PREFIXES)


def sandbox_key_hint(profile: APIProfile) -> str:
    """The 401 hint for ``profile``'s API when the base URL is the loopback sandbox."""
    return (
        f"This base URL is the tenantlead sandbox on loopback, not {profile.display_name}: it accepts only "
        f"the keys `tenantlead sandbox serve` printed ({profile.env_api_key}=...; in Python "
        f"Sandbox.{profile.name}_api_key). To use a real key, unset {profile.env_base_url} (or drop "
        "base_url=) so the client reaches the real API."
    )


def refine(info: ErrorInfo, status: int, url: object, profile: APIProfile) -> ErrorInfo:
    """``info`` with the sandbox's hint when ``status`` is 401 and ``url`` the loopback sandbox's.

    ``info`` is what the profile read from the error answer to a request for ``url``; any
    other answer's comes back unchanged.
    """
    if status != 401 or not is_sandbox_url(url):
        return info
    return attrs.evolve(info, hint=sandbox_key_hint(profile))
