"""Smartlead's own input checks (integer ids, schedules, colours), run before a request is sent.

The checks both APIs share (whole numbers, booleans, e-mail addresses, one-of) live in
``tenantlead._core.validate`` and are re-exported here, so a Smartlead resource imports every
check from one place; TenantCore's own checks are in ``tenantlead.tenantcore._validate``.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from typing import Any

from tenantlead._core.validate import check_bool, check_email, check_int, check_one_of

__all__ = [
    "check_bool",
    "check_color",
    "check_days",
    "check_email",
    "check_gap",
    "check_hhmm",
    "check_id",
    "check_ids",
    "check_int",
    "check_one_of",
    "check_timezone",
    "chunked",
]

#: The longest gap between two sends of a mailbox that means anything: a day, in minutes. A
#: longer one (a typo such as 10**9) would leave the mailbox sending nothing.
MAX_GAP_MINUTES = 24 * 60

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def check_id(value: Any, name: str) -> int:
    """A positive integer id (Smartlead ids are integers); ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a positive integer id, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer id, got {value}")
    return value


def check_ids(values: Iterable[Any], name: str, *, allow_empty: bool = False) -> list[int]:
    """A list of positive integer ids without duplicates (order kept)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValueError(f"{name} must be a list of positive integer ids, got {values!r}"[:200])
    out: list[int] = []
    seen: set[int] = set()
    for index, value in enumerate(values):
        ident = check_id(value, f"{name}[{index}]")
        if ident not in seen:
            seen.add(ident)
            out.append(ident)
    if not out and not allow_empty:
        raise ValueError(f"{name} must contain at least one id")
    return out


def check_gap(value: Any, name: str, *, minimum: int = 1) -> int:
    """A gap between two sends, in whole minutes: ``minimum`` (1; campaigns need 3) to a day (1,440).

    A gap of 0 sends without pause; one longer than a day leaves the mailbox sending nothing.
    """
    return check_int(value, name, minimum=minimum, maximum=MAX_GAP_MINUTES)


def check_hhmm(value: Any, name: str) -> str:
    """A 24-hour ``HH:MM`` time."""
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValueError(f"{name} must be a 24-hour time 'HH:MM' such as '09:00', got {value!r}")
    return value


def check_days(values: Any, name: str) -> list[int]:
    """Days of the week as ints 0 (Sunday) .. 6 (Saturday), at least one, no duplicates."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValueError(f"{name} must be a list of day numbers 0 (Sunday) .. 6 (Saturday), got {values!r}")
    days: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
            raise ValueError(f"{name} holds day numbers 0 (Sunday) .. 6 (Saturday), got {value!r}")
        if value not in days:
            days.append(value)
    if not days:
        raise ValueError(f"{name} must contain at least one day (0 = Sunday .. 6 = Saturday)")
    return days


def check_timezone(value: Any, name: str) -> str:
    """An IANA timezone name that this Python knows (``America/New_York``)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be an IANA timezone name such as 'America/New_York', got {value!r}")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name} {value!r} is not a known IANA timezone; use a name such as 'America/New_York'"
        ) from None
    return value


def check_color(value: Any, name: str) -> str:
    """A ``#RRGGBB`` colour."""
    if not isinstance(value, str) or not _COLOR.match(value):
        raise ValueError(f"{name} must be a '#RRGGBB' colour such as '#4CAF50', got {value!r}")
    return value


def chunked(values: list[int], size: int) -> list[list[int]]:
    """``values`` cut into consecutive chunks of at most ``size``."""
    return [values[i : i + size] for i in range(0, len(values), size)]
