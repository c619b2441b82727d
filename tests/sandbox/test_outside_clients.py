"""Issue 14's outside clients against ``tenantlead sandbox serve``: only answers the reference documents.

Three kinds of client that are not the SDK drive a served sandbox (a subprocess on a sped-up
wall clock, rate limits on), and every answer they get goes through
``_documented.problems`` (status codes and body shapes as
reference/smartlead-api.md documents them; no 5xx, no HTML where JSON is documented):

1. the PyPI package ``smartlead-cli`` (its ``smartlead`` command in a subprocess, through a
   recording loopback proxy so every exchange is seen), over each command that reaches a route;
2. the request sequence Smartlead's official CLI (``Smartlead-Public/smartlead-cli``, built from
   source; it is not on npm) sent when it was run against the served sandbox - replayed here with
   plain httpx, its User-Agent, paths and bodies (docs/sandbox.md records the CLI's own run);
3. schemathesis over Smartlead's published OpenAPI file, restricted to the operations the sandbox
   serves (the others are listed as unserved in docs/sandbox.md), with real ids substituted into
   most cases, in positive and negative generation modes.

A hang fails too: every client has a 10-second timeout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox import _documented
from tests.sandbox._served import ROOT, Server, ready, start, stop

SPEED = "600"
API_FILE = ROOT.parent / "shared" / "reference" / "smartlead-public-docs-openapi-2025-11-26.yaml"


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Server]]:
    started = {
        "pypi": start("--tenants", "1", "--speed", SPEED),
        "official": start("--tenants", "2", "--speed", SPEED),
        "schemathesis": start("--tenants", "1", "--speed", SPEED),
    }
    try:
        yield {name: ready(server) for name, server in started.items()}
    finally:
        for server in started.values():
            if server.proc.poll() is None:
                stop(server)


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: bytes

    def problems(self) -> list[str]:
        found = _documented.problems(self.method, self.path, self.status, self.headers, self.body)
        return [f"{self.method} {self.path} -> {self.status}: {p}" for p in found]


def _undocumented(exchanges: list[Exchange]) -> list[str]:
    return [p for x in exchanges for p in x.problems()]


# ----------------------------------------------------------------------------- 1. smartlead-cli


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.exchanges: list[Exchange] = []
        self.client = httpx.Client(timeout=10)


class _Forward(BaseHTTPRequestHandler):
    """Forwards each request to the sandbox unchanged and records the answer."""

    server: _Recorder
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        resp = self.server.client.request(
            self.command, self.server.upstream + self.path, headers=headers, content=body
        )
        path = self.path.split("?", 1)[0]
        self.server.exchanges.append(
            Exchange(self.command, path, resp.status_code, dict(resp.headers), resp.content)
        )
        self.send_response(resp.status_code)
        for key, value in resp.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                self.send_header(key, value)
        self.send_header("content-length", str(len(resp.content)))
        self.end_headers()
        self.wfile.write(resp.content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any


@pytest.fixture
def recorder(servers: dict[str, Server]) -> Iterator[_Recorder]:
    proxy = _Recorder(servers["pypi"].base)
    thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()
    proxy.server_close()
    proxy.client.close()


def test_pypi_smartlead_cli_gets_only_documented_answers(
    servers: dict[str, Server], recorder: _Recorder, tmp_path: Path
) -> None:
    server = servers["pypi"]
    port = recorder.server_address[1]
    env = {
        **os.environ,
        "HOME": str(tmp_path),  # no ~/.config/smartlead-cli/config.toml of the machine's
        "SMARTLEAD_API_KEY": server.sl_key,
        "SMARTLEAD_BASE_URL": f"http://127.0.0.1:{port}/smartlead/api/v1",
    }
    command = str(Path(sys.executable).parent / "smartlead")

    def smartlead(*args: str) -> tuple[int, Any]:
        done = subprocess.run([command, *args], env=env, capture_output=True, text=True, timeout=60)
        try:
            return done.returncode, json.loads(done.stdout or done.stderr)
        except json.JSONDecodeError:
            return done.returncode, done.stdout + done.stderr

    webhook = tmp_path / "webhook.json"
    webhook.write_text(
        json.dumps(
            {
                "id": None,
                "name": "Replies",
                "webhook_url": "https://hooks.example/replies",
                "event_types": ["EMAIL_REPLY"],
                "categories": ["Interested"],
            }
        )
    )
    exits: dict[str, int] = {}
    exits["campaigns list"], campaigns = smartlead("campaigns", "list", "--include-tags")
    exits["campaigns create"], created = smartlead("campaigns", "create", "--name", "PyPI CLI campaign")
    cid = str(created["id"])
    exits["campaigns get"], fetched = smartlead("campaigns", "get", cid)
    exits["campaigns update"], _ = smartlead("campaigns", "update", cid, "--follow-up-percentage", "40")
    exits["campaigns status"], _ = smartlead("campaigns", "status", cid, "--status", "PAUSED")
    exits["webhooks upsert"], _ = smartlead("webhooks", "upsert", cid, "--body-file", str(webhook))
    exits["webhooks list"], hooks = smartlead("webhooks", "list", cid)
    exits["webhooks delete"], _ = smartlead(
        "webhooks", "delete", cid, "--webhook-id", str(hooks[0]["id"]), "--yes"
    )
    exits["raw accounts"], accounts = smartlead(
        "raw",
        "request",
        "--method",
        "GET",
        "--path",
        "/email-accounts",
        "--query",
        "limit=5",
        "--include-meta",
    )
    exits["raw tag"], _ = smartlead(
        "raw", "request", "--method", "POST", "--path", "/tags", "--body-json", '{"name": "From PyPI"}'
    )
    # Routes Smartlead does not have (POST /campaigns/{id} for a schedule: the reference's is
    # /schedule) and operations the sandbox does not serve: Express's 404 page, as documented.
    exits["campaigns schedule"], _ = smartlead(
        "campaigns", "schedule", cid, "--timezone", "UTC", "--day", "1"
    )
    exits["campaigns statistics"], _ = smartlead("campaigns", "statistics", cid)
    exits["leads get-by-email"], _ = smartlead("leads", "get-by-email", "--email", "someone@example.com")
    exits["campaigns delete"], _ = smartlead("campaigns", "delete", cid, "--yes")

    statuses = Counter(x.status for x in recorder.exchanges)
    print(f"\nsmartlead-cli: {len(recorder.exchanges)} requests, statuses {dict(sorted(statuses.items()))}")
    assert _undocumented(recorder.exchanges) == []
    unserved = {"campaigns schedule", "campaigns statistics", "leads get-by-email"}
    assert {name: code for name, code in exits.items() if code != 0} == dict.fromkeys(unserved, 1)
    assert any(c["id"] == int(cid) for c in smartlead("campaigns", "list")[1]) is False  # deleted
    assert isinstance(campaigns, list)
    assert fetched["name"] == "PyPI CLI campaign"
    assert accounts["status_code"] == 200
    assert len(accounts["data"]) == 5
    # POST /tags answers 201 (live); the three 404s are the routes above.
    assert statuses == Counter({200: 10, 201: 1, 404: 3})


# ----------------------------------------------------------------------------- 2. the official CLI

#: Smartlead's official CLI sends this on every request (src/client.ts).
OFFICIAL_USER_AGENT = "smartlead-cli/0.1.0"


def test_the_official_cli_request_sequence_gets_only_documented_answers(servers: dict[str, Server]) -> None:
    """The 36 requests ``smartlead`` (Smartlead-Public/smartlead-cli, built from source) sent.

    Same order, paths (its ``/email-accounts`` without a trailing slash, ``/{id}/`` with one),
    query parameters and bodies; ids come from the answers, as the CLI's user would take them.
    Its run against the served sandbox got the same statuses (docs/sandbox.md).
    """
    server = servers["official"]
    exchanges: list[Exchange] = []
    with httpx.Client(
        base_url=server.env["SMARTLEAD_BASE_URL"], headers={"user-agent": OFFICIAL_USER_AGENT}, timeout=10
    ) as client:

        def send(method: str, path: str, body: Any = None, **params: str) -> Any:
            resp = client.request(method, path, params={"api_key": server.sl_key, **params}, json=body)
            exchanges.append(
                Exchange(method, "/api/v1" + path, resp.status_code, dict(resp.headers), resp.content)
            )
            return resp.json() if resp.content and resp.status_code == 200 else None

        send("GET", "/campaigns")
        send("GET", "/campaigns", include_tags="true")
        cid = send("POST", "/campaigns/create", {"name": "Official CLI campaign"})["id"]
        send("GET", f"/campaigns/{cid}")
        schedule = {
            "timezone": "America/New_York",
            "days_of_the_week": [1, 2, 3, 4, 5],
            "start_hour": "09:00",
            "end_hour": "17:00",
            "min_time_btw_emails": 10,
            "max_new_leads_per_day": 20,
        }
        send("POST", f"/campaigns/{cid}/schedule", schedule)
        settings = {
            "track_settings": ["DONT_TRACK_EMAIL_OPEN"],
            "stop_lead_settings": "REPLY_TO_AN_EMAIL",
            "send_as_plain_text": False,
            "follow_up_percentage": 40,
        }
        send("POST", f"/campaigns/{cid}/settings", settings)
        send("POST", f"/campaigns/{cid}/status", {"status": "PAUSED"})
        send("POST", f"/campaigns/{cid}/status", {"status": "PAUSE"})  # the CLI's --help spelling: 400
        aid = send("GET", "/email-accounts", limit="5")[0]["id"]
        send("GET", "/email-accounts", offset="2", limit="3", emailWarmupStatus="ACTIVE", esp="SMTP")
        send("GET", "/email-accounts", offset="0", limit="100")
        email = send("GET", f"/email-accounts/{aid}/", fetch_campaigns="true", fetch_tags="true")[
            "from_email"
        ]
        send("POST", f"/email-accounts/{aid}", {"max_email_per_day": 20, "time_to_wait_in_mins": 24})
        warmup = {
            "warmup_enabled": True,
            "total_warmup_per_day": 5,
            "daily_rampup": 2,
            "reply_rate_percentage": 30,
        }
        send("POST", f"/email-accounts/{aid}/warmup", warmup)  # daily_rampup under 5: 400
        send("GET", f"/email-accounts/{aid}/warmup-stats")
        send("POST", f"/campaigns/{cid}/email-accounts", {"email_account_ids": [aid]})
        send("GET", f"/campaigns/{cid}/email-accounts")
        send("DELETE", f"/campaigns/{cid}/email-accounts", {"email_account_ids": [aid]})
        send("POST", "/email-accounts/reconnect-failed-email-accounts", {})
        send("POST", "/email-accounts/reconnect-failed-email-accounts", {})  # 30 minutes apart: 406
        send("POST", "/email-accounts/tag-list", {"email_ids": [email]})
        send("POST", "/email-accounts/tag-mapping", {"email_account_ids": [aid], "tag_ids": [1]})
        send("POST", "/email-accounts/tag-manager", {"id": 1, "name": "Renamed", "color": "#FF5733"})  # 404
        send("DELETE", "/email-accounts/tag-mapping", {"email_account_ids": [aid], "tag_ids": [1]})
        account = {
            "from_name": "Out Sider",
            "from_email": "out@outside.example",
            "user_name": "out@outside.example",
            "password": "pw-123456",
            "smtp_host": "smtp.outside.example",
            "smtp_port": 587,
            "imap_host": "imap.outside.example",
            "imap_port": 993,
            "max_email_per_day": 20,
        }
        send("POST", "/email-accounts/save", account)  # warmup_enabled is required: 400
        send("GET", f"/campaigns/{cid}/webhooks")
        hook = {
            "id": None,
            "name": "Replies",
            "webhook_url": "https://example.com/hook",
            "event_types": ["EMAIL_REPLY"],
            "categories": ["Interested"],
        }
        send("POST", f"/campaigns/{cid}/webhooks", hook)
        wid = send("GET", f"/campaigns/{cid}/webhooks")[0]["id"]
        send("DELETE", f"/campaigns/{cid}/webhooks", {"id": wid})
        send("GET", "/client")
        new_client = {
            "name": "Outside Client",
            "email": "client@outside.example",
            "permission": ["reply_master_inbox"],
            "logo": "",
            "logo_url": None,
            "password": "Secret123!",
        }
        clid = send("POST", "/client/save", new_client)["clientId"]
        send("POST", "/client/api-key", {"clientId": clid, "keyName": "outside-key"})
        send("GET", "/client/api-key")
        send("DELETE", f"/campaigns/{cid}")
        deleted = send("GET", f"/campaigns/{cid}")
        send("GET", "/email-accounts/999999999/")

    statuses = Counter(x.status for x in exchanges)
    print(f"\nofficial CLI sequence: {len(exchanges)} requests, statuses {dict(sorted(statuses.items()))}")
    assert _undocumented(exchanges) == []
    assert len(exchanges) == 36
    assert statuses == Counter({200: 30, 400: 3, 404: 2, 406: 1})
    assert deleted is None  # a deleted campaign: 200 with an empty body, as live
    assert all(x.headers["content-type"].startswith("application/json") for x in exchanges)


# ----------------------------------------------------------------------------- 3. schemathesis


def test_schemathesis_over_the_served_operations_gets_only_documented_answers(
    servers: dict[str, Server],
) -> None:
    import random

    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    server = servers["schemathesis"]
    schema = schemathesis.openapi.from_path(API_FILE).include(
        lambda ctx: _documented.served(
            ctx.operation.method, "/api" + re.sub(r"\{[^}]+\}", "1", ctx.operation.path)
        )
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    # Real ids, so most cases reach a resource instead of its 404.
    with httpx.Client(base_url=server.env["SMARTLEAD_BASE_URL"], timeout=10) as client:
        key = {"api_key": server.sl_key}
        accounts = [a["id"] for a in client.get("/email-accounts", params={**key, "limit": 100}).json()]
        campaigns = [c["id"] for c in client.get("/campaigns", params=key).json()]
        hook = client.post(
            "/webhook/create",
            params=key,
            json={
                "name": "st",
                "webhook_url": "https://hooks.example/st",
                "association_type": 1,
                "event_types": ["EMAIL_SENT"],
            },
        )
    ids: dict[str, list[Any]] = {
        "campaign_id": campaigns,
        "account_id": accounts,
        "accountId": accounts,
        "webhook_id": [hook.json()["id"]] if hook.status_code == 200 else [1],
    }
    rng = random.Random(7)
    exchanges: list[Exchange] = []
    per_operation: Counter[str] = Counter()
    sent = [0]
    keyless: list[Exchange] = []

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=25,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                for name in case.path_parameters or {}:
                    if name in ids and rng.random() < 0.7:
                        case.path_parameters[name] = rng.choice(ids[name])
                sent[0] += 1
                # Every seventh case without its key: the documented 401, whatever else is wrong.
                case.query = {**(case.query or {}), "api_key": server.sl_key if sent[0] % 7 else ""}
                response = case.call(base_url=server.base + "/smartlead/api", timeout=10)
                case.validate_response(response, checks=[not_a_server_error])
                headers = {k: v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
                path = response.request.url.split("/smartlead", 1)[1].split("?", 1)[0]
                exchange = Exchange(case.method, path, response.status_code, headers, response.content or b"")
                exchanges.append(exchange)
                if not case.query["api_key"]:
                    keyless.append(exchange)
                per_operation[f"{case.method} {case.operation.path}"] += 1

            run()

    statuses = Counter(x.status for x in exchanges)
    print(
        f"\nschemathesis: {len(operations)} operations, {len(exchanges)} requests, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert len(operations) == 24  # the 98 of the file less the 74 docs/sandbox.md lists as unserved
    assert _undocumented(exchanges) == []
    assert set(per_operation) == {f"{op.method.upper()} {op.path}" for op in operations}
    assert statuses[200] > 0
    assert statuses[400] > 0
    # A missing key is refused before anything but a body that is not JSON (body-parser runs first).
    assert len(keyless) == len(exchanges) // 7
    assert {x.status for x in keyless} <= {400, 401}
    assert statuses[401] > len(keyless) * 3 // 4
