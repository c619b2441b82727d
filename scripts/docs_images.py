"""mkdocs hook: the docs' pictures, drawn from the sandbox at build time (none is drawn by hand).

``mkdocs.yml`` lists this file under ``hooks``. On every build it runs the seeded demo agency
(``Sandbox.demo(seed=7)``): a sending day as things stand, the fleet loaded after it, the
troubleshooting report, ``align_limits(...).apply``, and the next sending day; then it draws each
picture with the SDK's own plot calls and adds the PNGs to the site as ``img/<name>.png``.
``docs/img/fleet-notebook.png`` (the executed notebook) comes from ``make screenshot`` instead,
because it needs a browser.
"""

from __future__ import annotations

import os
from typing import Any

#: Picture name -> what it shows (the alt text the pages use).
PICTURES = {
    "limits.png": "fleet.plot.limits()",
    "headroom.png": "fleet.plot.headroom()",
    "findings.png": "report.plot()",
    "sending-day.png": "sending_day(before, after, fleet=fleet)",
}


def draw() -> dict[str, bytes]:
    """Every picture of :data:`PICTURES` as PNG bytes, from a fresh demo sandbox."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from tenantlead.cli._session import sandbox_clients
    from tenantlead.orchestration import Fleet, align_limits, troubleshoot
    from tenantlead.orchestration.plots import figure_png, sending_day
    from tenantlead.sandbox import Sandbox

    sb = Sandbox.demo(seed=7)
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        before = sb.simulate_day()
        fleet = Fleet.load(tc, sl, with_warmup_details=True)  # sends_today: the day just run
        report = troubleshoot(fleet)
        figures = {
            "limits.png": fleet.plot.limits(),
            "headroom.png": fleet.plot.headroom(),
            "findings.png": report.plot(),
        }
        align_limits(fleet).apply(tc=tc, sl=sl)
        after = sb.simulate_day()
        figures["sending-day.png"] = sending_day(before, after, fleet=fleet)
    return {name: figure_png(fig, dpi=90) for name, fig in figures.items()}


def on_files(files: Any, config: Any) -> Any:
    """Add the drawn pictures to the site's files (mkdocs 1.6 ``File.generated``)."""
    from mkdocs.structure.files import File

    for name, png in draw().items():
        files.append(File.generated(config, f"img/{name}", content=png))
    return files
