"""Progress for long work: a tqdm bar when available, a plain counter otherwise, silence off a TTY.

The orchestration layer reports progress through ``on_progress(event)`` (a
``ProgressEvent``: stage, done, total); this turns those calls into something a person watching
a terminal can read, and into nothing at all when stderr is a pipe or a file (CI logs,
``--json`` piped to ``jq``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tenantlead.orchestration.results import ProgressEvent

__all__ = ["Progress"]


class Progress:
    """A ``(stage, done, total)`` callback that draws progress on stderr.

    Args:
        stream: where to draw; default ``sys.stderr`` at call time.
        enabled: force on/off; default: on when ``stream`` is a TTY.
        use_tqdm: force tqdm on/off; default: use it when it can be imported.
    """

    def __init__(
        self, stream: TextIO | None = None, *, enabled: bool | None = None, use_tqdm: bool | None = None
    ) -> None:
        self._stream = stream
        out = self.stream
        self.enabled = bool(out.isatty()) if enabled is None else enabled
        self._tqdm: Any = None
        if self.enabled and use_tqdm is not False:
            try:
                # Imported by name: tqdm is an optional extra and ships no type stubs.
                self._tqdm = importlib.import_module("tqdm").tqdm
            except ImportError:
                self._tqdm = None
        self._bar: Any = None
        self._stage: str | None = None
        self._drawn = False

    @property
    def stream(self) -> TextIO:
        """The stream progress is drawn on."""
        return self._stream if self._stream is not None else sys.stderr

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` items of ``stage`` are finished."""
        if not self.enabled:
            return
        if stage != self._stage:
            self.close()
            self._stage = stage
            if self._tqdm is not None:
                self._bar = self._tqdm(total=total, desc=stage, file=self.stream, leave=False, unit="item")
        if self._bar is not None:
            self._bar.total = total
            self._bar.n = done
            self._bar.refresh()
            return
        self.stream.write(f"\r{stage}: {done}/{total}")
        self.stream.flush()
        self._drawn = True

    def on_progress(self, event: ProgressEvent) -> None:
        """The orchestration's ``on_progress`` callback: draws ``event`` under its stage."""
        self(event.stage, event.done, event.total)

    def items(self, stage: str) -> Callable[[int, int, object], None]:
        """An apply-style ``progress(done, total, item)`` callback drawing under ``stage``."""

        def report(done: int, total: int, _item: object) -> None:
            self(stage, done, total)

        return report

    def close(self) -> None:
        """Finish the current line or bar (idempotent)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._drawn:
            # Erase the counter so the next output starts on a clean line.
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
        self._stage = None
