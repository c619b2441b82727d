"""Warmup volumes remembered between runs, so a nightly job does not GET every account.

Smartlead's account list omits the warmup volume (``warmup_details.max_email_per_day``); only
get-by-id has it, one request per account: 3,600 accounts take an hour at Smartlead's
documented 60 requests a minute. Yet the volume rarely changes, and when tenantlead itself set
it (``connect`` with ``LimitPolicy(warmup_per_day=...)``, an align that sets warmup) it is
already known. A [WarmupCache][tenantlead.orchestration.WarmupCache] keeps:

* **what**: per Smartlead account id, the warmup emails per day, where the number came from
  (``"written"``: tenantlead wrote it; ``"read"``: a get-by-id returned it), when, and the
  address (for people reading the file). No key, password or token is ever stored.
* **where**: in memory, and in a JSON file when the cache has a path:
  `WarmupCache.default()` uses
  ``$TENANTLEAD_CACHE_DIR/warmup.json``, else ``$XDG_CACHE_HOME/tenantlead/warmup.json``, else
  ``~/.cache/tenantlead/warmup.json``.
* **how long**: ``ttl`` (default 7 days) from when the volume was written or read, by the
  clients' clock; an older entry is read again. Someone changing a volume in the Smartlead app
  is seen at the latest when the entry expires - or at once after
  `clear()` / `forget()`.
* **how to clear**: ``cache.clear()`` (then ``cache.save()``), or delete the file.

``Fleet.load(tc, sl, with_warmup_details=True, warmup_cache=cache)`` takes fresh volumes from the
cache and GETs only the rest (and remembers what it read); ``plan.apply(..., warmup_cache=cache)``
remembers the volumes it wrote. ``fleet.warmup_assumed`` and ``plan.warmup_assumed`` name the
accounts whose volume came from the cache rather than from Smartlead in this run.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import attrs

from tenantlead._core.flow import Call, Flow, Now

__all__ = ["DEFAULT_WARMUP_TTL", "CachedWarmup", "WarmupCache", "remember_written"]

#: How long a remembered warmup volume is trusted.
DEFAULT_WARMUP_TTL = timedelta(days=7)
#: Environment variable naming the directory of the default cache file.
CACHE_DIR_ENV = "TENANTLEAD_CACHE_DIR"
_FORMAT = 1

WarmupSource = Literal["written", "read"]


@attrs.frozen
class CachedWarmup:
    """One remembered volume: warmup emails per day, where it came from and when."""

    per_day: int
    source: WarmupSource
    at: datetime
    address: str = ""


class WarmupCache:
    """Warmup volumes by Smartlead account id, in memory and optionally in a JSON file (thread-safe).

    ``WarmupCache()`` lives in memory only; ``WarmupCache(path)`` loads ``path`` if it exists and
    `save()` writes it back. See the module docs for
    what is kept and for how long.
    """

    def __init__(self, path: str | Path | None = None, *, ttl: timedelta = DEFAULT_WARMUP_TTL) -> None:
        if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
            raise ValueError(f"ttl must be a positive timedelta, got {ttl!r}")
        self.path = Path(path).expanduser() if path is not None else None
        self.ttl = ttl
        self._entries: dict[int, CachedWarmup] = {}
        self._lock = threading.Lock()
        if self.path is not None and self.path.exists():
            self._load(self.path)

    @classmethod
    def default(cls, *, ttl: timedelta = DEFAULT_WARMUP_TTL) -> WarmupCache:
        """The cache in the default file (``$TENANTLEAD_CACHE_DIR``, ``$XDG_CACHE_HOME/tenantlead`` or ``~/.cache/tenantlead``)."""
        return cls(default_path(), ttl=ttl)

    def __repr__(self) -> str:
        return f"WarmupCache(path={str(self.path) if self.path else None!r}, entries={len(self)}, ttl={self.ttl})"

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[int]:
        with self._lock:
            return iter(sorted(self._entries))

    # ------------------------------------------------------------------ reading and writing entries

    def get(self, account_id: int, *, now: datetime) -> CachedWarmup | None:
        """The volume remembered for ``account_id`` if it is younger than ``ttl`` at ``now``, else None."""
        with self._lock:
            entry = self._entries.get(account_id)
        if entry is None or now - entry.at >= self.ttl or entry.at - now > self.ttl:
            return None
        return entry

    def remember(
        self, account_id: int, per_day: int, *, source: WarmupSource, at: datetime, address: str = ""
    ) -> None:
        """Keep ``per_day`` for ``account_id`` (``source``: ``"written"`` by tenantlead or ``"read"`` from Smartlead)."""
        if isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 0:
            raise ValueError(f"a warmup volume is a whole number >= 0, got {per_day!r}")
        if source not in ("written", "read"):
            raise ValueError(f"source must be 'written' or 'read', got {source!r}")
        with self._lock:
            self._entries[account_id] = CachedWarmup(per_day, source, at, address)

    def forget(self, account_id: int) -> None:
        """Drop one account's volume (it is read again next time)."""
        with self._lock:
            self._entries.pop(account_id, None)

    def clear(self) -> None:
        """Drop every volume (call `save()` to empty the file too)."""
        with self._lock:
            self._entries.clear()

    # ------------------------------------------------------------------ the file

    def save(self) -> None:
        """Write the cache to its file (atomically; a no-op for an in-memory cache)."""
        if self.path is None:
            return
        with self._lock:
            data = {
                "format": _FORMAT,
                "what": "Smartlead warmup emails per day by account id (tenantlead WarmupCache)",
                "ttl_seconds": self.ttl.total_seconds(),
                "accounts": {
                    str(account_id): {
                        "per_day": e.per_day,
                        "source": e.source,
                        "at": e.at.isoformat(),
                        "address": e.address,
                    }
                    for account_id, e in sorted(self._entries.items())
                },
            }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".warmup-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _load(self, path: Path) -> None:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            accounts = data["accounts"] if data.get("format") == _FORMAT else {}
            for key, entry in accounts.items():
                self._entries[int(key)] = CachedWarmup(
                    per_day=int(entry["per_day"]),
                    source="written" if entry.get("source") == "written" else "read",
                    at=datetime.fromisoformat(entry["at"]),
                    address=str(entry.get("address", "")),
                )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # A damaged or foreign file is not trusted: start empty (the next save replaces it).
            self._entries.clear()


def default_path() -> Path:
    """Where `WarmupCache.default()` keeps its file."""
    base = os.environ.get(CACHE_DIR_ENV)
    if base:
        return Path(base).expanduser() / "warmup.json"
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return root / "tenantlead" / "warmup.json"


def remember_written(cache: WarmupCache | None, written: Iterable[tuple[int, int, str]]) -> Flow[None]:
    """Remember the volumes an apply wrote (``(account id, per day, address)``), stamped by the Smartlead client's clock, and save."""
    items = list(written)
    if cache is None or not items:
        return
    unix: float = yield Call("smartlead", Now())
    at = datetime.fromtimestamp(unix, tz=UTC)
    for account_id, per_day, address in items:
        cache.remember(account_id, per_day, source="written", at=at, address=address)
    cache.save()
