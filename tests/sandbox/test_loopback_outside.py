"""The loopback sandbox driven as outside software drives it.

Servers run in subprocesses (``python -m tenantlead.sandbox serve --port 0``, their URLs read
from what they print); clients are raw sockets and plain httpx, not the SDK, except where the
SDK's own command and example are the point. The worlds run on sped-up wall clocks, so
simulated minutes pass in fractions of a second: nothing here sleeps longer than a ``Retry-After``
or a quota window divided by the speed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.sandbox._served import ROOT, Server
from tests.sandbox._served import ready as _ready
from tests.sandbox._served import start as _start
from tests.sandbox._served import stop as _stop

#: World seconds per wall second on the rate-limited servers.
SPEED = 600.0
#: The quota / propagation server: 30 world minutes in 0.25 s.
FAST = 7200.0


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Server]]:
    # Started together: each pays its interpreter start and demo build in parallel.
    started = {
        "limited": _start("--tenants", "3", "--speed", str(SPEED), "--mailboxes-per-domain", "4"),
        "protocol": _start("--tenants", "1", "--no-rate-limits"),
        "fast": _start("--tenants", "1", "--speed", str(FAST)),
        "nightly": _start("--tenants", "1", "--speed", str(SPEED)),
    }
    try:
        yield {name: _ready(server) for name, server in started.items()}
    finally:
        for server in started.values():
            if server.proc.poll() is None:
                _stop(server)


@pytest.fixture(scope="module", autouse=True)
def nightly_runs(servers: dict[str, Server]) -> Iterator[list[subprocess.CompletedProcess[str]]]:
    """``examples/nightly_alignment.py --apply`` twice in a row, started early on its own server.

    The SDK paces itself at Smartlead's real rate (60/min, 10 per 2 s), which no server speed
    changes, so the two runs take seconds; they run on a thread while the other tests go on.
    """
    server = servers["nightly"]
    env = {**os.environ, **server.env}
    runs: list[subprocess.CompletedProcess[str]] = []

    def run_twice() -> None:
        for _ in range(2):
            started = time.monotonic()
            runs.append(
                subprocess.run(
                    [sys.executable, str(ROOT / "examples" / "nightly_alignment.py"), "--apply"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                    cwd=ROOT,
                )
            )
            durations.append(time.monotonic() - started)

    durations: list[float] = []
    worker = threading.Thread(target=run_twice, daemon=True)
    worker.start()
    yield runs
    worker.join(timeout=150)
    print(f"\nnightly_alignment runs took {[round(d, 1) for d in durations]} s")


# ----------------------------------------------------------------------------- raw HTTP helpers


@dataclass
class Reply:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _read_reply(stream: io.BufferedReader, *, head: bool = False) -> Reply:
    status_line = stream.readline().decode("latin-1")
    match = re.match(r"^HTTP/1\.1 (\d{3}) (.*)\r\n$", status_line)
    assert match, f"not an HTTP/1.1 status line: {status_line!r}"
    headers: dict[str, str] = {}
    while True:
        line = stream.readline().decode("latin-1")
        if line == "\r\n":
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head else int(headers.get("content-length", "0"))
    body = stream.read(length)
    assert len(body) == length
    return Reply(int(match.group(1)), match.group(2), headers, body)


class Raw:
    """One keep-alive TCP connection, written to by hand."""

    def __init__(self, server: Server) -> None:
        self.sock = socket.create_connection(server.address, timeout=10)
        self.stream = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self, *, head: bool = False) -> Reply:
        return _read_reply(self.stream, head=head)

    def closed_by_peer(self) -> bool:
        return self.stream.read(1) == b""

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


@pytest.fixture
def raw(servers: dict[str, Server]) -> Iterator[Raw]:
    conn = Raw(servers["protocol"])
    yield conn
    conn.close()


def _request(method: str, target: str, body: bytes | None = None, **headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def _chunked(*parts: bytes) -> bytes:
    out = b""
    for i, part in enumerate(parts):
        extension = b";note=x" if i == 1 else b""  # chunk extensions are legal and ignored
        out += f"{len(part):x}".encode() + extension + b"\r\n" + part + b"\r\n"
    return out + b"0\r\nX-Trailer: ignored\r\n\r\n"


# ----------------------------------------------------------------------------- the server's URL


def test_serve_prints_loopback_urls_keys_and_its_clock(servers: dict[str, Server]) -> None:
    limited = servers["limited"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/tenantcore/v1", limited.env["TENANTCORE_BASE_URL"])
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/smartlead/api/v1", limited.env["SMARTLEAD_BASE_URL"])
    assert re.fullmatch(r"tc_live_[0-9a-f]{48}", limited.env["TENANTCORE_API_KEY"])
    assert "wall time x600" in limited.banner
    assert "rate limits on" in limited.banner
    assert "rate limits off" in servers["protocol"].banner


def test_timestamps_follow_the_running_clock(servers: dict[str, Server]) -> None:
    server = servers["fast"]
    with httpx.Client(timeout=10) as client:
        first = client.get(server.tc("/tenants"), headers=server.tc_auth).json()["tenants"][0]["tenant_id"]
        stamps = []
        for _ in range(2):
            resp = client.post(
                f"{server.base}/tenantcore/api-key/rotate",
                params={"user_email": "owner@agency.example"},
                headers=server.tc_auth,
            )
            assert resp.status_code == 200, resp.text
            server.env["TENANTCORE_API_KEY"] = resp.json()["api_key"]
            stamps.append(resp.json()["rotated_at"])
            time.sleep(2 / FAST * 5)  # ten world seconds
        assert client.get(server.tc(f"/tenants/{first}"), headers=server.tc_auth).status_code == 200
    assert stamps[0] < stamps[1]


# ----------------------------------------------------------------------------- HTTP/1.1 framing


def test_chunked_create_is_read_whole_and_keep_alive_stays_in_step(
    servers: dict[str, Server], raw: Raw
) -> None:
    key = servers["protocol"].sl_key
    body = json.dumps({"name": "Chunked Campaign"}).encode()
    head = _request(
        "POST",
        f"/smartlead/api/v1/campaigns/create?api_key={key}",
        Content_Type="application/json",
        Transfer_Encoding="chunked",
    )
    raw.send(head + _chunked(body[:5], body[5:17], body[17:]))
    created = raw.reply()
    assert created.status == 200, created.body
    assert created.json()["name"] == "Chunked Campaign"
    # The same connection goes on with the next request, not with leftovers of the last.
    raw.send(_request("GET", f"/smartlead/api/v1/campaigns/{created.json()['id']}?api_key={key}"))
    fetched = raw.reply()
    assert fetched.status == 200
    assert fetched.json()["name"] == "Chunked Campaign"


def test_httpx_streams_a_generator_body_chunked(servers: dict[str, Server]) -> None:
    server = servers["protocol"]

    def parts() -> Iterator[bytes]:
        yield b'{"name": '
        yield b'"Streamed"}'

    with httpx.Client(timeout=10) as client:
        resp = client.post(server.sl("/campaigns/create"), params={"api_key": server.sl_key}, content=parts())
        assert resp.request.headers["transfer-encoding"] == "chunked"
        assert resp.status_code == 200
        assert resp.json()["name"] == "Streamed"
        again = client.get(server.sl(f"/campaigns/{resp.json()['id']}"), params={"api_key": server.sl_key})
    assert again.json()["name"] == "Streamed"


def test_pipelined_requests_are_answered_in_order(servers: dict[str, Server], raw: Raw) -> None:
    server = servers["protocol"]
    key = server.sl_key
    burst = (
        _request("GET", f"/smartlead/api/v1/email-accounts/?api_key={key}&limit=2")
        + _request("POST", f"/smartlead/api/v1/campaigns/create?api_key={key}", b'{"name": "Piped"}')
        + _request("GET", "/tenantcore/v1/tenants", Authorization=server.tc_auth["Authorization"])
        + _request("GET", f"/smartlead/api/v1/nowhere?api_key={key}")
    )
    raw.send(burst + b"\r\n")  # one write, four requests (and a stray CRLF, which is ignored)
    accounts, created, tenants, missing = (raw.reply() for _ in range(4))
    assert accounts.status == 200
    assert len(accounts.json()) == 2
    assert created.status == 200
    assert created.json()["name"] == "Piped"
    assert tenants.status == 200
    assert tenants.json()["count"] == 1
    assert missing.status == 404
    assert b"Cannot GET /api/v1/nowhere" in missing.body
    raw.send(_request("GET", "/tenantcore/v1/tenants", Authorization=server.tc_auth["Authorization"]))
    assert raw.reply().status == 200


def test_untrustworthy_framing_gets_400_and_the_connection_closes(servers: dict[str, Server]) -> None:
    key = servers["protocol"].sl_key
    target = f"/smartlead/api/v1/campaigns/create?api_key={key}"
    bad = [
        _request("POST", target, Content_Length="12x") + b"{}",
        _request("POST", target, Transfer_Encoding="chunked") + b"zz\r\n{}\r\n0\r\n\r\n",
        _request("POST", target, Transfer_Encoding="gzip") + b"{}",
        b"GET /smartlead/api/v1/campaigns\r\n",  # an HTTP/0.9 line
    ]
    for data in bad:
        conn = Raw(servers["protocol"])
        try:
            conn.send(data)
            reply = conn.reply()
            assert reply.status == 400, (data, reply)
            assert reply.headers["connection"] == "close"
            assert conn.closed_by_peer()
        finally:
            conn.close()


def test_expect_100_continue_is_answered(servers: dict[str, Server], raw: Raw) -> None:
    key = servers["protocol"].sl_key
    body = b'{"name": "Patient"}'
    raw.send(
        _request(
            "POST",
            f"/smartlead/api/v1/campaigns/create?api_key={key}",
            Expect="100-continue",
            Content_Length=str(len(body)),
        )
    )
    assert raw.stream.readline() == b"HTTP/1.1 100 Continue\r\n"
    assert raw.stream.readline() == b"\r\n"
    raw.send(body)
    assert raw.reply().json()["name"] == "Patient"


# ----------------------------------------------------------------------------- methods


def test_unknown_methods_head_and_options_answer_as_express_and_fastapi(
    servers: dict[str, Server], raw: Raw
) -> None:
    server = servers["protocol"]
    key = server.sl_key
    accounts = f"/smartlead/api/v1/email-accounts/?api_key={key}&limit=3"
    raw.send(_request("GET", accounts))
    get = raw.reply()
    raw.send(_request("HEAD", accounts))
    head = raw.reply(head=True)
    assert head.status == 200
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == get.headers["content-type"]

    for method in ("PROPFIND", "PURGE", "PATCH"):
        raw.send(_request(method, f"/smartlead/api/v1/email-accounts?api_key={key}"))
        reply = raw.reply()
        assert reply.status == 404
        assert f"<pre>Cannot {method} /api/v1/email-accounts</pre>".encode() in reply.body

    raw.send(_request("OPTIONS", f"/smartlead/api/v1/email-accounts/12?api_key={key}"))
    options = raw.reply()
    assert options.status == 200
    assert options.headers["allow"] == "GET,HEAD,POST,DELETE"
    assert options.body == b"GET,HEAD,POST,DELETE"

    auth = server.tc_auth["Authorization"]
    raw.send(_request("OPTIONS", "/tenantcore/v1/tenants", Authorization=auth))
    not_allowed = raw.reply()
    assert not_allowed.status == 405
    assert not_allowed.json() == {"detail": "Method Not Allowed"}
    assert not_allowed.headers["allow"] == "GET, HEAD"
    raw.send(_request("HEAD", "/tenantcore/v1/tenants", Authorization=auth))
    assert raw.reply(head=True).status == 200


@pytest.mark.parametrize(
    "body", [b"null", b"NaN", b"5", b'"text"', b"true", b"{not json", b'{"a": NaN}', b"  "]
)
def test_strict_json_bodies_like_body_parser(servers: dict[str, Server], body: bytes) -> None:
    server = servers["protocol"]
    resp = httpx.post(
        server.sl("/campaigns/create"),
        params={"api_key": server.sl_key},
        content=body,
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert resp.status_code == 400
    # JSON, as every 400 the reference documents (Express's HTML page is for unknown routes only).
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() == {"statusCode": 400, "error": "Bad Request", "message": "Unexpected token in JSON"}


def test_account_webhook_deletes_by_path_as_well_as_by_body(servers: dict[str, Server]) -> None:
    server = servers["protocol"]
    params = {"api_key": server.sl_key}
    hook = {
        "name": "crm",
        "webhook_url": "https://hooks.example.com/in",
        "association_type": "user",
        "event_type_map": {"EMAIL_REPLY": True},
    }
    with httpx.Client(timeout=10) as client:
        ids = [
            client.post(server.sl("/webhook/create"), params=params, json=hook).json()["id"] for _ in range(2)
        ]
        by_path = client.delete(server.sl(f"/webhook/delete/{ids[0]}"), params=params)
        by_body = client.request("DELETE", server.sl("/webhook/delete"), params=params, json={"id": ids[1]})
        gone = [client.get(server.sl(f"/webhook/{i}"), params=params).status_code for i in ids]
    assert by_path.json() == {"ok": True}
    assert by_body.json() == {"ok": True}
    assert gone == [404, 404]


# ----------------------------------------------------------------------------- the running clock


def test_a_thousand_requests_honouring_retry_after_are_all_served(servers: dict[str, Server]) -> None:
    server = servers["limited"]
    conn = Raw(server)
    request = _request("GET", f"/smartlead/api/v1/email-accounts/?api_key={server.sl_key}&limit=1")
    served = refused_for_good = seen_429 = repeated_past_window = 0
    resets: list[int] = []
    try:
        for _ in range(1000):
            waited_out = False
            for _attempt in range(20):
                conn.send(request)
                reply = conn.reply()
                if reply.status == 200:
                    served += 1
                    resets.append(int(reply.headers["x-ratelimit-reset"]))
                    break
                assert reply.status == 429, reply
                seen_429 += 1
                repeated_past_window += waited_out
                # Retry-After is world seconds; at SPEED x they pass SPEED times faster.
                time.sleep(int(reply.headers["retry-after"]) / SPEED + 0.0005)
                waited_out = True
            else:
                refused_for_good += 1
    finally:
        conn.close()
    assert served == 1000
    assert refused_for_good == 0
    assert seen_429 > 0, "the default limits never engaged"
    assert repeated_past_window == 0, "a 429 came back after its Retry-After had passed"
    # 60 per 60 s for 1,000 requests: the run spans at least 16 simulated minutes.
    assert resets[-1] - resets[0] >= 16 * 60
    print(f"\n1,000 served with {seen_429} 429s on the way, 0 refused for good")


def test_bulk_reconnect_quota_is_refused_then_accepted_after_its_window(servers: dict[str, Server]) -> None:
    server = servers["fast"]
    url = server.sl("/email-accounts/reconnect-failed-email-accounts")
    params = {"api_key": server.sl_key}
    with httpx.Client(timeout=10) as client:
        first = client.post(url, params=params)
        refused = client.post(url, params=params)
        time.sleep(30 * 60 / FAST + 0.01)  # the 30-minute window, in world time
        accepted = client.post(url, params=params)
    assert first.status_code == 200
    assert "added to the queue" in first.json()["message"]
    assert refused.status_code == 406
    assert "30 minutes" in refused.json()["message"]
    assert accepted.status_code == 200
    assert "added to the queue" in accepted.json()["message"]


def test_a_mailbox_provisioned_over_the_api_connects_after_propagation(servers: dict[str, Server]) -> None:
    server = servers["limited"]  # 600x: the 2-5 minutes of propagation take 0.2-0.5 s
    with httpx.Client(timeout=10) as client:
        # A domain whose mailboxes already connect over SMTP (the demo retires basic auth on some).
        listed = client.get(server.sl("/email-accounts/"), params={"api_key": server.sl_key, "limit": 100})
        smtp_ok = {
            a["from_email"].split("@")[1]
            for a in listed.json()
            if a["type"] == "SMTP" and a["is_smtp_success"]
        }
        tid = domain = ""
        for tenant in client.get(server.tc("/tenants"), headers=server.tc_auth).json()["tenants"]:
            found = client.get(server.tc(f"/tenants/{tenant['tenant_id']}/domains"), headers=server.tc_auth)
            names = [d["domain_name"] for d in found.json()["domains"] if d["domain_name"] in smtp_ok]
            if names:
                tid, domain = tenant["tenant_id"], names[0]
                break
        assert domain, "no SMTP-connected domain in the demo fleet"
        created = client.post(
            server.tc(f"/tenants/{tid}/mailboxes"),
            headers=server.tc_auth,
            json={"domain_name": domain, "mail_nickname": "outsider", "display_name": "Out Sider"},
        )
        assert created.status_code == 201, created.text
        email = created.json()["primary_smtp"]
        # The password comes from the TenantCore app's export, as in real life.
        export = client.get(f"{server.base}/sandbox/credentials.csv", headers=server.tc_auth)
        assert export.status_code == 200
        password = {row["email"]: row["password"] for row in csv.DictReader(io.StringIO(export.text))}[email]
        account = {
            "from_name": "Out Sider",
            "from_email": email,
            "user_name": email,
            "password": password,
            "smtp_host": "smtp.office365.com",
            "smtp_port": 587,
            "imap_host": "outlook.office365.com",
            "imap_port": 993,
            "max_email_per_day": 20,
            "warmup_enabled": False,
        }
        params = {"api_key": server.sl_key}
        early = client.post(server.sl("/email-accounts/save"), params=params, json=account)
        time.sleep(300 / SPEED + 0.01)  # propagation takes at most 5 world minutes
        later = client.post(server.sl("/email-accounts/save"), params=params, json=account)
    assert "5.1.1" in early.text
    assert "not yet available" in early.text
    assert later.status_code == 200, later.text
    assert later.json()["ok"] is True


# ----------------------------------------------------------------------------- the SDK's own tools


def test_tenantlead_status_runs_twenty_times_in_a_row(
    servers: dict[str, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenantlead.cli import main

    server = servers["fast"]  # rate limits on; one tenant keeps each run short
    for key, value in server.env.items():
        monkeypatch.setenv(key, value)
    outputs = []
    for _ in range(20):
        out = io.StringIO()
        with redirect_stdout(out):
            code = main(["--json", "status"])
        assert code == 0, out.getvalue()
        outputs.append(json.loads(out.getvalue()))
    # The world's clock runs (a day passes in 12 s at 7200x), so sends_today and blocks may
    # reset between runs; the fleet itself is the same every time.
    fleets = [(o["counts"], [(t["tenant_name"], t["mailboxes"]) for t in o["tenants"]]) for o in outputs]
    assert all(f == fleets[0] for f in fleets)
    assert fleets[0][0]["tenants"] == 1


def test_nightly_alignment_runs_twice(nightly_runs: list[subprocess.CompletedProcess[str]]) -> None:
    deadline = time.monotonic() + 120
    while len(nightly_runs) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    first, second = nightly_runs
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert '"failed": 0' in first.stdout
    assert '"drift": 0' in first.stdout
    # The first run aligned everything; the second finds nothing left to change.
    assert "0 changes planned" in second.stdout
