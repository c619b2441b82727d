"""Screenshot the executed ``examples/fleet.ipynb`` for the docs (``make screenshot``).

Executes the notebook (the 100-tenant sandbox demo), converts it to HTML with nbconvert, and has
headless Chromium photograph the first screen: the setup cell and ``fleet.overview()``. The PNG
lands in ``docs/img/fleet-notebook.png``; nothing in it is drawn by hand.

Needs the dev extra (nbclient, nbconvert) and a Chromium binary (``apt-get install chromium``,
or set ``CHROMIUM``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "fleet.ipynb"
OUTPUT = ROOT / "docs" / "img" / "fleet-notebook.png"
#: Wide enough for the summary table beside the picture; tall enough for the first screen.
WINDOW = (1920, 1250)


def chromium() -> str:
    """The Chromium binary: ``$CHROMIUM`` or the first one on PATH."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return str(shutil.which(name))
    raise SystemExit("no Chromium found: apt-get install chromium (or set CHROMIUM=/path/to/chrome)")


def main() -> int:
    """Execute, convert and photograph the notebook; 0 on success."""
    browser = chromium()
    os.environ.setdefault("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with tempfile.TemporaryDirectory() as work:
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": work}}
        ).execute()
        body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
        page = Path(work) / "fleet.html"
        page.write_text(body, encoding="utf-8")
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                f"--screenshot={OUTPUT}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
