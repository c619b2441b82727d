"""The ``tenantlead`` command: argument parsing, dispatch, and the one place errors become exit codes.

Exit codes (`tenantlead.cli._exit`): 0 ok, 1 findings at or above ``--fail-on``, 2 usage or
configuration error, 3 a write failed or drifted, 4 an API unreachable or refusing the keys,
130 interrupted, 141 output pipe closed early (``| head``). Errors print ``error: <one line>``
and ``hint: <what to do>`` on stderr, and with ``--json`` also one JSON error object on stdout;
``--debug`` adds the (redacted) traceback and the SDK's request log.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence

from tenantlead._core.redact import escape_controls, install_log_redaction, redact_text
from tenantlead._version import __version__
from tenantlead.cli import _banner, _exit
from tenantlead.cli._session import FLAG_WARNING, CliError, Session, read_key_files
from tenantlead.errors import APIError, ConfigurationError, TenantleadError
from tenantlead.orchestration.guard import DrasticPlanError

__all__ = ["build_parser", "main"]

Command = Callable[[Session, argparse.Namespace], int]

_DESCRIPTION = """\
Connect TenantCore mailboxes to Smartlead, keep their daily limits aligned, and find out why
sending fails. Real APIs by default (keys from TENANTCORE_API_KEY / SMARTLEAD_API_KEY);
--sandbox runs any command against the built-in simulator. Start with: tenantlead demo"""

_EPILOG = """\
exit codes: 0 ok; 1 findings (at or above --fail-on); 2 usage or configuration error;
3 a write failed or drifted; 4 an API unreachable or refusing the keys; 130 interrupted.
Commands that write (align, connect, check, migrate) only print their plan unless you add --apply.
keys: flag values are visible to other local users (ps, /proc/PID/cmdline); prefer the environment
variables or --tenantcore-key-file / --smartlead-key-file FILE (- reads stdin)."""


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The flags every command accepts, before or after the command name.

    The sub-command copies default to SUPPRESS so that a flag given before the command is not
    overwritten by the sub-parser's default.
    """

    def d(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("global options")
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=d(False),
        help="use the built-in simulator (no keys, no network)",
    )
    group.add_argument("--seed", type=int, default=d(7), help="sandbox: seed of the demo fleet (default 7)")
    group.add_argument("--tenants", type=int, default=d(6), help="sandbox: demo tenants, 1-100 (default 6)")
    group.add_argument("--json", action="store_true", default=d(False), help="print machine-readable JSON")
    group.add_argument(
        "--debug",
        action="store_true",
        default=d(False),
        help="show the request log and tracebacks (redacted)",
    )
    for service, name, env_var in (
        ("tenantcore", "TenantCore", "TENANTCORE_API_KEY"),
        ("smartlead", "Smartlead", "SMARTLEAD_API_KEY"),
    ):
        group.add_argument(
            f"--{service}-key",
            metavar="KEY",
            default=d(None),
            help=f"{name} key (default ${env_var}); {FLAG_WARNING}: prefer ${env_var} or --{service}-key-file",
        )
        group.add_argument(
            f"--{service}-key-file",
            metavar="FILE",
            default=d(None),
            help=f"read the {name} key from FILE, - for stdin (its line end is dropped)",
        )
    group.add_argument(
        "--tenant",
        action="append",
        metavar="TENANT",
        default=d(None),
        help="only this tenant (GUID or name); repeatable",
    )


def _apply_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--apply", action="store_true", help=f"{what} (default: only print the plan)")


def _warmup_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warmup-details",
        action="store_true",
        help="read each warmed-up account's warmup volume (one request per account; Smartlead's list omits it)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (exposed for the CLI reference and tests)."""
    from tenantlead.cli import _commands as c
    from tenantlead.cli._check import add_budget_options, add_check_options, add_policy_options
    from tenantlead.cli._check import register as register_check
    from tenantlead.cli._demo import cmd_demo
    from tenantlead.cli._migrate import add_migrate_command
    from tenantlead.cli._oauth import add_app_options
    from tenantlead.cli._oauth import register as register_consent

    parser = argparse.ArgumentParser(
        prog="tenantlead",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tenantlead {__version__}")
    _add_global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str, func: object) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _add_global_options(p, suppress=True)
        p.set_defaults(func=func)
        return p

    command("demo", "the whole workflow on the simulator in under a screen (no keys needed)", cmd_demo)
    command("status", "fleet summary per tenant: mailboxes, connected, limits, sends, blocks", c.cmd_status)
    doctor = command(
        "doctor",
        "run every troubleshooting check (TL101-TL305, TL110); exit 1 on findings at or above --fail-on",
        c.cmd_doctor,
    )
    _warmup_flag(doctor)
    add_check_options(doctor)

    align = command("align", "plan (and with --apply, make) Smartlead limits fit TenantCore's", c.cmd_align)
    _apply_flag(align, "write the changes")
    _warmup_flag(align)
    add_policy_options(align)

    conn = command(
        "connect",
        "plan (and with --apply, create) Smartlead accounts for unconnected mailboxes",
        c.cmd_connect,
    )
    _apply_flag(conn, "create the accounts")
    conn.add_argument(
        "--strategy",
        required=True,
        choices=("smtp", "oauth", "manual"),
        help="oauth (recommended): Microsoft sign-in with the agency Azure app; smtp: legacy basic auth, "
        "which Microsoft turns off at the end of December 2026; manual: a hand-off list",
    )
    conn.add_argument(
        "--credentials",
        metavar="FILE",
        default=None,
        help="oauth, smtp: the credentials export (CSV or tab-separated with email and password columns, or "
        "email:password lines); - reads stdin",
    )
    add_budget_options(conn)
    conn.add_argument(
        "--client",
        type=int,
        default=None,
        metavar="ID",
        help="Smartlead agency client id to file the new accounts under",
    )
    conn.add_argument(
        "--tag",
        type=int,
        action="append",
        default=[],
        metavar="ID",
        help="Smartlead tag id to add to the new accounts; repeatable",
    )

    register_check(command)

    add_migrate_command(command)
    add_app_options(conn)
    conn.add_argument(
        "--browser-fallback",
        action="store_true",
        help="oauth: sign mailboxes behind MFA/Conditional Access in through a browser (URL printed, "
        "redirect captured on localhost)",
    )
    conn.add_argument(
        "--browser-timeout",
        type=float,
        default=300.0,
        metavar="S",
        help="oauth --browser-fallback: seconds to wait for each browser sign-in (300)",
    )

    register_consent(command)

    sandbox = sub.add_parser("sandbox", help="run the simulator", description="run the simulator")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", metavar="COMMAND", required=True)
    serve = sandbox_sub.add_parser(
        "serve",
        help="serve both simulated APIs on a loopback HTTP server until Ctrl-C",
        description="serve both simulated APIs on a loopback HTTP server until Ctrl-C",
    )
    from tenantlead.sandbox.__main__ import add_serve_arguments

    add_serve_arguments(serve)  # one set of serve options, owned by the sandbox
    serve.set_defaults(func=c.cmd_sandbox_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code (the ``tenantlead`` entry point)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse exits 0 for --help/--version and 2 for usage errors; return it instead.
        return exc.code if isinstance(exc.code, int) else 2
    debug = bool(getattr(args, "debug", False))
    secrets = _known_secrets(args)
    handler = _start_debug_logging(secrets) if debug else None
    words = list(sys.argv[1:] if argv is None else argv)
    fail = _Failure(bool(getattr(args, "json", False)), debug, secrets)
    try:
        if args.command not in ("demo", "sandbox"):
            secrets += [k for k in read_key_files(args) if len(k) >= _MIN_SECRET_LENGTH]
        return _run(args)
    except CliError as exc:
        return fail(exc.message, exc.hint, exc, exc.exit_code)
    except DrasticPlanError as exc:
        hint = "add --allow-drastic if that is what you want; otherwise check --headroom, --default-ceiling, --warmup-per-day"
        return fail(str(exc), hint, exc, _exit.USAGE, cuts=[c.to_record() for c in exc.cuts])
    except ConfigurationError as exc:
        return fail(str(exc), "check the flag or environment variable named above", exc, _exit.USAGE)
    except APIError as exc:
        message = f"{exc.api} {exc.status_code or ''} {exc.code or ''}".split()
        head = " ".join(message) + f": {exc.message}"
        if exc.method or exc.url:
            head += f" ({exc.method} {exc.url})"
        hint = exc.hint or "run again with --debug for the request log"
        if (sandbox := _banner.current()) is not None:
            hint = sandbox.hint(hint, exc.status_code)
        return fail(head, hint, exc, _exit.UNREACHABLE, api=exc.api, status_code=exc.status_code)
    except ValueError as exc:
        # Bad input that reached the library (a malformed CSV, a bad window): the user's to fix.
        command = " ".join(
            w for w in (getattr(args, "command", None), getattr(args, "sandbox_command", None)) if w
        )
        return fail(str(exc), f"fix the input named above; see tenantlead {command} --help", exc, _exit.USAGE)
    except TenantleadError as exc:
        return fail(str(exc), "run again with --debug for details", exc, _exit.FINDINGS)
    except BrokenPipeError:
        # The reader of our stdout quit (`tenantlead doctor | head`): not an error to report.
        _silence_stdout()
        return _BROKEN_PIPE
    except OSError as exc:
        text = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
        return fail(text, "check the path", exc, _exit.USAGE)
    except KeyboardInterrupt as exc:
        if getattr(args, "json", False):
            # One JSON error object whose hint is the Python API's interruption note.
            notes = [n for n in getattr(exc, "__notes__", ()) if isinstance(n, str)]
            return fail("interrupted", " ".join(notes) or None, exc, _exit.INTERRUPTED)
        # Say what was written (the library's note) and the command that finishes the job.
        _report_interrupt(exc, words, secrets)
        return _exit.INTERRUPTED
    except Exception as exc:
        # A bug (ours or a dependency's): still one redacted line, the traceback only with --debug.
        return fail(
            f"unexpected {type(exc).__name__}: {exc}",
            "this is a bug in tenantlead; run again with --debug and report the (redacted) traceback",
            exc,
            _exit.FINDINGS,
        )
    finally:
        if handler is not None:
            _stop_debug_logging(handler)


class _Failure:
    """Report an error on stderr (and, with ``--json``, as one JSON object on stdout); return its exit code."""

    def __init__(self, as_json: bool, debug: bool, secrets: Sequence[str]) -> None:
        self.as_json = as_json
        self.debug = debug
        self.secrets = secrets

    def __call__(self, message: str, hint: str | None, exc: BaseException, code: int, **extra: object) -> int:
        sandbox = _banner.current()
        if sandbox is not None and (hint is None or "sandbox" not in hint):
            hint = sandbox.hint(hint)  # a served sandbox's failure says so too
        _report(message, hint, exc, self.debug, self.secrets)
        if self.as_json:
            lines = [line for line in message.splitlines() if line.strip()]
            error: dict[str, object] = {
                "type": type(exc).__name__,
                "message": redact_text(lines[0] if lines else type(exc).__name__, self.secrets),
                "hint": redact_text(hint, self.secrets) if hint else None,
                "exit_code": code,
                **extra,
            }
            if sandbox is not None:
                error["sandbox"] = sandbox.to_dict()
            try:
                print(json.dumps({"error": error}, indent=2, default=str))
            except BrokenPipeError:
                _silence_stdout()
        return code


#: 128 + SIGPIPE: what a shell reports for a program whose output pipe was closed.
_BROKEN_PIPE = _exit.BROKEN_PIPE

#: Shorter values are not masked in messages: no well-formed key is this short (such a key is
#: refused before any request), and masking "short" would turn "shorter" into "***er".
_MIN_SECRET_LENGTH = 8


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail a second time."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (captured in tests): nothing will flush to a closed pipe
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _run(args: argparse.Namespace) -> int:
    func = args.func
    _banner.forget()
    if args.command in ("demo", "sandbox"):
        return int(func(None, args))
    with Session.from_args(args) as session:
        if args.sandbox:
            session.note(
                f"(simulated: sandbox demo fleet, seed {args.seed}, {args.tenants} tenants; nothing real is touched)"
            )
        _banner.watch(session)  # a served sandbox says so in every output
        code = int(func(session, args))
        _banner.finish(session)
        return code


def _report_interrupt(exc: KeyboardInterrupt, words: Sequence[str], secrets: Sequence[str]) -> None:
    """Ctrl-C: say what was already written (the library's note) and the command that finishes the job."""
    notes = [str(n) for n in getattr(exc, "__notes__", ()) if str(n).startswith("tenantlead:")]
    if not notes:
        print("interrupted (nothing was being written)", file=sys.stderr)
        return
    print("interrupted", file=sys.stderr)
    unenforced: list[str] = []
    for note in notes:
        # The library's note speaks Python: keep what was written, and the tenants left unenforced.
        done, _, rest = note.partition("; every completed write is real.")
        print(escape_controls(redact_text(done, secrets)), file=sys.stderr)
        unenforced += re.findall(r"not yet enforced on tenant\(s\) (.+?): ", rest)
    again = [w for w in words if w != "--enforce-all"]
    why = ""
    if unenforced and "align" in again:
        tenants = escape_controls(", ".join(unenforced))
        print(f"limits stored but not yet enforced on tenant(s) {tenants}", file=sys.stderr)
        again += ["--enforce-all"]
        why = "; --enforce-all provisions the tenants whose limits were stored but not yet enforced"
    command = redact_text(" ".join(["tenantlead", *again]), secrets)
    print(
        escape_controls(
            f"hint: every completed write stands; run `{command}` to finish (it plans only what is left{why})"
        ),
        file=sys.stderr,
    )


def _known_secrets(args: argparse.Namespace) -> list[str]:
    values = [
        getattr(args, "tenantcore_key", None),
        getattr(args, "smartlead_key", None),
        os.environ.get("TENANTCORE_API_KEY"),
        os.environ.get("SMARTLEAD_API_KEY"),
        os.environ.get("MICROSOFT_CLIENT_SECRET"),
    ]
    return [v for v in values if v and len(v) >= _MIN_SECRET_LENGTH]


def _report(message: str, hint: str | None, exc: BaseException, debug: bool, secrets: Sequence[str]) -> None:
    lines = [line for line in message.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    # APIError text may carry its own "hint:" line; the explicit hint wins.
    print(f"error: {escape_controls(redact_text(first, secrets))}", file=sys.stderr)
    if hint:
        print(f"hint: {escape_controls(redact_text(hint, secrets))}", file=sys.stderr)
    if debug:
        # The traceback ends in the error's text, which may quote a server (ANSI escapes).
        text = "".join(traceback.format_exception(exc))
        print(escape_controls(redact_text(text, secrets)), file=sys.stderr, end="")


class _RedactSecrets(logging.Filter):
    """Masks the values of the keys in use, on top of the SDK's own URL/header redaction."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = secrets  # the caller's list: keys read from files later are masked too

    def filter(self, record: logging.LogRecord) -> bool:
        # Also for the terminal: a logged server string cannot move the cursor or recolour it.
        record.msg = escape_controls(redact_text(record.getMessage(), self._secrets))
        record.args = None
        return True


def _start_debug_logging(secrets: Sequence[str]) -> logging.Handler:
    install_log_redaction()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    handler.addFilter(_RedactSecrets(secrets))
    for name in ("tenantlead", "httpx"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    return handler


def _stop_debug_logging(handler: logging.Handler) -> None:
    for name in ("tenantlead", "httpx"):
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
