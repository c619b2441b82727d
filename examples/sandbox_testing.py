"""Test your own automation against the sandbox: no keys, no network, no waiting.

``cap_to_ceiling`` below stands for *your* code: it lowers any Smartlead daily limit that is
above the mailbox's TenantCore limit. The ``test_*`` functions show how to test such code:
build a seeded demo fleet, hand your code clients wired to the sandbox, let the virtual clock
absorb rate limits and backoff, inject faults, and assert on the simulated world afterwards.

Run them with pytest (``pytest examples/sandbox_testing.py``) or as a script.
"""

from __future__ import annotations

import sys

from tenantlead import Smartlead, TenantCore
from tenantlead.orchestration import Fleet
from tenantlead.sandbox import FaultRule, Sandbox


def cap_to_ceiling(tc: TenantCore, sl: Smartlead) -> list[str]:
    """Your automation: keep Smartlead's limit plus warmup within TenantCore's; returns addresses changed.

    A first version capped ``message_per_day`` at the ceiling and ignored warmup; the sending-day
    test below caught it (warmup mail counts against the same Exchange limit).
    """
    fleet = Fleet.load(tc, sl, with_warmup_details=True)
    changed = []
    for row in fleet.filter(status="connected"):
        ceiling, limit, warmup = row.daily_send_limit, row.message_per_day, row.warmup_per_day or 0
        if row.account is None or ceiling is None or limit is None:
            continue
        allowed = max(0, ceiling - warmup)
        if limit > allowed:
            sl.email_accounts.update(row.account.id, max_email_per_day=allowed)
            changed.append(row.address)
    return changed


def sandbox_clients(sb: Sandbox) -> tuple[TenantCore, Smartlead]:
    """The only difference from production: clients served in-process, on the sandbox's clock."""
    # client_options(): the in-process transport plus the virtual clock and sleeper, so rate
    # limits and backoff cost no wall time.
    tc = TenantCore(api_key=sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(api_key=sb.smartlead_api_key, **sb.client_options())
    return tc, sl


def test_caps_the_planted_overrun() -> None:
    sb = Sandbox.demo(seed=7)
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        changed = cap_to_ceiling(tc, sl)
    # The demo plants one account above its ceiling (TL301) and one above it with warmup (TL302).
    assert sorted(changed) == sorted(sb.planted["TL301"] + sb.planted["TL302"])
    # Check the simulated world, not just what our code says it did.
    account = next(a for a in sb.sl_user.accounts.values() if a.from_email == sb.planted["TL301"][0])
    assert account.message_per_day == 20  # ceiling 25 - warmup 5


def test_survives_rate_limits_and_server_errors() -> None:
    sb = Sandbox.demo(seed=7)
    sb.faults.add(FaultRule(api="smartlead", route="/api/v1/email-accounts*", rate_limit_burst=2))
    sb.faults.add(FaultRule(api="tenantcore", error_rate=0.1))
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        changed = cap_to_ceiling(tc, sl)
    assert sorted(changed) == sorted(sb.planted["TL301"] + sb.planted["TL302"])
    assert sb.faults.stats["rate_limit"] == 2  # the client waited out every 429 (on the virtual clock)


def test_a_sending_day_after_the_fix_has_no_ndrs_from_those_accounts() -> None:
    sb = Sandbox.demo(seed=7)
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        changed = cap_to_ceiling(tc, sl)
    day = sb.simulate_day()
    rows = [r for r in day.per_account if r["email"] in changed]
    assert len(rows) == len(changed)
    assert all(r["ndrs"] == 0 and not r["blocked"] for r in rows)


def main() -> int:
    tests = [test_caps_the_planted_overrun, test_survives_rate_limits_and_server_errors]
    tests.append(test_a_sending_day_after_the_fix_has_no_ndrs_from_those_accounts)
    for test in tests:
        test()
        print(f"ok  {test.__name__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
