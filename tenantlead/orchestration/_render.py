"""One way to show tabular results: text, JSON-ready dicts, records and DataFrames, CSV, HTML for Jupyter.

Fleets, plans, apply results and troubleshooting reports all subclass ``Tabular``; they only say what their records, their per-tenant summary and their columns are. Every view
puts the per-tenant summary first and problems first, shows how many rows there are, and says
how to see them all (``obj.show(rows=None)``, ``obj.to_pandas()``).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import attrs

from tenantlead._core.convert import format_datetime
from tenantlead._core.redact import escape_controls

__all__ = [
    "FORMULA_TRIGGERS",
    "Tabular",
    "View",
    "csv_cell",
    "csv_text",
    "jsonable",
    "problem_level",
    "records_frame",
    "text_table",
]

_MAX_CELL = 60

#: Severity order used to put problems first (``None``: no problem).
_LEVEL_RANK = {"error": 0, "warning": 1, "info": 2}

#: Row background per problem level in HTML views.
_LEVEL_STYLE = {
    "error": "background:#fde2e1",
    "warning": "background:#fff4d6",
    "info": "background:#eef4fb",
}


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
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    # Server strings are printed to terminals: no escape sequence may reach one live.
    text = escape_controls(str(value), keep_newlines=False)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def text_table(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    max_rows: int | None = 50,
    see_all: str = ".to_records()",
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
        lines.append(f"... {len(records) - len(shown)} more rows (use {see_all} for all)")
    return "\n".join(lines)


def problem_level(record: Mapping[str, Any]) -> str | None:
    """How bad a view row is: its ``severity``, ``error`` for a failed item, else None."""
    severity = record.get("severity")
    if isinstance(severity, Enum):
        severity = severity.value
    if severity in _LEVEL_RANK:
        return str(severity)
    if record.get("status") == "failed":
        return "error"
    return None


def problems_first(
    records: Sequence[dict[str, Any]], *then: Callable[[dict[str, Any]], Any]
) -> list[dict[str, Any]]:
    """``records`` sorted errors, warnings, info, then the rest; ties broken by ``then`` keys."""

    def key(record: dict[str, Any]) -> tuple[Any, ...]:
        level = problem_level(record)
        return (_LEVEL_RANK.get(level or "", 3), *(k(record) for k in then))

    return sorted(records, key=key)


# ----------------------------------------------------------------------------- CSV

#: First characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a
#: formula, after OWASP's "CSV Injection": ``=``, ``+``, ``-``, ``@``, tab and carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """``value`` as one cell of a CSV meant for a spreadsheet, never a live formula.

    Numbers are written as numbers (``-5`` stays ``-5``: a number is not text a server chose),
    booleans as ``true`` / ``false``, times as ISO 8601, nothing as an empty cell, lists joined
    with ``", "``. Text starting with one of ``FORMULA_TRIGGERS``
    (a server-supplied tenant name ``=HYPERLINK(...)``, an error text ``-2+3+cmd|...``) is
    prefixed with ``'``, as OWASP advises, so the spreadsheet shows it as text; the ``'`` stays
    visible there. Every CSV the SDK writes goes through here, except a credentials export: a
    password must reach Smartlead or TenantCore exactly as it is, so none is ever written by
    [`Tabular.to_csv`][tenantlead.orchestration._render.Tabular.to_csv].
    """
    if value is None:
        return ""
    if isinstance(value, Enum):
        return csv_cell(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        text = format_datetime(value)
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, Mapping):
        text = json.dumps(jsonable(value), sort_keys=True)
    elif isinstance(value, list | tuple | set | frozenset):
        text = ", ".join(str(jsonable(v)) for v in value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """``records`` as CSV text (RFC 4180: comma, quoted as needed, CRLF), one column per name.

    The header is ``columns``; every cell goes through ``csv_cell``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in columns])
    writer.writerows([csv_cell(record.get(c)) for c in columns] for record in records)
    return buffer.getvalue()


def _record_keys(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[str]:
    """Every key of ``records`` in first-seen order (``columns`` when there are none)."""
    keys: list[str] = list(records[0]) if records else list(columns)
    for record in records[1:]:
        keys += [k for k in record if k not in keys]
    return keys


# ----------------------------------------------------------------------------- pandas


def _import_pandas() -> Any:
    try:
        import pandas as pd  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as exc:
        raise ImportError("to_pandas() needs pandas: pip install 'tenantlead[pandas]'") from exc
    return pd


def records_frame(
    records: Sequence[Mapping[str, Any]], *, columns: Sequence[str] = (), int_columns: Sequence[str] = ()
) -> Any:
    """``records`` as a ``pandas.DataFrame`` with dtypes that keep their meaning.

    Integer columns (ids, limits, counts) become pandas' nullable ``Int64`` (a missing value is
    ``<NA>``, not a float ``NaN``), booleans ``boolean``, datetimes ``datetime64[ns, UTC]``;
    the column names are the record keys. ``columns`` names the columns of an empty frame;
    ``int_columns`` are integer even when every value is missing.
    """
    pd = _import_pandas()
    keys = _record_keys(records, columns)
    data: dict[str, Any] = {}
    for key in keys:
        values = [r.get(key) for r in records]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, bool) for v in present):
            data[key] = pd.array(values, dtype="boolean")
        elif (present or key in int_columns) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in present
        ):
            data[key] = pd.array(values, dtype="Int64")
        elif present and all(isinstance(v, datetime) for v in present):
            data[key] = pd.to_datetime(pd.Series(values, dtype=object), utc=True).astype(
                "datetime64[ns, UTC]"
            )
        else:
            data[key] = pd.Series([_cell_value(v) for v in values], dtype=object)
    return pd.DataFrame(data, columns=keys)


def _cell_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


# ----------------------------------------------------------------------------- the view


@attrs.frozen(kw_only=True)
class View:
    """What a fleet, report, plan or result shows: headline, per-tenant summary, then its rows.

    Build with ``obj.show(rows=..., tenants=...)``; ``None`` shows everything. Renders as HTML in
    Jupyter and as text with ``str()``.
    """

    title: str
    headline: str
    summary: Sequence[Mapping[str, Any]] = ()
    summary_columns: Sequence[str] = ()
    rows: Sequence[Mapping[str, Any]] = ()
    columns: Sequence[str] = ()
    noun: str = "rows"
    max_rows: int | None = None
    max_tenants: int | None = None
    name: str = "obj"
    notes: Sequence[str] = ()
    #: A picture shown next to the summary (PNG bytes), and the call that draws it.
    picture: bytes | None = attrs.field(default=None, repr=False)
    picture_call: str = ""

    def _cut(self, records: Sequence[Mapping[str, Any]], limit: int | None) -> Sequence[Mapping[str, Any]]:
        return records if limit is None else records[:limit]

    def _caption(self, what: str, shown: int, total: int, more: str) -> str:
        if shown < total:
            return f"{what}: {shown:,} of {total:,} shown, problems first ({more} for all)"
        return f"{what}: all {total:,}, problems first" if total else f"{what}: none"

    def _captions(self) -> tuple[str, str]:
        tenants = self._caption(
            "Tenants",
            len(self._cut(self.summary, self.max_tenants)),
            len(self.summary),
            f"{self.name}.show(tenants=None)",
        )
        rows = self._caption(
            self.noun[:1].upper() + self.noun[1:],
            len(self._cut(self.rows, self.max_rows)),
            len(self.rows),
            f"{self.name}.show(rows=None) or {self.name}.to_pandas()",
        )
        return tenants, rows

    def _repr_html_(self) -> str:
        tenants_caption, rows_caption = self._captions()
        parts = [
            '<div class="tenantlead-view">',
            f"<p><strong>{html.escape(self.title)}</strong> {html.escape(self.headline)}</p>",
        ]
        if self.summary_columns:
            summary = (
                f"<div><p><em>{html.escape(tenants_caption)}</em></p>"
                + _html_table(self._cut(self.summary, self.max_tenants), self.summary_columns, scroll=False)
                + "</div>"
            )
            if self.picture is not None:
                image = base64.b64encode(self.picture).decode("ascii")
                alt = html.escape(self.picture_call or "picture")
                summary = (
                    '<div style="display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start">'
                    f'{summary}<div><img alt="{alt}" src="data:image/png;base64,{image}"/>'
                    f"<p><em>{alt}</em></p></div></div>"
                )
            parts.append(summary)
        parts.append(f"<p><em>{html.escape(rows_caption)}</em></p>")
        if self.rows:
            parts.append(_html_table(self._cut(self.rows, self.max_rows), self.columns, scroll=True))
        parts += [f"<p>note: {html.escape(n)}</p>" for n in self.notes]
        parts.append("</div>")
        return "".join(parts)

    def __str__(self) -> str:
        tenants_caption, rows_caption = self._captions()
        lines = [f"{self.title}: {self.headline}"]
        if self.summary_columns:
            lines += [
                tenants_caption,
                text_table(self._cut(self.summary, self.max_tenants), self.summary_columns),
            ]
        lines += [rows_caption]
        if self.rows:
            lines.append(text_table(self._cut(self.rows, self.max_rows), self.columns, max_rows=None))
        lines += [f"note: {n}" for n in self.notes]
        return escape_controls("\n".join(lines))


def _html_table(records: Sequence[Mapping[str, Any]], columns: Sequence[str], *, scroll: bool) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for record in records:
        style = _LEVEL_STYLE.get(problem_level(record) or "")
        attr = f' style="{style}"' if style else ""
        cells = "".join(f"<td>{html.escape(_cell(record.get(c)))}</td>" for c in columns)
        body.append(f"<tr{attr}>{cells}</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div style="max-height:30em;overflow:auto">{table}</div>' if scroll else table


class Tabular:
    """Mixin: subclasses implement ``to_records()`` and ``columns``.

    Optionally they add a per-tenant ``summary_records()`` (with ``summary_columns``) and
    ``view_records()`` (the rows in problems-first order, possibly with view-only columns).
    """

    #: The row columns shown by ``str()`` and the HTML view (records may hold more keys).
    columns: Sequence[str] = ()
    #: The per-tenant summary columns shown first (empty: no summary).
    summary_columns: Sequence[str] = ()
    #: Rows shown before "... N more" in text.
    max_display_rows: int = 50
    #: Rows and tenants the HTML view shows before "N of M shown".
    html_rows: int = 20
    html_tenants: int = 12
    #: What one row is, in captions ("mailboxes", "findings", "changes").
    row_noun: str = "rows"
    #: The variable name used in "see all" hints.
    view_name: str = "obj"
    #: Integer columns: ``Int64`` in `to_pandas` even when every value is missing.
    int_columns: Sequence[str] = ()

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per row, keyed by attribute names; datetimes stay datetimes.

        ``to_dict()`` / ``to_json()`` give the JSON form; `to_pandas` the DataFrame.
        """
        raise NotImplementedError

    def summary_records(self) -> list[dict[str, Any]]:
        """One record per tenant, problems first (empty when the object has no per-tenant view)."""
        return []

    def view_records(self) -> list[dict[str, Any]]:
        """The rows as the views show them: problems first."""
        return problems_first(self.to_records())

    def to_pandas(self) -> Any:
        """The records as a ``pandas.DataFrame`` (needs the ``pandas`` extra).

        Column names are the record keys (the attribute names); ids, limits and counts are
        nullable ``Int64``, flags ``boolean``, times ``datetime64[ns, UTC]``.
        """
        return records_frame(self.to_records(), columns=self.columns, int_columns=self.int_columns)

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str:
        """The records as CSV text for a spreadsheet; also written to ``path`` when given.

        One column per record key (the attribute names, as in `to_pandas`), comma separated,
        quoted as needed. Numbers stay numbers; text a spreadsheet would run as a formula (a
        tenant name or error text a server sent, starting with ``=``, ``+``, ``-``, ``@``, tab
        or CR) is prefixed with ``'`` (one function, ``csv_cell``, writes every CSV cell).
        The file is UTF-8 with a byte-order mark, which Excel needs to read accents and IDN
        domains right. `to_records` and `to_pandas` keep the values as they are: a
        ``DataFrame.to_csv()`` of them writes such text as live formulas.
        """
        records = self.to_records()
        text = csv_text(records, _record_keys(records, self.columns))
        if path is not None:
            Path(path).write_text(text, encoding="utf-8-sig", newline="")
        return text

    def to_dataframe(self) -> Any:
        """Same as ``to_pandas()`` (kept for 0.1 code)."""
        return self.to_pandas()

    def to_json(self, **kwargs: Any) -> str:
        """``to_dict()`` as a JSON string (``json.dumps`` keyword arguments are passed through)."""
        to_dict = getattr(self, "to_dict", None)
        payload = to_dict() if callable(to_dict) else self.to_records()
        return json.dumps(jsonable(payload), **kwargs)

    def table(self, *, max_rows: int | None = None) -> str:
        """The records as a text table (all rows when ``max_rows`` is None)."""
        return text_table(self.to_records(), list(self.columns), max_rows=max_rows)

    def show(self, rows: int | None = 20, tenants: int | None = 12) -> View:
        """The view: headline, per-tenant summary, then the rows, problems first.

        ``rows`` / ``tenants`` cap what is shown (``None``: everything). In Jupyter the object
        itself renders as ``show()``; ``obj.show(rows=None)`` shows every row.
        """
        return View(
            title=type(self).__name__,
            headline=self._html_summary(),
            summary=self.summary_records() if self.summary_columns else (),
            summary_columns=tuple(self.summary_columns),
            rows=self.view_records(),
            columns=tuple(self.columns),
            noun=self.row_noun,
            max_rows=rows,
            max_tenants=tenants,
            name=self.view_name,
            notes=self._view_notes(),
        )

    def _view_notes(self) -> tuple[str, ...]:
        return ()

    def _repr_html_(self) -> str:
        return self.show(rows=self.html_rows, tenants=self.html_tenants)._repr_html_()

    def _html_summary(self) -> str:
        return f"({len(self.to_records())} rows)"
