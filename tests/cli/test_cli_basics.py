"""The command line's contract: exit codes, JSON output, one-line errors, no secrets, help."""

from __future__ import annotations

import json
import subprocess
import sys

from tenantlead.sandbox import Sandbox
from tests.cli.conftest import Run


def test_status_prints_one_line_per_tenant_and_a_simulated_note(sb: Sandbox, run: Run) -> None:
    code, out, err = run("status", "--sandbox")
    assert code == 0
    names = {t.tenant_name for t in sb.tc_account.tenants.values()}
    assert all(name in out for name in names)
    assert "simulated" in err
    # The demo fleet has mailboxes that are not in Smartlead yet; status says what to do.
    assert "tenantlead connect" in out


def test_global_flags_work_before_and_after_the_command(sb: Sandbox, run: Run) -> None:
    before = run("--sandbox", "--json", "status")
    after = run("status", "--sandbox", "--json")
    assert before[0] == after[0] == 0
    assert json.loads(before[1]) == json.loads(after[1])


def test_status_json_has_counts_tenants_and_mailboxes(sb: Sandbox, run: Run) -> None:
    code, out, _ = run("--sandbox", "status", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["counts"]["tenants"] == len(sb.tc_account.tenants)
    assert len(data["tenants"]) == len(sb.tc_account.tenants)
    addresses = {m["address"] for m in data["mailboxes"]}
    assert {m.primary_smtp for m in sb.tc_account.mailboxes.values()} <= addresses


def test_tenant_filter_accepts_names_and_rejects_unknown_ones(sb: Sandbox, run: Run) -> None:
    name = sorted(t.tenant_name for t in sb.tc_account.tenants.values())[0]
    code, out, _ = run("--sandbox", "status", "--json", "--tenant", name)
    assert code == 0
    assert [t["tenant_name"] for t in json.loads(out)["tenants"]] == [name]

    code, out, err = run("--sandbox", "status", "--tenant", "No Such Client")
    assert code == 2
    assert out == ""
    assert any(line.startswith("error: unknown tenant 'No Such Client'") for line in err.splitlines())
    assert "hint:" in err

    # Case and spaces do not matter; a typo gets the closest names, not the first few alphabetically.
    code, out, _ = run("--sandbox", "status", "--json", "--tenant", "  " + name.upper().replace(" ", "  "))
    assert code == 0
    assert [t["tenant_name"] for t in json.loads(out)["tenants"]] == [name]
    typo = name[:-1] + ("x" if name[-1] != "x" else "y")
    code, _, err = run("--sandbox", "status", "--tenant", typo)
    assert code == 2
    assert f"did you mean {name!r}" in err
    hint = next(line for line in err.splitlines() if line.startswith("hint:"))
    assert "closest:" in hint
    assert name in hint


def test_missing_keys_exit_2_and_name_the_environment_variable(run: Run) -> None:
    code, out, err = run("status")
    assert code == 2
    assert out == ""
    assert "TENANTCORE_API_KEY" in err.splitlines()[0]
    assert "Traceback" not in err

    code, _, err = run("status", "--tenantcore-key", "tc_live_" + "0" * 48)
    assert code == 2
    assert "SMARTLEAD_API_KEY" in err.splitlines()[0]


def test_malformed_key_is_a_configuration_error_without_echoing_the_key(run: Run) -> None:
    bad = "not-a-tenantcore-key-but-long-enough-to-be-secret"
    code, out, err = run("status", "--tenantcore-key", bad, "--smartlead-key", "x" * 40, "--debug")
    assert code == 2
    assert err.startswith("error: TenantCore API key")
    assert bad not in out + err


def test_bad_flag_and_missing_command_are_usage_errors(run: Run) -> None:
    assert run("status", "--no-such-flag")[0] == 2
    assert run()[0] == 2
    code, _, err = run("connect", "--sandbox")  # --strategy is required
    assert code == 2
    assert "--strategy" in err


def test_help_lists_every_command(run: Run) -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("demo", "status", "doctor", "align", "connect", "sandbox"):
        assert command in out


def test_python_dash_m_tenantlead_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tenantlead", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert "usage: tenantlead" in proc.stdout
    assert "exit codes" in proc.stdout


def test_the_cli_reference_documents_every_command_and_option() -> None:
    import argparse
    from pathlib import Path

    from tenantlead.cli import build_parser

    reference = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    if f"## {(prefix + ' ' + name).strip()}" not in reference:
                        missing.append(f"section {prefix} {name}")
                    walk(sub, f"{prefix} {name}".strip())
            else:
                missing.extend(
                    f"{prefix}: {o}"
                    for o in action.option_strings
                    if o.startswith("--") and o not in reference
                )

    walk(build_parser(), "")
    assert missing == []
