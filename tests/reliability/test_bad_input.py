"""Every row of the bad-input table raises its error class with a message that says what to fix.

The same table is rendered into docs/reliability.md; the doc is checked against it here.
"""

from __future__ import annotations

import pytest

from tests.reliability._targets import FixedAnswer
from tests.reliability.bad_input_table import DOC, ROWS, Row, embed, render
from tests.reliability.conftest import Figures, table

_SEEN: dict[str, str] = {}


@pytest.mark.parametrize("row", ROWS, ids=[r.bad_input for r in ROWS])
def test_bad_input_gets_the_documented_error(row: Row, figures: Figures) -> None:
    answer = FixedAnswer()
    answer.set(row.status, row.body, {"content-type": row.content_type} if row.content_type else {})
    if row.error is None:
        # Not an error: the documented safe behaviour (here, paging stops at max_items).
        assert len(row.call(answer)) == 5
        _SEEN[row.bad_input] = "none"
    else:
        with pytest.raises(row.error) as info:
            row.call(answer)
        assert row.excerpt in str(info.value)
        _SEEN[row.bad_input] = type(info.value).__name__
    if len(_SEEN) == len(ROWS):
        groups: dict[str, int] = {}
        for r in ROWS:
            groups[r.group] = groups.get(r.group, 0) + 1
        figures.record(
            "bad_input",
            "## Bad input table\n\nEvery row of the table in docs/reliability.md, checked: "
            f"{len(ROWS)} inputs, each with its error class and message.\n\n"
            + table(("group", "inputs checked"), sorted(groups.items())),
        )


def test_docs_hold_exactly_the_tested_table() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert render() in doc
    assert embed(doc) == doc, "run: .venv/bin/python -m tests.reliability.bad_input_table"
