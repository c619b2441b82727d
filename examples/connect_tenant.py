"""Connect a new tenant's 36 mailboxes to Smartlead, aligned and enforced, in one run.

After a new client's tenant is provisioned in TenantCore (12 domains x 3 shared mailboxes), this
adds every mailbox to Smartlead, waits until Smartlead shows them connected, then stores and
enforces TenantCore's daily limit and aligns Smartlead's limits under it.

    TENANTCORE_API_KEY=... SMARTLEAD_API_KEY=... \\
        python examples/connect_tenant.py "Quarry Roofing" --credentials mailboxes.csv --apply

``--credentials`` is the email,password CSV copied from the TenantCore app (SMTP). Microsoft is
retiring basic-auth SMTP: for OAuth, pass ``tokens=`` a MicrosoftTokenProvider to ``connect``
instead (see docs/how-to/connect-tenant.md). Re-running is safe: nothing is created twice.
"""

from __future__ import annotations

import argparse
import sys

from tenantlead import Smartlead, TenantCore
from tenantlead.orchestration import (
    Fleet,
    LimitPolicy,
    UnknownTenantError,
    align_limits,
    connect,
    load_credentials,
    wait_connected,
)


def main(tc: TenantCore, sl: Smartlead, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tenant", help="tenant name or Microsoft tenant GUID")
    parser.add_argument("--credentials", required=True, help="CSV with email,password columns")
    parser.add_argument("--apply", action="store_true", help="create the accounts (default: plan only)")
    args = parser.parse_args(argv)

    policy = LimitPolicy(default_ceiling=25, sending_window="09:00-17:00")

    # 1. Plan: one Smartlead account per mailbox, skipping any that are not ready (with the reason).
    # The tenant is named by GUID or name (case and spaces do not matter); a typo gets close matches.
    try:
        fleet = Fleet.load(tc, sl, tenant_ids=[args.tenant])
    except UnknownTenantError as exc:
        parser.error(str(exc))
    tenant = fleet.tenants[0]
    plan = connect(fleet, "smtp", credentials=load_credentials(args.credentials), policy=policy)
    print(plan)
    if not args.apply:
        return 0

    # 2. Create the accounts; every mailbox ends succeeded, skipped or failed, never half-done.
    created = plan.apply(sl=sl)
    print(created)

    # 3. Smartlead verifies each login; wait until all show SMTP and IMAP success.
    addresses = [item.address for item in plan.to_create]
    connected = wait_connected(sl, addresses, timeout=600, interval=30)
    print(f"connected: {len(connected.succeeded)} of {len(addresses)}")

    # 4. TenantCore ceiling (stored, then enforced by Exchange) and Smartlead limits under it.
    aligned = align_limits(
        Fleet.load(tc, sl, tenant_ids=[tenant.tenant_id], with_warmup_details=True), policy
    )
    result = aligned.apply(tc=tc, sl=sl)
    print(result)
    return 0 if created.ok and connected.ok and result.ok else 1


if __name__ == "__main__":
    with TenantCore() as tc, Smartlead() as sl:
        sys.exit(main(tc, sl))
