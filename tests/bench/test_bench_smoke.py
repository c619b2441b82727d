"""Every benchmark scenario at tiny scale, so ``make bench`` cannot rot between runs.

No timing is asserted (timings belong to ``make bench`` on a quiet machine); what is asserted is
that each scenario writes its result file with the documented keys, the report is regenerated,
and the request-count targets hold exactly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.__main__ import SCENARIOS, main, run_all
from bench._bounds import chain_bound, earliest_starts, rate_bound
from bench._common import SCALES
from bench.naive_baseline import align_naively
from bench.scenarios.fleet_load import expected_requests, spec_for
from tenantlead._core.pager import DEFAULT_READ_AHEAD

RESULT_KEYS = {
    "scenario",
    "title",
    "scale",
    "machine",
    "python",
    "parameters",
    "metrics",
    "counts",
    "targets",
}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("bench")
    report = out / "RESULTS.md"
    run_all(SCALES["tiny"], results_dir=out, report=report)
    loaded = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    return out, report, loaded


def test_every_scenario_writes_its_result_file(
    tiny_run: tuple[Path, Path, dict[str, dict[str, Any]]],
) -> None:
    _, _, loaded = tiny_run
    assert set(loaded) == set(SCENARIOS)
    for name, data in loaded.items():
        assert set(data) >= RESULT_KEYS, name
        assert data["scenario"] == name
        assert data["scale"] == "tiny"
        assert data["machine"]["python"] == data["python"]
        assert data["targets"], name
        for metric, stats in data["metrics"].items():
            assert stats["min"] <= stats["median"] <= stats["max"], f"{name}.{metric}"
            assert stats["unit"], f"{name}.{metric}"


def test_report_lists_every_scenario_with_its_targets(
    tiny_run: tuple[Path, Path, dict[str, dict[str, Any]]],
) -> None:
    _, report, loaded = tiny_run
    text = report.read_text()
    for name, data in loaded.items():
        assert f"`{name}`" in text
        for target in data["targets"]:
            assert target["target"].replace("|", "\\|") in text


def test_fleet_load_makes_exactly_the_targeted_requests(
    tiny_run: tuple[Path, Path, dict[str, dict[str, Any]]],
) -> None:
    data = tiny_run[2]["fleet_load"]
    spec = spec_for(SCALES["tiny"])
    expected = expected_requests(spec)
    assert expected["tenantcore"] == 1 + 2 * spec.tenants + 1
    for mode in ("sync", "sync_threaded", "async"):
        for run in data["counts"][mode]["runs"]:
            assert run["tenantcore_requests"] == expected["tenantcore"]
            pages = spec.mailboxes // 100 + 1
            if mode == "sync":  # one page at a time: exactly the pages
                assert run["smartlead_requests"] == pages
            else:  # read ahead: never more than the depth past the end
                assert pages <= run["smartlead_requests"] <= pages + DEFAULT_READ_AHEAD
            assert run["unrecovered_429"] == 0
            assert run["rows"] == spec.mailboxes


def test_align_apply_writes_in_bulk_and_matches_the_naive_outcome(
    tiny_run: tuple[Path, Path, dict[str, dict[str, Any]]],
) -> None:
    data = tiny_run[2]["align_apply"]
    whole = data["counts"]["full_fleet"]
    changed = data["parameters"]["changed_accounts_full"]
    assert changed > 0
    assert whole["changed_accounts"] == changed
    assert whole["apply_smartlead_writes"] == math.ceil(changed / 100)
    assert whole["failed"] == 0
    small = data["parameters"]["changed_accounts_comparison"]
    for naive in data["counts"]["naive"]:
        assert naive["updated"] == small
        assert naive["smartlead_writes"] == small  # one update per changed account
    for ours in data["counts"]["tenantlead"]:
        assert ours["apply_smartlead_writes"] == math.ceil(small / 100)


def test_memory_child_loaded_the_whole_fleet(tiny_run: tuple[Path, Path, dict[str, dict[str, Any]]]) -> None:
    data = tiny_run[2]["memory"]
    spec = spec_for(SCALES["tiny"])
    assert all(run["rows"] == spec.mailboxes for run in data["counts"]["runs"])
    assert all(run["peak_mb"] >= run["imported_mb"] > 0 for run in data["counts"]["runs"])


def test_cli_rejects_an_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--scale", "tiny", "--only", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_bounds_follow_the_sliding_windows() -> None:
    # 20 per 2 s: the 21st request cannot start before 2 s, the 41st before 4 s.
    starts = earliest_starts(41, [(600, 60.0), (20, 2.0)])
    assert starts[19] == 0.0
    assert starts[20] == 2.0
    assert starts[40] == 4.0
    assert rate_bound(41, [(20, 2.0)], 0.05) == pytest.approx(4.05)
    # A sequential chain also waits one latency per request.
    assert chain_bound(3, [(20, 2.0)], 0.1) == pytest.approx(0.3)
    assert rate_bound(0, [(20, 2.0)], 0.1) == 0.0


def test_naive_baseline_sleeps_on_retry_after_and_resends() -> None:
    answers = iter(
        [
            httpx.Response(200, json={"tenants": []}),
            httpx.Response(
                429, headers={"retry-after": "3"}, json={"error": {"code": "RATE_LIMIT_EXCEEDED"}}
            ),
            httpx.Response(200, json=[]),
        ]
    )
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return next(answers)

    sleeps: list[float] = []
    result = align_naively(
        "http://tc.test/v1",
        "tc_live_" + "0" * 48,
        "http://sl.test/api/v1",
        "k",
        sleep=sleeps.append,
        transport=httpx.MockTransport(handler),
    )
    assert sleeps == [3.0]
    assert result.rate_limited == 1
    assert seen == ["/v1/tenants", "/api/v1/email-accounts/", "/api/v1/email-accounts/"]


def test_real_limits_story_connects_and_aligns_like_the_naive_scripts(
    tiny_run: tuple[Path, Path, dict[str, dict[str, Any]]],
) -> None:
    data = tiny_run[2]["real_limits"]
    mailboxes = data["parameters"]["mailboxes"]
    ours, naive = data["counts"]["tenantlead"], data["counts"]["naive"]
    assert data["parameters"]["rate_limits"] == [[60, 60.0], [10, 2.0]]
    # One save per mailbox plus one read-back walk (pages, a few read ahead).
    assert ours["connect"]["succeeded"] == naive["connect"]["updated"] == mailboxes
    pages = mailboxes // 100 + 1
    assert (
        mailboxes + pages <= ours["connect"]["smartlead_requests"] <= mailboxes + pages + DEFAULT_READ_AHEAD
    )
    assert naive["connect"]["smartlead_requests"] == 2 * mailboxes  # save + GET each
    for job in ("align", "nightly"):
        assert ours[job]["changed_match_raised"] is True
        assert ours[job]["changed_accounts"] == naive[job]["updated"] == ours[job]["raised"] > 0
        assert ours[job]["failed"] == ours[job]["drift"] == 0
        # Warmup volumes connect wrote are taken from the cache: no per-account GET.
        assert ours[job]["warmup_assumed"] == mailboxes
    assert all(ours[job]["smartlead_429"] == 0 for job in ours)
    target = next(t for t in data["targets"] if t["name"] == "same outcome as the naive scripts")
    assert target["met"] is True


def test_oauth_connect_signs_each_mailbox_in_once_and_saves_it_once(
    tiny_run: tuple[Path, Path, dict[str, dict[str, Any]]],
) -> None:
    data = tiny_run[2]["oauth_connect"]
    mailboxes = data["parameters"]["mailboxes"]
    job, held = data["counts"]["connect"], data["counts"]["smartlead_after"]
    assert data["parameters"]["rate_limits"] == [[60, 60.0], [10, 2.0]]
    # Microsoft, by the identity platform's own log: one password grant and one preflight each.
    assert job["microsoft_password_grants"] == job["microsoft_refresh_grants"] == mailboxes
    assert job["microsoft_requests"] == 2 * mailboxes
    assert job["microsoft_per_mailbox"] == 2.0
    # Smartlead: exactly one save-oauth per mailbox, then the read-back: at most one read by id
    # per mailbox and one walk of the list (a few pages read ahead past its end).
    pages = mailboxes // 100 + 1
    assert job["smartlead_saves"] == mailboxes
    assert job["smartlead_reads_by_id"] <= mailboxes
    assert pages <= job["smartlead_list_pages"] <= pages + DEFAULT_READ_AHEAD
    assert job["smartlead_requests"] == mailboxes + job["smartlead_reads_by_id"] + job["smartlead_list_pages"]
    # TenantCore: the load only.
    assert data["counts"]["load"]["tenantcore_requests"] == 1 + 2 * data["parameters"]["tenants"] + 1
    assert job["tenantcore_requests"] == 0
    # Each mailbox connected once, as a connected OUTLOOK account; a re-run creates nothing.
    assert job["succeeded"] == job["planned"] == mailboxes
    assert job["failed"] == job["drift"] == 0
    assert held["accounts"] == held["mailboxes_connected_once"] == held["outlook_connected"] == mailboxes
    assert held["duplicates"] == 0
    assert data["counts"]["rerun"]["planned"] == 0
    assert job["smartlead_429"] == job["microsoft_429"] == 0
    assert 0 <= job["microsoft_only_s"] <= job["wall_s"]
    met = {t["name"]: t["met"] for t in data["targets"]}
    assert met["Microsoft token requests per mailbox"] is True
    assert met["every mailbox connected once, no duplicate account"] is True
    assert met["429s at the real limits"] is True


def test_microsoft_bound_and_microsoft_only_time() -> None:
    from bench.scenarios.oauth_connect import microsoft_bound, microsoft_only_time

    # 3 tenants of 5 mailboxes, 2 at once after the first: 1 + 2 rounds each; 2 tenants at once
    # -> 2 batches of 3 rounds, 2 token requests per round.
    assert microsoft_bound([5, 5, 5], per_tenant=2, tenants_at_once=2, latency=0.5) == pytest.approx(6.0)
    assert microsoft_bound([], per_tenant=2, tenants_at_once=8, latency=0.5) == 0.0
    spans = [
        ("microsoft", 0.0, 2.0),
        ("microsoft", 1.0, 3.0),  # overlaps the first: counted once
        ("smartlead", 2.5, 5.0),
        ("microsoft", 4.0, 6.0),
        ("tenantcore", 6.0, 9.0),  # neither API: ignored
        ("microsoft", 8.0, 12.0),  # clipped at the window's end
    ]
    # Microsoft alone: 0-2.5, 5-6, 8-10.
    assert microsoft_only_time(spans, 0.0, 10.0) == pytest.approx(5.5)


def test_virtual_loop_skips_idle_time_and_overlaps_concurrent_waits() -> None:
    import asyncio

    from bench._virtual import run_virtual
    from tenantlead.sandbox import VirtualClock

    clock = VirtualClock()

    async def story() -> list[float]:
        seen: list[float] = []

        async def wait(seconds: float) -> None:
            await asyncio.sleep(seconds)
            seen.append(clock.monotonic())

        await asyncio.gather(wait(3600.0), wait(60.0), wait(7200.0))
        return seen

    assert run_virtual(story(), clock) == [pytest.approx(60.0), pytest.approx(3600.0), pytest.approx(7200.0)]
    assert clock.monotonic() == pytest.approx(7200.0)  # concurrent waits overlap: not their sum


def test_the_readme_figures_are_the_committed_real_limit_results() -> None:
    from bench._common import README_PATH, RESULTS_DIR
    from bench._report import README_END, README_START, readme_block

    text = README_PATH.read_text(encoding="utf-8")
    block = text[text.index(README_START) + len(README_START) : text.index(README_END)].strip()
    result = json.loads((RESULTS_DIR / "real_limits.json").read_text(encoding="utf-8"))
    assert result["scale"] == "full"
    assert block == readme_block(result)


def test_the_readme_oauth_figures_are_the_committed_oauth_connect_results() -> None:
    from bench._common import README_PATH, RESULTS_DIR
    from bench._report import OAUTH_README_END, OAUTH_README_START, oauth_readme_block

    text = README_PATH.read_text(encoding="utf-8")
    block = text[text.index(OAUTH_README_START) + len(OAUTH_README_START) : text.index(OAUTH_README_END)]
    result = json.loads((RESULTS_DIR / "oauth_connect.json").read_text(encoding="utf-8"))
    assert result["scale"] == "full"
    assert block.strip() == oauth_readme_block(result)


def test_update_readme_rewrites_only_the_marked_block(
    tiny_run: tuple[Path, Path, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    from bench._report import OAUTH_README_END, OAUTH_README_START, README_END, README_START, update_readme

    readme = tmp_path / "README.md"
    readme.write_text(
        f"# Title\n\n{README_START}\nold figures\n{README_END}\n{OAUTH_README_START}\nold oauth\n"
        f"{OAUTH_README_END}\n- kept\n",
        encoding="utf-8",
    )
    assert update_readme(tiny_run[0], readme)
    text = readme.read_text(encoding="utf-8")
    assert "old figures" not in text
    assert "old oauth" not in text
    assert "At Smartlead's documented limits" in text
    assert "over OAuth with the SDK's own Microsoft sign-in" in text
    assert text.startswith("# Title\n")
    assert text.endswith(f"{OAUTH_README_END}\n- kept\n")
