"""Hardening cases of issue 16 about the sandbox surface, registered on import with ``@case``.

Kept apart from ``hardening.py`` so each surface's cases live beside their own helpers;
``test_hardening.py`` imports this module, so its cases run and are counted with the rest.

Item 17: the loopback sandbox can pass for production. Each case serves a sandbox on
``127.0.0.1`` in-process (``sb.serve()``), or runs ``serve``'s entry point with the listening
step replaced, so no case binds anything but loopback.
"""

from __future__ import annotations

import io
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import Any
from unittest import mock

import httpx

from tenantlead.sandbox import Sandbox, SmartleadConfig
from tenantlead.sandbox.server import SandboxServer
from tests.reliability.hardening import case

__all__ = ["case"]

#: Keys of the real formats that no sandbox issued (what a misconfigured base URL would send).
REAL_SHAPED_TC_KEY = "tc_live_" + "5e" * 24
REAL_SHAPED_SL_KEY = "3f2a6c1e-9b7d-4e0f-8a21-6d5c4b3a2f10_9xq2lm"


@contextmanager
def _served(tenants: int = 1) -> Iterator[tuple[Sandbox, SandboxServer]]:
    sb = Sandbox.demo(seed=11, tenants=tenants, smartlead=SmartleadConfig(rate_limits=()))
    with sb.serve() as server:
        yield sb, server


def _cli(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    from tenantlead.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env), redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _env(sb: Sandbox, server: SandboxServer, **keys: str) -> dict[str, str]:
    return {
        "TENANTCORE_BASE_URL": server.tenantcore_base_url,
        "SMARTLEAD_BASE_URL": server.smartlead_base_url,
        "TENANTCORE_API_KEY": keys.get("tc", sb.tenantcore_api_key),
        "SMARTLEAD_API_KEY": keys.get("sl", sb.smartlead_api_key),
    }


# ---------------------------------------------------------------------------------- 17


@case(17, "attack", "every answer of the served sandbox, refusals included, carries X-Tenantlead-Sandbox")
def served_answers_say_sandbox() -> None:
    with _served() as (sb, server), httpx.Client(timeout=10) as client:
        answers = [
            client.get(
                f"{server.tenantcore_base_url}/tenants",
                headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"},
            ),
            client.get(
                f"{server.smartlead_base_url}/email-accounts", params={"api_key": sb.smartlead_api_key}
            ),
            client.get(f"{server.smartlead_base_url}/nowhere", params={"api_key": sb.smartlead_api_key}),
            client.get(f"{server.base_url}/elsewhere"),
        ]
        with socket.create_connection((server.host, server.port), timeout=10) as raw:
            raw.sendall(b"POST /smartlead/api/v1/campaigns/create HTTP/1.1\r\nContent-Length: 1x\r\n\r\n")
            refusal = raw.makefile("rb").read(4096).decode("latin-1").lower()
    assert [a.status_code for a in answers] == [200, 200, 404, 404]
    assert all("not production" in a.headers.get("x-tenantlead-sandbox", "") for a in answers)
    assert refusal.startswith("http/1.1 400")
    assert "x-tenantlead-sandbox:" in refusal


@case(
    17,
    "bad input",
    "a real-shaped Smartlead key sent to the served sandbox: a 401 that says sandbox, key not echoed",
)
def real_smartlead_key_gets_the_sandbox_hint() -> None:
    with _served() as (_sb, server):
        resp = httpx.get(
            f"{server.smartlead_base_url}/email-accounts", params={"api_key": REAL_SHAPED_SL_KEY}, timeout=10
        )
        made_up = httpx.get(
            f"{server.smartlead_base_url}/email-accounts", params={"api_key": "nonsense"}, timeout=10
        )
    assert resp.status_code == 401
    message = resp.json()["message"]  # the documented {"message": ...} shape, extended
    assert message.startswith("Invalid API Key")
    assert "this is the tenantlead sandbox, not Smartlead" in message
    assert "SMARTLEAD_BASE_URL" in message
    assert REAL_SHAPED_SL_KEY not in resp.text + str(resp.headers)
    assert made_up.json() == {"message": "Invalid API Key"}  # not shaped like a real key: no claim


@case(
    17,
    "bad input",
    "a real-shaped TenantCore key sent to the served sandbox: a 401 that says sandbox, key not echoed",
)
def real_tenantcore_key_gets_the_sandbox_hint() -> None:
    with _served() as (_sb, server):
        resp = httpx.get(
            f"{server.tenantcore_base_url}/tenants",
            headers={"Authorization": f"Bearer {REAL_SHAPED_TC_KEY}"},
            timeout=10,
        )
    assert resp.status_code == 401
    detail = resp.json()["detail"]
    assert detail["code"] == "invalid_api_key"
    assert "this is the tenantlead sandbox, not TenantCore" in detail["message"]
    assert "TENANTCORE_API_KEY" in detail["message"]
    assert REAL_SHAPED_TC_KEY not in resp.text + str(resp.headers)


def _serve_main(argv: list[str]) -> tuple[int, str, str, list[str]]:
    """``python -m tenantlead.sandbox serve ...`` with listening replaced by a recorder (nothing binds)."""
    from tenantlead.sandbox.__main__ import main

    bound: list[str] = []

    class _Listening:
        base_url = "http://192.0.2.1:1"
        tenantcore_base_url = base_url + "/tenantcore/v1"
        smartlead_base_url = base_url + "/smartlead/api/v1"
        microsoft_authority_host = base_url + "/microsoft"

        def serve_forever(self) -> None:
            raise KeyboardInterrupt

    def fake_serve(self: Sandbox, host: str = "127.0.0.1", port: int = 0) -> Any:
        bound.append(host)
        return _Listening()

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(Sandbox, "serve", fake_serve), redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: an unknown option
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue(), bound


@case(17, "attack", "sandbox serve --host 0.0.0.0 refuses without --allow-remote and listens nowhere")
def remote_host_needs_the_flag() -> None:
    code, out, err, bound = _serve_main(["serve", "--host", "0.0.0.0", "--tenants", "1"])
    assert code == 2
    assert bound == []
    assert "--allow-remote" in err
    assert "not a loopback address" in err
    assert "API_KEY=" not in out


@case(17, "attack", "sandbox serve --host 0.0.0.0 --allow-remote serves there and warns on stderr first")
def allowed_remote_host_warns() -> None:
    code, out, err, bound = _serve_main(["serve", "--host", "0.0.0.0", "--allow-remote", "--tenants", "1"])
    assert code == 0, err
    assert bound == ["0.0.0.0"]
    assert err.startswith("WARNING: serving the tenantlead sandbox on 0.0.0.0")
    assert "reachable from other machines" in err
    assert "TENANTCORE_BASE_URL=" in out
    loopback = _serve_main(["serve", "--tenants", "1"])
    assert loopback[0] == 0
    assert loopback[2] == ""  # no warning on the default loopback address


@case(17, "attack", "tenantlead status against the served sandbox says sandbox in its text and its --json")
def cli_outputs_say_sandbox() -> None:
    with _served() as (sb, server):
        env = _env(sb, server)
        code, text, _ = _cli(["status"], env)
        json_code, document, _ = _cli(["--json", "status"], env)
    assert code == 0
    assert text.rstrip().splitlines()[-1].startswith("(sandbox: the tenantlead sandbox answered")
    assert json_code == 0
    marker = json.loads(document)["sandbox"]
    assert marker["kind"] == "served"
    assert marker["base_urls"]["smartlead"] == server.smartlead_base_url
    assert "not production" in marker["note"]


@case(
    17,
    "bad input",
    "a real key in a served-sandbox run: the error and its hint name the sandbox, key not echoed",
)
def cli_401_hint_names_the_sandbox() -> None:
    with _served() as (sb, server):
        code, out, err = _cli(["status"], _env(sb, server, tc=REAL_SHAPED_TC_KEY))
        json_code, document, _ = _cli(["--json", "status"], _env(sb, server, sl=REAL_SHAPED_SL_KEY))
    assert code == 4
    lines = err.splitlines()
    assert len(lines) == 2  # still one error line and one hint
    assert "this is the tenantlead sandbox, not TenantCore" in lines[0]
    assert lines[1].startswith("hint: these base URLs are the tenantlead sandbox")
    assert REAL_SHAPED_TC_KEY not in out + err
    assert json_code == 4
    error = json.loads(document)["error"]
    assert error["status_code"] == 401
    assert error["sandbox"]["kind"] == "served"
    assert REAL_SHAPED_SL_KEY not in document
