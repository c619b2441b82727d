"""Issue 12's done-when as a user runs it: ``tenantlead connect --strategy oauth`` from a shell.

The served sandbox (``tenantlead sandbox serve``) prints everything the real APIs would need:
the two base URLs and API keys and the agency Azure app (``MICROSOFT_*``). The CLI runs in its
own process with only those variables and the credentials export, twice: the first run connects
every ready mailbox as OUTLOOK and reports the demo's three planted failures with their fixes,
the second creates nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.sandbox._served import ROOT, ready, start, stop

PLANTED = {"TL401", "TL405", "TL406"}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TENANTCORE_", "SMARTLEAD_", "MICROSOFT_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "tenantlead", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_connect_over_oauth_from_a_shell_needs_only_the_printed_variables_and_the_export(
    tmp_path: Path,
) -> None:
    server = ready(start("--speed", "600"))
    try:
        assert {"MICROSOFT_AUTHORITY_HOST", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET"} <= set(
            server.env
        )
        export = tmp_path / "mailboxes.csv"
        export.write_text(
            httpx.get(f"{server.base}/sandbox/credentials.csv", headers=server.tc_auth, timeout=10).text,
            encoding="utf-8",
        )
        first = _cli(
            server.env, "--json", "connect", "--strategy", "oauth", "--credentials", str(export), "--apply"
        )
        assert first.returncode == 3, first.stderr  # failed items: the three plants
        result = json.loads(first.stdout)["result"]
        items = result["items"]
        failed = [i for i in items if i["status"] == "failed"]
        assert {i["code"] for i in failed} == PLANTED
        assert all(i["fix"] for i in failed)
        created = [
            i for i in items if i["status"] == "succeeded" and i["action"].startswith("create OUTLOOK")
        ]
        assert created
        # Nothing secret reaches the terminal: not the app's secret, not a password of the export.
        secret = server.env["MICROSOFT_CLIENT_SECRET"]
        passwords = [line.split(",", 1)[1] for line in export.read_text(encoding="utf-8").splitlines()[1:]]
        for text in (first.stdout, first.stderr):
            assert secret not in text
            assert not [p for p in passwords if len(p) >= 8 and p in text]

        second = _cli(
            server.env, "--json", "connect", "--strategy", "oauth", "--credentials", str(export), "--apply"
        )
        assert second.returncode == 3, second.stderr
        again = json.loads(second.stdout)["result"]["items"]
        assert not [i for i in again if i["action"].startswith("create") and i["status"] == "succeeded"]
        assert {i["code"] for i in again if i["status"] == "failed"} == PLANTED
        outlook: set[str] = set()
        for offset in range(0, 10_000, 100):
            page = httpx.get(
                server.sl("/email-accounts/"),
                params={"api_key": server.sl_key, "offset": offset, "limit": 100},
                timeout=10,
            ).json()
            outlook |= {a["from_email"] for a in page if a["type"] == "OUTLOOK"}
            if len(page) < 100:
                break
        assert {i["subject"] for i in created} <= outlook
    finally:
        stop(server)
