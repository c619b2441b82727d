"""``tenantlead migrate``: move Microsoft 365 accounts off basic-auth SMTP to OAuth (plan, then ``--apply``).

The Microsoft app is the agency's own (the one in Smartlead's OAuth Configuration): its client id
from ``--client-id`` or ``MICROSOFT_CLIENT_ID``, its secret from ``MICROSOFT_CLIENT_SECRET`` or
``--client-secret-file FILE`` (``-`` reads stdin) - never from a flag value, which would land in
shell history and process listings. With ``--sandbox`` the simulator's app is used.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tenantlead.cli._session import CliError, Session

if TYPE_CHECKING:
    from tenantlead.orchestration.migrate import MigratePlan
    from tenantlead.orchestration.results import ApplyResult

__all__ = ["add_migrate_command", "cmd_migrate", "render_migrate_plan"]

OK, FINDINGS = 0, 1

_HELP = "plan (and with --apply, make) the move of basic-auth SMTP Microsoft 365 accounts to OAuth (TL206)"


def add_migrate_command(command: Any) -> argparse.ArgumentParser:
    """Register ``migrate`` through ``build_parser``'s ``command(name, help, func)`` helper."""
    p: argparse.ArgumentParser = command("migrate", _HELP, cmd_migrate)
    p.add_argument("--apply", action="store_true", help="make the move (default: only print the plan)")
    p.add_argument(
        "--credentials",
        metavar="FILE",
        required=True,
        help="CSV of email,password exported from TenantCore (the password flow signs in once per mailbox)",
    )
    p.add_argument(
        "--snapshot",
        metavar="FILE",
        default=None,
        help="where the settings of every account are saved before any write, and read back to resume "
        "(default ./tenantlead-migration-snapshot.json)",
    )
    p.add_argument(
        "--allow-recreate",
        action="store_true",
        help="if Smartlead refuses the in-place switch, delete and re-create the account as OAuth "
        "(its warmup history and stats are lost; settings, tags, client and campaigns are restored)",
    )
    p.add_argument(
        "--client-id",
        metavar="GUID",
        default=None,
        help="the Azure app's client id (default $MICROSOFT_CLIENT_ID)",
    )
    p.add_argument(
        "--client-secret-file",
        metavar="FILE",
        default=None,
        help="read the app's client secret from FILE ('-': stdin); default $MICROSOFT_CLIENT_SECRET",
    )
    return p


def _secret(args: argparse.Namespace) -> str | None:
    path = args.client_secret_file
    if path is None:
        return os.environ.get("MICROSOFT_CLIENT_SECRET")
    if path == "-":
        value = sys.stdin.readline()
    else:
        file = Path(path)
        if not file.is_file():
            raise CliError(
                f"--client-secret-file {path}: no such file",
                hint="put the client secret's Value alone in a file readable only by you, or use "
                "MICROSOFT_CLIENT_SECRET",
            )
        value = file.read_text(encoding="utf-8")
    value = value.strip()
    if not value:
        raise CliError(
            f"--client-secret-file {path} is empty", hint="the file holds the client secret's Value alone"
        )
    return value


def _identity(session: Session, args: argparse.Namespace) -> Any:
    """The Microsoft identity client of the agency's app (the sandbox's app with ``--sandbox``)."""
    from tenantlead.microsoft import MicrosoftApp, MicrosoftIdentity

    secret = _secret(args)
    client_id = args.client_id
    if session.sandbox is not None:
        registered = session.sandbox.authority.smartlead_app
        app = MicrosoftApp(client_id or registered.client_id, secret or registered.secret, environ={})
        return MicrosoftIdentity(app, **session.sandbox.client_options())
    if client_id is None and not os.environ.get("MICROSOFT_CLIENT_ID"):
        raise CliError(
            "migrate needs the Azure app's client id: --client-id GUID or MICROSOFT_CLIENT_ID",
            hint="the Application (client) ID of the app saved in Smartlead -> Settings -> OAuth Configuration",
        )
    if secret is None:
        raise CliError(
            "migrate needs the Azure app's client secret: MICROSOFT_CLIENT_SECRET or --client-secret-file FILE",
            hint="the same secret Smartlead's OAuth Configuration holds; never pass it as a flag value",
        )
    return MicrosoftIdentity(MicrosoftApp(client_id, secret))


def cmd_migrate(session: Session, args: argparse.Namespace) -> int:
    """Plan the migration; with ``--apply`` snapshot and move every account, tenant by tenant."""
    from tenantlead.cli._commands import _read_credentials
    from tenantlead.orchestration.migrate import DEFAULT_SNAPSHOT, migrate_to_oauth

    credentials = _read_credentials(session, str(args.credentials))
    identity = _identity(session, args)
    snapshot = Path(args.snapshot) if args.snapshot is not None else Path(DEFAULT_SNAPSHOT)
    try:
        fleet = session.load_fleet()
        plan = migrate_to_oauth(
            fleet,
            microsoft=identity,
            credentials=credentials,
            allow_recreate=args.allow_recreate,
            snapshot=snapshot,
        )
        if not args.apply:
            if session.as_json:
                session.emit_json({"applied": False, "plan": plan.to_dict()})
            else:
                session.out(render_migrate_plan(plan))
                if not plan.is_empty:
                    session.out("\nnothing written; run again with --apply to migrate these accounts")
            return OK
        session.note(f"snapshot of every account before any write: {snapshot}")
        result = plan.apply(sl=session.sl, on_progress=session.progress.on_progress)
        session.progress.close()
    finally:
        identity.close()
    if session.as_json:
        session.emit_json({"applied": True, "plan": plan.to_dict(), "result": result.to_dict()})
    else:
        session.out(render_migrate_result(result))
    return OK if result.ok else FINDINGS


def render_migrate_plan(plan: MigratePlan, *, max_rows: int = 40) -> str:
    """The plan: per-account path, what it costs, and the skips counted by reason."""
    from tenantlead.orchestration._render import text_table

    c = plan.counts()
    left = plan.days_left()
    lines = [
        f"MigratePlan: {c['migrate']} to migrate, {c['resume']} to resume, {c['skip']} skipped, "
        f"in {len(plan.tenants())} tenant batches"
        + (f"; {left} days before Microsoft's basic-auth cutoff" if left is not None and left >= 0 else "")
    ]
    work = [i.to_record() for i in plan.to_migrate]
    if work:
        lines.append(text_table(work, ["address", "action", "path"], max_rows=max_rows))
        lines += [f"cost: {cost}" for cost in sorted({i.cost for i in plan.to_migrate})]
    reasons: dict[str, int] = {}
    for item in plan.skipped:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
    lines += [f"  skipped {n}x {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1])]
    lines.append(f"snapshot: {plan.snapshot_path}")
    return "\n".join(lines)


def render_migrate_result(result: ApplyResult) -> str:
    """What the migration did: migrated, refused and failed accounts; skips counted by reason."""
    from tenantlead.cli._commands import render_result

    return render_result(result)
