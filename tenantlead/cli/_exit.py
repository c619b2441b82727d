"""The command line's exit codes, in one place (docs/cli.md's table is tested against these).

An alerting job can tell them apart: findings are not failures, failures are not outages.
"""

from __future__ import annotations

__all__ = ["BROKEN_PIPE", "FAILED", "FINDINGS", "INTERRUPTED", "OK", "UNREACHABLE", "USAGE"]

#: Success: nothing at or above the chosen severity (``--fail-on``, default warning).
OK = 0
#: Findings at or above the chosen severity (``doctor``, ``check``).
FINDINGS = 1
#: Usage or configuration: a bad flag or value, a missing key, an unreadable file, a drastic plan
#: without ``--allow-drastic``.
USAGE = 2
#: A write failed or drifted (``align``/``connect``/``check`` with ``--apply``).
FAILED = 3
#: An API could not be reached or refused the credentials (connection, timeout, 401/403, 402, 5xx).
UNREACHABLE = 4
#: Interrupted (Ctrl-C); the writes already made stand.
INTERRUPTED = 130
#: 128 + SIGPIPE: the program reading the output quit early (``| head``).
BROKEN_PIPE = 141
