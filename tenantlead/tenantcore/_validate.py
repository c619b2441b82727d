"""TenantCore's own argument checks (domain names, mailbox aliases, daily limits), before any request.

The checks both APIs share (e-mail addresses, booleans, the 10,000/day ceiling, path ids) live in
``tenantlead._core.validate`` and are re-exported here, so a TenantCore resource imports every
check from one place; Smartlead's own checks are in ``tenantlead.smartlead._validate``.
"""

from __future__ import annotations

import re

from tenantlead._core import validate as _shared
from tenantlead._core.validate import MAX_DAILY_LIMIT, check_bool, require_id

__all__ = [
    "MAX_DAILY_LIMIT",
    "check_bool",
    "check_daily_limit",
    "check_domain_name",
    "check_email",
    "check_nickname",
    "require_id",
]

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NICK = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$")


def check_domain_name(value: object, name: str = "domain_name") -> str:
    """A lower-cased valid domain name, or ValueError saying what is wrong."""
    if not isinstance(value, str) or not _DOMAIN.match(value.strip().lower()):
        raise ValueError(f"{name} must be a domain name like 'mail.example.com', got {value!r}")
    return value.strip().lower()


def check_nickname(value: object) -> str:
    """A valid mailbox alias (the local part), or ValueError."""
    if not isinstance(value, str) or not _NICK.match(value):
        raise ValueError(
            f"mail_nickname must be the address's local part (letters, digits, '.', '_', '-'), got {value!r}"
        )
    return value


def check_email(value: object, name: str = "email") -> str:
    """A plausible email address, or ValueError (the shared pattern, with a TenantCore example)."""
    return _shared.check_email(value, name, example="ops@agency.com")


def check_daily_limit(value: object, name: str = "daily_send_limit") -> int | None:
    """A daily limit: a whole number 0..``MAX_DAILY_LIMIT`` (10,000), or None to clear it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number of sends per day (or None), got {value!r}")
    if value < 0:
        raise ValueError(f"{name} cannot be negative, got {value}")
    if value > MAX_DAILY_LIMIT:
        raise ValueError(
            f"{name}={value} is above Exchange Online's {MAX_DAILY_LIMIT:,} recipients/day per mailbox; "
            "TenantCore recommends 25 (900 per tenant)"
        )
    return value
