"""The troubleshooting Report, CheckPolicy, troubleshoot()'s arguments, the catalogue and its docs page."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tenantlead.orchestration import CHECKS, CheckPolicy, Finding, Report, Severity, troubleshoot
from tests.orchestration.factories import NOW, TENANT_A, TENANT_B, account, build_fleet, event, mailbox

DOCS = Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md"


def problem_fleet():  # type: ignore[no-untyped-def]
    """Tenant A: one over the limit (error), one without a limit (warning), one unconnected (info);
    tenant B: one over the limit."""
    return build_fleet(
        {
            TENANT_A: [
                mailbox("anna@acme-mail.com"),
                mailbox("ben@acme-mail.com", daily_send_limit=None),
                mailbox("cleo@acme-mail.com"),
            ],
            TENANT_B: [mailbox("bob@bright-mail.com")],
        },
        [
            account("anna@acme-mail.com", message_per_day=40),
            account("ben@acme-mail.com"),
            account("bob@bright-mail.com", message_per_day=30, client_id=502),
        ],
    )


def test_findings_are_sorted_errors_first_then_by_code() -> None:
    report = troubleshoot(problem_fleet())

    assert [(f.severity.value, f.code, f.subject) for f in report.findings] == [
        ("error", "TL301", "anna@acme-mail.com"),
        ("error", "TL301", "bob@bright-mail.com"),
        ("warning", "TL106", "ben@acme-mail.com"),
        ("info", "TL201", "cleo@acme-mail.com"),
    ]


def test_report_views() -> None:
    report = troubleshoot(problem_fleet())

    assert report.has_errors
    assert not report.ok
    assert [f.subject for f in report.errors] == ["anna@acme-mail.com", "bob@bright-mail.com"]
    assert [f.code for f in report.warnings] == ["TL106"]
    assert [f.code for f in report.infos] == ["TL201"]
    assert report.codes() == {"TL301", "TL106", "TL201"}
    assert report.summary() == {"TL106": 1, "TL201": 1, "TL301": 2}
    assert list(report.by_code()) == ["TL106", "TL201", "TL301"]
    assert report.severity_counts() == {"error": 2, "warning": 1, "info": 1}
    assert len(report) == 4
    assert bool(troubleshoot(build_fleet([]))) is True  # an empty report is still a report


def test_filter_by_code_severity_tenant_and_subject() -> None:
    report = troubleshoot(problem_fleet())

    assert [f.subject for f in report.filter(tenant=TENANT_B)] == ["bob@bright-mail.com"]
    assert report.filter(code="tl106").codes() == {"TL106"}
    assert report.filter(code=["TL106", "TL201"]).summary() == {"TL106": 1, "TL201": 1}
    assert report.filter(severity="error").codes() == {"TL301"}
    assert report.filter(severity=[Severity.WARNING, "info"]).codes() == {"TL106", "TL201"}
    assert len(report.filter(subject="ANNA@acme-mail.com")) == 1
    assert report.filter(code="TL301", tenant=TENANT_A).has_errors
    assert not report.filter(severity="info").has_errors


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"code": "TL999"}, "unknown check code"), ({"severity": "fatal"}, "use 'error', 'warning' or 'info'")],
)
def test_filter_rejects_unknown_values(kwargs: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        troubleshoot(problem_fleet()).filter(**kwargs)  # type: ignore[arg-type]


def test_text_groups_by_code_with_counts_messages_and_fixes() -> None:
    text = str(troubleshoot(problem_fleet()))
    lines = text.splitlines()

    assert lines[0] == "Troubleshooting: 4 findings: 2 errors, 1 warnings, 1 info (3 codes)"
    assert lines[1] == "ERROR   TL301 Smartlead limit above the TenantCore limit (2)"
    assert "anna@acme-mail.com: Smartlead sends up to 40/day but Exchange blocks after 25" in lines[2]
    assert "bob@bright-mail.com: Smartlead sends up to 30/day but Exchange blocks after 25" in lines[3]
    # Two different per-account fixes (ids): the group shows the catalogue's general fix once.
    assert lines[4].strip() == "fix: " + CHECKS["TL301"].fix
    assert lines[5].startswith("WARNING TL106 ben@acme-mail.com: no daily_send_limit stored")
    assert lines[7].startswith("INFO    TL201 cleo@acme-mail.com")


def test_text_cuts_long_groups() -> None:
    boxes = [mailbox(f"u{i}@acme{i // 3}.com") for i in range(9)]

    text = str(troubleshoot(build_fleet(boxes), codes="TL201"))

    assert "TL201 Mailbox not connected to Smartlead (9)" in text
    assert "... and 6 more (report.filter(code='TL201'))" in text


def test_healthy_text_and_repr() -> None:
    report = troubleshoot(build_fleet([mailbox("anna@acme-mail.com")], [account("anna@acme-mail.com")]))

    assert str(report) == "Troubleshooting: no problems found (35 checks)"
    assert repr(report) == "<Report no problems found (35 checks)>"


def test_to_dict_is_json_ready_with_details() -> None:
    fleet = build_fleet(
        [mailbox("anna@acme-mail.com", blocked_at=NOW - timedelta(minutes=30), sends_today=26)],
        [account("anna@acme-mail.com")],
        events=[event("anna@acme-mail.com", at=NOW - timedelta(minutes=30))],
    )

    data = json.loads(json.dumps(troubleshoot(fleet).to_dict()))

    assert data["has_errors"] is True
    assert data["counts"] == {"error": 1, "warning": 0, "info": 0}
    assert data["summary"] == {"TL102": 1}
    [finding] = data["findings"]
    assert finding["code"] == "TL102"
    assert finding["severity"] == "error"
    assert finding["details"]["blocked_at"] == "2026-11-26T11:30:00Z"
    assert finding["details"]["mailbox_id"] == "mbx-anna@acme-mail.com"
    assert data["loaded_at"] == "2026-11-26T12:00:00Z"
    assert json.loads(troubleshoot(fleet).to_json())["summary"] == {"TL102": 1}


def test_records_and_html() -> None:
    report = troubleshoot(problem_fleet())

    records = report.to_records()
    html = report._repr_html_()

    assert records[0] == {
        "severity": "error",
        "code": "TL301",
        "tenant_name": "Acme Dental",
        "subject": "anna@acme-mail.com",
        "subject_kind": "mailbox",
        "tenant_id": TENANT_A,
        "message": "Smartlead sends up to 40/day but Exchange blocks after 25",
        "fix": records[0]["fix"],
    }
    assert "max_email_per_day=25" in records[0]["fix"]
    assert html.startswith('<div class="tenantlead-view"><p><strong>Report</strong> 4 findings: 2 errors')
    # Header + one summary row per tenant (2), then header + the 4 findings, errors first.
    assert html.count("<tr") == 1 + 2 + 1 + 4
    assert html.index("<td>TL301</td>") < html.index("<td>TL106</td>")
    assert 'style="background:#fde2e1"><td>error</td><td>TL301</td>' in html


def test_html_escapes_subjects() -> None:
    finding = Finding(
        code="TL201",
        severity=Severity.INFO,
        subject="<b>x</b>@acme.com",
        subject_kind="mailbox",
        tenant_id=None,
        message="m",
        fix="f",
    )

    assert "&lt;b&gt;x&lt;/b&gt;@acme.com" in Report(findings=(finding,))._repr_html_()


def test_findings_are_frozen_and_hashable() -> None:
    [finding] = troubleshoot(problem_fleet(), codes="TL106").findings

    with pytest.raises(AttributeError):
        finding.code = "TL999"  # type: ignore[misc]
    assert len({finding, finding}) == 1


# ----------------------------------------------------------------------------- troubleshoot()


def test_codes_selects_checks_case_insensitively() -> None:
    report = troubleshoot(problem_fleet(), codes=["tl106", " TL201 "])

    assert report.checked == ("TL106", "TL201")
    assert report.codes() == {"TL106", "TL201"}


@pytest.mark.parametrize(
    ("codes", "error", "words"),
    [
        (["TL301", "TL999"], ValueError, r"unknown check code\(s\) \['TL999'\]; known codes: TL101"),
        ([], ValueError, "codes is empty"),
        ([301], TypeError, "codes must be a string or strings"),
    ],
)
def test_bad_codes_say_what_to_fix(codes: list[object], error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        troubleshoot(problem_fleet(), codes=codes)  # type: ignore[arg-type]


def test_policy_must_be_a_check_policy() -> None:
    with pytest.raises(TypeError, match="policy must be a CheckPolicy"):
        troubleshoot(problem_fleet(), policy={"tenant_daily_budget": 10})  # type: ignore[arg-type]


def test_troubleshoot_does_not_change_the_fleet() -> None:
    fleet = problem_fleet()
    before = fleet.to_records()

    troubleshoot(fleet)

    assert fleet.to_records() == before


# ----------------------------------------------------------------------------- CheckPolicy


def test_policy_defaults_follow_the_guidance() -> None:
    policy = CheckPolicy()

    assert policy.propagation == timedelta(minutes=5)
    assert policy.tenant_daily_budget == 900
    assert policy.recent_block_window == timedelta(hours=24)
    assert policy.sending_window_minutes == 480
    assert policy.min_gap_minutes == 10
    assert (policy.max_domains_per_tenant, policy.max_mailboxes_per_domain) == (12, 3)
    assert policy.assumed_warmup_per_day is None


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"tenant_daily_budget": 0}, "tenant_daily_budget must be a positive whole number, got 0"),
        ({"min_gap_minutes": 2.5}, "min_gap_minutes must be a positive whole number"),
        ({"max_mailboxes_per_domain": True}, "max_mailboxes_per_domain must be a positive whole number"),
        ({"propagation": 300}, "propagation must be a positive datetime.timedelta, got 300"),
        ({"recent_block_window": timedelta(0)}, "recent_block_window must be a positive"),
        ({"assumed_warmup_per_day": -1}, "assumed_warmup_per_day must be None or a whole number >= 0"),
    ],
)
def test_policy_rejects_bad_thresholds(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        CheckPolicy(**kwargs)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- catalogue and docs


def test_catalogue_lists_every_contract_code_with_sensible_severities() -> None:
    expected = (
        [f"TL10{i}" for i in range(1, 10)]
        + ["TL110"]
        + [f"TL20{i}" for i in range(1, 5)]
        + ["TL206"]
        + [f"TL30{i}" for i in range(1, 6)]
        + [f"TL4{i:02d}" for i in range(1, 16)]
    )

    assert list(CHECKS) == expected
    severities = {code: check.severity.value for code, check in CHECKS.items()}
    assert {c for c, s in severities.items() if s == "error"} >= {"TL102", "TL202", "TL301"}
    assert {severities[c] for c in ("TL302", "TL304", "TL106")} == {"warning"}
    assert severities["TL105"] == "info"
    assert all(check.title and check.description and check.fix for check in CHECKS.values())


def test_catalogue_lookup_and_listing() -> None:
    assert CHECKS["tl301"].code == "TL301"
    with pytest.raises(KeyError, match="unknown check code 'TL999'"):
        CHECKS["TL999"]
    listing = str(CHECKS)
    assert listing.splitlines()[0].split() == ["code", "severity", "subject", "title"]
    assert len(listing.splitlines()) == 2 + len(CHECKS)
    assert "TL305" in repr(CHECKS)


def test_docs_page_embeds_the_current_catalogue() -> None:
    text = DOCS.read_text(encoding="utf-8")

    assert CHECKS.to_markdown() in text, (
        "docs/troubleshooting.md is stale: paste CHECKS.to_markdown() into it"
    )
    for check in CHECKS.values():
        assert f"| {check.code} | {check.severity.value} |" in text


def test_docs_thresholds_match_the_policy_defaults() -> None:
    text = DOCS.read_text(encoding="utf-8")
    policy = CheckPolicy()

    for field in ("propagation", "tenant_daily_budget", "recent_block_window", "sending_window_minutes"):
        assert f"`{field}`" in text
    assert f"{policy.tenant_daily_budget} sends/day" in text
    assert f"| `min_gap_minutes` | {policy.min_gap_minutes} |" in text
