"""TL206: Microsoft 365 mailboxes still connected to Smartlead over basic-auth SMTP.

Microsoft turns basic-auth SMTP AUTH off by default for existing tenants at the end of December
2026 (`BASIC_AUTH_SMTP_CUTOFF`); from then such accounts
fail with ``550 5.7.30`` and stop sending mid-campaign. The check counts down from the fleet's
``loaded_at`` (the client's clock): a warning with the days left, an error once the cutoff has
passed or once the account's last error already is ``550 5.7.30``. The fix is the migration
([`migrate_to_oauth`][tenantlead.orchestration.migrate.migrate_to_oauth], ``tenantlead migrate``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from tenantlead._core.microsoft365 import BASIC_AUTH_SMTP_CUTOFF, is_office365_smtp_host
from tenantlead.orchestration.checks_model import CheckPolicy, Finding, Severity
from tenantlead.orchestration.checks_rules import CHECKS, MIGRATE, _ids, _register
from tenantlead.smartlead.models import EmailAccount, EmailAccountType

if TYPE_CHECKING:
    from tenantlead.orchestration.fleet import Fleet

__all__ = ["MIGRATE", "days_left", "is_basic_auth_office365", "check_tl206"]

_BASIC_RETIRED = re.compile(r"\b5\.7\.30\b")


def is_basic_auth_office365(account: EmailAccount) -> bool:
    """True for a Smartlead account logging in to Exchange Online with a password (``type`` SMTP)."""
    return account.type == EmailAccountType.SMTP and is_office365_smtp_host(account.smtp_host)


def days_left(now: datetime) -> int:
    """Whole days from ``now`` to the cutoff (0 on its last day, negative after it)."""
    return (BASIC_AUTH_SMTP_CUTOFF - now).days


def _cutoff_text() -> str:
    return BASIC_AUTH_SMTP_CUTOFF.strftime("%Y-%m-%d %H:%M UTC")


@_register(
    "TL206",
    title="Microsoft 365 mailbox on basic-auth SMTP",
    severity=Severity.WARNING,
    subject="mailbox",
    description="A Smartlead account logs in to a Microsoft 365 mailbox with a password (type SMTP on "
    "smtp.office365.com / smtp-legacy.office365.com). Microsoft turns basic-auth SMTP AUTH off by default "
    "for existing tenants at the end of December 2026, after which logins fail with 550 5.7.30. A warning "
    "with the days left; an error after the cutoff or once the account already fails with 5.7.30.",
    fix=f"Move it to OAuth in place, keeping its id, campaigns and history: {MIGRATE}.",
)
def check_tl206(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL206: SMTP accounts on Exchange Online's hosts, with the days left before the cutoff."""
    check = CHECKS["TL206"]
    left = days_left(fleet.loaded_at)
    for row in fleet.rows:
        account = row.account
        if account is None or not is_basic_auth_office365(account):
            continue
        error = account.smtp_failure_error or account.imap_failure_error
        retired = bool(error and _BASIC_RETIRED.search(error))
        if retired:
            message = "basic-auth SMTP is already refused for this tenant (550 5.7.30): it sends nothing"
        elif left < 0:
            message = f"Microsoft's basic-auth SMTP cutoff ({_cutoff_text()}) has passed: logins fail with 550 5.7.30"
        elif left == 0:
            message = f"less than a day left before Microsoft turns basic-auth SMTP off ({_cutoff_text()})"
        else:
            message = f"{left} days left before Microsoft turns basic-auth SMTP off ({_cutoff_text()})"
        yield Finding(
            code="TL206",
            severity=Severity.ERROR if retired or left < 0 else Severity.WARNING,
            subject=row.address,
            subject_kind=check.subject_kind,
            tenant_id=row.tenant_id,
            message=message,
            fix=check.fix,
            details={
                **_ids(row),
                "days_left": left,
                "cutoff": BASIC_AUTH_SMTP_CUTOFF,
                "smtp_host": account.smtp_host,
                "error": error,
            },
        )
