"""The commands that work on a fleet: ``status``, ``doctor``, ``align``, ``connect``; and ``sandbox serve``.

Each takes the `Session` and the parsed arguments and returns
the exit code. Reading commands print a table (or ``--json``); writing commands print their
plan and only write with ``--apply``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tenantlead.cli._session import CliError, Session
from tenantlead.orchestration._render import text_table

if TYPE_CHECKING:
    from tenantlead.orchestration.connect import ConnectPlan
    from tenantlead.orchestration.limits import LimitPlan
    from tenantlead.orchestration.results import ApplyResult

__all__ = [
    "render_connect_plan",
    "render_limit_plan",
    "render_result",
    "cmd_align",
    "cmd_connect",
    "cmd_doctor",
    "cmd_sandbox_serve",
    "cmd_status",
]

from tenantlead.cli._exit import FAILED, FINDINGS, OK


def cmd_status(session: Session, args: argparse.Namespace) -> int:
    """Fleet summary per tenant and row counts; always exit 0 when the APIs answered."""
    fleet = session.load_fleet()
    if session.as_json:
        session.emit_json(
            {"counts": fleet.counts(), "tenants": fleet.summary_records(), "mailboxes": fleet.to_records()}
        )
        return OK
    session.out(str(fleet))
    counts = fleet.counts()
    if counts["not_connected"]:
        session.out(
            f"\n{counts['not_connected']} mailboxes are not in Smartlead yet: "
            "tenantlead connect --strategy oauth --credentials FILE"
        )
    return OK


def cmd_doctor(session: Session, args: argparse.Namespace) -> int:
    """Every troubleshooting check; exit 1 when a finding at or above ``--fail-on`` (default warning) exists."""
    from tenantlead.cli._check import ignored_codes
    from tenantlead.orchestration import troubleshoot
    from tenantlead.orchestration.nightly import failing

    ignore = ignored_codes(args)
    fleet = session.load_fleet(with_warmup_details=args.warmup_details)
    report = troubleshoot(fleet)
    serious = failing(report, args.fail_on, ignore)
    code = FINDINGS if serious else OK
    if session.as_json:
        session.emit_json(
            {**report.to_dict(), "exit_code": code, "fail_on": args.fail_on, "ignored": list(ignore)}
        )
    else:
        session.out(str(report))
    return code


def cmd_align(session: Session, args: argparse.Namespace) -> int:
    """Plan Smartlead limits under TenantCore's ceilings; write them with ``--apply``."""
    from tenantlead.cli._check import policy_kwargs
    from tenantlead.orchestration import LimitPolicy, align_limits

    policy = LimitPolicy(**policy_kwargs(args))
    # The budget needs each account's warmup volume, which Smartlead's list omits; read it
    # unless the user stated the volume with --warmup-per-day.
    fleet = session.load_fleet(with_warmup_details=policy.warmup_per_day is None or args.warmup_details)
    plan = align_limits(fleet, policy)
    if not args.apply:
        if session.as_json:
            session.emit_json({"applied": False, "plan": plan.to_dict()})
        else:
            session.out(render_limit_plan(plan))
            if plan.changes:
                more = " (and --allow-drastic: see the warning above)" if plan.cuts else ""
                session.out(f"\nnothing written; run again with --apply{more} to make these changes")
        return OK
    result = plan.apply(
        tc=session.tc,
        sl=session.sl,
        on_progress=session.progress.on_progress,
        allow_drastic=args.allow_drastic,
    )
    session.progress.close()
    return _print_result(session, plan, result)


def cmd_connect(session: Session, args: argparse.Namespace) -> int:
    """Plan Smartlead accounts for unconnected TenantCore mailboxes; create them with ``--apply``."""
    from tenantlead.orchestration import connect

    strategy: str = args.strategy
    kwargs: dict[str, Any] = {}
    if strategy == "smtp" and args.credentials is None:
        raise CliError(
            "--strategy smtp needs --credentials FILE",
            hint="export the mailboxes' email,password CSV from the TenantCore app and pass its path",
        )
    if args.credentials is not None:
        if strategy == "manual":
            raise CliError(f"--credentials is only used with --strategy smtp or oauth, not {strategy}")
        kwargs["credentials"] = _read_credentials(session, args.credentials)
    if strategy == "oauth":
        from tenantlead.cli._oauth import connect_oauth_kwargs

        kwargs.update(connect_oauth_kwargs(session, args, kwargs.get("credentials")))
    from tenantlead.cli._check import policy_kwargs
    from tenantlead.orchestration import LimitPolicy

    policy = LimitPolicy(**policy_kwargs(args))
    if args.client is not None:
        kwargs["clients"] = args.client
    if args.tag:
        kwargs["tags"] = list(dict.fromkeys(args.tag))
    fleet = session.load_fleet(with_tags=bool(args.tag))
    plan = connect(fleet, strategy, policy=policy, **kwargs)  # type: ignore[arg-type]
    if not args.apply:
        if session.as_json:
            payload = {"applied": False, "plan": plan.to_dict()}
            if strategy == "manual":
                payload["handoff"] = plan.handoff()
            session.emit_json(payload)
        else:
            session.out(render_connect_plan(plan))
            hint = connect_apply_hint(plan)
            if hint:
                session.out("\n" + hint)
        return OK
    for warning in plan.warnings:
        session.note(f"WARNING: {warning}")  # stderr: shown with --apply (and --json) too
    if strategy == "oauth":
        from tenantlead.cli._oauth import apply_oauth

        return apply_oauth(session, args, plan)
    result = plan.apply(sl=session.sl, on_progress=session.progress.on_progress)
    session.progress.close()
    return _print_result(session, plan, result)


_CSV_HINT = (
    "pass the mailboxes' credentials export: a CSV or tab-separated file with an address column "
    "(Email, UPN, Username ...) and a Password column, or one email:password line per mailbox; "
    "'--credentials -' reads it from stdin"
)


def _read_credentials(session: Session, value: str) -> Any:
    """The ``--credentials`` export parsed (a file, a pipe, or ``-`` for stdin), its notes on stderr."""
    from tenantlead.orchestration import CredentialsError, load_credentials

    path = Path(value)
    # Checked here: the library also accepts the text itself, so its message for a missing file
    # talks about that, which a command-line user cannot do.
    if value != "-" and path.is_dir():
        raise CliError(f"--credentials {path} is a directory, not a credentials file", hint=_CSV_HINT)
    if value != "-" and not path.exists():
        raise CliError(f"--credentials {path}: no such file", hint=_CSV_HINT)
    try:
        # "-" is stdin; a Path (a file, /dev/stdin or a shell's <(...)) is never mistaken for text.
        credentials = load_credentials("-" if value == "-" else path)
    except CredentialsError as exc:
        raise CliError(
            f"--credentials: {exc}", hint="fix the file as the message says; " + _CSV_HINT
        ) from None
    for note in credentials.notes:
        session.note(f"note: {note}")
    return credentials


def render_connect_plan(plan: ConnectPlan, *, max_rows: int = 40) -> str:
    """The mailboxes to connect as a table (the hand-off sheet for ``manual``), skips counted by reason."""
    c = plan.counts()
    lines = [
        f"ConnectPlan ({plan.strategy}): {c['create'] + c['manual']} to connect, {c['update']} to update, "
        f"{c['skip']} skipped"
    ]
    lines += [f"WARNING: {w}" for w in plan.warnings]
    if plan.strategy == "manual" and plan.handoff():
        lines.append("Hand-off: in Smartlead, Email Accounts -> Add Account -> Microsoft 365, sign in as:")
        lines.append(text_table(plan.handoff(), ["address", "sign_in_as", "then_set"], max_rows=max_rows))
    else:
        work = [i.to_record() for i in plan.items if i.action != "skip"]
        if work:
            lines.append(text_table(work, list(plan.columns), max_rows=max_rows))
    reasons = Counter(_skip_reason(i.code, i.reason) for i in plan.skipped)
    lines += [f"  skipped {n}x {reason}" for reason, n in reasons.most_common()]
    for tenant in plan.consent:
        lines.append(
            f"  tenant {tenant.tenant_name}: {tenant.mailboxes} to sign in, admin consent {tenant.state} "
            f"(consent URL: {tenant.consent_url})"
        )
    return "\n".join(lines)


def _accounts(n: int, kind: str = "") -> str:
    return f"{n} {kind}account{'s' if n != 1 else ''}"


def connect_apply_hint(plan: ConnectPlan) -> str:
    """The closing line of a connect plan shown without ``--apply``: what ``--apply`` would do.

    It counts the accounts it would create and the existing ones it would update (client, tags);
    for ``manual``, it says the accounts a person adds get their limits. Empty for an empty plan.
    """
    c = plan.counts()
    updates = f"update {_accounts(c['update'], 'existing ')}" if c["update"] else ""
    if c["manual"]:
        also = f" (and to {updates})" if updates else ""
        return f"after adding them in the Smartlead app, run again with --apply to set their limits{also}"
    work = " and ".join(w for w in (f"create {_accounts(c['create'])}" if c["create"] else "", updates) if w)
    return f"nothing written; run again with --apply to {work}" if work else ""


def _skip_reason(code: str | None, reason: str) -> str:
    # Reasons carry per-item details (account ids, times); group by their general part.
    general = reason.split(" (")[0].split(":")[0]
    return f"{code}: {general}" if code else general


def cmd_sandbox_serve(session: Session | None, args: argparse.Namespace) -> int:
    """Serve the simulator on loopback until Ctrl-C (prints base URLs and its fake keys)."""
    from tenantlead.sandbox.__main__ import serve

    return serve(args)


def render_limit_plan(plan: LimitPlan, *, max_rows: int = 40) -> str:
    """The plan's changes as a table, and its skips counted by reason (not one line per mailbox)."""
    lines = [f"LimitPlan ({plan.policy.mode} mode): {len(plan.changes)} changes, {len(plan.skipped)} skipped"]
    lines += [f"WARNING: {w}" for w in plan.warnings()]
    if plan.changes:
        lines.append(text_table(plan.to_records(), list(plan.columns), max_rows=max_rows))
    reasons = Counter(f"{s.code or 'skip'}: {s.reason}" for s in plan.skipped)
    lines += [f"  skipped {n}x {reason}" for reason, n in reasons.most_common()]
    lines += [f"  UNSAFE {s.subject}: {s.reason}" for s in plan.unsafe[:max_rows]]
    if len(plan.unsafe) > max_rows:
        lines.append(f"  ... and {len(plan.unsafe) - max_rows} more unsafe (--json for all)")
    lines += [f"  DRASTIC {c}" for c in plan.cuts[:max_rows]]
    return "\n".join(lines)


def _print_result(session: Session, plan: Any, result: ApplyResult) -> int:
    if session.as_json:
        session.emit_json({"applied": True, "plan": plan.to_dict(), "result": result.to_dict()})
    else:
        session.out(render_result(result))
    return OK if result.ok else FAILED


def render_result(result: ApplyResult, *, max_rows: int = 40) -> str:
    """What apply did: written and failed items as a table, skips counted by reason, then drift."""
    c = result.counts()
    lines = [
        f"Applied: {c['succeeded']} succeeded, {c['skipped']} skipped, {c['failed']} failed, {c['drift']} drift"
    ]
    done = [i.to_record() for i in result.items if i.status != "skipped"]
    if done:
        lines.append(text_table(done, list(result.columns), max_rows=max_rows))
    reasons = Counter(_skip_reason(None, i.detail) for i in result.skipped)
    lines += [f"  skipped {n}x {reason}" for reason, n in reasons.most_common()]
    for item in result.items:
        if item.fix and item.status != "succeeded":
            lines.append(f"  {item.subject}: {item.code + ' ' if item.code else ''}fix: {item.fix}")
    lines += [f"DRIFT {d}" for d in result.drift]
    return "\n".join(lines)
