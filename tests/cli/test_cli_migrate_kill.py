"""``kill -9`` in the middle of ``tenantlead migrate --apply``: the next run finishes, nothing lost or doubled.

The world runs in this process behind the loopback server; the command runs in a subprocess
that is killed with SIGKILL once it has switched its second account (read from its ``--debug``
request log, so the kill point does not depend on timing). No cleanup code of the killed process
runs - only what it had written to Smartlead and to the snapshot file counts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.orchestration.migrate_world import AccountSpec, build_world, settings_only, state

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

SPECS = [
    [AccountSpec(tags=(0, 1), campaigns=(0, 1), bcc="cc@agency.example"), AccountSpec()],
    [AccountSpec(warmup=None, client=False, tags=(), campaigns=())],
]


def test_kill_9_mid_migration_then_the_same_command_finishes_it(tmp_path: Path) -> None:
    sb = build_world(SPECS, oauth_switch="refuse", rate_limits=())
    before = state(sb)
    export = tmp_path / "export.csv"
    export.write_text(sb.credentials_csv(), encoding="utf-8")
    snapshot = tmp_path / "snap.json"
    app = sb.authority.smartlead_app
    with sb.serve() as server:
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("TENANTCORE_", "SMARTLEAD_", "MICROSOFT_"))
            },
            "TENANTCORE_BASE_URL": server.tenantcore_base_url,
            "TENANTCORE_API_KEY": sb.tenantcore_api_key,
            "SMARTLEAD_BASE_URL": server.smartlead_base_url,
            "SMARTLEAD_API_KEY": sb.smartlead_api_key,
            "MICROSOFT_CLIENT_ID": app.client_id,
            "MICROSOFT_CLIENT_SECRET": app.secret,
            "MICROSOFT_AUTHORITY_HOST": server.microsoft_authority_host,
        }
        command = [sys.executable, "-m", "tenantlead", "migrate", "--credentials", str(export)]
        command += ["--snapshot", str(snapshot), "--allow-recreate", "--apply"]

        proc = subprocess.Popen(
            [*command, "--debug"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        assert proc.stderr is not None
        creates = 0
        for line in proc.stderr:
            # A recreate's create is a save-oauth without an id, after the refused in-place one.
            if "save-oauth" in line and "-> 200" in line:
                creates += 1
                if creates == 2:
                    proc.send_signal(signal.SIGKILL)
                    break
        proc.wait(timeout=120)
        assert proc.returncode == -signal.SIGKILL
        assert snapshot.exists()
        mid = state(sb)  # no address has two live accounts, even now
        assert sum(1 for row in mid.values() if row["type"] == "OUTLOOK") >= 2

        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stdout + done.stderr
    after = state(sb)
    assert sorted(after) == sorted(before)
    assert settings_only(after) == settings_only(before)
    assert {row["type"] for row in after.values()} == {"OUTLOOK"}
    assert all(row["connected"] for row in after.values())
