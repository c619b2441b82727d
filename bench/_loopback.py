"""The loopback sandbox server with a fixed real latency per request, and its request counters.

The sandbox's own ``FaultRule(latency=...)`` advances the *virtual* clock; here each handler
thread ``time.sleep()``s before dispatching (outside the world lock, so concurrent requests
overlap their latency as they would against a real API). The server also answers
``GET /__bench/stats`` (requests and statuses seen per API, counted server-side so request-count
targets do not trust the client's own counters) and ``POST /__bench/reset``.

:func:`loopback` runs it either in a subprocess (``python -m bench._loopback SPEC_JSON``; the
benchmark default, so the server's CPU and memory do not mix with the client's) or on a thread
(the quick smoke tests).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench._clock import WallClock
from bench._fleet import FleetSpec, build_sandbox
from tenantlead.sandbox import Sandbox, SandboxServer
from tenantlead.sandbox.server import _Handler

__all__ = ["Endpoint", "LatencyServer", "loopback"]

_STATS_PATH = "/__bench/stats"
_RESET_PATH = "/__bench/reset"


class _Counters:
    """Requests and statuses per API, thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": dict(self.requests), "statuses": dict(self.statuses)}

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.statuses.clear()


def _handler_class(latency: float, counters: _Counters) -> type[_Handler]:
    class LatencyHandler(_Handler):
        """The sandbox handler, delayed by ``latency`` seconds and counted."""

        def setup(self) -> None:
            super().setup()
            # The stock handler writes the headers and the body in two sends; with Nagle on, the
            # body then waits for the client's delayed ACK (~40 ms on Linux) on every request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def handle(self) -> None:
            # A client that stopped waiting (a cancelled read-ahead page) closed the connection.
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                super().handle()

        def _serve(self) -> None:
            path = self.path.partition("?")[0]
            if path == _STATS_PATH:
                self._reply(
                    200, {"content-type": "application/json"}, json.dumps(counters.snapshot()).encode()
                )
                return
            if path == _RESET_PATH:
                counters.reset()
                self._reply(204, {}, b"")
                return
            api = path.split("/", 2)[1] if path.count("/") >= 2 else "?"
            if latency > 0:
                time.sleep(latency)
            super()._serve()
            with counters.lock:
                counters.requests[f"{api} {self.command}"] += 1

        def send_response(self, code: int, message: str | None = None) -> None:
            path = self.path.partition("?")[0]
            if not path.startswith("/__bench/"):
                api = path.split("/", 2)[1] if path.count("/") >= 2 else "?"
                with counters.lock:
                    counters.statuses[f"{api} {code}"] += 1
            super().send_response(code, message)

        do_GET = _serve
        do_POST = _serve
        do_PUT = _serve
        do_PATCH = _serve
        do_DELETE = _serve
        do_HEAD = _serve

    return LatencyHandler


class LatencyServer(SandboxServer):
    """A :class:`SandboxServer` whose every request takes at least ``latency`` seconds."""

    def __init__(self, sandbox: Sandbox, latency: float, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(sandbox, host=host, port=port)
        self.counters = _Counters()
        # The stock server has no latency hook; swapping the handler class is the smallest seam.
        self._httpd.RequestHandlerClass = _handler_class(latency, self.counters)


@dataclass(frozen=True)
class Endpoint:
    """Where a running benchmark server is and the (fake, sandbox-generated) keys it accepts."""

    base_url: str
    tenantcore_api_key: str
    smartlead_api_key: str
    pid: int

    @property
    def tenantcore_base_url(self) -> str:
        """TenantCore's base URL on the server."""
        return f"{self.base_url}/tenantcore/v1"

    @property
    def smartlead_base_url(self) -> str:
        """Smartlead's base URL on the server."""
        return f"{self.base_url}/smartlead/api/v1"

    def stats(self) -> dict[str, Any]:
        """Server-side counters since start or the last :meth:`reset`."""
        import httpx

        return dict(httpx.get(self.base_url + _STATS_PATH, timeout=10).json())

    def reset(self) -> None:
        """Zero the server-side counters."""
        import httpx

        httpx.post(self.base_url + _RESET_PATH, timeout=10)


@contextmanager
def loopback(spec: FleetSpec, *, latency: float, subprocess_server: bool = True) -> Iterator[Endpoint]:
    """A fresh sandbox holding ``spec`` on a loopback server, with a wall-time clock."""
    if not subprocess_server:
        sb = build_sandbox(spec, clock=WallClock())
        with LatencyServer(sb, latency) as server:
            yield Endpoint(server.base_url, sb.tenantcore_api_key, sb.smartlead_api_key, os.getpid())
        return
    payload = json.dumps({"spec": spec.to_json(), "latency": latency})
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench._loopback", payload],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark server subprocess exited before it was ready")
        info = json.loads(line)
        yield Endpoint(info["base_url"], info["tc_key"], info["sl_key"], proc.pid)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the server stops when its stdin closes
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _main(argv: list[str]) -> None:
    """Subprocess entry: build the sandbox, serve, print the endpoint, stop when stdin closes."""
    config = json.loads(argv[0])
    spec = FleetSpec.from_json(config["spec"])
    sb = build_sandbox(spec, clock=WallClock())
    with LatencyServer(sb, float(config["latency"])) as server:
        # The keys are the sandbox's own fake ones, handed to the parent process only.
        sys.stdout.write(
            json.dumps(
                {"base_url": server.base_url, "tc_key": sb.tenantcore_api_key, "sl_key": sb.smartlead_api_key}
            )
            + "\n"
        )
        sys.stdout.flush()
        sys.stdin.read()


if __name__ == "__main__":
    _main(sys.argv[1:])
