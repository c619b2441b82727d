"""``tenantlead demo``: the whole workflow on the simulator, in under a screen and a few seconds.

The story: an agency's fleet as it stands, plus a new client whose tenant TenantCore has just
provisioned (36 mailboxes, no limits, not in Smartlead); what the checks find; a sending day as
things are (Exchange blocks mailboxes and bounces mail); connecting the new mailboxes (SMTP from
the TenantCore credential export, a manual hand-off for a few); aligning the limits (plan, then
apply); the next sending day. Everything runs in-process on the sandbox's virtual clock: no
network, no keys, and rate limits and retries cost no wall time.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from tenantlead.cli._session import TENANTS_HINT, CliError, Session

if TYPE_CHECKING:
    from tenantlead.sandbox import DayReport, Sandbox
    from tenantlead.sandbox.state import TcTenant

__all__ = ["MANUAL_HANDOFFS", "NEW_CLIENT", "add_client_tenant", "cmd_demo", "run_demo"]

#: How many of the new client's mailboxes the demo hands off manually instead of over SMTP.
MANUAL_HANDOFFS = 3
#: The new client whose tenant the demo connects.
NEW_CLIENT = "Quarry Roofing"

_NICKNAMES = ("sales", "hello", "team")


def add_client_tenant(
    sandbox: Sandbox, name: str, *, domains: int = 12, mailboxes_per_domain: int = 3
) -> TcTenant:
    """Add a freshly provisioned client tenant to ``sandbox``: verified domains, ready mailboxes, no limits.

    What TenantCore holds after a new client's admin consent and mailbox provisioning, before
    anyone touched Smartlead: 12 x 3 = 36 mailboxes by default, created an hour ago (propagation
    over), no ``daily_send_limit`` stored. Their passwords appear in ``sandbox.credentials_csv()``.
    """
    if not 1 <= domains <= 12 or not 1 <= mailboxes_per_domain <= 3:
        raise ValueError("a TenantCore tenant has 1-12 domains with 1-3 mailboxes each")
    world = sandbox.tenantcore
    account = sandbox.tc_account
    slug = "".join(ch for ch in name.lower() if ch.isalnum()) or "client"
    created = sandbox.clock.now() - timedelta(hours=1)
    with sandbox.locked():
        tenant = world.add_tenant(account, name)
        for d in range(domains):
            domain = world.add_domain(account, tenant, f"{slug}{d + 1:02d}.com")
            for nickname in _NICKNAMES[:mailboxes_per_domain]:
                world.add_mailbox(account, domain, nickname, f"{name} {nickname.title()}", created_at=created)
    return tenant


def cmd_demo(session: Session | None, args: argparse.Namespace) -> int:
    """Run the demo story on a fresh sandbox; exit 0 when it ran."""
    from tenantlead.sandbox import Sandbox

    if not 1 <= args.tenants <= 100:
        raise CliError(f"--tenants must be between 1 and 100, got {args.tenants}", hint=TENANTS_HINT)
    started = time.perf_counter()
    sandbox = Sandbox.demo(seed=args.seed, tenants=args.tenants)
    with Session.for_sandbox(sandbox, as_json=bool(getattr(args, "json", False))) as demo:
        return run_demo(demo, started=started)


def run_demo(session: Session, *, started: float | None = None) -> int:
    """The demo story on ``session``, whose sandbox holds a demo fleet (see the module docstring).

    With ``session.as_json`` the story's numbers are one JSON document on stdout instead of text.
    """
    from tenantlead.orchestration import (
        CHECKS,
        LimitPolicy,
        align_limits,
        connect,
        cuts_summary,
        load_credentials,
        troubleshoot,
    )

    sandbox = session.sandbox
    if sandbox is None:
        raise CliError("the demo needs a sandbox session")
    started = time.perf_counter() if started is None else started
    # --json: the story's numbers go into one document instead of lines of text.
    out = (lambda text="": None) if session.as_json else session.out
    summary: dict[str, Any] = {}
    add_client_tenant(sandbox, NEW_CLIENT)
    out("tenantlead demo: a simulated agency on TenantCore + Smartlead (in-process; no network, no keys)")

    fleet = session.load_fleet(with_warmup_details=True)
    c = fleet.counts()
    out(
        f"\n1. Status: {c['tenants']} tenants, {len(fleet.rows)} mailboxes, {c['connected']} connected; "
        f"new client {NEW_CLIENT} has 36 mailboxes, no limits"
    )
    out(_indent("\n".join(str(fleet).splitlines()[1:])))

    summary["status"] = {**c, "mailboxes": len(fleet.rows), "new_client": NEW_CLIENT}
    report = troubleshoot(fleet)
    summary["doctor"] = {"counts": report.severity_counts(), "by_code": report.summary()}
    sev = report.severity_counts()
    out(
        f"\n2. Doctor: {len(report.findings)} findings ({sev['error']} errors, {sev['warning']} warnings, "
        f"{sev['info']} info) by code:"
    )
    for code, n in report.summary().items():
        check = CHECKS[code]
        out(f"   {code} {check.severity.value:<7} {n:>3} x {_clip(check.title, 60)}")

    before = sandbox.simulate_day()
    summary["day_before"] = _day_record(before)
    out(f"\n3. A sending day as things stand: {_day_line(before)}")

    fleet = session.load_fleet()
    new_rows = [r for r in fleet.rows if r.status == "not_connected"]
    manual = {r.address for r in new_rows if r.tenant is not None and r.tenant.tenant_name == NEW_CLIENT}
    manual = set(sorted(manual)[-MANUAL_HANDOFFS:])
    credentials = load_credentials(sandbox.credentials_csv())
    smtp_plan = connect(
        fleet.filter(predicate=lambda r: r.address not in manual), "smtp", credentials=credentials
    )
    smtp_result = smtp_plan.apply(sl=session.sl, on_progress=session.progress.on_progress)
    session.progress.close()
    handoff = connect(fleet.filter(predicate=lambda r: r.address in manual), "manual").handoff()
    rc = smtp_result.counts()
    summary["connect"] = {**rc, "handed_off": [item["address"] for item in handoff]}
    out(
        f"\n4. Connect {len(new_rows)} mailboxes: {rc['succeeded']} created over SMTP (credential export), "
        f"{rc['failed']} failed, {len(handoff)} handed off:"
    )
    for item in handoff:
        out(f"   {item['address']}: Smartlead app -> Add Account -> Microsoft 365 -> sign in, Accept")
    created = [
        i.account_id for i in smtp_result.items if i.status == "succeeded" and i.account_id is not None
    ]
    if created:
        campaign = session.sl.campaigns.create(f"{NEW_CLIENT} outreach")
        session.sl.campaigns.add_email_accounts(campaign.id, created)
        session.sl.campaigns.update_status(campaign.id, "START")
        # The simulator's stand-in for the campaign's leads: how much each mailbox could send a day.
        sandbox.sl_user.campaigns[campaign.id].daily_volume_per_account = NEW_CLIENT_DEMAND
        out(f"   started campaign '{NEW_CLIENT} outreach' on the {len(created)} new accounts")

    fleet = session.load_fleet(with_warmup_details=True)
    plan = align_limits(fleet, LimitPolicy(sending_window="09:00-17:00", default_ceiling=25))
    counts = plan.counts()
    out(f"\n5. Align limits (cap, 09:00-17:00, store 25 where none): {len(plan.changes)} changes planned")
    fields = {c.field for c in plan.changes}
    out("   " + ", ".join(f"{field} x{n}" for field, n in counts.items() if field in fields))
    limits = [c for c in plan.changes if c.system == "smartlead" and c.field == "message_per_day"]
    # One existing overrun (the interesting fix) and one of the new client's fresh accounts.
    examples = sorted(limits, key=lambda c: c.before == 100)[:1] + [c for c in limits if c.before == 100][:1]
    for change in examples:
        out(f"   e.g. {change.subject}: {change.action}")
    if plan.cuts:
        # The guard rail at work: storing 25 on the new client's uncapped accounts is a real cut.
        out(f"   guard rail: the plan {cuts_summary(plan.cuts)}; the demo applies it with allow_drastic=True")
    result = plan.apply(
        tc=session.tc, sl=session.sl, on_progress=session.progress.on_progress, allow_drastic=True
    )
    session.progress.close()
    ac = result.counts()
    summary["align"] = {"planned": len(plan.changes), "by_field": counts, "applied": ac}
    out(
        f"   applied: {ac['succeeded']} written, {ac['skipped']} skipped, {ac['failed']} failed, {ac['drift']} drift"
    )

    after = sandbox.simulate_day()
    summary["day_after"] = _day_record(after)
    if session.as_json:
        session.emit_json(summary)
        return 0
    out("\n6. The next sending day:")
    out(f"   before: {_day_line(before)}")
    out(f"   after:  {_day_line(after)}")
    out(
        f"\nDone in {time.perf_counter() - started:.1f}s. Try: tenantlead --sandbox doctor; "
        "docs: getting-started.md"
    )
    return 0


#: Leads per mailbox per day in the new client's simulated campaign (more than any safe limit).
NEW_CLIENT_DEMAND = 40


def _day_line(day: DayReport) -> str:
    return (
        f"{day.accounts_sending} accounts sent {day.sent}; Exchange blocked {day.enforcement_blocks} "
        f"mailboxes, {day.ndrs} NDRs"
    )


def _day_record(day: DayReport) -> dict[str, int]:
    return {
        "accounts_sending": day.accounts_sending,
        "sent": day.sent,
        "enforcement_blocks": day.enforcement_blocks,
        "ndrs": day.ndrs,
    }


def _indent(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
