"""``tenantlead sandbox serve`` in a subprocess, as docs/sandbox.md tells outside software to run it.

``start(*flags)`` launches ``python -m tenantlead.sandbox serve --port 0 --seed 7 ...``;
``ready(server)`` reads the ``NAME=value`` lines and the banner it prints; ``stop(server)``
sends Ctrl-C and checks it exits cleanly. Starting several servers before waiting for any lets
their interpreter starts and demo builds overlap.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    """A ``serve`` subprocess and what it printed."""

    proc: subprocess.Popen[str]
    env: dict[str, str] = field(default_factory=dict)
    banner: str = ""
    ready_after: float = 0.0

    @property
    def base(self) -> str:
        return self.env["TENANTCORE_BASE_URL"].removesuffix("/tenantcore/v1")

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.base.removeprefix("http://").split(":")
        return host, int(port)

    @property
    def sl_key(self) -> str:
        return self.env["SMARTLEAD_API_KEY"]

    @property
    def tc_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.env['TENANTCORE_API_KEY']}"}

    def sl(self, path: str) -> str:
        return f"{self.env['SMARTLEAD_BASE_URL']}{path}"

    def tc(self, path: str) -> str:
        return f"{self.env['TENANTCORE_BASE_URL']}{path}"


def start(*flags: str) -> Server:
    cmd = [sys.executable, "-m", "tenantlead.sandbox", "serve", "--port", "0", "--seed", "7", *flags]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    return Server(proc)


def ready(server: Server) -> Server:
    started = time.monotonic()
    assert server.proc.stdout is not None
    for line in server.proc.stdout:
        if line.startswith("Serving"):
            server.banner = line
            server.ready_after = time.monotonic() - started
            return server
        key, _, value = line.strip().partition("=")
        server.env[key] = value
    raise AssertionError(f"serve exited early: {server.proc.stderr.read() if server.proc.stderr else ''}")


def stop(server: Server) -> None:
    server.proc.send_signal(signal.SIGINT)
    try:
        out, _ = server.proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.communicate()
        raise
    assert server.proc.returncode == 0
    assert "stopped" in out
