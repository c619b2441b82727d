"""Progress: a counter on a terminal, tqdm when installed, nothing at all when stderr is not a TTY."""

from __future__ import annotations

import io

from tenantlead.cli._progress import Progress


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
