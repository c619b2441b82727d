"""Hardening cases of issue 16 about the sandbox surface, registered on import with ``@case``.

Kept apart from ``hardening.py`` so each surface's cases live beside their own helpers;
``test_hardening.py`` imports this module, so its cases run and are counted with the rest.
"""

from __future__ import annotations

from tests.reliability.hardening import case

__all__ = ["case"]
