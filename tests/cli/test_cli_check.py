"""``tenantlead check``: the nightly job, and every exit code it documents (docs/cli.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tenantlead.cli import _exit
from tenantlead.sandbox import Sandbox
from tenantlead.sandbox.faults import FaultRule
from tests.cli.conftest import Run

CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _check(run: Run, *argv: str) -> tuple[int, dict, str]:
    code, out, err = run("--sandbox", "check", "--json", *argv)
    return code, json.loads(out), err


def test_check_apply_json_is_one_document_and_the_next_day_has_no_ndrs(sb: Sandbox, run: Run) -> None:
    code, doc, _ = _check(run, "--apply")
    # The demo fleet keeps findings the plan cannot fix (disabled mailboxes, DNS, ...): exit 1.
    assert code == doc["exit_code"] == _exit.FINDINGS
    assert doc["status"] == "findings"
    assert list(doc) == [
        "exit_code",
        "status",
        "fail_on",
        "ignored",
        "failing",
        "fleet",
        "doctor_before",
        "plan",
        "applied",
        "result",
        "doctor_after",
    ]
    assert doc["applied"] is True
    assert doc["result"]["counts"]["failed"] == 0
    before, after = doc["doctor_before"]["summary"], doc["doctor_after"]["summary"]
    assert {"TL301", "TL302", "TL304"} <= set(before)
    assert not {"TL301", "TL302", "TL304"} & set(after)  # doctor again: the limits findings are gone
    # What Exchange does the next day: no mailbox the plan aligned is blocked.
    day = sb.simulate_day()
    assert day.ndrs == 0
    assert day.enforcement_blocks == 0
    # A second run plans nothing.
    code, doc, _ = _check(run, "--apply")
    assert doc["plan"]["changes"] == []
    assert doc["result"] is None


def test_check_loads_the_fleet_once(sb: Sandbox, run: Run) -> None:
    seen: list[str] = []
    original = sb.dispatch

    def counting(api, req):  # type: ignore[no-untyped-def]
        seen.append(f"{api} {req.method} {req.path}")
        return original(api, req)

    sb.dispatch = counting  # type: ignore[method-assign]
    run("--sandbox", "check")
    tenant_lists = [s for s in seen if s.endswith("GET /v1/tenants")]
    assert len(tenant_lists) == 1
    assert not any(" POST " in s or " PATCH " in s for s in seen)  # without --apply nothing is written


def test_ok_when_every_finding_is_ignored_and_fail_on_picks_the_severity(sb: Sandbox, run: Run) -> None:
    _, doc, _ = _check(run)
    found = doc["doctor_before"]["summary"]
    ignore = [arg for code in found for arg in ("--ignore", code)]
    code, doc, _ = _check(run, *ignore)
    assert code == doc["exit_code"] == _exit.OK
    assert doc["failing"] == []
    assert doc["ignored"] == list(found)
    # --fail-on error: warnings (and info) do not fail; errors still do.
    errors = [c for c, n in doc["doctor_before"]["summary"].items() if _severity(doc, c) == "error"]
    keep = [arg for c in errors for arg in ("--ignore", c)]
    code, doc, _ = _check(run, "--fail-on", "error", *keep)
    assert code == _exit.OK
    assert doc["doctor_before"]["counts"]["warning"] > 0
    code, _, _ = _check(run, "--fail-on", "warning", *keep)
    assert code == _exit.FINDINGS


def _severity(doc: dict, code: str) -> str:
    return next(f["severity"] for f in doc["doctor_before"]["findings"] if f["code"] == code)


def test_usage_errors_exit_2_with_a_json_error_object(sb: Sandbox, run: Run) -> None:
    code, out, err = run("--sandbox", "check", "--json", "--ignore", "TL999")
    assert code == _exit.USAGE
    error = json.loads(out)["error"]
    assert error["exit_code"] == _exit.USAGE
    assert "unknown check code 'TL999'" in error["message"]
    assert error["hint"]
    assert "error: unknown check code" in err


def test_a_drastic_plan_is_refused_without_allow_drastic(sb: Sandbox, run: Run) -> None:
    before = {a.id: a.message_per_day for a in sb.sl_user.accounts.values()}
    code, out, _ = run("--sandbox", "check", "--json", "--apply", "--headroom", "30")
    assert code == _exit.USAGE
    error = json.loads(out)["error"]
    assert error["type"] == "DrasticPlanError"
    assert "limit(s) to 0" in error["message"]
    assert "--allow-drastic" in error["hint"]
    assert error["cuts"]
    assert {a.id: a.message_per_day for a in sb.sl_user.accounts.values()} == before  # nothing written
    # The plan alone says so, with the count.
    code, out, _ = run("--sandbox", "align", "--headroom", "30")
    cuts = json.loads(run("--sandbox", "align", "--json", "--headroom", "30")[1])["plan"]["cuts"]
    zero = sum(1 for c in cuts if c["kind"] == "zero")
    assert zero > 0
    assert f"sets {zero} limit(s) to 0" in out
    code, out, _ = run("--sandbox", "check", "--json", "--apply", "--headroom", "30", "--allow-drastic")
    assert json.loads(out)["applied"] is True


def test_failed_writes_exit_3(sb: Sandbox, run: Run) -> None:
    sb.faults.add(FaultRule(api="smartlead", route="/api/v1/email-accounts/*", method="POST", error_rate=1.0))
    code, doc, _ = _check(run, "--apply")
    assert code == doc["exit_code"] == _exit.FAILED
    assert doc["status"] == "failed"
    assert doc["result"]["counts"]["failed"] > 0


def test_an_unreachable_api_exits_4_with_a_json_error_object(sb: Sandbox, run: Run) -> None:
    sb.faults.add(FaultRule(api="tenantcore", error_rate=1.0))
    code, out, err = run("--sandbox", "check", "--json")
    assert code == _exit.UNREACHABLE
    error = json.loads(out)["error"]
    assert error["api"] == "tenantcore"
    assert error["exit_code"] == _exit.UNREACHABLE
    assert "tenantcore" in err


def test_every_command_prints_a_json_error_object(sb: Sandbox, run: Run) -> None:
    sb.faults.add(FaultRule(api="tenantcore", error_rate=1.0))
    for command in ("status", "doctor", "align", "check"):
        code, out, _ = run("--sandbox", command, "--json")
        assert code == _exit.UNREACHABLE
        assert json.loads(out)["error"]["exit_code"] == _exit.UNREACHABLE


def test_doctor_fail_on_lets_warnings_pass(sb: Sandbox, run: Run) -> None:
    _, out, _ = run("--sandbox", "doctor", "--json")
    report = json.loads(out)
    errors = sorted({f["code"] for f in report["findings"] if f["severity"] == "error"})
    ignore = [arg for c in errors for arg in ("--ignore", c)]
    assert run("--sandbox", "doctor", "--fail-on", "warning", *ignore)[0] == _exit.FINDINGS
    assert run("--sandbox", "doctor", "--fail-on", "error", *ignore)[0] == _exit.OK


def test_the_documented_exit_codes_are_the_codes_in_use() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    start = text.index("## Exit codes")
    table = text[start : text.index("\n## ", start + 1)]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.M)}
    in_code = {getattr(_exit, name) for name in _exit.__all__}
    assert documented == in_code
