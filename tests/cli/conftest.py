"""Fixtures for the command-line tests: a demo sandbox the CLI uses, and a helper to run commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tenantlead.cli import _session, main
from tenantlead.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's real keys or base URLs must never reach a test run.
    for name in ("TENANTCORE_API_KEY", "SMARTLEAD_API_KEY", "TENANTCORE_BASE_URL", "SMARTLEAD_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The demo sandbox that ``--sandbox`` commands run against (so tests can inspect it)."""
    sandbox = Sandbox.demo(seed=7, tenants=6)
    monkeypatch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sandbox)
    return sandbox


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``run("status", "--json")`` -> (exit code, stdout, stderr)."""

    def _run(*argv: Any) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return _run
