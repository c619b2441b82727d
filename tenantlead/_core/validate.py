"""Argument checks shared by both API packages: each error names the argument and what to fix.

The rules that hold for every API live here once: the 10,000/day ceiling of a mailbox
([MAX_DAILY_LIMIT][tenantlead._core.validate.MAX_DAILY_LIMIT]), the e-mail address pattern, and
the whole-number / boolean / one-of checks. What is particular to one API (Smartlead's integer
ids, TenantCore's domain names and GUID path ids) stays in that package's ``_validate`` module.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "EMAIL_PATTERN",
    "MAX_DAILY_LIMIT",
    "check_bool",
    "check_email",
    "check_int",
    "check_one_of",
    "check_path",
    "is_email",
    "require_id",
]

#: The most sends a day any mailbox may be given: Exchange Online's recipient rate limit is
#: 10,000 recipients a day per mailbox, so a bigger daily limit is a typo.
MAX_DAILY_LIMIT: Final = 10_000

#: What both APIs accept as an e-mail address: one ``@``, no whitespace, a dot in the domain.
EMAIL_PATTERN: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: object) -> bool:
    """True when ``value`` is a string that looks like an e-mail address (surrounding spaces allowed)."""
    return isinstance(value, str) and EMAIL_PATTERN.match(value.strip()) is not None


def check_email(value: Any, name: str, *, example: str = "ana@example.com") -> str:
    """``value`` stripped when it looks like an e-mail address; ValueError naming ``name`` otherwise."""
    if not is_email(value):
        raise ValueError(f"{name} must be an email address like {example!r}, got {value!r}")
    return str(value).strip()


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (not a bool) within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "" if minimum is None else f">= {minimum}"
        high = "" if maximum is None else f"<= {maximum}"
        bounds = " and ".join(b for b in (low, high) if b)
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """A real boolean (not a truthy string)."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


def check_one_of(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    """One of the ``allowed`` strings."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return str(value)


#: Characters refused in a path identifier: they would end the path segment or the path, or are
#: ambiguous once percent-decoded (a ``%2F`` a proxy decodes re-targets the request).
_PATH_BREAKERS: Final = "/\\?#%"
#: Characters a path segment may carry as they are (RFC 3986 ``pchar`` less percent-escapes).
_SEGMENT_SAFE: Final = "-._~!$&'()*+,;=:@"


def _has_control(value: str) -> bool:
    # NUL..US, DEL, the C1 controls and format characters (bidi overrides, zero-width joiners).
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def require_id(value: object, name: str) -> str:
    """Validate a path identifier and return it encoded for a URL path segment.

    Refused (ValueError naming ``name``): empty values, ``.`` and ``..`` (they re-target the
    request at the parent resource), whitespace, control characters (NUL, DEL, ...) and the
    characters that end a segment or a path (slash, backslash, ``?``, ``#``, ``%``). Everything else is
    percent-encoded, so an id the server sent (a GUID, ``mbx-1``, a non-ASCII name) reaches the
    server as exactly one segment.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} is required, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{name} must be a positive integer, got {value}")
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if value in (".", ".."):
        raise ValueError(
            f"{name} cannot be {value!r}: a dot segment re-targets the request at another resource"
        )
    if _has_control(value):
        raise ValueError(
            f"{name} contains a control character (NUL, DEL, ...), not allowed in a URL path: {value!r}"
        )
    if any(ch in value for ch in _PATH_BREAKERS) or any(ch.isspace() for ch in value):
        raise ValueError(f"{name} contains characters not allowed in a URL path: {value!r}")
    return quote(value, safe=_SEGMENT_SAFE)


def check_path(path: str) -> str:
    """A request path (or absolute URL) with no dot segment and no control character; ValueError otherwise.

    The client runs this on every request it sends, whatever built the path, so a ``..`` that
    slipped past an argument check (or a hand-written ``client.request()`` path) cannot
    re-target a request, and a NUL never reaches httpx.
    """
    if _has_control(path):
        raise ValueError(f"request path contains a control character (NUL, DEL, ...): {path!r}")
    target = urlsplit(path).path if path.startswith(("http://", "https://")) else path.split("?", 1)[0]
    for segment in target.split("/"):
        if unquote(segment) in (".", ".."):
            raise ValueError(f"request path {path!r} has a {segment!r} segment, which re-targets the request")
    return path
