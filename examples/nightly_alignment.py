"""Nightly alignment job: keep every Smartlead daily limit at or below its TenantCore ceiling.

Run it from cron or a CI schedule after the day's changes (new mailboxes, edited limits):

    TENANTCORE_API_KEY=... SMARTLEAD_API_KEY=... python examples/nightly_alignment.py --apply

Without --apply it only prints the plan. Exit code: 0 when everything is aligned, 1 when an item
failed or the read-back found drift (so the scheduler alerts you), 2 on bad options.
"""

from __future__ import annotations

import argparse
import json
import sys

from tenantlead import Smartlead, TenantCore
from tenantlead.orchestration import Fleet, LimitPolicy, WarmupCache, align_limits


def main(
    tc: TenantCore, sl: Smartlead, argv: list[str] | None = None, warmup_cache: WarmupCache | None = None
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apply", action="store_true", help="write the changes (default: plan only)")
    parser.add_argument("--headroom", type=int, default=0, help="sends/day kept free below each ceiling")
    parser.add_argument("--window", default="09:00-17:00", help="business hours to spread sends over")
    args = parser.parse_args(argv)

    policy = LimitPolicy(
        mode="cap",  # only lower limits that are too high; never raise what someone set lower on purpose
        headroom=args.headroom,
        sending_window=args.window,
        default_ceiling=25,  # mailboxes with no TenantCore limit get TenantCore's recommended 25
    )
    # Warmup mail counts against the same Exchange ceiling, so each account's warmup volume is
    # needed. The cache keeps the volumes tenantlead wrote or read (7 days): only the rest are read.
    fleet = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=warmup_cache)
    plan = align_limits(fleet, policy)
    print(f"{len(fleet)} mailboxes checked: {len(plan.changes)} changes planned, {len(plan.skipped)} skipped")
    if plan.warmup_assumed:
        print(f"  warmup volume of {len(plan.warmup_assumed)} accounts taken from the warmup cache")
    for change in plan.changes:
        print(f"  {change.subject}: {change.action} ({change.reason})")

    if not args.apply or plan.is_empty:
        return 0
    result = plan.apply(tc=tc, sl=sl, warmup_cache=warmup_cache)
    # One JSON line for the log collector, then the failures in words.
    print(json.dumps({"job": "nightly_alignment", **result.counts()}))
    for item in result.failed:
        print(f"FAILED {item.subject}: {item.action}: {item.detail}", file=sys.stderr)
    for drift in result.drift:
        print(f"DRIFT {drift}", file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    with TenantCore() as tc, Smartlead() as sl:
        # ~/.cache/tenantlead/warmup.json (or $TENANTLEAD_CACHE_DIR); delete it to read every volume again.
        sys.exit(main(tc, sl, warmup_cache=WarmupCache.default()))
