"""Connect over OAuth, consent and preflight leak no Microsoft secret, in the library or the CLI.

Searched for, collected from the simulated identity platform's state after the run (never
hard-coded): every app's client secret, every mailbox password (the TenantCore ones and the
stale ones in the export), every access token and refresh token it minted, every authorization
code it issued and every PKCE ``code_verifier`` a redemption presented. Surfaces
(``oauth_connect_surfaces`` in ``_microsoft_secrets.py``): connect over OAuth by the
password flow and the browser flow (driven headless), the admin-consent flow, the refresh
preflight, ``tenantlead connect --strategy oauth`` and ``tenantlead consent`` in text and
``--json``; every DEBUG record of every logger; ``str``/``repr``/JSON of plans, results, errors,
tokens and the identity clients; pickles; and failed items' tracebacks rendered with
``traceback.TracebackException(capture_locals=True)``. Zero hits, asserted; the figures go to
tests/reliability/README.md.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.reliability._microsoft_secrets import oauth_connect_surfaces, world_secrets
from tests.reliability.conftest import Figures, table
from tests.reliability.test_secrets import Scan


@contextmanager
def _every_logger_at_debug() -> Iterator[io.StringIO]:
    """Every logger (those that exist and those created during the run) at DEBUG, into one buffer."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    levels = {name: logger.level for name, logger in logging.Logger.manager.loggerDict.items()
              if isinstance(logger, logging.Logger)}  # fmt: skip
    old_root = root.level
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buf
    finally:
        root.removeHandler(handler)
        root.setLevel(old_root)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_no_microsoft_secret_in_oauth_connect_consent_preflight_or_cli(
    figures: Figures,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("TENANTCORE_API_KEY", "SMARTLEAD_API_KEY", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    scan = Scan()
    with _every_logger_at_debug() as log:
        run = oauth_connect_surfaces(scan, capsys, monkeypatch, tmp_path)
    scan.texts.append(("log (every logger, DEBUG)", log.getvalue()))
    kinds: dict[str, set[str]] = {}
    for sb in run.sandboxes:
        for kind, values in world_secrets(sb).items():
            kinds[kind] = kinds.get(kind, set()) | values
    for values in kinds.values():
        scan.secrets |= values

    # What was exercised: every kind of secret was really produced, and really used.
    assert {k: len(v) > 0 for k, v in kinds.items()} == dict.fromkeys(kinds, True)
    assert len(kinds["PKCE verifiers"]) >= 2  # the library's and the CLI's browser sign-ins
    assert "save-oauth" in log.getvalue()
    assert "oauth2/v2.0/token" in log.getvalue()
    assert log.getvalue().count("\nDEBUG tenantlead") > 200  # DEBUG logging really was on
    assert scan.hits() == []

    counts = [len(kinds[k]) for k in kinds]
    figures.record(
        "secrets_oauth",
        "## Secrets scan: connect over OAuth, consent, preflight (DEBUG logging on)\n\n"
        "Secrets collected from the simulated identity platform after the run; surfaces: connect by the "
        "password and the browser flow, admin consent, preflight, `connect --strategy oauth` and `consent` "
        "(text and `--json`), every logger's DEBUG records, str/repr/JSON, pickles, tracebacks with locals.\n\n"
        + table(
            ("library operations", "CLI runs", "texts scanned", *kinds, "secrets searched", "hits"),
            [(run.operations, run.cli_runs, len(scan.texts), *counts, len(scan.secrets), 0)],
        ),
    )
