"""The apply journal: which tenants have stored limits that are not known to be enforced.

TenantCore enforces a stored ``daily_send_limit`` only once ``POST .../mailbox-limits`` has
written the Exchange transport rule, and its API says nothing about whether that happened (the
mailbox object has no "enforced" field). An apply interrupted between the two steps would leave
a tenant unenforced with nothing to show for it. So ``LimitPlan.apply`` writes a line of state
per tenant *before* storing limits there and marks the tenant enforced once provisioning
succeeded; ``Fleet.load`` reads the journal into ``fleet.unenforced``, the next
``align_limits`` plans provisioning for those tenants, and the check TL110 reports them.

Where it lives: ``$TENANTLEAD_JOURNAL`` when set, else ``$XDG_STATE_HOME/tenantlead/journal.json``,
else ``~/.local/state/tenantlead/journal.json``. Format (UTF-8 JSON, one object)::

    {"version": 1,
     "tenants": {"<tenant GUID>": {"state": "stored", "at": "2026-12-01T20:00:00Z"}}}

``state`` is ``stored`` (limits written, enforcement not yet confirmed) or ``enforced``
(provisioned after the last store). To clear it: ``tenantlead check --apply`` (or any apply
whose plan provisions the tenant) marks tenants enforced; ``ApplyJournal().clear()`` or deleting
the file forgets everything (the next apply starts a new one). A missing file is an empty
journal; an unreadable one raises [JournalError][tenantlead.orchestration.journal.JournalError]
naming the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenantlead.errors import TenantleadError

__all__ = ["ENV_VAR", "ApplyJournal", "JournalError", "default_journal_path"]

#: The environment variable that names the journal file.
ENV_VAR = "TENANTLEAD_JOURNAL"
_VERSION = 1
_STATES = ("stored", "enforced")


class JournalError(TenantleadError, ValueError):
    """The apply journal file cannot be read or written (the message names the file and the fix)."""


def default_journal_path() -> Path:
    """``$TENANTLEAD_JOURNAL``, else ``$XDG_STATE_HOME/tenantlead/journal.json``, else ``~/.local/state/...``."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME")
    base = Path(state).expanduser() if state else Path.home() / ".local" / "state"
    return base / "tenantlead" / "journal.json"


class ApplyJournal:
    """Per-tenant enforcement state, kept in a small JSON file (see the module docs for format and location).

    ``ApplyJournal()`` uses the default location; ``ApplyJournal(path)`` another file;
    ``ApplyJournal(None)`` keeps it in memory only (nothing is read or written).
    """

    def __init__(self, path: str | os.PathLike[str] | bool | None = True) -> None:
        if path is True:
            self.path: Path | None = default_journal_path()
        elif path is False or path is None:
            self.path = None
        else:
            self.path = Path(path).expanduser()
        self._tenants: dict[str, dict[str, str]] = self._read()

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "in memory"
        return f"<ApplyJournal {where}: {len(self.unenforced())} tenant(s) not known to be enforced>"

    # ------------------------------------------------------------------ reading

    def _read(self) -> dict[str, dict[str, str]]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise JournalError(
                f"cannot read the apply journal {self.path}: {exc}; delete it (the next plan then provisions "
                f"enforcement only where it stores limits) or point {ENV_VAR} at another file"
            ) from None
        tenants = data.get("tenants") if isinstance(data, dict) else None
        if not isinstance(tenants, dict):
            raise JournalError(
                f"the apply journal {self.path} is not a tenantlead journal (no 'tenants' object); delete it "
                f"or point {ENV_VAR} at another file"
            )
        out: dict[str, dict[str, str]] = {}
        for tenant_id, entry in tenants.items():
            if isinstance(entry, dict) and entry.get("state") in _STATES:
                out[str(tenant_id)] = {"state": str(entry["state"]), "at": str(entry.get("at", ""))}
        return out

    def unenforced(self) -> frozenset[str]:
        """Tenant GUIDs whose stored limits are not known to be enforced."""
        return frozenset(t for t, e in self._tenants.items() if e["state"] == "stored")

    def state(self, tenant_id: str) -> str | None:
        """``stored``, ``enforced`` or None (the journal knows nothing of the tenant)."""
        entry = self._tenants.get(tenant_id)
        return entry["state"] if entry is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The journal's content, as written to the file."""
        return {"version": _VERSION, "tenants": {t: dict(e) for t, e in sorted(self._tenants.items())}}

    # ------------------------------------------------------------------ writing

    def mark_stored(self, tenant_ids: Iterable[str], at: datetime | None = None) -> None:
        """Record that limits are about to be stored on these tenants (written before the first request)."""
        self._set(tenant_ids, "stored", at)

    def mark_enforced(self, tenant_ids: Iterable[str], at: datetime | None = None) -> None:
        """Record that provisioning succeeded on these tenants after their last store."""
        self._set(tenant_ids, "enforced", at)

    def clear(self, tenant_ids: Iterable[str] | None = None) -> None:
        """Forget these tenants (default: all of them) and save."""
        if tenant_ids is None:
            self._tenants = {}
        else:
            for tenant_id in tenant_ids:
                self._tenants.pop(tenant_id, None)
        self._save()

    def _set(self, tenant_ids: Iterable[str], state: str, at: datetime | None) -> None:
        ids = [str(t) for t in tenant_ids]
        if not ids:
            return
        moment = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for tenant_id in ids:
            self._tenants[tenant_id] = {"state": state, "at": moment}
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        text = json.dumps(self.to_dict(), indent=2) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Write-then-rename: an interruption never leaves half a file.
            fd, tmp = tempfile.mkstemp(prefix=".journal-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise JournalError(
                f"cannot write the apply journal {self.path}: {exc.strerror or exc}; point {ENV_VAR} at a "
                "writable file"
            ) from None
