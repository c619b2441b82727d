"""A stateful simulator of the TenantCore and Smartlead APIs, linked in one world.

``Sandbox`` is the entry point: in-process via ``sandbox.transport`` / ``sandbox.http_client()``,
or on a loopback server via ``sandbox.serve()``. ``Sandbox.demo()`` seeds an agency fleet with
one planted instance of every troubleshooting code; ``simulate_day()`` runs a sending day;
``faults`` injects latency, 429s, 5xx, hangs and malformed bodies. See docs/sandbox.md.
"""

from __future__ import annotations

from .clock import VirtualClock, WallClock
from .faults import FaultInjector, FaultRule
from .sending import DayReport
from .server import SandboxServer
from .smartlead import SmartleadConfig, SmartleadWorld
from .tenantcore import TenantCoreConfig, TenantCoreWorld
from .world import MicrosoftAuthority, Sandbox

__all__ = [
    "DayReport",
    "FaultInjector",
    "FaultRule",
    "MicrosoftAuthority",
    "Sandbox",
    "SandboxServer",
    "SmartleadConfig",
    "SmartleadWorld",
    "TenantCoreConfig",
    "TenantCoreWorld",
    "VirtualClock",
    "WallClock",
]
