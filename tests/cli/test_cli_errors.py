"""Error paths a user hits: closed pipes, unexpected failures, bad keys, bad credential files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tenantlead.cli import _commands
from tenantlead.sandbox import Sandbox
from tests.cli.conftest import Run

_TC_KEY = "tc_live_" + "0" * 48


def _error_lines(err: str) -> list[str]:
    """Stderr without the "(simulated: ...)" note of --sandbox runs."""
    return [line for line in err.splitlines() if not line.startswith("(simulated")]


def test_output_piped_into_a_reader_that_quits_is_not_an_error() -> None:
    # `tenantlead --sandbox doctor | head -1`: the reader closes the pipe before we finish writing.
    proc = subprocess.Popen(
        [sys.executable, "-m", "tenantlead", "--sandbox", "doctor"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()  # before the child starts writing: its first write meets a closed pipe
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert proc.returncode == 141  # 128 + SIGPIPE, as shells report a closed pipe
    assert "error:" not in err
    assert "Traceback" not in err
    assert "Exception ignored" not in err


def test_an_unexpected_failure_is_one_redacted_line_and_a_hint(
    sb: Sandbox, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "f" * 36

    def boom(session: object, args: object) -> int:
        raise RuntimeError(f"bug while reading ?api_key={secret} and {_TC_KEY}")

    monkeypatch.setattr(_commands, "cmd_status", boom)
    monkeypatch.setenv("SMARTLEAD_API_KEY", secret)
    code, out, err = run("--sandbox", "status")
    assert code == 1
    assert out == ""
    lines = [line for line in err.splitlines() if not line.startswith("(simulated")]
    assert len(lines) == 2
    assert lines[0].startswith("error: unexpected RuntimeError: bug while reading")
    assert lines[1].startswith("hint: ")
    assert "--debug" in lines[1]
    assert secret not in err
    assert _TC_KEY not in err

    code, _, err = run("--sandbox", "status", "--debug")
    assert code == 1
    assert "Traceback" in err
    assert secret not in err
    assert _TC_KEY not in err


def test_a_malformed_key_names_the_flag_or_variable_it_came_from(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run("status", "--tenantcore-key", "tc_live_abc", "--smartlead-key", "f" * 36)
    assert code == 2
    assert out == ""
    assert "--tenantcore-key" in err.splitlines()[0]
    assert "api_key" not in err

    monkeypatch.setenv("TENANTCORE_API_KEY", _TC_KEY)
    monkeypatch.setenv("SMARTLEAD_API_KEY", "short")
    code, _, err = run("status")
    assert code == 2
    first = err.splitlines()[0]
    assert "SMARTLEAD_API_KEY" in first
    # A short malformed key is not masked inside ordinary words of the message ("***er").
    assert "shorter than 8 characters" in first
    assert "hint: " in err


def test_out_of_range_sandbox_size_has_a_hint(run: Run) -> None:
    for argv in (("--sandbox", "--tenants", "0", "status"), ("demo", "--tenants", "101")):
        code, _, err = run(*argv)
        assert code == 2
        assert err.splitlines()[0] == f"error: --tenants must be between 1 and 100, got {argv[2]}"
        assert err.splitlines()[1].startswith("hint: ")


def test_credentials_that_are_not_a_readable_csv_file_say_so(sb: Sandbox, run: Run, tmp_path: Path) -> None:
    code, out, err = run("--sandbox", "connect", "--strategy", "smtp", "--credentials", tmp_path)
    assert code == 2
    assert out == ""
    assert "is a directory" in _error_lines(err)[0]

    missing = tmp_path / "nope.csv"
    code, _, err = run("--sandbox", "connect", "--strategy", "smtp", "--credentials", missing)
    assert code == 2
    assert "no such file" in _error_lines(err)[0]
    assert "CSV text itself" not in err  # the Python API's wording, not the command line's

    binary = tmp_path / "export.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00 not text")
    code, _, err = run("--sandbox", "connect", "--strategy", "smtp", "--credentials", binary)
    assert code == 2
    first, hint = _error_lines(err)
    assert str(binary) in first
    assert "UTF-8" in first
    assert "CSV" in hint


def test_a_bad_base_url_is_not_blamed_on_the_key(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTCORE_BASE_URL", "ftp://example.invalid")
    code, _, err = run("status", "--tenantcore-key", _TC_KEY, "--smartlead-key", "f" * 36)
    assert code == 2
    first, hint = err.splitlines()[:2]
    assert "TENANTCORE_BASE_URL" in first
    assert "key" not in hint


def test_interruption_notes_reach_the_terminal_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    from tenantlead.cli._main import _report_interrupt

    exc = KeyboardInterrupt()
    exc.add_note(
        "tenantlead: interrupted after 3 items (2 written, 0 failed) for Acme\x1b[2J; every completed "
        "write is real. Limits stored but not yet enforced on tenant(s) Evil\x1b]0;x\x07Corp: run align"
    )
    _report_interrupt(exc, ["align", "--apply", "--tenant", "Acme\x1b[2J"], [])

    err = capsys.readouterr().err
    assert "Acme\\x1b[2J" in err
    assert "Evil\\x1b]0;x\\x07Corp" in err
    assert "\x1b" not in err
    assert "\x07" not in err


def test_a_smartlead_error_line_keeps_the_text_after_the_masked_key(sb: Sandbox, run: Run) -> None:
    """``(GET https://...?api_key=***)``: the redaction masks the key, not the closing bracket."""
    from tenantlead.sandbox import FaultRule

    sb.faults.add(FaultRule(api="smartlead", error_rate=1.0))

    code, _, err = run("--sandbox", "status")

    assert code == 4
    [line] = [line for line in _error_lines(err) if line.startswith("error: ")]
    assert line.startswith("error: smartlead 500: ")
    assert line.endswith("&api_key=***)")
    assert sb.smartlead_api_key not in err
