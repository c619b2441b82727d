"""docs/sandbox.md lists every operation of Smartlead's public API file the sandbox does not serve.

The list is computed here from the API file and the sandbox's own router, so the page stays true
when either changes: add a route and its line must leave the page; a new operation in the file
must be added to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml

from tenantlead.sandbox.smartlead.world import _ROUTER

ROOT = Path(__file__).resolve().parents[2]
# The project's shared/ folder sits beside the repository (as CI lays it out too).
API_FILE = ROOT.parent / "shared" / "reference" / "smartlead-public-docs-openapi-2025-11-26.yaml"
METHODS = ("get", "post", "put", "patch", "delete")

#: Why each group of the API file is not simulated (grouped by the file's own tags).
REASONS = {
    "Campaigns": "sequences are campaign content, outside the SDK; starting a campaign does not check them",
    "Leads": "leads and lead lists are campaign content, outside the SDK (it manages sending capacity)",
    "Campaign Statistics": "per-lead reporting; the sandbox simulates sends per account (`simulate_day()`)",
    "Master Inbox": "no messages are simulated, so there is nothing to read, reply to or forward",
    "Analytics": "per-lead reporting; the sandbox simulates sends per account (`simulate_day()`)",
    "Utilities": "one-off sends, open tracking and billing credits are not simulated",
    "Authentication": "the user is the sandbox's own (`sb.sl_user`); no profile is simulated",
    "Smart Delivery": "served by another host (`smartdelivery.smartlead.ai`), not `server.smartlead.ai`",
    "Smart Senders": "served by another host (`smart-senders.smartlead.ai`): buying domains and mailboxes",
}


def _api_file() -> dict[str, object]:
    # The reference lives beside the project; a copy in the repository is not needed to read it.
    loaded = yaml.safe_load(API_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def operations() -> list[tuple[str, str, str]]:
    """``(METHOD, path, tag)`` for every operation of the API file, in its order."""
    paths = _api_file()["paths"]
    assert isinstance(paths, dict)
    return [
        (method.upper(), path, op["tags"][0])
        for path, item in paths.items()
        for method, op in item.items()
        if method in METHODS
    ]


def unserved() -> dict[str, list[str]]:
    """``tag -> ["METHOD /path", ...]`` for every operation the sandbox's router does not serve."""
    groups: dict[str, list[str]] = defaultdict(list)
    for method, path, tag in operations():
        # The file's server is .../api and its paths start with /v1, like the sandbox's /api/v1.
        concrete = re.sub(r"\{[^}]+\}", "1", path)[len("/v1/") :].rstrip("/")
        if _ROUTER.match(method, concrete) is None:
            groups[tag].append(f"{method} {path[len('/v1') :]}")
    return dict(groups)


def render(groups: dict[str, list[str]]) -> str:
    """The Markdown block docs/sandbox.md carries, one bullet per group."""
    total = sum(len(ops) for ops in groups.values())
    lines = [
        f"Of its {len(operations())} operations, these {total} are not served (they get Express's 404 page):",
        "",
    ]
    for tag, ops in groups.items():
        listed = ", ".join(f"`{op}`" for op in ops)
        lines.append(f"- **{tag}** ({len(ops)}): {REASONS[tag]}. {listed}")
    return "\n".join(lines) + "\n"


def test_every_unserved_operation_is_listed_with_its_reason() -> None:
    groups = unserved()
    assert set(groups) <= set(REASONS), f"a new group needs a reason: {set(groups) - set(REASONS)}"
    page = (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")
    block = render(groups)
    assert block in page, "docs/sandbox.md is out of date; paste this block:\n\n" + block


def test_the_list_is_not_vacuous() -> None:
    groups = unserved()
    # Spot checks both ways: served routes stay off the list, unserved ones are on it.
    listed = {op for ops in groups.values() for op in ops}
    assert "DELETE /webhook/delete/{webhook_id}" not in listed
    assert "GET /email-accounts/{account_id}" not in listed
    assert "POST /master-inbox/inbox-replies" in listed
    assert len(groups["Smart Delivery"]) == 28
