"""Agency setup: one Smartlead client and one tag per TenantCore tenant, and every account filed.

TenantCore recommends one Microsoft 365 tenant per client. This keeps Smartlead organised the
same way: each tenant's mailboxes belong to that client's Smartlead client (sub-account) and carry a
``tenant:<name>`` tag, so campaigns, reports and client logins never mix two clients (check TL305).

    TENANTCORE_API_KEY=... SMARTLEAD_API_KEY=... python examples/agency_setup.py --apply

Clients are created with the e-mail address pattern given by --client-email (Smartlead needs
one per client login). Without --apply the script only prints what it would do.
"""

from __future__ import annotations

import argparse
import re
import sys

from tenantlead import Smartlead, TenantCore
from tenantlead.orchestration import Fleet, troubleshoot


def main(tc: TenantCore, sl: Smartlead, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apply", action="store_true", help="create clients and tags, file the accounts")
    parser.add_argument(
        "--client-email", default="clients+{slug}@agency.example", help="login e-mail for new clients"
    )
    args = parser.parse_args(argv)

    fleet = Fleet.load(tc, sl)
    clients = {c.name: c.id for c in sl.clients.list() if c.name}
    tags = {t.name: t.id for t in sl.tags.list() if t.name and t.id is not None}

    for tenant in fleet.tenants:
        name = tenant.tenant_name or tenant.tenant_id
        rows = [r for r in fleet.filter(tenant=tenant.tenant_id, status="connected") if r.account is not None]
        client_id = clients.get(name)
        tag_name = f"tenant:{name}"
        tag_id = tags.get(tag_name)
        unfiled = [r.account.id for r in rows if r.account is not None and r.account.client_id != client_id]
        print(
            f"{name}: {len(rows)} accounts, client {'#' + str(client_id) if client_id else '(new)'}, "
            f"tag {tag_name!r}{'' if tag_id else ' (new)'}, {len(unfiled)} to file under the client"
        )
        if not args.apply:
            continue
        if client_id is None:
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            saved = sl.clients.save(name=name, email=args.client_email.format(slug=slug))
            client_id = saved.client_id
            unfiled = [r.account.id for r in rows if r.account is not None]
        if tag_id is None:
            tag_id = sl.tags.create(tag_name).id
        for account_id in unfiled:
            sl.email_accounts.update(account_id, client_id=client_id)
        if tag_id is not None and rows:
            # Additive and idempotent: re-tagging an account that has the tag changes nothing.
            sl.email_accounts.add_tags([r.account.id for r in rows if r.account is not None], [tag_id])

    remaining = troubleshoot(Fleet.load(tc, sl), codes="TL305")
    print(f"TL305 (clients mixed without separation): {len(remaining.findings)} accounts")
    return 0


if __name__ == "__main__":
    with TenantCore() as tc, Smartlead() as sl:
        sys.exit(main(tc, sl))
