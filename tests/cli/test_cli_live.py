"""The real-API path over loopback: `tenantlead sandbox serve` in a subprocess, commands via env vars.

Also the secrets promise: with --debug (request log and tracebacks on), no key appears in any output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Run


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, str]]:
    """A `tenantlead sandbox serve` process on a free loopback port, and the variables it printed.

    One tenant keeps every Smartlead list to one page, so the whole module stays inside the
    simulated server's 10-requests-per-2-seconds limit and nothing waits in real time.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "tenantlead", "sandbox", "serve", "--port", "0", "--tenants", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    env: dict[str, str] = {}
    try:
        for line in proc.stdout:
            if line.startswith("Serving"):
                break
            name, _, value = line.strip().partition("=")
            env[name] = value
        assert set(env) == {
            "TENANTCORE_BASE_URL",
            "TENANTCORE_API_KEY",
            "SMARTLEAD_BASE_URL",
            "SMARTLEAD_API_KEY",
            "MICROSOFT_AUTHORITY_HOST",
            "MICROSOFT_CLIENT_ID",
            "MICROSOFT_CLIENT_SECRET",
        }
        assert env["TENANTCORE_BASE_URL"].startswith("http://127.0.0.1:")
        yield env
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_status_against_the_served_sandbox_with_env_keys(
    served: dict[str, str], run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in served.items():
        monkeypatch.setenv(name, value)
    code, out, err = run("status", "--json")
    assert code == 0
    assert json.loads(out)["counts"]["tenants"] == 1
    assert "simulated" not in err  # the CLI does not know it is a simulator: real-API code path


def test_debug_output_never_contains_a_key(
    served: dict[str, str], run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENANTCORE_BASE_URL", served["TENANTCORE_BASE_URL"])
    monkeypatch.setenv("SMARTLEAD_BASE_URL", served["SMARTLEAD_BASE_URL"])
    tc_key, sl_key = served["TENANTCORE_API_KEY"], served["SMARTLEAD_API_KEY"]
    wrong_sl = "0" * 8 + sl_key[8:][::-1]  # well-formed, but not the server's key
    outputs = []
    for argv in (
        ("status", "--debug", "--tenantcore-key", tc_key, "--smartlead-key", sl_key),
        ("doctor", "--debug", "--json", "--tenantcore-key", tc_key, "--smartlead-key", sl_key),
        # --warmup-per-day: no per-account reads, so the client's real-time pacing never waits.
        ("align", "--debug", "--warmup-per-day", "5", "--tenantcore-key", tc_key, "--smartlead-key", sl_key),
        ("status", "--debug", "--tenantcore-key", tc_key, "--smartlead-key", wrong_sl),
        ("status", "--debug", "--tenantcore-key", "tc_live_" + "0" * 48, "--smartlead-key", sl_key),
    ):
        code, out, err = run(*argv)
        outputs.append((argv[0], code, out + err))
    codes = [code for _, code, _ in outputs]
    assert codes[0] == 0
    assert codes[3] == codes[4] == 4  # authentication failures: the API refuses the keys
    assert "debug:" in outputs[0][2]  # the request log is on...
    assert "api_key=***" in outputs[0][2]  # ...and redacted
    for _, _, text in outputs:
        for secret in (tc_key, sl_key, wrong_sl, "tc_live_" + "0" * 48):
            assert secret not in text
    assert "error: " in outputs[3][2]
    assert "Traceback" in outputs[3][2]  # --debug shows where it failed


def test_errors_without_debug_are_one_line_and_a_hint(
    served: dict[str, str], run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENANTCORE_BASE_URL", served["TENANTCORE_BASE_URL"])
    monkeypatch.setenv("SMARTLEAD_BASE_URL", served["SMARTLEAD_BASE_URL"])
    monkeypatch.setenv("TENANTCORE_API_KEY", "tc_live_" + "0" * 48)
    monkeypatch.setenv("SMARTLEAD_API_KEY", served["SMARTLEAD_API_KEY"])
    code, out, err = run("status")
    assert code == 4
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: tenantcore 401")
    assert lines[1].startswith("hint: ")


def test_python_dash_m_runs_a_command_end_to_end(served: dict[str, str]) -> None:
    env = {**os.environ, **served}
    proc = subprocess.run(
        [sys.executable, "-m", "tenantlead", "doctor"],  # no --warmup-details: a handful of requests
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1  # the served demo fleet has findings
    assert "TL301" in proc.stdout
