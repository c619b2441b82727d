"""Progress: a counter on a terminal, tqdm when installed, nothing at all when stderr is not a TTY."""

from __future__ import annotations

import io
import json
import re
import sys
from typing import Any

import pytest

from tenantlead.cli._progress import Progress
from tenantlead.sandbox import Sandbox
from tests.cli.conftest import Run


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(stream)
    progress("tenants", 1, 3)
    progress.items("connect")(2, 36, object())
    progress.close()
    assert stream.getvalue() == ""


def test_plain_counter_on_a_terminal_without_tqdm() -> None:
    stream = _Terminal()
    progress = Progress(stream, use_tqdm=False)
    progress("tenants", 1, 3)
    progress("tenants", 3, 3)
    progress.items("connect")(5, 36, object())
    progress.close()
    text = stream.getvalue()
    assert "tenants: 3/3" in text
    assert "connect: 5/36" in text
    assert text.endswith("\r\x1b[K")  # the line is cleared before normal output resumes


def test_tqdm_bar_on_a_terminal_when_installed() -> None:
    stream = _Terminal()
    progress = Progress(stream)
    progress("accounts", 100, 200)
    progress.close()
    assert "accounts" in stream.getvalue()
    assert "100/200" in stream.getvalue()


# ----------------------------------------------------------------------------- commands


def _stderr_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)


@pytest.mark.parametrize("command", [["status"], ["doctor", "--warmup-details"], ["align"]])
def test_commands_draw_progress_on_a_terminal(
    command: list[str], sb: Sandbox, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stderr_is_a_terminal(monkeypatch)
    code, out, err = run("--sandbox", *command)

    assert code in (0, 1)
    assert "tenants" in err
    assert "6/6" in err  # the bar reached the end of the tenants
    assert "\r" not in out  # the bar never touches stdout


@pytest.mark.parametrize("command", [["status"], ["doctor"], ["align", "--apply"]])
def test_json_output_and_pipes_get_no_progress(
    command: list[str], sb: Sandbox, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code, _out, piped = run("--sandbox", *command)
    _stderr_is_a_terminal(monkeypatch)
    code, out, err = run("--sandbox", "--json", *command)

    assert "\r" not in piped
    assert "tenants:" not in piped
    assert "\r" not in err
    assert json.loads(out)  # stdout is exactly one JSON document
    assert code in (0, 1)


def test_apply_progress_counts_the_items(sb: Sandbox, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    _stderr_is_a_terminal(monkeypatch)
    code, _out, err = run("--sandbox", "align", "--default-ceiling", "25", "--apply")

    assert code == 0
    assert "align" in err


def test_ctrl_c_during_align_says_what_was_written_and_the_command_that_finishes(
    sb: Sandbox, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stop_after_first_write(self: Progress, event: Any) -> None:
        if event.item is not None and event.item.status == "succeeded":  # Ctrl-C right after a write
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Progress, "on_progress", stop_after_first_write)
        code, _out, err = run("--sandbox", "align", "--default-ceiling", "25", "--apply")

    assert code == 130
    assert re.search(r"interrupted after \d+ items \(1 written, 0 failed\)", err)
    [tenant] = {t.tenant_id for t in sb.tc_account.tenants.values() if t.tenant_name == "Dunmore Health"}
    assert tenant in err  # the tenant whose stored limit is not enforced yet
    hint = next(line for line in err.splitlines() if line.startswith("hint: "))
    [command] = re.findall(r"`tenantlead (.*?)`", hint)
    assert command.split() == ["--sandbox", "align", "--default-ceiling", "25", "--apply", "--enforce-all"]

    # The hint is a real command: running it finishes the job.
    code, _out, err = run(*command.split())
    assert code == 0, err
    assert sb.tc_account.tenants[tenant].enforcement_provisioned_at is not None
    code, out, _err = run("--sandbox", "--json", "align", "--default-ceiling", "25")
    assert json.loads(out)["plan"]["changes"] == []


def test_ctrl_c_while_reading_says_nothing_was_written(
    sb: Sandbox, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("tenantlead.orchestration.fleet.Fleet.load", interrupt)
    code, _out, err = run("--sandbox", "status")

    assert code == 130
    assert "interrupted (nothing was being written)" in err
