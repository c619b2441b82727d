"""Keys read from a file or stdin (``--tenantcore-key-file`` / ``--smartlead-key-file``), never argv.

A flag's value is readable by every local user in ``/proc/<pid>/cmdline``; a key file or stdin is
not. The keys are checked end to end against a sandbox served on loopback (the real-API code
path), and every bad key file is a usage error naming the option, never the file's content.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantlead.cli import build_parser
from tenantlead.sandbox import Sandbox, SmartleadConfig
from tests.cli.conftest import Run


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A one-tenant sandbox on a loopback port, the CLI's base URLs pointed at it (keys not set)."""
    sb = Sandbox.demo(seed=3, tenants=1, smartlead=SmartleadConfig(rate_limits=()))
    with sb.serve() as server:
        monkeypatch.setenv("TENANTCORE_BASE_URL", server.tenantcore_base_url)
        monkeypatch.setenv("SMARTLEAD_BASE_URL", server.smartlead_base_url)
        yield sb


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_keys_from_a_file_and_from_stdin_work_end_to_end(
    served: Sandbox, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "tenantcore.key"
    key_file.write_text(served.tenantcore_api_key + "\r\n")  # saved by a Windows editor
    _stdin(monkeypatch, served.smartlead_api_key + "\n")

    code, out, err = run("status", "--json", "--tenantcore-key-file", key_file, "--smartlead-key-file", "-")

    assert code == 0, err
    assert json.loads(out)["counts"]["tenants"] == 1
    for key in (served.tenantcore_api_key, served.smartlead_api_key):
        assert key not in out + err


def test_a_wrong_key_read_from_a_file_is_masked_in_debug_output(
    served: Sandbox, run: Run, tmp_path: Path
) -> None:
    wrong = "0" * 8 + served.smartlead_api_key[8:][::-1]  # well-formed, not the server's
    (tmp_path / "tc").write_text(served.tenantcore_api_key)
    (tmp_path / "sl").write_text(wrong + "\n")

    code, out, err = run(
        "status", "--debug", "--tenantcore-key-file", tmp_path / "tc", "--smartlead-key-file", tmp_path / "sl"
    )

    assert code == 4
    assert wrong not in out + err
    assert served.tenantcore_api_key not in out + err


def test_a_malformed_key_in_a_file_names_the_file_not_the_key(run: Run, tmp_path: Path) -> None:
    key = "tc_live_" + "a" * 48
    path = tmp_path / "tc.key"
    path.write_text(f"  {key}\n")  # leading spaces: the client refuses them

    code, out, err = run("status", "--tenantcore-key-file", path, "--smartlead-key", "f" * 36)

    assert code == 2
    assert f"--tenantcore-key-file {path}" in err
    assert key not in out + err


_SECRET = "S3cret-Content-0f-The-File"


def _bad_files(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    (tmp_path / "empty").write_text("")
    (tmp_path / "newline").write_text("\n\r\n")
    (tmp_path / "latin1").write_bytes(_SECRET.encode() + b"\xe9\xff")
    (tmp_path / "huge").write_text(_SECRET * 10_000)
    (tmp_path / "dir").mkdir()
    (tmp_path / "good").write_text(_SECRET)
    t = str(tmp_path)
    return {
        "missing file": (
            ["--smartlead-key-file", f"{t}/nope"],
            f"--smartlead-key-file {t}/nope: no such file",
        ),
        "empty file": (["--smartlead-key-file", f"{t}/empty"], f"--smartlead-key-file {t}/empty is empty"),
        "only line ends": (
            ["--tenantcore-key-file", f"{t}/newline"],
            f"--tenantcore-key-file {t}/newline is empty",
        ),
        "a directory": (["--smartlead-key-file", f"{t}/dir"], f"--smartlead-key-file {t}/dir is a directory"),
        "not UTF-8": (["--smartlead-key-file", f"{t}/latin1"], "is not UTF-8 text"),
        "over 64 KiB": (["--smartlead-key-file", f"{t}/huge"], "is larger than 64 KiB"),
        "flag and file": (
            ["--smartlead-key", "x" * 36, "--smartlead-key-file", f"{t}/good"],
            "give --smartlead-key or --smartlead-key-file, not both",
        ),
        "two readers of stdin": (
            ["--tenantcore-key-file", "-", "--smartlead-key-file", "-"],
            "--tenantcore-key-file and --smartlead-key-file both read stdin",
        ),
        "empty stdin": (["--smartlead-key-file", "-"], "--smartlead-key-file - (stdin) is empty"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "missing file",
        "empty file",
        "only line ends",
        "a directory",
        "not UTF-8",
        "over 64 KiB",
        "flag and file",
        "two readers of stdin",
        "empty stdin",
    ],
)
def test_a_bad_key_file_is_a_usage_error_naming_the_option(
    name: str, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv, expected = _bad_files(tmp_path)[name]
    _stdin(monkeypatch, "")

    code, out, err = run("status", "--json", *argv)

    assert code == 2, err
    first = err.splitlines()[0]
    assert first.startswith("error: ")
    assert expected in first
    assert json.loads(out)["error"]["exit_code"] == 2
    assert _SECRET not in out + err


def test_an_unreadable_key_file_says_so(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked"
    path.write_text(_SECRET)

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # chmod 000 does not stop root, who may run the tests
    code, out, err = run("status", "--tenantcore-key-file", path)

    assert code == 2
    assert f"--tenantcore-key-file {path} cannot be read (Permission denied)" in err
    assert _SECRET not in out + err


def test_stdin_shared_with_the_credentials_is_refused(run: Run) -> None:
    code, _, err = run("connect", "--strategy", "smtp", "--credentials", "-", "--smartlead-key-file", "-")

    assert code == 2
    assert "--smartlead-key-file and --credentials both read stdin" in err


def test_key_files_are_not_read_with_the_sandbox(sb: Sandbox, run: Run, tmp_path: Path) -> None:
    code, _, err = run("--sandbox", "status", "--smartlead-key-file", tmp_path / "absent")

    assert code == 0, err


def test_help_says_flags_are_visible_and_offers_the_files() -> None:
    text = " ".join(build_parser().format_help().split())

    assert "--tenantcore-key-file FILE" in text
    assert "--smartlead-key-file FILE" in text
    assert "flag values are visible to other local users" in text
    assert "prefer $SMARTLEAD_API_KEY or --smartlead-key-file" in text


def test_the_client_secret_file_gets_the_same_errors(sb: Sandbox, run: Run, tmp_path: Path) -> None:
    code, _, err = run(
        "consent", "--client-id", "00000000-0000-4000-8000-000000000001", "--client-secret-file", tmp_path,
        "--tenantcore-key", "tc_live_" + "0" * 48, "--smartlead-key", "f" * 36,
    )  # fmt: skip

    assert code == 2
    assert f"--client-secret-file {tmp_path} is a directory" in err
    assert "MICROSOFT_CLIENT_SECRET" in err  # the hint says where else the secret can come from


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_the_key_is_asked_for_without_echo(
    served: Sandbox, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def ask(prompt: str = "") -> str:
        prompts.append(prompt)
        return served.smartlead_api_key

    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    monkeypatch.setattr("getpass.getpass", ask)
    monkeypatch.setenv("TENANTCORE_API_KEY", served.tenantcore_api_key)

    code, out, err = run("status", "--json", "--smartlead-key-file", "-")

    assert code == 0, err
    assert prompts == ["Smartlead API key: "]
    assert served.smartlead_api_key not in out + err


def test_ctrl_d_at_the_prompt_is_an_empty_key(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    monkeypatch.setattr("getpass.getpass", eof)

    code, _, err = run("status", "--tenantcore-key-file", "-")

    assert code == 2
    assert "--tenantcore-key-file - (stdin) is empty" in err
