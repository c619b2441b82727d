"""The migration snapshot: every setting of every migrated account, on disk before the first write.

[`migrate_to_oauth`][tenantlead.orchestration.migrate.migrate_to_oauth] reads each account it will move
(``GET /email-accounts/{id}?fetch_campaigns=true``, the list row for the sending gap, and the
tag list) and writes one JSON file before it changes anything. The file is the source of truth
for the rest of the run and for any re-run after an interruption: settings, tags, client and
campaign memberships are restored *from it*, never from whatever state an interrupted run left.

The file never holds a secret: Smartlead returns the SMTP password on get-by-id, and it is left
out (the migrated account has no use for it, and OAuth tokens are never written anywhere).
It is written atomically (a temporary file renamed over the old one, then fsync), so a kill at
any moment leaves either the previous file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from tenantlead._core.convert import format_datetime, parse_datetime
from tenantlead.orchestration._render import jsonable
from tenantlead.smartlead.models import EmailAccount, WarmupStatus

__all__ = [
    "SNAPSHOT_FORMAT",
    "AccountSnapshot",
    "MigrationSnapshot",
    "SnapshotError",
    "WarmupSnapshot",
    "setting_differences",
]

#: ``format`` of the snapshot file (refused when another file sits at the path).
SNAPSHOT_FORMAT = "tenantlead-oauth-migration-snapshot"
_VERSION = 1
#: Fields Smartlead returns that are secrets or say nothing about settings; never snapshotted.
_NOT_KEPT = frozenset({"password", "imap_password"})


class SnapshotError(ValueError):
    """The snapshot file cannot be used; the message says what to do."""


@attrs.frozen(kw_only=True)
class WarmupSnapshot:
    """The warmup settings of an account (``warmup_details`` of get-by-id).

    ``enabled`` is what the account should be restored to (ACTIVE, or PAUSED by a suspension);
    ``per_day`` the warmup volume, ``reply_rate`` its reply rate, ``key`` the warmup key. The
    counters (sent, spam, reputation) are history: kept in the file, lost on a recreate.
    """

    status: str | None = None
    enabled: bool = False
    per_day: int | None = None
    reply_rate: int | None = None
    key: str | None = None
    total_sent_count: int | None = None
    reputation: str | None = None

    @classmethod
    def of(cls, account: EmailAccount) -> WarmupSnapshot | None:
        """From an account read by id (None when warmup was never configured)."""
        w = account.warmup_details
        if w is None:
            return None
        status = str(w.status) if w.status is not None else None
        return cls(
            status=status,
            enabled=w.status in (WarmupStatus.ACTIVE, WarmupStatus.PAUSED),
            per_day=w.max_email_per_day,
            reply_rate=w.reply_rate,
            key=w.warmup_key_id,
            total_sent_count=w.total_sent_count,
            reputation=w.warmup_reputation,
        )


@attrs.frozen(kw_only=True)
class AccountSnapshot:
    """One account as it was before the migration touched it.

    Attributes:
        email: the sending address (how a re-run finds the account again, whatever its id).
        tenant_id: the TenantCore tenant (the batch it runs in).
        account_id: the Smartlead id before the migration.
        settings: the restorable settings, by read name: ``from_name``, ``message_per_day``,
            ``min_time_to_wait_in_mins``, ``signature``, ``bcc_email``,
            ``custom_tracking_domain``, ``client_id``, ``is_suspended``,
            ``different_reply_to_address``.
        warmup: the warmup settings (None: never configured).
        tag_ids: the account's tags.
        campaign_ids: the campaigns it sends in.
        account: everything else get-by-id returned, secrets left out (for the record).
    """

    email: str
    tenant_id: str | None
    account_id: int
    settings: Mapping[str, Any]
    warmup: WarmupSnapshot | None = None
    tag_ids: tuple[int, ...] = ()
    campaign_ids: tuple[int, ...] = ()
    account: Mapping[str, Any] = attrs.field(factory=dict, eq=False)

    @classmethod
    def of(
        cls,
        account: EmailAccount,
        *,
        tenant_id: str | None,
        gap: int | None,
        tag_ids: Iterable[int],
    ) -> AccountSnapshot:
        """From get-by-id (with ``fetch_campaigns``), the list row's gap and the tag list."""
        raw = {k: v for k, v in jsonable(account.to_dict()).items() if k not in _NOT_KEPT}
        return cls(
            email=account.from_email.lower(),
            tenant_id=tenant_id,
            account_id=account.id,
            settings=settings_of(account, gap),
            warmup=WarmupSnapshot.of(account),
            tag_ids=tuple(sorted(set(tag_ids))),
            campaign_ids=tuple(sorted(set(account.campaign_ids or ()))),
            account=raw,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to the file."""
        return {
            "email": self.email,
            "tenant_id": self.tenant_id,
            "account_id": self.account_id,
            "settings": dict(self.settings),
            "warmup": attrs.asdict(self.warmup) if self.warmup is not None else None,
            "tag_ids": list(self.tag_ids),
            "campaign_ids": list(self.campaign_ids),
            "account": dict(self.account),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccountSnapshot:
        """Read one entry back (raises KeyError/TypeError/ValueError on a damaged entry)."""
        warmup = data.get("warmup")
        return cls(
            email=str(data["email"]).lower(),
            tenant_id=data.get("tenant_id"),
            account_id=int(data["account_id"]),
            settings=dict(data["settings"]),
            warmup=WarmupSnapshot(**warmup) if isinstance(warmup, Mapping) else None,
            tag_ids=tuple(int(t) for t in data.get("tag_ids", ())),
            campaign_ids=tuple(int(c) for c in data.get("campaign_ids", ())),
            account=dict(data.get("account") or {}),
        )


def settings_of(account: EmailAccount, gap: int | None) -> dict[str, Any]:
    """The restorable settings of ``account`` by read name (``gap`` from the list row)."""
    return {
        "from_name": account.from_name,
        "message_per_day": account.message_per_day,
        "min_time_to_wait_in_mins": gap if gap is not None else account.min_time_to_wait_in_mins,
        "signature": account.signature,
        "bcc_email": account.bcc_email,
        "custom_tracking_domain": account.custom_tracking_domain,
        "client_id": account.client_id,
        "is_suspended": bool(account.is_suspended),
        "different_reply_to_address": account.different_reply_to_address,
    }


def _blank(value: Any) -> Any:
    # Smartlead returns "" and null interchangeably for unset text settings.
    return None if value == "" else value


def setting_differences(
    snapshot: AccountSnapshot,
    account: EmailAccount,
    *,
    gap: int | None,
    tag_ids: Iterable[int],
) -> dict[str, tuple[Any, Any]]:
    """What differs between the snapshot and the account read back: name -> (expected, actual).

    Names are the settings' read names, plus ``warmup_enabled``, ``warmup_per_day``,
    ``warmup_reply_rate``, ``tag_ids`` and ``campaign_ids``. A gap the read did not return
    (None) is not a difference.
    """
    out: dict[str, tuple[Any, Any]] = {}
    now = settings_of(account, gap)
    for name, expected in snapshot.settings.items():
        actual = now.get(name)
        if name == "min_time_to_wait_in_mins" and actual is None:
            continue
        if _blank(expected) != _blank(actual):
            out[name] = (expected, actual)
    wanted = snapshot.warmup
    have = WarmupSnapshot.of(account)
    if wanted is not None and (wanted.enabled or have is not None):
        enabled = have.enabled if have is not None else False
        if wanted.enabled != enabled:
            out["warmup_enabled"] = (wanted.enabled, enabled)
        if wanted.enabled and have is not None:
            if wanted.per_day is not None and wanted.per_day != have.per_day:
                out["warmup_per_day"] = (wanted.per_day, have.per_day)
            if wanted.reply_rate is not None and wanted.reply_rate != have.reply_rate:
                out["warmup_reply_rate"] = (wanted.reply_rate, have.reply_rate)
    tags = tuple(sorted(set(tag_ids)))
    if set(snapshot.tag_ids) - set(tags):
        out["tag_ids"] = (snapshot.tag_ids, tags)
    campaigns = tuple(sorted(set(account.campaign_ids or ())))
    if account.campaign_ids is not None and set(snapshot.campaign_ids) - set(campaigns):
        out["campaign_ids"] = (snapshot.campaign_ids, campaigns)
    return out


@attrs.frozen(kw_only=True)
class MigrationSnapshot:
    """Every migrated account's [`AccountSnapshot`][tenantlead.orchestration.migrate_snapshot.AccountSnapshot], by address, and where the file lives."""

    path: Path
    created_at: datetime | None = None
    accounts: Mapping[str, AccountSnapshot] = attrs.field(factory=dict)

    def __len__(self) -> int:
        return len(self.accounts)

    def get(self, email: str) -> AccountSnapshot | None:
        """The entry of ``email`` (case-insensitive), or None."""
        return self.accounts.get(email.lower())

    def with_accounts(self, entries: Sequence[AccountSnapshot], now: datetime) -> MigrationSnapshot:
        """A copy with ``entries`` added; an address already in the snapshot keeps its first entry."""
        merged = dict(self.accounts)
        for entry in entries:
            merged.setdefault(entry.email, entry)
        return attrs.evolve(self, accounts=merged, created_at=self.created_at or now)

    def to_dict(self) -> dict[str, Any]:
        """The file's JSON document."""
        return {
            "format": SNAPSHOT_FORMAT,
            "version": _VERSION,
            "created_at": format_datetime(self.created_at) if self.created_at else None,
            "note": "Settings of Smartlead accounts before their move to OAuth; no passwords or tokens. "
            "Keep it until the migration is done: a re-run restores from it.",
            "accounts": [self.accounts[k].to_dict() for k in sorted(self.accounts)],
        }

    def write(self) -> None:
        """Write the file atomically: a temporary file in the same folder, fsynced, renamed over."""
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        try:
            dir_fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return  # not every platform can open a folder; the rename itself is atomic
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MigrationSnapshot:
        """The snapshot at ``path``, or an empty one when no file is there yet."""
        where = Path(path)
        if where.is_dir():
            raise SnapshotError(
                f"snapshot path {str(where)!r} is a folder: pass a file name such as migration.json"
            )
        if not where.exists():
            return cls(path=where)
        try:
            data = json.loads(where.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SnapshotError(
                f"snapshot {where.name} cannot be read ({type(exc).__name__}): restore it from a backup, or pass "
                "another --snapshot path only if no migration ran with this one"
            ) from None
        if not isinstance(data, Mapping) or data.get("format") != SNAPSHOT_FORMAT:
            raise SnapshotError(
                f"{where.name} is not a tenantlead migration snapshot: pass another --snapshot path"
            )
        if data.get("version") != _VERSION:
            raise SnapshotError(
                f"snapshot {where.name} has version {data.get('version')!r}; this tenantlead reads version "
                f"{_VERSION}: finish the migration with the tenantlead version that wrote it"
            )
        entries: dict[str, AccountSnapshot] = {}
        for index, item in enumerate(data.get("accounts") or ()):
            try:
                entry = AccountSnapshot.from_dict(item)
            except (KeyError, TypeError, ValueError):
                raise SnapshotError(
                    f"snapshot {where.name}: entry {index + 1} is damaged; restore the file from a backup"
                ) from None
            entries[entry.email] = entry
        created = data.get("created_at")
        return cls(
            path=where,
            created_at=parse_datetime(created) if isinstance(created, str) else None,
            accounts=entries,
        )
