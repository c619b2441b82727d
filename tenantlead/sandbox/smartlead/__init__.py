"""The simulated Smartlead API, one module per resource like the SDK's ``tenantlead.smartlead``.

[SmartleadWorld][tenantlead.sandbox.SmartleadWorld] (``world.py``) holds the state and runs
the request pipeline; ``email_accounts``, ``tags``, ``campaigns``, ``webhooks`` and ``clients``
hold the route handlers, in the handler shape every simulated API shares (see
``tenantlead/sandbox/_routing.py``).
"""

from __future__ import annotations

from .world import DEFAULT_ID_STARTS, SmartleadConfig, SmartleadWorld, express_404

__all__ = ["DEFAULT_ID_STARTS", "SmartleadConfig", "SmartleadWorld", "express_404"]
