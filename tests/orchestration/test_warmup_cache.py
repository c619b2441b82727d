"""The warmup cache: volumes tenantlead wrote or read are not read again while fresh."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tenantlead import Smartlead, TenantCore
from tenantlead.orchestration import Fleet, LimitPolicy, WarmupCache, align_limits, connect
from tenantlead.orchestration.warmup_cache import CACHE_DIR_ENV, DEFAULT_WARMUP_TTL, default_path
from tenantlead.sandbox import Sandbox

_GET_ONE = re.compile(r"/api/v1/email-accounts/\d+/?$")


def clients(sb: Sandbox, gets: list[str]) -> tuple[TenantCore, Smartlead]:
    def record(request) -> None:
        if request.method == "GET" and _GET_ONE.search(request.url.path):
            gets.append(request.url.path)

    options = sb.client_options()
    options["http_client"] = sb.http_client(event_hooks={"request": [record]})
    return TenantCore(sb.tenantcore_api_key, **sb.client_options()), Smartlead(
        sb.smartlead_api_key, **options
    )


@pytest.fixture
def sb() -> Sandbox:
    sandbox = Sandbox.demo(seed=3, tenants=4)
    sandbox.advance(minutes=10)
    return sandbox


def warmed(fleet: Fleet) -> dict[str, int | None]:
    return {r.address: r.warmup_per_day for r in fleet.rows if r.status == "connected" and r.warmup_active}


def test_a_second_load_takes_fresh_volumes_from_the_cache_and_reads_none(sb: Sandbox) -> None:
    gets: list[str] = []
    tc, sl = clients(sb, gets)
    cache = WarmupCache()
    first = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)
    volumes = warmed(first)
    assert volumes, "the demo fleet has accounts with warmup on"
    assert len(gets) == len(volumes) == len(cache)
    assert first.warmup_assumed == frozenset()
    assert {
        cache.get(r.account.id, now=first.loaded_at).source for r in first.rows if r.address in volumes
    } == {"read"}

    gets.clear()
    second = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)
    assert gets == []  # nothing read again
    assert warmed(second) == volumes
    assert second.warmup_assumed == frozenset(volumes)
    plan = align_limits(second, LimitPolicy())
    assert set(plan.warmup_assumed) <= set(volumes)
    assert plan.warmup_assumed  # the budget used the cached volumes, and the plan says so
    assert plan.to_dict()["warmup_assumed"] == list(plan.warmup_assumed)
    assert f"assumed from the warmup cache for {len(plan.warmup_assumed)} accounts" in str(plan)
    assert align_limits(second, LimitPolicy()).changes == align_limits(first, LimitPolicy()).changes


def test_an_expired_volume_is_read_again(sb: Sandbox) -> None:
    gets: list[str] = []
    tc, sl = clients(sb, gets)
    cache = WarmupCache(ttl=timedelta(hours=1))
    first = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)
    volumes = warmed(first)
    # Volumes are stamped with the load's start; the reads themselves take virtual minutes.
    sb.clock.set(first.loaded_at + timedelta(minutes=50))
    gets.clear()
    Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)
    assert gets == []
    sb.clock.set(first.loaded_at + timedelta(minutes=61))
    fleet = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)
    assert len(gets) == len(volumes)
    assert fleet.warmup_assumed == frozenset()


def test_a_changed_volume_is_seen_after_forget_or_clear(sb: Sandbox) -> None:
    gets: list[str] = []
    tc, sl = clients(sb, gets)
    cache = WarmupCache()
    first = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)
    row = next(r for r in first.rows if r.address in warmed(first))
    assert row.account is not None
    sl.email_accounts.update_warmup(row.account.id, warmup_enabled=True, total_warmup_per_day=7)
    stale = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache).row(row.address)
    assert stale is not None
    assert stale.warmup_per_day == row.warmup_per_day  # within the ttl the cache is trusted
    cache.forget(row.account.id)
    fresh = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache).row(row.address)
    assert fresh is not None
    assert fresh.warmup_per_day == 7
    cache.clear()
    assert len(cache) == 0


def test_volumes_connect_and_align_write_are_remembered_and_never_read(sb: Sandbox) -> None:
    gets: list[str] = []
    tc, sl = clients(sb, gets)
    cache = WarmupCache()
    fleet = Fleet.load(tc, sl)
    plan = connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=LimitPolicy(warmup_per_day=6))
    created = [i.address for i in plan.items if i.action == "create"]
    assert created
    result = plan.apply(sl=sl, warmup_cache=cache)
    assert result.failed == []
    written = {cache.get(i, now=tc.now()) for i in cache}
    assert {(e.per_day, e.source) for e in written} == {(6, "written")}
    assert {e.address for e in written} == set(created)

    # An align that sets warmup remembers what it wrote too.
    loaded = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)
    assert set(created) <= loaded.warmup_assumed
    align = align_limits(loaded, LimitPolicy(warmup_per_day=4))
    assert any(c.field == "warmup_per_day" for c in align.changes)
    assert align.apply(tc=tc, sl=sl, warmup_cache=cache).failed == []
    gets.clear()
    after = Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)
    assert gets == []
    assert {after.row(a).warmup_per_day for a in created} == {4}  # type: ignore[union-attr]


def test_the_file_keeps_volumes_between_runs_and_no_secret(sb: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "cache" / "warmup.json"
    gets: list[str] = []
    tc, sl = clients(sb, gets)
    volumes = warmed(Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=WarmupCache(path)))
    text = path.read_text(encoding="utf-8")
    assert sb.smartlead_api_key not in text
    assert not any(m.password in text for _, m in sb.tenantcore.iter_mailboxes())
    data = json.loads(text)
    assert data["ttl_seconds"] == DEFAULT_WARMUP_TTL.total_seconds()
    assert len(data["accounts"]) == len(volumes)

    gets.clear()
    again = WarmupCache(path)
    assert len(again) == len(volumes)
    Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=again)
    assert gets == []
    again.clear()
    again.save()
    assert WarmupCache(path).__len__() == 0


def test_a_damaged_file_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "warmup.json"
    path.write_text('{"format": 1, "accounts": {"12": {"per_day": "many"}}}', encoding="utf-8")
    assert len(WarmupCache(path)) == 0
    path.write_text("not json", encoding="utf-8")
    assert len(WarmupCache(path)) == 0


def test_the_default_file_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert default_path() == tmp_path / "mine" / "warmup.json"
    assert WarmupCache.default().path == tmp_path / "mine" / "warmup.json"
    monkeypatch.delenv(CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "tenantlead" / "warmup.json"


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="ttl must be a positive timedelta"):
        WarmupCache(ttl=timedelta(0))
    cache = WarmupCache()
    from datetime import UTC, datetime

    with pytest.raises(ValueError, match="whole number >= 0"):
        cache.remember(1, -3, source="read", at=datetime.now(UTC))
    with pytest.raises(ValueError, match="'written' or 'read'"):
        cache.remember(1, 3, source="guessed", at=datetime.now(UTC))  # type: ignore[arg-type]
    assert "entries=0" in repr(cache)
