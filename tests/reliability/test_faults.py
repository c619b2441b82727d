"""Fault campaign: connect + align + apply for 500 mailboxes while both APIs misbehave.

The sandbox injects 5% 5xx, 429 bursts, 2% responses hung past the client timeout, 1% malformed
bodies and 1% errors inside 200 bodies on every route, plus lost responses on writes (the
world applies the write, the client sees a 5xx or a hang). Everything runs in-process on the
virtual clock. The promises checked: every item ends succeeded, skipped with a reason or failed
with its error; a second run converges to fully applied; no address gets two Smartlead
accounts; every planned value is what the sandbox holds afterwards.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from tenantlead import errors
from tenantlead.orchestration import ApplyResult, Change, Fleet, align_limits, connect
from tenantlead.sandbox import FaultRule, Sandbox
from tests.reliability._world import POLICY, build_world, clients, duplicates, live_accounts, lost_updates
from tests.reliability.conftest import Figures, table

MAILBOXES = 500
SEED = 20261126
#: Runs allowed under faults before the campaign must have converged.
MAX_RUNS = 6

RULES = (
    # Lost responses: the write lands, then the answer is replaced (tests reconcile-before-resend).
    FaultRule(api="*", method="POST", error_rate=0.02, hang_rate=0.01, apply="after"),
    FaultRule(api="*", method="PATCH", error_rate=0.02, hang_rate=0.01, apply="after"),
    FaultRule(
        api="*",
        error_rate=0.05,
        hang_rate=0.02,
        malformed_rate=0.01,
        error_in_body_rate=0.01,
        hang_seconds=60,
    ),
)


def _bursts(sb: Sandbox) -> None:
    # 429 bursts at the start of each phase, on both APIs.
    sb.faults.add(FaultRule(api="smartlead", rate_limit_burst=3, retry_after=2))
    sb.faults.add(FaultRule(api="tenantcore", rate_limit_burst=3, retry_after=1))


def _check_outcomes(result: ApplyResult) -> Counter[str]:
    counts: Counter[str] = Counter()
    for item in result.items:
        counts[item.status] += 1
        if item.status == "skipped":
            assert item.detail, f"skip without a reason: {item}"
        elif item.status == "failed":
            assert item.error is not None, f"failure without its error: {item}"
            assert item.detail, item
        else:
            assert item.status == "succeeded", item
    return counts


def _run(sb: Sandbox, planned: dict[tuple[str, str], Change]) -> dict[str, Any]:
    tc, sl = clients(sb)
    run: dict[str, Any] = {"connect": Counter(), "align": Counter(), "connect_planned": 0, "align_planned": 0}
    run["drift"] = 0
    try:
        _phases(sb, tc, sl, planned, run)
    except errors.APIError as exc:
        # A read the SDK does not retry (an error inside a 200, a wrong-shaped body) ends the run
        # with a documented error naming the call; the next run resumes from the fresh state.
        run["error_names_call"] = bool(exc.method and exc.url)
        run["aborted"] = f"{type(exc).__name__} on {exc.method} {urlsplit(exc.url).path}"
    finally:
        tc.close()
        sl.close()
    run.update(
        requests=tc.stats.requests + sl.stats.requests,
        retries=tc.stats.retries + sl.stats.retries,
        reconciled=tc.stats.reconciled + sl.stats.reconciled,
        rate_limited=tc.stats.rate_limited + sl.stats.rate_limited,
    )
    return run


def _phases(
    sb: Sandbox, tc: Any, sl: Any, planned: dict[tuple[str, str], Change], run: dict[str, Any]
) -> None:
    if True:
        fleet = Fleet.load(tc, sl)
        cplan = connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY)
        run["connect_planned"] = len(cplan.to_create) + len(cplan.to_update)
        cres = cplan.apply(sl=sl)
        run["connect"] = _check_outcomes(cres)
        _bursts(sb)
        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        lplan = align_limits(fleet, POLICY)
        for change in lplan.changes:
            planned[(change.subject, change.field)] = change
        run["align_planned"] = len(lplan.changes)
        lres = lplan.apply(tc=tc, sl=sl)
        run["align"] = _check_outcomes(lres)
        run["drift"] = len(lres.drift)


def _converged(sb: Sandbox) -> tuple[int, int]:
    tc, sl = clients(sb)
    with tc, sl:
        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        return (
            len(connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY).to_create),
            len(align_limits(fleet, POLICY)),
        )


def test_500_mailboxes_under_faults_converge_without_duplicates_or_lost_updates(figures: Figures) -> None:
    sb = build_world(SEED, MAILBOXES)
    assert len(sb.tc_account.mailboxes) == MAILBOXES
    for rule in RULES:
        sb.faults.add(rule)
    _bursts(sb)
    planned: dict[tuple[str, str], Change] = {}

    runs: list[dict[str, Any]] = []
    while len(runs) < MAX_RUNS:
        runs.append(_run(sb, planned))
        assert duplicates(sb) == {}
        last = runs[-1]
        if "aborted" not in last and not last["connect"]["failed"] and not last["align"]["failed"]:
            break
    faults_total = dict(sb.faults.stats)
    completed = [r for r in runs if "aborted" not in r]
    # The faults really happened, and every one of them was survived or reported.
    assert faults_total.get("error", 0) > 20
    assert faults_total.get("hang", 0) > 5
    assert faults_total.get("malformed", 0) > 0
    assert faults_total.get("error_in_body", 0) > 0
    assert faults_total.get("rate_limit", 0) > 0
    assert completed, runs
    assert "aborted" not in runs[-1], runs
    assert runs[-1]["connect"]["failed"] == runs[-1]["align"]["failed"] == 0
    assert all(r["error_names_call"] for r in runs if "aborted" in r)

    sb.faults.clear()
    assert _converged(sb) == (0, 0)  # nothing left to connect, nothing left to align
    assert len(live_accounts(sb)) == MAILBOXES
    assert duplicates(sb) == {}
    assert lost_updates(sb, planned) == []

    rows = []
    for number, run in enumerate(runs, 1):
        c, a = run["connect"], run["align"]
        rows.append(
            (
                number,
                run["requests"],
                run["retries"],
                run["reconciled"],
                run["rate_limited"],
                f"{c['succeeded']}/{c['skipped']}/{c['failed']}" if c else "-",
                f"{a['succeeded']}/{a['skipped']}/{a['failed']}" if a else "-",
                run["drift"],
                run.get("aborted", "completed"),
            )
        )
    kinds = ("error", "rate_limit", "hang", "malformed", "error_in_body")
    figures.record(
        "faults",
        f"## Fault campaign: {MAILBOXES} mailboxes, connect + align + apply (seed {SEED})\n\n"
        "Rules: 5% 5xx, 2% hung past the timeout, 1% malformed, 1% error-in-200 on every route; "
        "2% 5xx + 1% hang *after* the write landed on POST/PATCH; 429 bursts at each phase.\n\n"
        + table(
            (
                "run",
                "HTTP attempts",
                "retries",
                "reconciled creates",
                "429s",
                "connect ok/skip/fail",
                "align ok/skip/fail",
                "drift",
                "run ended",
            ),
            rows,
        )
        + "\n"
        + table(
            ("faults injected", *kinds, "total"),
            [
                (
                    f"runs 1-{len(runs)}",
                    *(faults_total.get(k, 0) for k in kinds),
                    sum(faults_total.get(k, 0) for k in kinds),
                )
            ],
        )
        + f"\nAfter run {len(runs)}: {len(live_accounts(sb))} Smartlead accounts for {MAILBOXES} mailboxes, "
        f"0 duplicate accounts, 0 lost updates across {len(planned)} planned values, "
        "and a fresh plan finds nothing left to connect or align.\n",
    )
