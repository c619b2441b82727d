"""Client configuration: explicit arguments first, then environment variables, then defaults.

Errors name the argument *and* the environment variable to fix, and never echo a key back
(only its prefix and length), so a misconfigured CI log does not leak it.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Final
from urllib.parse import urlsplit

from tenantlead._core.redact import redact_url
from tenantlead.errors import ConfigurationError, InsecureTransportWarning

__all__ = [
    "KEY_SHAPES",
    "configure_env_logging",
    "describe_secret",
    "is_loopback",
    "resolve_api_key",
    "resolve_base_url",
    "resolve_timeout",
]


#: Key prefixes that are public conventions, not secret material, so they may be shown.
PUBLIC_KEY_PREFIXES = ("tc_live_",)

#: What each API's keys look like, by the API's display name: a key of one API passed to the
#: other's client is refused before anything is sent (Smartlead would get it in a URL).
#: TenantCore keys are ``tc_live_`` + 48 hex; Smartlead's are a UUID, ``_`` and a short suffix.
KEY_SHAPES: Final[Mapping[str, re.Pattern[str]]] = {
    "TenantCore": re.compile(r"^tc_live_"),
    "Smartlead": re.compile(
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}_[0-9A-Za-z]+$"
    ),
}


def describe_secret(value: str) -> str:
    """A safe description of a secret: its length, and its prefix only when that is a public one.

    Never any secret character: the first characters of a Smartlead key (a UUID) are as secret as
    the rest.
    """
    prefix = next((p for p in PUBLIC_KEY_PREFIXES if value.startswith(p)), "")
    shown = f"{prefix!r}... " if prefix else ""
    return f"{shown}{len(value)} characters"


def resolve_api_key(
    explicit: str | None,
    *,
    env_var: str,
    service: str,
    validate: Callable[[str], str | None],
    where_to_get: str,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The API key from ``explicit`` or ``env_var``; [`ConfigurationError`][tenantlead.errors.ConfigurationError] when absent or malformed.

    ``validate`` returns None for a well-formed key, else a sentence saying what is wrong.
    """
    env = os.environ if environ is None else environ
    source = "api_key"
    key = explicit
    if key is None:
        key = env.get(env_var)
        source = env_var
    if key is None or not key.strip():
        raise ConfigurationError(
            f"{service} API key missing: pass api_key=... or set the {env_var} environment variable "
            f"({where_to_get})."
        )
    if key != key.strip():
        raise ConfigurationError(
            f"{service} API key from {source} has leading or trailing whitespace; remove it "
            f"(got {describe_secret(key.strip())})."
        )
    owner = next((api for api, shape in KEY_SHAPES.items() if api != service and shape.match(key)), None)
    if owner is not None:
        raise ConfigurationError(
            f"{service} API key from {source} looks like a {owner} key (got {describe_secret(key)}); "
            f"nothing was sent. Pass it to the {owner} client instead, and give {service} its own key "
            f"({where_to_get})."
        )
    problem = validate(key)
    if problem:
        raise ConfigurationError(
            f"{service} API key from {source} is malformed: {problem} (got {describe_secret(key)})."
        )
    return key


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` (and ``*.localhost``) and loopback IP addresses (127.0.0.0/8, ::1)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(
    explicit: str | None,
    *,
    env_var: str,
    default: str,
    service: str,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The base URL from ``explicit``, ``env_var`` or ``default``, validated and without a trailing slash.

    A URL with a ``user:password@`` part is refused (its password would travel to every log line
    and error; the messages never show it). Plain ``http://`` to a host that is not loopback
    warns with [InsecureTransportWarning][tenantlead.errors.InsecureTransportWarning]: the key
    would cross the network in clear.
    """
    env = os.environ if environ is None else environ
    source = "base_url"
    url = explicit
    if url is None:
        url = env.get(env_var) or None
        source = env_var
    if url is None:
        return default.rstrip("/")
    url = url.strip()
    shown = redact_url(url)[:80]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        raise ConfigurationError(
            f"{service} base URL from {source} is not a URL ({type(exc).__name__}), got {shown!r}."
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{service} base URL from {source} must be an absolute http(s) URL such as {default!r}, got {shown!r}."
        )
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"{service} base URL from {source} must not contain a user name or password "
            f"(got {shown!r}); pass the API key as api_key=, and proxy credentials to your own httpx client."
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{service} base URL from {source} must not contain a query string or fragment; "
            "pass credentials as api_key=, not in the URL."
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        warnings.warn(
            f"{service} base URL {shown!r} uses plain http:// to a host that is not loopback: the API key "
            "and every answer cross the network unencrypted. Use https://.",
            InsecureTransportWarning,
            stacklevel=4,
        )
    return url.rstrip("/")


def resolve_timeout(value: float | None, *, name: str = "timeout") -> float | None:
    """Validate a timeout in seconds (None disables it)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value) or value <= 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds or None, got {value!r}.")
    return float(value)


_logger = logging.getLogger("tenantlead")


def configure_env_logging() -> None:
    """With ``TENANTLEAD_LOG=debug`` (or ``info``), print the ``tenantlead`` logger to stderr."""
    level = os.environ.get("TENANTLEAD_LOG", "").strip().lower()
    if level in ("debug", "info") and not _logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        _logger.addHandler(handler)
        _logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
