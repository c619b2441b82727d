"""migrate_to_oauth(...).apply() against the sandbox: both server behaviours, interruptions, re-runs.

The world's own state (tests.orchestration.migrate_world.state) is the judge: it is read from
the simulator directly, not through the SDK under test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantlead import AsyncSmartlead
from tenantlead.microsoft import AsyncMicrosoftIdentity, MicrosoftApp
from tenantlead.orchestration.migrate import migrate_to_oauth
from tenantlead.sandbox import Sandbox
from tests.orchestration.migrate_world import (
    AccountSpec,
    Interrupted,
    InterruptingTransport,
    build_world,
    clients,
    load,
    settings_only,
    state,
)

SPECS = [
    [
        AccountSpec(),
        AccountSpec(
            limit=15, gap=32, tags=(0, 1), campaigns=(0, 1), bcc="cc@agency.example", tracking="t.example.com"
        ),
    ],
    [AccountSpec(warmup=None, client=False, tags=(), campaigns=(), signature=None)],
]


#: The interruption matrix's world: two tenants, one account each (one with two campaigns and tags,
#: one with nothing); every step of its run is an interruption point.
MATRIX = [
    [AccountSpec(limit=15, gap=32, tags=(0, 1), campaigns=(0, 1), bcc="cc@agency.example")],
    [AccountSpec(warmup=None, client=False, tags=(), campaigns=(), signature=None)],
]


def migrate(sb: Sandbox, snapshot: Path, *, allow_recreate: bool = False, transport: Any = None) -> Any:
    """One run of the migration as a fresh process would do it: load, plan, apply."""
    with clients(sb, transport) as (tc, sl, ms):
        plan = migrate_to_oauth(
            load(sb, tc, sl),
            microsoft=ms,
            credentials=sb.credentials_csv(),
            snapshot=snapshot,
            allow_recreate=allow_recreate,
        )
        return plan.apply(sl=sl)


def assert_migrated(sb: Sandbox, before: dict[str, dict[str, Any]], *, same_ids: bool) -> None:
    after = state(sb)  # raises on two live accounts for one address
    assert sorted(after) == sorted(before), "an account was lost or added"
    assert settings_only(after) == settings_only(before)
    for email, row in after.items():
        assert row["type"] == "OUTLOOK", email
        assert row["connected"], email
        if same_ids:
            assert row["id"] == before[email]["id"], email
    # No secret in the snapshot: no password, no token.
    for user in sb.smartlead.users.values():
        for acc in user.accounts.values():
            token = acc.oauth_token or {}
            for value in [acc.password, token.get("access_token"), token.get("refresh_token")]:
                if value:
                    assert all(value not in p.read_text() for p in Path(".").glob("*.json"))


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# ----------------------------------------------------------------------------- the two server behaviours


def test_in_place_switch_keeps_ids_history_and_every_setting(tmp_path: Path) -> None:
    sb = build_world(SPECS)
    before = state(sb)
    history = {a.from_email: a.warmup.total_sent_count for a in sb.sl_user.accounts.values() if a.warmup}

    result = migrate(sb, tmp_path / "snap.json")

    assert result.counts() == {"succeeded": 3, "skipped": 0, "failed": 0, "drift": 0}
    assert {i.action for i in result.items} == {"switch to OAuth in place"}
    assert_migrated(sb, before, same_ids=True)
    kept = {a.from_email: a.warmup.total_sent_count for a in sb.sl_user.accounts.values() if a.warmup}
    assert kept == history  # warmup history survives an in-place switch


def test_settings_an_in_place_switch_resets_are_restored_from_the_snapshot(tmp_path: Path) -> None:
    sb = build_world(SPECS, oauth_switch="in_place_reset")
    before = state(sb)

    result = migrate(sb, tmp_path / "snap.json")

    assert result.counts()["succeeded"] == 3
    with_bcc = next(email for email, row in before.items() if row["bcc"])
    restored = next(i for i in result.items if i.subject == with_bcc).detail
    for name in (
        "bcc_email",
        "message_per_day",
        "min_time_to_wait_in_mins",
        "signature",
        "client_id",
        "warmup",
    ):
        assert name in restored.split("restored ")[1], name
    assert_migrated(sb, before, same_ids=True)


def test_refused_switch_stops_for_the_account_and_changes_nothing(tmp_path: Path) -> None:
    sb = build_world(SPECS, oauth_switch="refuse")
    before = state(sb)

    result = migrate(sb, tmp_path / "snap.json")

    assert result.counts()["failed"] == 3
    assert all("--allow-recreate" in i.detail and "warmup history" in i.detail for i in result.failed)
    assert state(sb) == before  # still SMTP, same ids, nothing lost


def test_refused_switch_with_allow_recreate_restores_everything_from_the_snapshot(tmp_path: Path) -> None:
    sb = build_world(SPECS, oauth_switch="refuse")
    before = state(sb)

    result = migrate(sb, tmp_path / "snap.json", allow_recreate=True)

    assert result.counts() == {"succeeded": 3, "skipped": 0, "failed": 0, "drift": 0}
    assert {i.action for i in result.items} == {"recreate as OAuth"}
    assert all("warmup history and stats lost" in i.detail for i in result.items)
    assert_migrated(sb, before, same_ids=False)
    # Campaign memberships, tags and client come back on the new ids.
    after = state(sb)
    assert [after[e]["campaigns"] for e in sorted(after)] == [before[e]["campaigns"] for e in sorted(before)]


def test_a_server_that_answers_a_new_id_is_caught_and_the_account_restored(tmp_path: Path) -> None:
    sb = build_world(SPECS, oauth_switch="new_id")
    before = state(sb)

    result = migrate(sb, tmp_path / "snap.json")

    assert result.counts()["succeeded"] == 3
    assert all("replaced account" in i.detail for i in result.items)
    assert_migrated(sb, before, same_ids=False)


async def test_async_apply_gives_the_same_outcome(tmp_path: Path) -> None:
    sb = build_world(SPECS)
    before = state(sb)
    registered = sb.authority.smartlead_app
    opts = sb.client_options(asynchronous=True)
    with clients(sb) as (tc, sl, _):
        fleet = load(sb, tc, sl)
    async with (
        AsyncSmartlead(sb.smartlead_api_key, **opts) as asl,
        AsyncMicrosoftIdentity(
            MicrosoftApp(registered.client_id, registered.secret, environ={}),
            **sb.client_options(asynchronous=True),
        ) as ams,
    ):
        plan = migrate_to_oauth(
            fleet, microsoft=ams, credentials=sb.credentials_csv(), snapshot=tmp_path / "s.json"
        )
        result = await plan.aapply(sl=asl, concurrency=3)

    assert result.counts() == {"succeeded": 3, "skipped": 0, "failed": 0, "drift": 0}
    assert_migrated(sb, before, same_ids=True)


def test_apply_on_the_wrong_twin_says_which_identity_client_it_needs(tmp_path: Path) -> None:
    sb = build_world(SPECS[:1])
    with clients(sb) as (tc, sl, ms):
        plan = migrate_to_oauth(
            load(sb, tc, sl), microsoft=ms, credentials=sb.credentials_csv(), snapshot=tmp_path / "s"
        )

    asl = AsyncSmartlead(sb.smartlead_api_key, **sb.client_options(asynchronous=True))
    with pytest.raises(TypeError, match="AsyncMicrosoftIdentity"):
        asyncio.run(plan.aapply(sl=asl))


# ----------------------------------------------------------------------------- snapshot, batches, re-runs


class _FirstWrite(httpx.BaseTransport):
    """Checks, at the first Smartlead write, that the snapshot file already holds every account."""

    def __init__(self, inner: httpx.BaseTransport, path: Path, emails: set[str]) -> None:
        self.inner, self.path, self.emails = inner, path, emails
        self.checked = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        read = request.url.path.endswith("/tag-list")  # a read sent as POST
        if request.method != "GET" and not read and "smartlead" in request.url.host and not self.checked:
            self.checked = True
            data = json.loads(self.path.read_text(encoding="utf-8"))
            assert {a["email"] for a in data["accounts"]} == self.emails
        return self.inner.handle_request(request)


def test_the_snapshot_is_on_disk_before_the_first_write_and_holds_no_secret(tmp_path: Path) -> None:
    sb = build_world(SPECS)
    snap = tmp_path / "snap.json"
    guard = _FirstWrite(sb.transport, snap, set(state(sb)))

    migrate(sb, snap, transport=guard)

    assert guard.checked
    text = snap.read_text(encoding="utf-8")
    data = json.loads(text)
    entry = next(
        a for a in data["accounts"] if a["tag_ids"] == sorted(a["tag_ids"]) and len(a["tag_ids"]) == 2
    )
    assert entry["settings"]["message_per_day"] == 15
    assert entry["settings"]["min_time_to_wait_in_mins"] == 32
    assert entry["settings"]["bcc_email"] == "cc@agency.example"
    assert len(entry["campaign_ids"]) == 2
    assert entry["warmup"]["per_day"] == 5
    for mailbox in sb.tc_account.mailboxes.values():
        assert mailbox.password not in text


def test_a_consent_failure_stops_its_tenant_after_the_first_account(tmp_path: Path) -> None:
    sb = build_world([[AccountSpec(), AccountSpec(), AccountSpec()], [AccountSpec()]])
    first = next(iter(sb.tc_account.tenants.values()))
    sb.microsoft.revoke_consent(first.tenant_id, sb.authority.smartlead_app.client_id)
    sign_ins: list[str] = []

    class Count(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == "login.microsoftonline.com" and b"grant_type=password" in request.read():
                sign_ins.append(request.url.path)
            return sb.transport.handle_request(request)

    result = migrate(sb, tmp_path / "snap.json", transport=Count())

    failed, skipped = result.failed, result.skipped
    assert len(failed) == 1
    assert "AADSTS65001" in failed[0].detail
    assert len(skipped) == 2
    assert all(
        f"tenant {first.tenant_id} stopped" in s.detail and "consent_missing" in s.detail for s in skipped
    )
    assert len(result.succeeded) == 1  # the other tenant went ahead
    assert len(sign_ins) == 2  # the failing first account and the other tenant's: none for the skipped two


def test_re_running_after_a_complete_run_writes_nothing(tmp_path: Path) -> None:
    sb = build_world(SPECS)
    snap = tmp_path / "snap.json"
    migrate(sb, snap)
    after = state(sb)
    writes: list[str] = []

    class Count(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method != "GET" and "smartlead" in request.url.host:
                writes.append(f"{request.method} {request.url.path}")
            return sb.transport.handle_request(request)

    result = migrate(sb, snap, transport=Count())

    assert result.counts()["succeeded"] == 3
    assert all("already OUTLOOK" in i.detail for i in result.items)
    assert [w for w in writes if "tag-list" not in w] == []  # tag-list is a read sent as POST
    assert state(sb) == after


# ----------------------------------------------------------------------------- interruptions


def _requests_of_a_full_run(mode: str, allow_recreate: bool, tmp_path: Path) -> list[str]:
    sb = build_world(MATRIX, oauth_switch=mode)
    counter = InterruptingTransport(sb.transport, None, False)
    migrate(sb, tmp_path / "probe.json", allow_recreate=allow_recreate, transport=counter)
    return counter.methods


@pytest.mark.parametrize(
    ("mode", "allow_recreate"),
    [("in_place", False), ("in_place_reset", False), ("refuse", True), ("new_id", False)],
)
@pytest.mark.parametrize("after", [False, True], ids=["before-request", "answer-lost"])
def test_an_interruption_at_any_step_is_finished_by_the_next_run(
    mode: str, allow_recreate: bool, after: bool, tmp_path: Path
) -> None:
    methods = _requests_of_a_full_run(mode, allow_recreate, tmp_path)
    assert len(methods) > 15
    # Dying after a read is dying before the next request: the lost-answer runs cover the writes.
    points = [n for n, method in enumerate(methods, 1) if not after or method != "GET"]
    for at in points:
        sb = build_world(MATRIX, oauth_switch=mode)
        before = state(sb)
        snap = tmp_path / f"snap-{at}.json"
        with pytest.raises(Interrupted):
            migrate(
                sb,
                snap,
                allow_recreate=allow_recreate,
                transport=InterruptingTransport(sb.transport, at, after),
            )
        state(sb)  # even mid-run, no address has two live accounts

        result = migrate(sb, snap, allow_recreate=allow_recreate)

        assert result.failed == [], f"step {at}: {[i.detail for i in result.failed]}"
        assert_migrated(sb, before, same_ids=mode.startswith("in_place"))


def test_a_recreate_interrupted_after_the_delete_needs_allow_recreate_to_finish(tmp_path: Path) -> None:
    sb = build_world(SPECS[:1], oauth_switch="refuse")
    before = state(sb)
    snap = tmp_path / "snap.json"

    class DieAfterDelete(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = sb.transport.handle_request(request)
            if request.method == "DELETE" and request.url.path.rstrip("/").split("/")[-2] == "email-accounts":
                raise Interrupted("killed right after the delete")
            return response

    with pytest.raises(Interrupted):
        migrate(sb, snap, allow_recreate=True, transport=DieAfterDelete())
    assert len(state(sb)) == len(before) - 1

    without = migrate(sb, snap)
    assert any("--allow-recreate" in i.detail for i in without.failed)
    migrate(sb, snap, allow_recreate=True)
    assert_migrated(sb, before, same_ids=False)


# ----------------------------------------------------------------------------- property


_spec = st.builds(
    AccountSpec,
    limit=st.integers(0, 40),
    gap=st.integers(3, 60),
    signature=st.sampled_from([None, "<p>Hi</p>", "Best,\nA"]),
    bcc=st.sampled_from([None, "cc@agency.example"]),
    tracking=st.sampled_from([None, "track.example.com"]),
    tags=st.sets(st.integers(0, 2)).map(lambda s: tuple(sorted(s))),
    campaigns=st.sets(st.integers(0, 1)).map(lambda s: tuple(sorted(s))),
    warmup=st.sampled_from([None, 3, 5, 20]),
    client=st.booleans(),
    suspended=st.booleans(),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fleet=st.lists(st.lists(_spec, min_size=1, max_size=3), min_size=1, max_size=2),
    mode=st.sampled_from(
        [("in_place", False), ("in_place_reset", False), ("refuse", True), ("new_id", False)]
    ),
    point=st.floats(0, 1),
    after=st.booleans(),
    seed=st.integers(0, 5),
)
def test_property_random_fleets_and_interruption_points_lose_and_duplicate_nothing(
    fleet: list[list[AccountSpec]],
    mode: tuple[str, bool],
    point: float,
    after: bool,
    seed: int,
    tmp_path: Path,
) -> None:
    switch, allow_recreate = mode
    # tmp_path is shared by every example: each gets its own folder, so no example resumes from
    # a snapshot an earlier one left (the probe would then count another run's requests).
    here = Path(tempfile.mkdtemp(dir=tmp_path))
    probe = build_world(fleet, oauth_switch=switch, seed=seed)
    counter = InterruptingTransport(probe.transport, None, False)
    migrate(probe, here / "probe.json", allow_recreate=allow_recreate, transport=counter)
    at = 1 + int(point * (counter.count - 1))

    sb = build_world(fleet, oauth_switch=switch, seed=seed)
    before = state(sb)
    snap = here / "snap.json"
    with pytest.raises(Interrupted):
        migrate(
            sb, snap, allow_recreate=allow_recreate, transport=InterruptingTransport(sb.transport, at, after)
        )
    result = migrate(sb, snap, allow_recreate=allow_recreate)

    assert result.failed == [], [i.detail for i in result.failed]
    assert_migrated(sb, before, same_ids=switch.startswith("in_place"))


def test_a_wrong_password_fails_its_account_alone_and_each_run_tries_it_at_most_twice(tmp_path: Path) -> None:
    sb = build_world([[AccountSpec(), AccountSpec()]])
    first = next(iter(sb.tc_account.mailboxes.values()))
    csv = sb.credentials_csv().replace(first.password, "Wrong-" + first.password)
    attempts: list[str] = []

    class Count(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            body = request.read()
            if (
                b"grant_type=password" in body
                and first.user_principal_name.replace("@", "%40").encode() in body
            ):
                attempts.append("try")
            return sb.transport.handle_request(request)

    per_run: list[int] = []
    with clients(sb, Count()) as (tc, sl, ms):
        plan = migrate_to_oauth(load(sb, tc, sl), microsoft=ms, credentials=csv, snapshot=tmp_path / "s.json")
        for _ in range(3):
            attempts.clear()
            result = plan.apply(sl=sl)
            per_run.append(len(attempts))
            [failed] = result.failed
            assert failed.subject == first.primary_smtp
            assert "AADSTS50126" in failed.detail
            assert result.counts()["succeeded"] == 1

    # 50126 is not retried: one password request per run, and every run may try again (the cap of two is per run).
    assert per_run == [1, 1, 1]
    still = next(a for a in sb.sl_user.accounts.values() if a.from_email == first.primary_smtp)
    assert still.type == "SMTP"


def test_a_duplicate_oauth_account_left_by_a_server_is_removed_and_the_original_switched(
    tmp_path: Path,
) -> None:
    sb = build_world(SPECS[:1])
    before = state(sb)
    original = next(iter(sb.sl_user.accounts.values()))
    duplicate = dataclasses.replace(original, id=sb.smartlead.next_id("account"), type="OUTLOOK", tag_ids=[])
    sb.sl_user.accounts[duplicate.id] = duplicate  # what a server answering a new id may leave behind

    result = migrate(sb, tmp_path / "snap.json")

    assert result.failed == []
    assert duplicate.deleted
    assert_migrated(sb, before, same_ids=True)


def test_an_exception_mid_run_fails_its_account_only_and_the_next_run_finishes_it(tmp_path: Path) -> None:
    sb = build_world(MATRIX, oauth_switch="refuse")
    before = state(sb)
    snap = tmp_path / "snap.json"

    class Boom(httpx.BaseTransport):
        def __init__(self) -> None:
            self.deletes = 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "DELETE" and "/campaigns/" not in request.url.path:
                self.deletes += 1
                if self.deletes == 1:
                    sb.transport.handle_request(request)
                    raise RuntimeError("a bug after the delete landed")
            return sb.transport.handle_request(request)

    first = migrate(sb, snap, allow_recreate=True, transport=Boom())

    assert len(first.failed) == 1
    assert "RuntimeError" in first.failed[0].detail
    assert len(first.succeeded) == 1  # the other tenant's account is unaffected
    again = migrate(sb, snap, allow_recreate=True)
    assert again.failed == []
    assert_migrated(sb, before, same_ids=False)
