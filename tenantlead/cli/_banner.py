"""Say "sandbox" in every output of a run that talks to a served tenantlead sandbox, so it never passes for production.

A run talks to the served sandbox when a base URL is the loopback server's (a loopback host and
the ``/tenantcore/`` or ``/smartlead/`` prefix that ``tenantlead sandbox serve`` prints), or as
soon as an answer carries the server's ``X-Tenantlead-Sandbox`` header (a sandbox served with
``--allow-remote`` on another address). [`watch`][tenantlead.cli._banner.watch] starts watching a
[`Session`][tenantlead.cli._session.Session]; then [`finish`][tenantlead.cli._banner.finish] ends
the human output with a ``(sandbox: ...)`` line, [`mark_json`][tenantlead.cli._banner.mark_json]
adds a ``sandbox`` member to the ``--json`` document, and an error's hint and JSON error object
say it too ([`current`][tenantlead.cli._banner.current]). ``--sandbox`` (in-process) runs keep
their own ``(simulated: ...)`` note: the user asked for the simulator by name.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import httpx

from tenantlead._core.redact import redact_url
from tenantlead._core.sandbox_hint import is_sandbox_url

if TYPE_CHECKING:
    from tenantlead.cli._session import Session

__all__ = [
    "SANDBOX_HEADER",
    "SandboxWatch",
    "current",
    "finish",
    "forget",
    "mark_json",
    "watch",
]

#: The header every answer of the loopback server carries (``tenantlead.sandbox.server``).
SANDBOX_HEADER = "x-tenantlead-sandbox"
_WATCHES: weakref.WeakKeyDictionary[Session, SandboxWatch] = weakref.WeakKeyDictionary()
#: The watch of the command being run, for its error report (which comes after the session closed).
_CURRENT: list[SandboxWatch] = []


class SandboxWatch:
    """What one run knows about talking to the served sandbox; updated by every answer its clients get."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.in_process = session.sandbox is not None
        self.base_urls = {"tenantcore": str(session.tc.base_url), "smartlead": str(session.sl.base_url)}
        self.served = not self.in_process and any(is_sandbox_url(url) for url in self.base_urls.values())

    def note(self) -> str:
        """The sentence every output of the run carries."""
        urls = ", ".join(redact_url(url) for url in self.base_urls.values())
        return f"sandbox: the tenantlead sandbox answered ({urls}), not production; nothing real was touched"

    def to_dict(self) -> dict[str, Any]:
        """The ``sandbox`` member of the run's ``--json`` document and error object."""
        return {
            "kind": "served",
            "base_urls": {api: redact_url(url) for api, url in self.base_urls.items()},
            "note": self.note(),
        }

    def hint(self, hint: str | None, status_code: int | None = None) -> str:
        """An error's hint in a sandbox run: a 401 means a real key was sent to the sandbox."""
        if status_code == 401:
            return (
                "these base URLs are the tenantlead sandbox: use the keys `tenantlead sandbox serve` "
                "printed, or unset TENANTCORE_BASE_URL / SMARTLEAD_BASE_URL to reach the real APIs"
            )
        return f"{hint}; {self.note()}" if hint else self.note()

    def on_response(self, response: httpx.Response) -> None:
        """An httpx response hook: an answer marked as the sandbox's makes the run a sandbox run."""
        if SANDBOX_HEADER in response.headers and not self.in_process:
            self.served = True


def watch(session: Session) -> SandboxWatch:
    """Start watching ``session``'s clients for the served sandbox's answers."""
    found = SandboxWatch(session)
    _WATCHES[session] = found
    _CURRENT[:] = [found]
    for client in (session.tc, session.sl):
        http = getattr(client, "_http", None)
        if isinstance(http, httpx.Client):
            hooks = http.event_hooks
            hooks.setdefault("response", []).append(found.on_response)
            http.event_hooks = hooks
    return found


def mark_json(session: Session, payload: Any) -> Any:
    """``payload`` with a ``sandbox`` member when ``session`` talks to the served sandbox (else unchanged)."""
    found = _WATCHES.get(session)
    if found is None or not found.served or not isinstance(payload, dict):
        return payload
    return {**payload, "sandbox": found.to_dict()}


def finish(session: Session) -> None:
    """End a served-sandbox run's human output (stdout) with the note, so a saved report says it."""
    found = _WATCHES.get(session)
    if found is not None and found.served and not session.as_json:
        session.out(f"({found.note()})")


def forget() -> None:
    """Start a new command: no sandbox known yet."""
    _CURRENT.clear()


def current() -> SandboxWatch | None:
    """The served sandbox the command being run talks to (None for the real APIs and ``--sandbox``)."""
    return _CURRENT[0] if _CURRENT and _CURRENT[0].served else None
