"""Diagnose delivery errors: why are Smartlead's sends bouncing or its accounts failing?

Runs the delivery-related checks of tenantlead's troubleshooting catalogue and, for every mailbox
Exchange blocked recently, shows the enforcement log next to both limits.

    TENANTCORE_API_KEY=... SMARTLEAD_API_KEY=... python examples/diagnose_delivery.py

Exit code 1 when something needs fixing, 0 when delivery looks healthy.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from tenantlead import Smartlead, TenantCore
from tenantlead.orchestration import Fleet, troubleshoot

#: The checks behind "Smartlead logs delivery errors" and "verification fails".
DELIVERY_CODES = ["TL101", "TL102", "TL103", "TL104", "TL202", "TL301", "TL302", "TL303", "TL304"]


def main(tc: TenantCore, sl: Smartlead, argv: list[str] | None = None) -> int:
    fleet = Fleet.load(tc, sl, with_warmup_details=True)
    report = troubleshoot(fleet, codes=DELIVERY_CODES)
    print(report)

    # The enforcement log says exactly when Exchange blocked a mailbox and at which count.
    since = tc.now() - timedelta(days=2)
    print("\nRecent enforcement blocks:")
    blocks = 0
    for event in tc.enforcement.list_events(action="blocked"):
        if event.created_at is not None and event.created_at < since:
            break  # newest first
        blocks += 1
        row = fleet.row(event.mailbox_address)
        smartlead_limit = row.message_per_day if row is not None else None
        warmup = row.warmup_per_day if row is not None else None
        print(
            f"  {event.created_at:%Y-%m-%d %H:%M} {event.mailbox_address}: blocked at {event.sent_count} sends "
            f"(TenantCore limit {event.limit_value}; Smartlead limit {smartlead_limit}, warmup {warmup}/day)"
        )
    if not blocks:
        print("  none")

    # A failing SMTP/IMAP login shows Exchange's own reply: it names the fix.
    failing = report.filter(code="TL202").findings
    if failing:
        print("\nFailing logins:")
        for finding in failing:
            print(f"  {finding.subject}: {finding.fix}")
    return 1 if report.errors or report.warnings else 0


if __name__ == "__main__":
    with TenantCore() as tc, Smartlead() as sl:
        sys.exit(main(tc, sl))
