"""One way to show tabular results: text, JSON-ready dicts, records for pandas, HTML for Jupyter.

Fleets, plans, apply results and troubleshooting reports all subclass :class:`Tabular`; they
only say what their records and columns are.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from tenantlead._core.convert import format_datetime

__all__ = ["Tabular", "jsonable", "text_table"]

_MAX_CELL = 60


def jsonable(value: Any) -> Any:
    """Make ``value`` JSON-serialisable: datetimes as ISO strings, enums as values, tuples as lists."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return jsonable(to_dict())
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Enum):
        value = value.value
    text = str(value)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def text_table(
    records: Sequence[Mapping[str, Any]], columns: Sequence[str], *, max_rows: int | None = 50
) -> str:
    """A plain-text table of ``records`` restricted to ``columns`` (long tables are cut with a note)."""
    if not records:
        return "(no rows)"
    shown = records if max_rows is None else records[:max_rows]
    cells = [[_cell(r.get(c)) for c in columns] for r in shown]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    if len(shown) < len(records):
        lines.append(f"... {len(records) - len(shown)} more rows (use .to_records() for all)")
    return "\n".join(lines)


class Tabular:
    """Mixin: subclasses implement :meth:`to_records` and :attr:`columns` (and usually ``__str__``)."""

    #: The columns shown by ``str()`` and the HTML table (records may hold more keys).
    columns: Sequence[str] = ()
    #: Rows shown before "... N more" in text and HTML.
    max_display_rows: int = 50

    def to_records(self) -> list[dict[str, Any]]:
        """One flat, JSON-ready dict per row (``pandas.DataFrame(obj.to_records())``)."""
        raise NotImplementedError

    def to_dataframe(self) -> Any:
        """The records as a ``pandas.DataFrame`` (needs the ``pandas`` extra)."""
        try:
            import pandas as pd  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe() needs pandas: pip install 'tenantlead[pandas]'") from exc
        return pd.DataFrame(self.to_records())

    def to_json(self, **kwargs: Any) -> str:
        """``to_dict()`` as a JSON string (``json.dumps`` keyword arguments are passed through)."""
        to_dict = getattr(self, "to_dict", None)
        payload = to_dict() if callable(to_dict) else self.to_records()
        return json.dumps(jsonable(payload), **kwargs)

    def table(self, *, max_rows: int | None = None) -> str:
        """The records as a text table (all rows when ``max_rows`` is None)."""
        return text_table(self.to_records(), list(self.columns), max_rows=max_rows)

    def _repr_html_(self) -> str:
        records = self.to_records()
        columns = list(self.columns)
        shown = records[: self.max_display_rows]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
            for r in shown
        )
        more = f"<p>… {len(records) - len(shown)} more rows</p>" if len(shown) < len(records) else ""
        title = html.escape(type(self).__name__)
        summary = html.escape(self._html_summary())
        return (
            f"<div><strong>{title}</strong> {summary}<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{more}</div>"
        )

    def _html_summary(self) -> str:
        return f"({len(self.to_records())} rows)"
