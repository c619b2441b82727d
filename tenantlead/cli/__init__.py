"""The ``tenantlead`` command line: ``demo``, ``status``, ``doctor``, ``align``, ``connect``, ``sandbox serve``.

Run ``tenantlead --help`` (or ``python -m tenantlead --help``); see docs/cli.md.
"""

from tenantlead.cli._main import build_parser, main

__all__ = ["build_parser", "main"]
