"""Docstrings cross-reference with mkdocstrings' autorefs syntax, which the docs site renders as links.

Sphinx roles (``:class:`X```) are shown raw by mkdocstrings, so none may come back.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tenantlead"
ROLE = re.compile(r":(?:class|meth|func|attr|data|exc|mod|obj):`")


def test_no_sphinx_roles_in_docstrings() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ROLE.search(line)
    ]
    assert found == [], "use [`Name`][tenantlead.path.Name] instead of Sphinx roles: " + ", ".join(found)
