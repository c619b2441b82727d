"""connect over OAuth saves each mailbox once and reads every connection state back in one list walk.

An account Smartlead saves but reads back not connected is a failed item with its TL4xx finding,
whichever way its token came (the SDK's own sign-in or a ``tokens=`` provider).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from tenantlead.microsoft import MicrosoftApp, MicrosoftIdentity
from tenantlead.orchestration import Fleet, connect
from tenantlead.sandbox import Sandbox
from tenantlead.smartlead import Smartlead
from tenantlead.tenantcore import TenantCore


def _smartlead(sb: Sandbox, seen: Counter[str], http: httpx.Client | None = None) -> Smartlead:
    http = http or sb.http_client()

    def count(request: httpx.Request) -> None:
        path = request.url.path
        seen["list" if request.method == "GET" and path.endswith("/email-accounts/") else request.method] += 1
        if "save-oauth" in path:
            seen["save-oauth"] += 1

    http.event_hooks["request"].append(count)
    return Smartlead(sb.smartlead_api_key, http_client=http, clock=sb.clock.timestamp, sleep=sb.clock.sleep)


def _sandbox() -> Sandbox:
    sb = Sandbox.demo(seed=7, oauth_plants=True)
    sb.advance(minutes=10)
    return sb


def test_the_sdk_sign_in_costs_one_save_per_mailbox_and_no_read_by_id() -> None:
    sb = _sandbox()
    reg = sb.authority.smartlead_app
    app = MicrosoftApp(reg.client_id, reg.secret, environ={})
    seen: Counter[str] = Counter()
    o = sb.client_options()
    with (
        TenantCore(sb.tenantcore_api_key, **o) as tc,
        _smartlead(sb, seen) as sl,
        MicrosoftIdentity(app, **o) as ms,
    ):
        plan = connect(Fleet.load(tc, sl), "oauth", microsoft=app, credentials=sb.credentials_csv())
        seen.clear()
        result = plan.apply(sl=sl, ms=ms)
    created = [i for i in result.succeeded if i.action == "create OUTLOOK account"]
    assert created
    assert seen["save-oauth"] == len(created)
    # No GET of one account: the connection states come from the list walk at the end.
    gets = seen["GET"]
    assert gets == 0, seen
    assert seen["list"] >= 1


def test_a_refused_token_save_names_microsofts_reason_not_smtp_hosts() -> None:
    sb = _sandbox()
    seen: Counter[str] = Counter()
    o = sb.client_options()
    with TenantCore(sb.tenantcore_api_key, **o) as tc, _smartlead(sb, seen) as sl:
        fleet = Fleet.load(tc, sl)
        targets = [i.address for i in connect(fleet, "oauth", tokens=sb.microsoft_token).to_create]
        victim, other = targets[0], targets[1]

        def tokens(address: str) -> dict[str, Any]:
            # The victim's provider hands over a token minted for another mailbox.
            return sb.microsoft_token(other if address == victim else address)

        result = connect(fleet, "oauth", tokens=tokens).apply(sl=sl)
    failed = {i.subject: i for i in result.failed}
    assert set(failed) == {victim}
    item = failed[victim]
    assert "AADSTS50000" in item.detail
    assert item.code is not None
    assert item.code.startswith("TL4")
    assert item.fix
    assert "password" not in item.fix.lower()
    assert seen["save-oauth"] == len(targets)


def test_an_account_saved_but_read_back_not_connected_fails_its_item_with_the_finding() -> None:
    sb = _sandbox()
    seen: Counter[str] = Counter()
    o = sb.client_options()
    reply = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."
    http = sb.http_client()
    with TenantCore(sb.tenantcore_api_key, **o) as tc, _smartlead(sb, seen, http) as sl:
        fleet = Fleet.load(tc, sl)
        plan = connect(fleet, "oauth", tokens=sb.microsoft_token)
        victim = plan.to_create[0].address

        def fail_later(response: httpx.Response) -> None:
            # Smartlead accepts the save, then its own connection test fails (as it may, later).
            if response.request.url.path.endswith("/save-oauth"):
                for account in sb.sl_user.accounts.values():
                    if account.from_email == victim:
                        account.is_smtp_success = False
                        account.smtp_failure_error = reply

        http.event_hooks["response"].append(fail_later)
        result = plan.apply(sl=sl)
    failed = {i.subject: i for i in result.failed}
    assert set(failed) == {victim}
    item = failed[victim]
    assert item.action == "create OUTLOOK account"
    assert item.code is not None
    assert item.code.startswith("TL4")
    assert "reads it back not connected" in item.detail
    assert "5.7.139" in item.detail
    assert item.fix
    assert item.account_id is not None
    assert item.tenant_id is not None  # the replaced row still names its tenant
    assert len(result.succeeded) == len(plan.to_create) - 1
    assert seen["save-oauth"] == len(plan.to_create)
    assert seen["GET"] == 0, seen
