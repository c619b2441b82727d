"""The command lines the how-to guides show run on the sandbox and do what the page says.

``$ tenantlead ...`` lines of a page run in order against one demo sandbox (so an ``--apply``
is seen by the next line, as it would be against real accounts); a ``python -c`` line runs with
this interpreter in the same directory.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tenantlead.cli import _session, main
from tenantlead.sandbox import Sandbox

DOCS = Path(__file__).resolve().parents[2] / "docs"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """One demo sandbox for every ``--sandbox`` line of a page."""
    sandbox = Sandbox.demo(seed=7, tenants=6)
    monkeypatch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sandbox)
    for name in ("TENANTCORE_API_KEY", "SMARTLEAD_API_KEY", "TENANTCORE_BASE_URL", "SMARTLEAD_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return sandbox


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def _run(*argv: Any) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def console_lines(page: str) -> list[str]:
    """The ``$ ...`` lines of the page's console blocks, in order."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, flags=re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_connect_tenant_how_to_runs_on_the_sandbox(
    sb: Sandbox, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = console_lines("how-to/connect-tenant.md")
    names = {t.tenant_name for t in sb.tc_account.tenants.values()}
    codes: list[int] = []
    for line in lines:
        command, _, target = line.partition(" > ")
        words = shlex.split(command)
        if words[0] == "python":
            out = subprocess.run(
                [sys.executable, *words[1:]], capture_output=True, text=True, check=True
            ).stdout
            Path(target.strip()).write_text(out, encoding="utf-8")
            continue
        assert words[0] == "tenantlead"
        assert words[words.index("--tenant") + 1] in names  # a tenant the sandbox really has
        code, out, err = run(*words[1:])
        codes.append(code)
        assert "error:" not in err, (line, err)
    assert codes[:3] == [0, 0, 0]
    # The doctor line afterwards: nothing left to connect but the mailbox still propagating.
    _, out, _ = run("--sandbox", "--json", "--tenant", "Dunmore Health", "doctor")
    left = {f["code"] for f in json.loads(out)["findings"] if f["code"] in ("TL201", "TL106")}
    assert left == {"TL201"}  # only the propagating mailbox
    assert len([f for f in json.loads(out)["findings"] if f["code"] == "TL201"]) == 1
