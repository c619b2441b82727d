"""``tenantlead demo``: the whole workflow on the simulator, in under a screen and a few seconds.

The story: the fleet as it stands; what the checks find; a sending day as things are (Exchange
blocks mailboxes and bounces mail); connect the mailboxes that are not in Smartlead yet (SMTP from
the TenantCore credential export, a manual hand-off for a few); align the limits (plan, then
apply); the next sending day, with no blocks. Everything runs in-process on the sandbox's virtual
clock: no network, no keys, and rate limits cost no wall time.
"""

from __future__ import annotations

import argparse
import io
import time
from typing import TYPE_CHECKING

from tenantlead.cli._session import CliError, Session

if TYPE_CHECKING:
    from tenantlead.sandbox import DayReport

__all__ = ["MANUAL_HANDOFFS", "cmd_demo", "run_demo"]

#: How many unconnected mailboxes the demo hands off manually instead of over SMTP.
MANUAL_HANDOFFS = 2


def cmd_demo(session: Session | None, args: argparse.Namespace) -> int:
    """Run the demo story on a fresh sandbox; exit 0 when it ran."""
    from tenantlead.sandbox import Sandbox

    if not 1 <= args.tenants <= 100:
        raise CliError(f"--tenants must be between 1 and 100, got {args.tenants}")
    started = time.perf_counter()
    sandbox = Sandbox.demo(seed=args.seed, tenants=args.tenants)
    with Session.for_sandbox(sandbox, as_json=args.json) as demo:
        return run_demo(demo, started=started)


def run_demo(session: Session, *, started: float | None = None) -> int:
    """The demo story on ``session`` (whose sandbox holds a demo fleet)."""
    sandbox = session.sandbox
    if sandbox is None:
        raise CliError("the demo needs a sandbox session")
    started = time.perf_counter() if started is None else started
    out = session.out
    out("tenantlead demo - a simulated agency on TenantCore + Smartlead (no network, no keys)")

    fleet = session.load_fleet()
    counts = fleet.counts()
    out(
        f"\n1. Fleet: {counts['tenants']} tenants, {len(fleet.rows)} mailboxes - "
        f"{counts['connected']} connected, {counts['not_connected']} not in Smartlead, "
        f"{counts['orphan']} orphan accounts"
    )
    out(_indent(_short_fleet_table(fleet)))

    from tenantlead.orchestration import CHECKS, troubleshoot

    report = troubleshoot(fleet)
    sev = report.severity_counts()
    out(
        f"\n2. Doctor: {len(report.findings)} findings "
        f"({sev['error']} errors, {sev['warning']} warnings, {sev['info']} info), by code:"
    )
    for code, n in report.summary().items():
        check = CHECKS[code]
        out(f"   {code} {check.severity.value:<7} x{n:<3} {_clip(check.title, 70)}")

    before = sandbox.simulate_day()
    out("\n3. A sending day as things stand:")
    out(f"   {_day_line(before)}")
    return _finish(session, before, started)


def _finish(session: Session, before: DayReport, started: float) -> int:
    out = session.out
    from tenantlead.orchestration import LimitPolicy, align_limits, connect, load_credentials

    sandbox = session.sandbox
    assert sandbox is not None
    fleet = session.load_fleet()
    unconnected = [r for r in fleet.rows if r.status == "not_connected"]
    manual_rows = {r.address for r in unconnected[-MANUAL_HANDOFFS:]} if len(unconnected) > 2 else set()
    credentials = load_credentials(io.StringIO(sandbox.credentials_csv()))
    smtp_fleet = fleet.filter(predicate=lambda r: r.address not in manual_rows)
    smtp_plan = connect(smtp_fleet, strategy="smtp", credentials=credentials)
    smtp_result = smtp_plan.apply(sl=session.sl, progress=session.progress.items("connect"))
    session.progress.close()
    manual_plan = connect(fleet.filter(predicate=lambda r: r.address in manual_rows), strategy="manual")
    c = smtp_result.counts()
    out(
        f"\n4. Connect: {len(unconnected)} mailboxes not in Smartlead -> {c['succeeded']} created over SMTP "
        f"(credential export), {c['skipped']} skipped, {c['failed']} failed; "
        f"{len(manual_rows)} handed off manually:"
    )
    for line in str(manual_plan).splitlines()[:4]:
        out(f"   {_clip(line, 100)}")

    fleet = session.load_fleet()
    plan = align_limits(fleet, LimitPolicy(sending_window="09:00-17:00"))
    out(f"\n5. Align limits: plan has {len(plan.changes)} changes, e.g.")
    for line in str(plan).splitlines()[:6]:
        out(f"   {_clip(line, 100)}")
    result = plan.apply(tc=session.tc, sl=session.sl, progress=session.progress.items("align"))
    session.progress.close()
    c = result.counts()
    out(f"   applied: {c['succeeded']} written, {c['skipped']} skipped, {c['failed']} failed")

    after = sandbox.simulate_day()
    out("\n6. The next sending day:")
    out(f"   before: {_day_line(before)}")
    out(f"   after:  {_day_line(after)}")
    out(
        f"\nDone in {time.perf_counter() - started:.1f}s. Next: tenantlead --sandbox doctor, docs/getting-started.md"
    )
    return 0


def _day_line(day: DayReport) -> str:
    return (
        f"{day.accounts_sending} accounts sent {day.sent} emails; {day.enforcement_blocks} mailboxes blocked "
        f"by Exchange, {day.ndrs} NDRs"
    )


def _short_fleet_table(fleet: object) -> str:
    text = str(fleet)
    return "\n".join(text.splitlines()[1:])


def _indent(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
