"""Child process of the memory scenario: load the fleet, print the memory high-water marks.

Run as ``python -m bench._memory_child`` with the config JSON on stdin. Only the standard library is imported
before the first reading, so "start" is the bare interpreter.

``ru_maxrss`` is not usable on its own here: Linux carries the high-water mark of the process
image replaced by ``exec`` (the forked copy of the parent) into the child's ``ru_maxrss``, so a
child spawned by a big parent reports the parent's size. ``VmHWM`` in ``/proc/self/status``
belongs to the new image only; it is the figure used where it exists.
"""

from __future__ import annotations

import json
import resource
import sys


def _hwm_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _maxrss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def _peak_mb() -> float:
    hwm = _hwm_mb()
    return hwm if hwm is not None else _maxrss_mb()


def main() -> None:
    """Load the fleet from the endpoint described on stdin and print one JSON line."""
    start = _peak_mb()
    config = json.loads(sys.stdin.read())
    from tenantlead import RateLimit, Smartlead, TenantCore
    from tenantlead.orchestration.fleet import Fleet

    imported = _peak_mb()
    rate = RateLimit(tuple((int(n), float(s)) for n, s in config["rate_limits"]))
    with (
        TenantCore(config["tc_key"], base_url=config["tc_url"], max_retries=5) as tc,
        Smartlead(config["sl_key"], base_url=config["sl_url"], max_retries=5, rate_limit=rate) as sl,
    ):
        fleet = Fleet.load(tc, sl)
        peak = _peak_mb()
        rows = len(fleet.rows)
    print(
        json.dumps(
            {
                "source": "VmHWM" if _hwm_mb() is not None else "ru_maxrss",
                "start_mb": start,
                "imported_mb": imported,
                "peak_mb": peak,
                "ru_maxrss_mb": _maxrss_mb(),
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
