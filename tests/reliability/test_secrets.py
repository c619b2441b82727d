"""Secrets never leak: every public operation, CLI command and error path, with DEBUG logging on.

Collected and scanned: every log record (tenantlead, httpx, httpcore), exception text and repr,
the locals of every SDK frame in each exception's traceback as a locals-capturing crash reporter
renders them (also for the errors of failed apply items), ``repr``/``str``/``to_dict()``/
``to_records()``/JSON of models, plans, results and reports, and the CLI's stdout and stderr. Searched for: both API keys (and wrong keys used on purpose), every
mailbox password, and every OAuth access/refresh/id token issued. Zero hits, asserted.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tenantlead import errors
from tenantlead.cli import _session, main
from tenantlead.orchestration import Fleet, LimitPolicy, align_limits, connect, troubleshoot
from tenantlead.sandbox import FaultRule, Sandbox
from tenantlead.smartlead import Smartlead
from tenantlead.tenantcore import TenantCore
from tests.reliability._microsoft_secrets import exercise_microsoft
from tests.reliability.conftest import Figures, table
from tests.reliability.hardening import tenantlead_locals

POLICY = LimitPolicy(default_ceiling=25, sending_window="09:00-17:00")


class Scan:
    """Texts produced while exercising the SDK, and the secrets that must not be in them."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.secrets: set[str] = set()

    def add(self, where: str, value: Any) -> None:
        """Record every rendering of ``value`` (and, for apply results, of each failed item's error)."""
        self.texts.append((where, repr(value)))
        self.texts.append((where, str(value)))
        for item in getattr(value, "items", None) or ():
            if isinstance(getattr(item, "error", None), BaseException):
                self.error(f"{where} item", item.error)
        for name in ("to_dict", "to_records"):
            method = getattr(value, name, None)
            if callable(method):
                self.texts.append((f"{where}.{name}", json.dumps(method(), default=str)))

    def error(self, where: str, exc: BaseException) -> None:
        """Record an exception's text, repr, notes and (for API errors) body and URL."""
        self.add(where, exc)
        self.texts.append((where, "\n".join(getattr(exc, "__notes__", []))))
        self.texts.append((f"{where} frame locals", tenantlead_locals(exc)))
        if isinstance(exc, errors.APIError):
            self.texts.append((where, json.dumps(exc.body, default=str) + exc.url + exc.message))

    def hits(self) -> list[str]:
        """``where: secret prefix`` for every secret found in any text."""
        found = []
        for where, text in self.texts:
            for secret in self.secrets:
                if secret in text:
                    found.append(f"{where}: {secret[:4]}...")
        return found


def _secrets_of(sb: Sandbox) -> set[str]:
    out = {sb.tenantcore_api_key, sb.smartlead_api_key}
    out |= {m.password for m in sb.tc_account.mailboxes.values()}
    return {s for s in out if len(s) >= 6}


def _library(sb: Sandbox, scan: Scan) -> int:
    """Every public orchestration operation and the main error paths; returns the operation count."""
    ops = 0
    tc = TenantCore(sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    issued: list[dict[str, Any]] = []

    def tokens(email: str) -> dict[str, Any]:
        token = sb.microsoft_token(email)
        issued.append(token)
        return token

    with tc, sl:
        scan.add("client", tc)
        scan.add("client", sl)
        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        scan.add("fleet", fleet)
        for row in fleet.rows:
            scan.add("row", row)
            if row.account is not None:
                scan.add("account", row.account)
                scan.add("account.full", sl.email_accounts.get(row.account.id))  # carries the password
                ops += 1
        scan.add("report", troubleshoot(fleet))
        # Reconnect the accounts on tenants that refuse SMTP through OAuth; connect the rest by SMTP.
        refused = [
            r
            for r in fleet.rows
            if r.account and (r.account.smtp_failure_error or "")[:7] in ("535 5.7", "550 5.7")
        ]
        for row in refused:
            sl.email_accounts.delete(row.account.id)  # type: ignore[union-attr]
        fleet = Fleet.load(tc, sl)
        for plan in (
            connect(fleet, "oauth", tokens=tokens, policy=POLICY),
            connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY),
            connect(fleet, "manual", policy=POLICY),
        ):
            scan.add("connect plan", plan)
            scan.add("connect handoff", plan.handoff())
            if plan is not None and "manual" not in repr(plan):
                scan.add("connect result", plan.apply(sl=sl))
            ops += 2
        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        lplan = align_limits(fleet, POLICY)
        scan.add("limit plan", lplan)
        scan.add("limit result", lplan.apply(tc=tc, sl=sl))
        ops += 4 + 3 * len(refused)

        # Error paths: wrong keys, a wrong password, a bad token, faults everywhere.
        for bad in (
            lambda: TenantCore(
                "tc_live_" + "0" * 48, http_client=sb.http_client(), max_retries=0
            ).tenants.list(),
            lambda: Smartlead(
                "wrong-key-" + "7" * 30, http_client=sb.http_client(), max_retries=0
            ).tags.list(),
            lambda: TenantCore("tc_live_" + "x" * 48),
            lambda: Smartlead("has space " + "k" * 30),
        ):
            with pytest.raises(errors.TenantleadError) as info:
                bad()
            scan.error("bad key", info.value)
            ops += 1
        some = sorted(sb.tc_account.mailboxes.values(), key=lambda m: m.primary_smtp)[0]
        with pytest.raises(errors.APIError) as info:
            sl.email_accounts.create_smtp(
                from_name="X", from_email=some.primary_smtp, user_name=some.primary_smtp,
                password=some.password.swapcase(), smtp_host="smtp.office365.com", smtp_port=587,
                imap_host="outlook.office365.com", imap_port=993,
            )  # fmt: skip
        scan.error("wrong password", info.value)
        scan.secrets.add(some.password.swapcase())
        bad_token = dict(sb.microsoft_token(some.primary_smtp), access_token="forged." + "f" * 40)
        issued.append(bad_token)
        with pytest.raises(errors.APIError) as info:
            sl.email_accounts.create_oauth(
                from_name="X", from_email=some.primary_smtp, username=some.primary_smtp, token=bad_token
            )
        scan.error("bad token", info.value)
        sb.faults.add(FaultRule(api="*", error_rate=0.3, malformed_rate=0.2, error_in_body_rate=0.2))
        for _ in range(10):
            try:
                Fleet.load(tc, sl)
            except errors.APIError as exc:
                scan.error("faulty load", exc)
            ops += 1
        sb.faults.clear()
        ops += 2
    for token in issued:
        scan.secrets |= {token[k] for k in ("access_token", "refresh_token", "id_token")}
    return ops


def test_no_secret_in_logs_errors_reprs_dicts_or_cli_output(
    figures: Figures,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("TENANTCORE_API_KEY", "SMARTLEAD_API_KEY", "TENANTCORE_BASE_URL", "SMARTLEAD_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    caplog.set_level(logging.DEBUG)
    for name in ("tenantlead", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    scan = Scan()

    sb = Sandbox.demo(seed=11, tenants=3)
    scan.secrets |= _secrets_of(sb)
    operations = _library(sb, scan)

    # The CLI, on its own demo sandbox (captured so its secrets are known), text and JSON.
    cli_sb = Sandbox.demo(seed=7, tenants=3)
    scan.secrets |= _secrets_of(cli_sb)
    monkeypatch.setattr(_session, "_demo_sandbox", lambda seed, tenants: cli_sb)
    creds = tmp_path / "creds.csv"
    creds.write_text(cli_sb.credentials_csv(), encoding="utf-8")
    commands = [
        ["status"], ["doctor"], ["align"], ["align", "--apply"],
        ["connect", "--strategy", "smtp", "--credentials", str(creds)],
        ["connect", "--strategy", "smtp", "--credentials", str(creds), "--apply"],
        ["connect", "--strategy", "manual"], ["demo"],
    ]  # fmt: skip
    cli_runs = 0
    for argv in commands:
        for extra in ([], ["--json"]):
            capsys.readouterr()
            code = main([*argv, "--sandbox", "--debug", *extra])
            out, err = capsys.readouterr()
            assert code in (0, 1), (argv, code, err)
            scan.texts.append((f"cli {' '.join(argv)}", out + err))
            cli_runs += 1
    # A CLI run with a malformed key in the environment (error path: exit 2, one-line error).
    bad_key = "tc_live_" + "e" * 47 + "Z"
    monkeypatch.setenv("TENANTCORE_API_KEY", bad_key)
    monkeypatch.setenv("SMARTLEAD_API_KEY", "sl-" + "q" * 30)
    scan.secrets |= {bad_key, "sl-" + "q" * 30}
    capsys.readouterr()
    assert main(["status"]) == 2
    out, err = capsys.readouterr()
    scan.texts.append(("cli bad key", out + err))
    cli_runs += 1

    records = caplog.records
    scan.texts += [(f"log {r.name}", r.getMessage()) for r in records]
    scan.texts.append(("log text", caplog.text))
    assert len(records) > 100  # DEBUG logging really was on
    assert scan.hits() == []

    # Frame-locals renderings hold run-dependent values (object ids, timings): searched like every
    # other text, but left out of the character count so the figure stays the same from run to run.
    chars = sum(len(t) for where, t in scan.texts if not where.endswith("frame locals"))
    figures.record(
        "secrets",
        "## Secrets scan (DEBUG logging on)\n\n"
        + table(
            (
                "library operations",
                "CLI runs",
                "log records",
                "texts scanned",
                "characters",
                "secrets searched",
                "hits",
            ),
            [(operations, cli_runs, len(records), len(scan.texts), chars, len(scan.secrets), 0)],
        ),
    )


def test_no_microsoft_secret_in_logs_errors_reprs_pickles_or_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Client secret, passwords, access/refresh tokens, codes and PKCE verifiers of every Microsoft flow."""
    caplog.set_level(logging.DEBUG)
    for name in ("tenantlead", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    scan = Scan()
    operations = exercise_microsoft(scan)
    scan.texts += [(f"log {r.name}", r.getMessage()) for r in caplog.records]
    scan.texts.append(("log text", caplog.text))
    assert operations >= 15
    assert len(scan.secrets) > 20  # the secret, passwords, tokens, codes and verifiers were collected
    assert len(caplog.records) > 20  # DEBUG logging really was on
    assert scan.hits() == []
