"""``python -m tenantlead.sandbox serve``: run the sandbox on a loopback HTTP server.

Prints both base URLs, the sandbox's fake API keys and its agency Azure app (``MICROSOFT_*``),
then serves until Ctrl-C (or SIGTERM).
On the server the world's clock follows wall time by default (``--speed`` makes it faster), so
rate-limit windows, quotas, mailbox propagation and timestamps move for every client.

It listens on loopback only unless ``--allow-remote`` is given: on any other address the sandbox
would answer other machines, which could take it for a real API; with the flag it serves and
prints a warning on stderr.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

from tenantlead._core.config import is_loopback

from .clock import VirtualClock, WallClock
from .smartlead import SmartleadConfig
from .tenantcore import TenantCoreConfig
from .world import Sandbox

__all__ = ["main"]

_EPILOG = """\
clock: with --clock wall (the default) the world's time runs by itself, --speed times faster
than wall time; every time the server states (Retry-After, x-ratelimit-reset, timestamps) is
world time. With --clock virtual it stands still at --start, as the in-process sandbox does.

not production: every answer carries X-Tenantlead-Sandbox, a 401 for a key shaped like a real
TenantCore or Smartlead key says so, and the tenantlead command says "sandbox" in its output. It
listens on loopback only; another --host (0.0.0.0, a LAN address) needs --allow-remote and prints
a warning, since other machines could then take it for a real API.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tenantlead.sandbox",
        description="Simulated TenantCore + Smartlead APIs for trying tenantlead without credentials.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="serve both simulated APIs on a loopback HTTP server",
        description="Serve both simulated APIs on a loopback HTTP server until Ctrl-C.",
        epilog=_EPILOG,
    )
    add_serve_arguments(serve)
    return parser


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    """Add the ``serve`` options to ``serve`` (shared with ``tenantlead sandbox serve``), and its epilog."""
    if serve.epilog is None:
        serve.epilog = _EPILOG
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1); a non-loopback address needs --allow-remote",
    )
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach (prints a warning: they could take the sandbox "
        "for a real API)",
    )
    serve.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    serve.add_argument("--seed", type=int, default=7, help="seed of the demo fleet (default 7)")
    serve.add_argument("--tenants", type=int, default=6, help="demo tenants, 1-100 (default 6)")
    serve.add_argument("--empty", action="store_true", help="start with empty worlds instead of the demo")
    serve.add_argument(
        "--clock",
        choices=("wall", "virtual"),
        default="wall",
        help="wall: the world's time follows wall time (default); virtual: it never moves",
    )
    serve.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="with --clock wall, how many times faster than wall time the world runs (default 1; "
        "600 = a minute in 0.1 s)",
    )
    serve.add_argument(
        "--start",
        default=None,
        help="the world's start time, ISO 8601 with a zone (default: now for wall, "
        "2026-11-26T08:00:00Z for virtual)",
    )
    serve.add_argument(
        "--mailboxes-per-domain",
        type=int,
        default=3,
        help="TenantCore's mailbox limit per domain (default 3, as documented; the demo's domains "
        "are full at 3, so raise it to provision more over the API)",
    )
    serve.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="turn off Smartlead's per-key rate limiting (default: 60/60 s plus 10/2 s per key)",
    )


def remote_warning(host: str) -> str:
    """The warning ``serve`` prints on stderr when it listens on non-loopback ``host``."""
    return (
        f"WARNING: serving the tenantlead sandbox on {host}, reachable from other machines. It is a "
        "simulator with fake keys and no real data, but a client pointed at it could take it for "
        "TenantCore or Smartlead; every answer carries X-Tenantlead-Sandbox. Serve on 127.0.0.1 "
        "(the default) unless other machines must reach it."
    )


def build_sandbox(args: argparse.Namespace) -> Sandbox | str:
    """The sandbox ``args`` describe, or an error message naming the option to fix."""
    if not is_loopback(args.host) and not getattr(args, "allow_remote", False):
        return (
            f"--host {args.host} is not a loopback address: other machines could reach the sandbox "
            "and take it for a real API. Add --allow-remote to serve there anyway, or drop --host"
        )
    if not 1 <= args.tenants <= 100:
        return "--tenants must be between 1 and 100"
    if not 0 <= args.port <= 65535:
        return "--port must be between 0 and 65535"
    if not (math.isfinite(args.speed) and args.speed > 0):
        return "--speed must be a positive number (1 = wall time)"
    if args.speed != 1.0 and args.clock == "virtual":
        return "--speed needs --clock wall (a virtual clock does not run)"
    if not 1 <= args.mailboxes_per_domain <= 1000:
        return "--mailboxes-per-domain must be between 1 and 1000"
    start = None
    if args.start is not None:
        try:
            start = datetime.fromisoformat(args.start.replace("Z", "+00:00"))
        except ValueError:
            return f"--start must be an ISO 8601 time such as 2026-12-01T09:00:00Z; got {args.start!r}"
        if start.tzinfo is None:
            return "--start needs a time zone, e.g. 2026-12-01T09:00:00Z"
    clock = WallClock(start, speed=args.speed) if args.clock == "wall" else VirtualClock(start)
    smartlead = SmartleadConfig(seed=args.seed, rate_limits=()) if args.no_rate_limits else None
    tenantcore = TenantCoreConfig(mailboxes_per_domain=args.mailboxes_per_domain)
    if args.empty:
        return Sandbox(seed=args.seed, clock=clock, tenantcore=tenantcore, smartlead=smartlead)
    # The same demo as ``tenantlead --sandbox``: its new client connects over OAuth, with its plants.
    return Sandbox.demo(
        seed=args.seed,
        tenants=args.tenants,
        clock=clock,
        tenantcore=tenantcore,
        smartlead=smartlead,
        oauth_plants=True,
    )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(args: argparse.Namespace) -> int:
    """Run ``serve`` with parsed ``args``; returns the process exit code."""
    sandbox = build_sandbox(args)
    if isinstance(sandbox, str):
        print(f"error: {sandbox}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(remote_warning(args.host), file=sys.stderr, flush=True)
    try:
        server = sandbox.serve(host=args.host, port=args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    # These keys are fake and only valid against this sandbox, so printing them is safe.
    print(f"TENANTCORE_BASE_URL={server.tenantcore_base_url}")
    print(f"TENANTCORE_API_KEY={sandbox.tenantcore_api_key}")
    print(f"SMARTLEAD_BASE_URL={server.smartlead_base_url}")
    print(f"SMARTLEAD_API_KEY={sandbox.smartlead_api_key}")
    # The agency Azure app registered in the simulated identity platform (and in Smartlead's
    # OAuth configuration there): what `connect --strategy oauth` and `consent` read.
    app = sandbox.authority.smartlead_app
    print(f"MICROSOFT_AUTHORITY_HOST={server.microsoft_authority_host}")
    print(f"MICROSOFT_CLIENT_ID={app.client_id}")
    print(f"MICROSOFT_CLIENT_SECRET={app.secret}")
    if isinstance(sandbox.clock, WallClock):
        clock = f"wall time x{sandbox.clock.speed:g}" if sandbox.clock.speed != 1 else "wall time"
    else:
        clock = "a virtual clock that does not move"
    limits = "off" if args.no_rate_limits else "on"
    print(
        f"Serving the tenantlead sandbox on {server.base_url} ({clock}, rate limits {limits}); "
        "press Ctrl-C to stop.",
        flush=True,
    )
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
