"""``connect --strategy oauth`` and ``tenantlead consent``: Microsoft sign-in from the command line.

The agency app's client id comes from ``--client-id`` or ``MICROSOFT_CLIENT_ID``; its secret from
``MICROSOFT_CLIENT_SECRET`` or ``--client-secret-file FILE`` (``-`` reads stdin), never from a
plain flag: a process's arguments are world-readable in ``/proc/<pid>/cmdline``. With
``--sandbox`` the simulator's app (the one in its Smartlead's OAuth Configuration) is used.
"""

from __future__ import annotations

import argparse
import os
import webbrowser
from typing import TYPE_CHECKING, Any

from tenantlead.cli._session import CliError, Session, read_secret_file

if TYPE_CHECKING:
    from tenantlead.microsoft import MicrosoftApp, MicrosoftIdentity

__all__ = ["add_app_options", "cmd_consent", "connect_oauth_kwargs", "identity_for", "register"]

_SECRET_HINT = (
    "set MICROSOFT_CLIENT_SECRET, or pass --client-secret-file FILE (or - to read it from stdin); "
    "the secret is never taken as a plain flag because process arguments are visible to other users"
)


def add_app_options(parser: argparse.ArgumentParser) -> None:
    """``--client-id`` and ``--client-secret-file``: the agency's Azure app."""
    parser.add_argument(
        "--client-id",
        default=None,
        metavar="GUID",
        help="oauth: the agency Azure app's Application (client) ID (default $MICROSOFT_CLIENT_ID)",
    )
    parser.add_argument(
        "--client-secret-file",
        default=None,
        metavar="FILE",
        help="oauth: file holding the app's client secret, - for stdin (default $MICROSOFT_CLIENT_SECRET)",
    )


def _read_secret(path: str) -> str:
    try:
        return read_secret_file(path, "--client-secret-file", "client secret").strip()
    except CliError as exc:
        raise CliError(exc.message, hint=_SECRET_HINT) from None


def app_for(session: Session, args: argparse.Namespace) -> MicrosoftApp:
    """The agency's app: the sandbox's, or from the flags and environment."""
    from tenantlead.microsoft import MicrosoftApp

    if session.sandbox is not None:
        reg = session.sandbox.authority.smartlead_app
        return MicrosoftApp(reg.client_id, reg.secret, environ={})
    client_id = args.client_id or os.environ.get("MICROSOFT_CLIENT_ID")
    if not client_id:
        raise CliError(
            "the agency Azure app's client id is missing",
            hint="pass --client-id GUID or set MICROSOFT_CLIENT_ID (the app whose id and secret are in "
            "Smartlead's OAuth Configuration); see docs/how-to/connect-oauth.md",
        )
    secret = _read_secret(args.client_secret_file) if args.client_secret_file else None
    if secret is None and not os.environ.get("MICROSOFT_CLIENT_SECRET"):
        raise CliError("the agency Azure app's client secret is missing", hint=_SECRET_HINT)
    return MicrosoftApp(client_id, secret)


def identity_for(session: Session, app: MicrosoftApp) -> MicrosoftIdentity:
    """A Microsoft identity client for ``app`` (wired to the sandbox when there is one)."""
    from tenantlead.microsoft import MicrosoftIdentity

    if session.sandbox is not None:
        return MicrosoftIdentity(app, **session.sandbox.client_options())
    return MicrosoftIdentity(app)


def connect_oauth_kwargs(session: Session, args: argparse.Namespace, credentials: Any) -> dict[str, Any]:
    """``connect()`` keyword arguments for ``--strategy oauth``."""
    if credentials is None:
        raise CliError(
            "--strategy oauth needs --credentials FILE",
            hint="export the mailboxes' email,password CSV from the TenantCore app (Mailboxes page) and pass "
            "its path; each mailbox is signed in with it once, headless",
        )
    return {"microsoft": app_for(session, args), "credentials": credentials}


def browser_opener(session: Session) -> Any:
    """Print each browser sign-in URL (stderr) and try to open it; used by ``--browser-fallback``."""

    def offer(url: str) -> None:
        session.note(f"browser sign-in needed (MFA/Conditional Access): open {url}")
        if session.sandbox is None:
            webbrowser.open(url)
        else:
            _sandbox_browser(session, url)

    return offer


def _sandbox_browser(session: Session, url: str) -> None:
    """The simulated person: completes the sandbox's sign-in page, then visits the loopback redirect."""
    import threading
    import urllib.request

    sandbox = session.sandbox
    assert sandbox is not None

    def run() -> None:
        with sandbox.http_client() as client:
            answer = client.get(url)
        if answer.status_code == 302:
            target = answer.headers["location"].replace("//localhost:", "//127.0.0.1:")
            with urllib.request.urlopen(target, timeout=10) as page:
                page.read()

    threading.Thread(target=run, daemon=True).start()


# ----------------------------------------------------------------------------- consent


def register(command: Any) -> None:
    """Add ``tenantlead consent`` through the main parser's ``command`` helper."""
    consent = command(
        "consent",
        "list each tenant's admin-consent URL for the agency Azure app (--open: in a browser; --wait: capture answers)",
        cmd_consent,
    )
    add_app_options(consent)
    consent.add_argument("--open", action="store_true", help="open each URL in a browser (webbrowser)")
    consent.add_argument(
        "--wait",
        action="store_true",
        help="listen on a loopback redirect and report each tenant's answer",
    )
    consent.add_argument(
        "--timeout", type=float, default=600.0, metavar="S", help="--wait: seconds to wait overall (600)"
    )


def cmd_consent(session: Session, args: argparse.Namespace) -> int:
    """List (open, wait for) each tenant's admin-consent URL; exit 1 when a tenant declined or did not answer."""
    app = app_for(session, args)
    tenants = session.tc.tenants.list()
    if session.tenants:
        from tenantlead.orchestration._rules import resolve_tenants

        # An unknown name raises with the closest names, as everywhere a tenant is named.
        tenants = resolve_tenants(tenants, session.tenants)
    rows: list[dict[str, Any]] = [
        {
            "tenant_id": t.tenant_id,
            "tenant_name": t.tenant_name,
            "consent_url": app.admin_consent_url(t.tenant_id, state="tenantlead"),
            "granted": None,
        }
        for t in tenants
    ]
    if args.wait or args.open:
        opener: Any = webbrowser.open if args.open else (lambda url: session.note(f"open: {url}"))
        if session.sandbox is not None and args.open:
            opener = lambda url: _sandbox_browser(session, url)  # noqa: E731 - the simulated admin
        if args.wait:
            with identity_for(session, app) as ms:
                results = ms.admin_consent(
                    [t.tenant_id for t in tenants], open_browser=opener, timeout=args.timeout
                )
            for row, result in zip(rows, results, strict=True):
                row["consent_url"] = result.url
                row["granted"] = result.granted
                row["error"] = (
                    {"code": result.error.code, "message": result.error.detail, "fix": result.error.fix}
                    if result.error is not None
                    else None
                )
        else:
            for row in rows:
                opener(row["consent_url"])
    if session.as_json:
        session.emit_json({"client_id": app.client_id, "waited": bool(args.wait), "tenants": rows})
    else:
        session.out(f"admin consent for app {app.client_id}: a tenant admin opens each URL and accepts")
        for row in rows:
            state = {None: "not answered" if args.wait else "", True: "granted", False: "declined"}[
                row["granted"]
            ]
            session.out(f"  {row['tenant_name']} ({row['tenant_id']}) {state}".rstrip())
            session.out(f"    {row['consent_url']}")
            if row.get("error"):
                session.out(f"    fix: {row['error']['fix']}")
    if args.wait and any(row["granted"] is not True for row in rows):
        return 1
    return 0


def apply_oauth(session: Session, args: argparse.Namespace, plan: Any) -> int:
    """Apply an OAuth connect plan: sign in, preflight, save; the MFA ones offered the browser flow."""
    from tenantlead.cli._commands import _print_result

    assert plan.microsoft is not None
    with identity_for(session, plan.microsoft) as ms:
        result = plan.apply(
            sl=session.sl,
            ms=ms,
            on_progress=session.progress.on_progress,
            browser=browser_opener(session) if args.browser_fallback else None,
            browser_timeout=args.browser_timeout,
        )
    session.progress.close()
    handoff = [i for i in result.failed if i.code == "TL405"]
    if handoff and not args.browser_fallback and not session.as_json:
        session.note(
            f"{len(handoff)} mailbox(es) need a person at a browser (MFA/Conditional Access): run again with "
            "--browser-fallback to sign them in through the printed URL"
        )
    return _print_result(session, plan, result)
