"""What every command needs: the two clients (real or sandboxed), the output mode and progress.

Against the real APIs the keys come from the environment (``TENANTCORE_API_KEY`` /
``SMARTLEAD_API_KEY``), from a file or stdin (``--tenantcore-key-file`` /
``--smartlead-key-file``, read by [`read_key_files`][tenantlead.cli._session.read_key_files]), or
from ``--tenantcore-key`` / ``--smartlead-key``, whose values any local user can read in the
process list; with ``--sandbox`` an in-process [`Sandbox`][tenantlead.sandbox.Sandbox] answers
both APIs on a virtual clock, so rate limits and waits cost no wall time and nothing leaves the
process.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tenantlead._core.redact import escape_controls
from tenantlead.cli._progress import Progress
from tenantlead.errors import ConfigurationError
from tenantlead.orchestration._render import jsonable

if TYPE_CHECKING:
    from tenantlead.orchestration.fleet import Fleet
    from tenantlead.sandbox import Sandbox
    from tenantlead.smartlead import Smartlead
    from tenantlead.tenantcore import TenantCore

__all__ = ["FLAG_WARNING", "TENANTS_HINT", "CliError", "Session", "read_key_files", "read_secret_file"]

#: Why a secret belongs in the environment or a file rather than in a flag (said in ``--help``).
FLAG_WARNING = "flag values are visible to other local users (ps, /proc/PID/cmdline)"

#: A secret file holds one key or secret: anything longer is the wrong file.
_MAX_SECRET_FILE = 64 * 1024

#: The options that read a key or a secret from a file (``-``: stdin), with what they hold.
_KEY_FILE_OPTIONS = (
    ("tenantcore", "--tenantcore-key-file", "TenantCore API key"),
    ("smartlead", "--smartlead-key-file", "Smartlead API key"),
)

#: Options that read stdin when given ``-``: at most one of them can.
_STDIN_OPTIONS = (
    ("tenantcore_key_file", "--tenantcore-key-file"),
    ("smartlead_key_file", "--smartlead-key-file"),
    ("client_secret_file", "--client-secret-file"),
    ("credentials", "--credentials"),
)

#: The hint for an out-of-range ``--tenants``.
TENANTS_HINT = "the demo fleet has 1 to 100 tenants; the default is 6"


class CliError(Exception):
    """A failure the command line reports as one line plus a hint, with an exit code."""

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


class Session:
    """The clients and output settings of one command run; a context manager that closes the clients."""

    def __init__(
        self,
        tc: TenantCore,
        sl: Smartlead,
        *,
        sandbox: Sandbox | None = None,
        as_json: bool = False,
        tenants: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> None:
        self.tc = tc
        self.sl = sl
        self.sandbox = sandbox
        self.as_json = as_json
        self.tenants = tuple(tenants)
        # --json output is for programs: no progress drawing, even when stderr is a terminal.
        self.progress = progress or Progress(enabled=False if as_json else None)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Session:
        """Build clients from the parsed global flags (``--sandbox`` or keys)."""
        if args.sandbox:
            return cls.for_sandbox(
                _demo_sandbox(args.seed, args.tenants), as_json=args.json, tenants=args.tenant or ()
            )
        from tenantlead.smartlead import Smartlead
        from tenantlead.tenantcore import TenantCore

        tc_key, tc_source = _key(
            args.tenantcore_key,
            "TENANTCORE_API_KEY",
            "TenantCore",
            "--tenantcore-key",
            getattr(args, "tenantcore_key_source", None),
        )
        sl_key, sl_source = _key(
            args.smartlead_key,
            "SMARTLEAD_API_KEY",
            "Smartlead",
            "--smartlead-key",
            getattr(args, "smartlead_key_source", None),
        )
        with _naming_key_source(tc_source, "TenantCore"):
            tc = TenantCore(api_key=tc_key)
        try:
            with _naming_key_source(sl_source, "Smartlead"):
                sl = Smartlead(api_key=sl_key)
        except BaseException:
            tc.close()
            raise
        return cls(tc, sl, as_json=args.json, tenants=args.tenant or ())

    @classmethod
    def for_sandbox(cls, sandbox: Sandbox, *, as_json: bool = False, tenants: Sequence[str] = ()) -> Session:
        """Clients wired in-process to ``sandbox``, on its virtual clock."""
        tc, sl = sandbox_clients(sandbox)
        return cls(tc, sl, sandbox=sandbox, as_json=as_json, tenants=tenants)

    def close(self) -> None:
        """Close both clients and finish any progress line."""
        self.progress.close()
        self.tc.close()
        self.sl.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ work

    def load_fleet(self, *, with_warmup_details: bool = False, with_tags: bool = False) -> Fleet:
        """Read both APIs into a [`Fleet`][tenantlead.orchestration.Fleet], honouring ``--tenant``.

        ``with_warmup_details`` also reads each warmed-up account's warmup volume (one request
        per account), which the warmup-aware check TL302 and the limit budget need;
        ``with_tags`` each account's tags (one request per 100 accounts), for ``connect --tag``.
        """
        from tenantlead.orchestration import UnknownTenantError
        from tenantlead.orchestration.fleet import Fleet

        try:
            return Fleet.load(
                self.tc,
                self.sl,
                list(self.tenants) or None,
                with_warmup_details=with_warmup_details,
                with_tags=with_tags,
                on_progress=self.progress.on_progress,
            )
        except UnknownTenantError as exc:
            raise CliError(
                str(exc).replace("unknown tenant_ids", "unknown tenant"),
                hint=_tenant_hint(exc),
            ) from None
        finally:
            self.progress.close()

    # ------------------------------------------------------------------ output

    def note(self, text: str) -> None:
        """A line for the person at the terminal (stderr, so ``--json`` stdout stays parseable)."""
        print(escape_controls(text), file=sys.stderr)

    def out(self, text: str = "") -> None:
        """A line of the command's human output (control characters a server sent are escaped)."""
        print(escape_controls(text))

    def emit_json(self, payload: Any) -> None:
        """The command's machine output: one JSON document on stdout."""
        from tenantlead.cli._banner import mark_json  # says "sandbox" when the run talks to one

        print(json.dumps(jsonable(mark_json(self, payload)), indent=2, sort_keys=False))


def _tenant_hint(exc: Any) -> str:
    """The closest tenant names for every unknown ``--tenant`` (never the first few alphabetically)."""
    close = sorted({name for names in exc.suggestions.values() for name in names})
    if close:
        return f"--tenant takes a tenant GUID or name (case and spaces do not matter); closest: {', '.join(close)}"
    return "--tenant takes a tenant GUID or name (case and spaces do not matter); list them with: tenantlead status"


def sandbox_clients(sandbox: Sandbox) -> tuple[TenantCore, Smartlead]:
    """A TenantCore and a Smartlead client served in-process by ``sandbox`` on its virtual clock."""
    from tenantlead.smartlead import Smartlead
    from tenantlead.smartlead._profile import DEFAULT_BASE_URL as SMARTLEAD_BASE_URL
    from tenantlead.tenantcore import TenantCore
    from tenantlead.tenantcore._profile import DEFAULT_BASE_URL as TENANTCORE_BASE_URL

    # Explicit (production) base URLs: the in-process transport answers those hosts only,
    # whatever TENANTCORE_BASE_URL / SMARTLEAD_BASE_URL say in this shell.
    tc = TenantCore(
        api_key=sandbox.tenantcore_api_key, base_url=TENANTCORE_BASE_URL, **sandbox.client_options()
    )
    sl = Smartlead(api_key=sandbox.smartlead_api_key, base_url=SMARTLEAD_BASE_URL, **sandbox.client_options())
    return tc, sl


def _demo_sandbox(seed: int, tenants: int) -> Sandbox:
    from tenantlead.sandbox import Sandbox

    if not 1 <= tenants <= 100:
        raise CliError(f"--tenants must be between 1 and 100, got {tenants}", hint=TENANTS_HINT)
    return Sandbox.demo(seed=seed, tenants=tenants, oauth_plants=True)


def read_secret_file(path: str, option: str, what: str) -> str:
    """The secret held in ``path`` without its trailing line ends; ``-`` reads one line of stdin.

    Typed at a terminal, ``-`` prompts without echo. A missing, unreadable, oversized or empty
    file, or one that is not UTF-8 text, is a [`CliError`][tenantlead.cli._session.CliError]
    (exit 2) naming ``option`` and the path; no message ever shows the file's content.
    """
    hint = f"put the {what} alone in a file only you can read (chmod 600), or pass - to read it from stdin"
    if path == "-":
        if sys.stdin is None:
            raise CliError(f"{option} -: there is no stdin to read the {what} from", hint=hint)
        try:
            text = getpass.getpass(f"{what}: ") if sys.stdin.isatty() else sys.stdin.readline()
        except EOFError:  # Ctrl-D at the prompt
            text = ""
        where = f"{option} - (stdin)"
    else:
        where = f"{option} {path}"
        file = Path(path)
        try:
            with file.open("rb") as handle:
                data = handle.read(_MAX_SECRET_FILE + 1)
        except FileNotFoundError:
            raise CliError(f"{where}: no such file", hint=hint) from None
        except IsADirectoryError:
            raise CliError(f"{where} is a directory, not a file holding the {what}", hint=hint) from None
        except OSError as exc:
            raise CliError(
                f"{where} cannot be read ({exc.strerror or type(exc).__name__})", hint=hint
            ) from None
        if len(data) > _MAX_SECRET_FILE:
            raise CliError(f"{where} is larger than 64 KiB: it should hold the {what} alone", hint=hint)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CliError(f"{where} is not UTF-8 text", hint=hint) from None
    value = text.rstrip("\r\n")
    if not value.strip():
        raise CliError(f"{where} is empty: it should hold the {what}", hint=hint)
    return value


def read_key_files(args: argparse.Namespace) -> list[str]:
    """Read ``--tenantcore-key-file`` / ``--smartlead-key-file`` into ``args``; return the keys read.

    The key replaces ``args.tenantcore_key`` (``smartlead_key``) and the option becomes its
    source in messages. Giving a key both as a flag and as a file, or ``-`` to more than one
    option that reads stdin, is a usage error (exit 2). Not read with ``--sandbox``, whose keys
    are the simulator's.
    """
    given = [(opt, getattr(args, attr, None)) for attr, opt in _STDIN_OPTIONS]
    readers = [opt for opt, value in given if value == "-"]
    if len(readers) > 1:
        raise CliError(
            f"{' and '.join(readers)} both read stdin: only one option can",
            hint="give the others a file path, or use the environment variables TENANTCORE_API_KEY / "
            "SMARTLEAD_API_KEY / MICROSOFT_CLIENT_SECRET",
        )
    if getattr(args, "sandbox", False):
        return []
    read: list[str] = []
    for service, option, what in _KEY_FILE_OPTIONS:
        path = getattr(args, f"{service}_key_file", None)
        if path is None:
            continue
        flag = option.removesuffix("-file")
        if getattr(args, f"{service}_key", None) is not None:
            raise CliError(
                f"give {flag} or {option}, not both", hint=f"{option} is the safer: {FLAG_WARNING}"
            )
        key = read_secret_file(path, option, what)
        setattr(args, f"{service}_key", key)
        setattr(args, f"{service}_key_source", f"{option} {path}")
        read.append(key)
    return read


def _key(
    explicit: str | None, env_var: str, service: str, flag: str, source: str | None = None
) -> tuple[str, str]:
    """The key and where it came from (the flag, the key file, or the environment variable)."""
    key, source = (explicit, source or flag) if explicit is not None else (os.environ.get(env_var), env_var)
    if key is None or not key.strip():
        raise CliError(
            f"{service} API key missing: set the {env_var} environment variable (or pass {flag}-file FILE)",
            hint="no keys yet? try the simulator: tenantlead --sandbox status (or tenantlead demo)",
        )
    return key, source


@contextmanager
def _naming_key_source(source: str, service: str) -> Iterator[None]:
    """Re-raise a malformed-key error naming ``source`` (flag or variable), not ``api_key``.

    The command line always hands the client its key explicitly, so the client's message would
    say "from api_key" even when the key came from the environment.
    """
    try:
        yield
    except ConfigurationError as exc:
        if "API key from api_key" not in str(exc):
            raise  # another setting (a base URL from the environment): its message names it
        raise CliError(
            str(exc).replace("from api_key", f"from {source}"),
            hint=f"copy the whole {service} API key again (no quotes or spaces) into {source}",
        ) from exc
