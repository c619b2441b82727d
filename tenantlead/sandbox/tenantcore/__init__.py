"""The simulated TenantCore API, one module per resource like the SDK's ``tenantlead.tenantcore``.

[TenantCoreWorld][tenantlead.sandbox.TenantCoreWorld] (``world.py``) holds the state, the
sandbox controls and the request pipeline; ``tenants``, ``domains``, ``mailboxes``,
``mailbox_limits``, ``enforcement`` and ``api_keys`` hold the route handlers, in the handler
shape every simulated API shares (see ``tenantlead/sandbox/_routing.py``).
"""

from __future__ import annotations

from ._common import format_ts
from .world import TenantCoreConfig, TenantCoreWorld, healthy_dns, key_fingerprint

__all__ = ["TenantCoreConfig", "TenantCoreWorld", "format_ts", "healthy_dns", "key_fingerprint"]
