"""Client configuration: explicit arguments first, then environment variables, then defaults.

Errors name the argument *and* the environment variable to fix, and never echo a key back
(only its prefix and length), so a misconfigured CI log does not leak it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from tenantlead.errors import ConfigurationError

__all__ = ["describe_secret", "resolve_api_key", "resolve_base_url", "resolve_timeout"]


#: Key prefixes that are public conventions, not secret material, so they may be shown.
PUBLIC_KEY_PREFIXES = ("tc_live_",)


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
    problem = validate(key)
    if problem:
        raise ConfigurationError(
            f"{service} API key from {source} is malformed: {problem} (got {describe_secret(key)})."
        )
    return key


def resolve_base_url(
    explicit: str | None,
    *,
    env_var: str,
    default: str,
    service: str,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The base URL from ``explicit``, ``env_var`` or ``default``, validated and without a trailing slash."""
    env = os.environ if environ is None else environ
    source = "base_url"
    url = explicit
    if url is None:
        url = env.get(env_var) or None
        source = env_var
    if url is None:
        return default.rstrip("/")
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ConfigurationError(f"{service} base URL from {source} is not a URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{service} base URL from {source} must be an absolute http(s) URL such as {default!r}, got {url[:80]!r}."
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{service} base URL from {source} must not contain a query string or fragment; "
            "pass credentials as api_key=, not in the URL."
        )
    return url.rstrip("/")


def resolve_timeout(value: float | None, *, name: str = "timeout") -> float | None:
    """Validate a timeout in seconds (None disables it)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value) or value <= 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds or None, got {value!r}.")
    return float(value)
