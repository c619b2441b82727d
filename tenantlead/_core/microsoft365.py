"""Facts about Microsoft 365 that several layers share: the SDK's checks and the simulator.

One home for them (the house rule): [`tenantlead.orchestration.checks_migration`][tenantlead.orchestration.checks_migration] counts down
to the cutoff, [`tenantlead.orchestration.migrate`][tenantlead.orchestration.migrate] moves accounts off basic auth before it,
and the sandbox's sending day refuses basic-auth logins after it. Plain constants only: no
imports, so the simulator (which imports nothing from the clients) may use them too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

__all__ = [
    "BASIC_AUTH_RETIRED_REPLY",
    "BASIC_AUTH_SMTP_CUTOFF",
    "BASIC_AUTH_SMTP_CUTOFF_SOURCE",
    "OFFICE365_SMTP_HOSTS",
    "is_office365_smtp_host",
]

#: When Microsoft turns basic-auth SMTP AUTH off by default for existing tenants.
#:
#: Source: Exchange Team blog, 2026-01-27 (v3.0 updated 2026-01-29), "Updated Exchange Online SMTP
#: AUTH Basic Authentication Deprecation Timeline": disabled by default for existing tenants at
#: the "end of December 2026". Microsoft names no hour; we take the first instant after December
#: ends in UTC, 2027-01-01T00:00:00Z. A tenant may be switched off earlier in the day in its own
#: time zone, so migrate before the last day rather than on it.
BASIC_AUTH_SMTP_CUTOFF: Final = datetime(2027, 1, 1, tzinfo=UTC)

#: Where `BASIC_AUTH_SMTP_CUTOFF` comes from, for messages and docs.
BASIC_AUTH_SMTP_CUTOFF_SOURCE: Final = (
    'Exchange Team blog 2026-01-27, "Updated Exchange Online SMTP AUTH Basic Authentication '
    'Deprecation Timeline": basic auth disabled by default for existing tenants at the end of December 2026'
)

#: Exchange Online's reply to a basic-auth login once basic auth is off (Exchange Team blog 4114750).
BASIC_AUTH_RETIRED_REPLY: Final = "550 5.7.30 Basic authentication is not supported for Client Submission."

#: Client-submission hosts of Exchange Online (the legacy one is the opt-in endpoint Microsoft
#: offered for basic auth during the retirement).
OFFICE365_SMTP_HOSTS: Final = frozenset({"smtp.office365.com", "smtp-legacy.office365.com"})


def is_office365_smtp_host(host: str | None) -> bool:
    """True when ``host`` is one of Exchange Online's client-submission hosts (case-insensitive)."""
    return isinstance(host, str) and host.strip().lower().rstrip(".") in OFFICE365_SMTP_HOSTS
