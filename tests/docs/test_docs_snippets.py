"""Every Python block of the docs pages runs against the sandbox, so the docs cannot drift.

The blocks are written for real credentials (``TenantCore()`` reads ``TENANTCORE_API_KEY``);
here the client classes are swapped for ones bound to ``Sandbox.demo(seed=7)`` on its virtual
clock, and the credentials files the pages read are the sandbox's export.

Rules:

- The blocks of one page run in order in one namespace, so a block may continue an earlier one.
- Pages show fragments that assume names a reader already has (``tc``, ``sl``, a ``fleet``, a
  token provider, a webhook body ...). :func:`stand_ins` supplies those names, built from the
  sandbox; a block that defines the name itself wins.
- A block is left out only by a visible marker in the page, an HTML comment on the line before
  its fence: ``<!-- not-run: why -->``. The reason is required.
- Until their owners add that marker, blocks of pages this test's authors may not edit are listed
  in :data:`NOT_RUN_ELSEWHERE` with the same kind of reason; an entry that no longer matches a
  block fails the suite, so the list cannot go stale.
- ``--8<--`` include lines are the examples/ scripts, which tests/examples runs; they are dropped.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import re
import sys
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import tenantlead
from tenantlead.sandbox import Sandbox

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(r"^```python[ \t]*$")
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(?P<reason>.*?)\s*-->$")

#: (page, first code line) -> why it cannot run; for pages whose owners have yet to add the marker.
NOT_RUN_ELSEWHERE: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Block:
    """One ```python block: where it is, its code, and the not-run reason if marked."""

    page: str
    line: int
    code: str
    not_run: str | None


def blocks_of(path: Path) -> list[Block]:
    """The page's python blocks in order, with include lines removed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    page = path.relative_to(DOCS).as_posix()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        if not FENCE.match(lines[i]):
            i += 1
            continue
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        previous = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        marker = NOT_RUN.match(previous)
        code = "\n".join(line for line in body if not line.lstrip().startswith("--8<--"))
        first = next((line for line in code.splitlines() if line.strip()), "")
        reason = marker["reason"] if marker else NOT_RUN_ELSEWHERE.get((page, first))
        found.append(Block(page, start + 1, code, reason))
        i += 1
    return found


PAGES = {p.relative_to(DOCS).as_posix(): blocks_of(p) for p in sorted(DOCS.rglob("*.md"))}
RUNNABLE = sorted(
    page for page, blocks in PAGES.items() if any(b.code.strip() and not b.not_run for b in blocks)
)


def bind(cls: type, sb: Sandbox, *, is_async: bool, key: str) -> Any:
    """``cls`` with the sandbox's key, transport, clock and sleeper as defaults."""

    def make(*args: Any, **kwargs: Any) -> Any:
        for name, value in sb.client_options(asynchronous=is_async).items():
            kwargs.setdefault(name, value)
        return cls(*(args or (key,)), **kwargs)

    return make


@pytest.fixture
def sandboxed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sandbox:
    """The demo world, the four clients bound to it, and its credential export in the cwd."""
    sb = Sandbox.demo(seed=7)
    for name, is_async, key in (
        ("TenantCore", False, sb.tenantcore_api_key),
        ("AsyncTenantCore", True, sb.tenantcore_api_key),
        ("Smartlead", False, sb.smartlead_api_key),
        ("AsyncSmartlead", True, sb.smartlead_api_key),
    ):
        monkeypatch.setattr(tenantlead, name, bind(getattr(tenantlead, name), sb, is_async=is_async, key=key))
    csv = sb.credentials_csv()
    for filename in ("mailboxes.csv", "tenantcore-mailboxes.csv"):
        (tmp_path / filename).write_text(csv, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "msal", fake_msal(sb))
    return sb


def fake_msal(sb: Sandbox) -> types.ModuleType:
    """A stand-in ``msal`` whose token cache holds a sandbox-signed token for every mailbox."""

    class PublicClientApplication:
        def __init__(self, client_id: str = "docs", **_: Any) -> None:
            self.client_id = client_id

        def get_accounts(self) -> list[dict[str, str]]:
            return [{"username": m.primary_smtp} for m in sb.tc_account.mailboxes.values()]

        def acquire_token_silent(self, scopes: list[str], account: Mapping[str, str]) -> dict[str, Any]:
            return sb.microsoft_token(account["username"], scope=scopes[0])

    module = types.ModuleType("msal")
    module.PublicClientApplication = PublicClientApplication  # type: ignore[attr-defined]
    return module


class Seen:
    """The webhook page's ``seen``: a set with ``add_if_new``."""

    def __init__(self) -> None:
        self.keys: set[Any] = set()

    def add_if_new(self, key: Any) -> bool:
        new = key not in self.keys
        self.keys.add(key)
        return new


def stand_ins(sb: Sandbox) -> dict[str, Any]:
    """Names the pages' fragments assume, built from the sandbox (a block's own definition wins)."""
    from tenantlead.orchestration import Fleet, LimitPolicy

    tc, sl = tenantlead.TenantCore(), tenantlead.Smartlead()
    atc, asl = tenantlead.AsyncTenantCore(), tenantlead.AsyncSmartlead()
    fleet = Fleet.load(tc, sl)
    first_account = next(iter(sl.email_accounts.list()))
    secret = "whsec-docs"
    body = {
        "event_type": "EMAIL_REPLY",
        "campaign_id": 1,
        "to_email": "lead@example.com",
        "event_timestamp": "2026-11-27T10:00:00Z",
        "secret_key": secret,
    }
    handled: list[Any] = []

    def my_token_provider(email: str) -> dict[str, Any]:
        return sb.microsoft_token(email)

    return {
        "tc": tc,
        "sl": sl,
        "atc": atc,
        "asl": asl,
        "fleet": fleet,
        "policy": LimitPolicy(default_ceiling=25, sending_window="09:00-17:00"),
        "my_token_provider": my_token_provider,
        "provider": my_token_provider,
        "app": sys.modules["msal"].PublicClientApplication("docs"),
        "ms_token_response": {
            k: v for k, v in sb.microsoft_token("ana@acme-mail.com").items() if k != "expiry_date"
        },
        "account_ids": [a.id for a in sl.email_accounts.list(max_items=5)],
        "account": first_account,
        "campaign_id": sl.campaigns.list()[0].id,
        "request_body_bytes": json.dumps(body).encode(),
        "MY_SECRET": secret,
        "seen": Seen(),
        "handle": handled.append,
        "strategy": "manual",
        "_handled": handled,
    }


def run(block: Block, namespace: dict[str, Any]) -> None:
    """Execute one block; top-level ``await`` / ``async with`` run on a fresh event loop."""
    code = compile(
        block.code, f"docs/{block.page}:{block.line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    )
    outcome = eval(code, namespace)  # the docs' own code, by design
    if inspect.iscoroutine(outcome):
        asyncio.run(outcome)


def test_the_docs_have_the_blocks_this_test_expects() -> None:
    assert "getting-started.md" in RUNNABLE
    assert "orchestration.md" in RUNNABLE
    assert sum(len(blocks) for blocks in PAGES.values()) >= 25


def test_every_not_run_marker_gives_a_reason() -> None:
    for blocks in PAGES.values():
        for block in blocks:
            assert block.not_run is None or block.not_run, f"docs/{block.page}:{block.line}: say why"


def test_every_listed_exception_still_matches_a_block() -> None:
    for page, first in NOT_RUN_ELSEWHERE:
        assert any(b.code.lstrip().startswith(first) for b in PAGES[page]), f"docs/{page}: {first!r} is gone"


def test_block_parser_drops_includes_and_reads_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        'Text\n\n```python\n--8<-- "examples/x.py"\n```\n\n<!-- not-run: needs msal -->\n```python\nimport msal\n```\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "DOCS", tmp_path)
    include, marked = blocks_of(page)
    assert include.code.strip() == ""
    assert marked.not_run == "needs msal"
    assert marked.code == "import msal"


def runnable(page: str) -> Iterator[Block]:
    yield from (b for b in PAGES[page] if b.code.strip() and not b.not_run)


@pytest.mark.parametrize("page", RUNNABLE)
def test_docs_page_blocks_run(page: str, sandboxed: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {"__name__": "docs", **stand_ins(sandboxed)}
    for block in runnable(page):
        run(block, namespace)
    if any("handle(event)" in b.code for b in runnable(page)):
        assert namespace["_handled"], "the webhook example accepted no event"
    out = capsys.readouterr()
    for secret in (sandboxed.tenantcore_api_key, sandboxed.smartlead_api_key):
        assert secret not in out.out
        assert secret not in out.err
