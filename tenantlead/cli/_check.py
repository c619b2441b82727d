"""``tenantlead check``: the nightly job - load once, doctor, plan, optionally apply, doctor again.

One JSON document with ``--json``; exit codes an alerting job can tell apart (see
`tenantlead.cli._exit` and docs/cli.md): 0 ok, 1 findings at or above ``--fail-on``, 2 usage
or configuration, 3 a write failed or drifted, 4 an API unreachable or refusing the keys.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from tenantlead.cli import _exit
from tenantlead.cli._session import CliError, Session

__all__ = ["add_check_options", "add_policy_options", "cmd_check", "policy_kwargs"]

_SEVERITIES = ("error", "warning", "info")


def add_policy_options(parser: argparse.ArgumentParser, *, enforce: bool = True) -> None:
    """The ``LimitPolicy`` options (``align``, ``check``; ``connect`` takes the ones that apply to it)."""
    parser.add_argument(
        "--mode",
        choices=("cap", "match"),
        default=None,
        help="cap: only lower Smartlead limits that are too high; match: also raise them to the budget",
    )
    add_budget_options(parser)
    parser.add_argument(
        "--default-ceiling",
        type=int,
        default=None,
        metavar="N",
        help="TenantCore limit to store for mailboxes that have none",
    )
    parser.add_argument(
        "--warmup-over-ceiling",
        choices=("lower", "refuse"),
        default=None,
        help="when the ceiling is under an account's warmup volume: lower the warmup (default) or refuse and "
        "report the mailbox",
    )
    if enforce:
        parser.add_argument(
            "--enforce-all",
            action="store_true",
            help="provision enforcement on every tenant with a stored limit (finishes any interrupted run)",
        )
    parser.add_argument(
        "--allow-drastic",
        action="store_true",
        help="allow applying a plan that sets a limit to 0 or cuts a tenant's sending by more than half",
    )


def add_budget_options(parser: argparse.ArgumentParser) -> None:
    """The options that say how a mailbox's day is budgeted and spread (also taken by ``connect``)."""
    parser.add_argument(
        "--headroom", type=int, default=None, metavar="N", help="sends/day kept below the ceiling"
    )
    parser.add_argument(
        "--window",
        default=None,
        metavar="HH:MM-HH:MM",
        help="sending window used to space sends (default 09:00-17:00)",
    )
    parser.add_argument(
        "--warmup-per-day",
        type=int,
        default=None,
        metavar="N",
        help="set warmup to N sends/day on accounts with active warmup, and budget it below the ceiling",
    )


def policy_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Only the policy options the user gave, so ``LimitPolicy``'s documented defaults apply otherwise."""
    names = {
        "mode": "mode",
        "headroom": "headroom",
        "default_ceiling": "default_ceiling",
        "window": "sending_window",
        "warmup_per_day": "warmup_per_day",
        "warmup_over_ceiling": "warmup_over_ceiling",
    }
    out: dict[str, Any] = {}
    for flag, field in names.items():
        value = getattr(args, flag, None)
        if value is not None:
            out[field] = value
    if getattr(args, "enforce_all", False):
        out["enforce"] = "all"
    return out


def add_check_options(parser: argparse.ArgumentParser) -> None:
    """``--fail-on`` and ``--ignore`` (``doctor`` and ``check``)."""
    parser.add_argument(
        "--fail-on",
        choices=_SEVERITIES,
        default="warning",
        help="exit 1 on findings of this severity or worse (default warning)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE",
        help="leave findings of this check code out of the exit code and the failing list; repeatable",
    )


def ignored_codes(args: argparse.Namespace) -> tuple[str, ...]:
    """``--ignore`` values checked against the catalogue (an unknown code is a usage error)."""
    from tenantlead.orchestration.nightly import check_codes

    try:
        return check_codes(args.ignore, "--ignore")
    except ValueError as exc:
        raise CliError(
            str(exc), hint="see the codes with: tenantlead doctor --help, or docs/troubleshooting.md"
        ) from None


def register(command: Callable[[str, str, object], argparse.ArgumentParser]) -> None:
    """Add ``check`` to the parser through ``build_parser``'s ``command(name, help, func)``."""
    check = command(
        "check",
        "the nightly job: doctor, plan, optionally --apply, doctor again; one JSON document with --json",
        cmd_check,
    )
    check.add_argument("--apply", action="store_true", help="write the plan (default: only report it)")
    add_policy_options(check)
    add_check_options(check)


def cmd_check(session: Session, args: argparse.Namespace) -> int:
    """Load once, doctor, plan, optionally apply, doctor again; exit by the worst outcome."""
    from tenantlead.orchestration import LimitPolicy
    from tenantlead.orchestration.nightly import nightly_check

    ignore = ignored_codes(args)
    policy = LimitPolicy(**policy_kwargs(args))
    fleet = session.load_fleet(with_warmup_details=True)
    run = nightly_check(
        session.tc,
        session.sl,
        policy,
        apply=args.apply,
        allow_drastic=args.allow_drastic,
        fleet=fleet,
        on_progress=session.progress.on_progress,
    )
    session.progress.close()
    status = run.exit_status(args.fail_on, ignore)
    code = {"ok": _exit.OK, "findings": _exit.FINDINGS, "failed": _exit.FAILED}[status]
    if session.as_json:
        session.emit_json({"exit_code": code, **run.to_dict(args.fail_on, ignore)})
        return code
    session.out(render_check(run, args.fail_on, ignore, code))
    return code


def render_check(run: Any, fail_on: str, ignore: tuple[str, ...], code: int) -> str:
    """The run in a few lines: doctor before, plan, apply, doctor after, and what failed."""
    from tenantlead.cli._commands import render_limit_plan, render_result

    lines = [f"Doctor: {run.before._headline()}"]
    lines.append(render_limit_plan(run.plan))
    if run.applied:
        if run.result is not None:
            lines.append(render_result(run.result))
        else:
            lines.append("Nothing to apply.")
        assert run.after is not None
        lines.append(f"Doctor after apply: {run.after._headline()}")
    elif not run.plan.is_empty:
        lines.append("nothing written; run again with --apply to make these changes")
    bad = run.failing(fail_on, ignore)
    for finding in bad[:20]:
        lines.append(
            f"{finding.severity.value.upper():7} {finding.code} {finding.subject}: {finding.message}"
        )
    if len(bad) > 20:
        lines.append(f"... and {len(bad) - 20} more (--json for all)")
    skipped = f", ignoring {', '.join(ignore)}" if ignore else ""
    lines.append(
        f"check: {run.exit_status(fail_on, ignore)} (exit {code}; fail on {fail_on} or worse{skipped})"
    )
    return "\n".join(lines)
