"""``python -m tenantlead.sandbox serve``: run the sandbox on a loopback HTTP server.

Prints both base URLs and the sandbox's fake API keys, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .world import Sandbox

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tenantlead.sandbox",
        description="Simulated TenantCore + Smartlead APIs for trying tenantlead without credentials.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve both simulated APIs on a loopback HTTP server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    serve.add_argument("--seed", type=int, default=7, help="seed of the demo fleet (default 7)")
    serve.add_argument("--tenants", type=int, default=6, help="demo tenants, 1-100 (default 6)")
    serve.add_argument("--empty", action="store_true", help="start with empty worlds instead of the demo")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    if not 1 <= args.tenants <= 100:
        print("error: --tenants must be between 1 and 100", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print("error: --port must be between 0 and 65535", file=sys.stderr)
        return 2
    sandbox = Sandbox(seed=args.seed) if args.empty else Sandbox.demo(seed=args.seed, tenants=args.tenants)
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
    print("Serving the tenantlead sandbox; press Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
