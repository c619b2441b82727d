"""Issue 16's findings, each a case (a fault, an attack or a bad input) that fails without its fix.

The cases are in ``hardening.py``; the counts by kind go into tests/reliability/README.md.
"""

from __future__ import annotations

import pytest

from tests.reliability import hardening_cli, hardening_connect, hardening_sandbox
from tests.reliability.conftest import Figures, table
from tests.reliability.hardening import CASES, KINDS, Case

# Imported for their ``@case`` registrations.
_SURFACES = (hardening_cli, hardening_connect, hardening_sandbox)

_PASSED: dict[str, Case] = {}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.item:02d}-{c.run.__name__}" for c in CASES])
def test_hardening_case(case: Case, figures: Figures) -> None:
    case.run()
    _PASSED[case.run.__name__] = case
    if len(_PASSED) == len(CASES):
        items = sorted({c.item for c in CASES})
        counts = {kind: sum(1 for c in CASES if c.kind == kind) for kind in KINDS}
        figures.record(
            "hardening",
            "## Hardening cases (issue 16)\n\n"
            f"{len(CASES)} cases for {len(items)} findings, each failing on the code before its fix "
            "and passing now.\n\n"
            + table(
                ("attacks", "faults", "bad inputs", "cases", "findings covered"),
                [(counts["attack"], counts["fault"], counts["bad input"], len(CASES), len(items))],
            )
            + "\n"
            + table(
                ("finding", "kind", "case"),
                [(c.item, c.kind, c.title) for c in sorted(CASES, key=lambda c: c.item)],
            ),
        )


def test_every_case_has_a_distinct_name() -> None:
    names = [c.run.__name__ for c in CASES]
    assert len(names) == len(set(names))
