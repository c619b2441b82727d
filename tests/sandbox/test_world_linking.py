"""The Sandbox facade: transport routing, Microsoft authority (SMTP + OAuth), credentials export."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from tenantlead.sandbox import Sandbox, SmartleadConfig, VirtualClock
from tenantlead.sandbox.state import TcDomain, TcMailbox, TcTenant

SL = "https://server.smartlead.ai/api/v1"


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(seed=5, smartlead=SmartleadConfig(rate_limits=()))


@pytest.fixture
def tenant(sb: Sandbox) -> TcTenant:
    return sb.tenantcore.add_tenant(sb.tc_account, "Acme Corp")


@pytest.fixture
def domain(sb: Sandbox, tenant: TcTenant) -> TcDomain:
    return sb.tenantcore.add_domain(sb.tc_account, tenant, "mail.acme.com")


@pytest.fixture
def mailbox(sb: Sandbox, domain: TcDomain) -> TcMailbox:
    return sb.tenantcore.add_mailbox(sb.tc_account, domain, "john", "John Doe")


def _smtp_body(mailbox: TcMailbox, password: str) -> dict[str, Any]:
    return {
        "from_name": mailbox.display_name,
        "from_email": mailbox.primary_smtp,
        "user_name": mailbox.primary_smtp,
        "password": password,
        "smtp_host": "smtp.office365.com",
        "smtp_port": 587,
        "imap_host": "outlook.office365.com",
        "imap_port": 993,
        "warmup_enabled": False,
    }


def _save(sb: Sandbox, body: dict[str, Any], route: str = "save") -> httpx.Response:
    with sb.http_client() as c:
        return c.post(f"{SL}/email-accounts/{route}", params={"api_key": sb.smartlead_api_key}, json=body)


def test_defaults_and_fake_keys() -> None:
    a, b, c = Sandbox(seed=1), Sandbox(seed=1), Sandbox(seed=2)
    assert a.tenantcore_api_key == b.tenantcore_api_key != c.tenantcore_api_key
    assert a.smartlead_api_key == b.smartlead_api_key != c.smartlead_api_key
    assert a.tenantcore_api_key.startswith("tc_live_")
    assert len(a.tenantcore_api_key) == 56
    assert a.tenantcore_api_key not in repr(a)
    assert a.tenantcore_api_key not in repr(a.tc_account)
    assert a.planted == {}


def test_injected_clock_is_shared() -> None:
    clock = VirtualClock()
    sb = Sandbox(clock=clock)
    assert sb.clock is clock
    assert sb.tenantcore.clock is clock
    assert sb.smartlead.clock is clock


@pytest.mark.parametrize(
    ("tc_url", "sl_url"),
    [
        ("https://api.tenantcore.io/v1", "https://server.smartlead.ai/api/v1"),
        ("http://anything.test/tenantcore/v1", "http://anything.test/smartlead/api/v1"),
    ],
)
def test_transport_routes_by_host_and_by_prefix(sb: Sandbox, tc_url: str, sl_url: str) -> None:
    with sb.http_client() as c:
        tc = c.get(f"{tc_url}/tenants", headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"})
        sl = c.get(f"{sl_url}/email-accounts/", params={"api_key": sb.smartlead_api_key})
        other = c.get("http://anything.test/elsewhere")
    assert tc.json() == {"tenants": [], "count": 0}
    assert sl.json() == []
    assert other.status_code == 404


async def test_async_client_uses_the_same_world(sb: Sandbox, tenant: TcTenant) -> None:
    async with sb.async_http_client(base_url="https://api.tenantcore.io/v1") as c:
        resp = await c.get("/tenants", headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"})
    assert resp.json()["tenants"][0]["tenant_id"] == tenant.tenant_id


def test_smtp_save_checks_password_case_sensitively(sb: Sandbox, mailbox: TcMailbox) -> None:
    bad = _save(sb, _smtp_body(mailbox, mailbox.password.swapcase()))
    assert bad.json()["errorCode"] == "ACCOUNT_VERIFICATION_FAILED"
    assert bad.json()["error"] == "535 5.7.3 Authentication unsuccessful"
    assert sb.sl_user.accounts == {}
    ok = _save(sb, _smtp_body(mailbox, mailbox.password))
    assert ok.json()["ok"] is True


@pytest.mark.parametrize(
    ("setup", "reply"),
    [
        (
            "smtp_off",
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
        ),
        ("basic_retired", "550 5.7.30 Basic authentication is not supported for Client Submission."),
        ("disabled", "535 5.7.3 Authentication unsuccessful"),
        ("propagating", "550 5.1.1 Recipient address rejected: mailbox not yet available"),
    ],
)
def test_smtp_login_replies(
    sb: Sandbox, tenant: TcTenant, mailbox: TcMailbox, setup: str, reply: str
) -> None:
    if setup == "smtp_off":
        tenant.smtp_auth_enabled = False
    elif setup == "basic_retired":
        tenant.basic_auth_retired = True
    elif setup == "disabled":
        mailbox.account_enabled = False
    else:
        mailbox.ready_at = sb.clock.now().replace(year=2030)
    assert (
        sb.authority.check_smtp_login(
            mailbox.primary_smtp, mailbox.primary_smtp, mailbox.password, "smtp.office365.com"
        )
        == reply
    )


def test_smtp_login_outside_tenantcore_is_not_judged(sb: Sandbox, domain: TcDomain) -> None:
    assert sb.authority.check_smtp_login("a@gmail.example", "a@gmail.example", "x", "smtp") is None
    # An address on a TenantCore domain without a mailbox cannot log in.
    assert (
        sb.authority.check_smtp_login("ghost@mail.acme.com", "ghost@mail.acme.com", "x", "smtp") is not None
    )


def test_microsoft_token_shape(sb: Sandbox, mailbox: TcMailbox) -> None:
    token = sb.microsoft_token(mailbox.primary_smtp, expires_in=600)
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "https://outlook.office.com/.default"
    assert token["expires_in"] == token["ext_expires_in"] == 600
    assert token["expiry_date"] == int(sb.clock.timestamp() * 1000) + 600_000
    assert {"access_token", "refresh_token", "id_token"} <= set(token)


def test_oauth_save_checks_issuer_scope_and_expiry(sb: Sandbox, domain: TcDomain, mailbox: TcMailbox) -> None:
    other = sb.tenantcore.add_mailbox(sb.tc_account, domain, "jane", "Jane")
    check = sb.authority.check_oauth_token
    good = sb.microsoft_token(mailbox.primary_smtp)
    assert check(mailbox.primary_smtp, good) is None
    assert check(other.primary_smtp, good) is not None  # issued for someone else
    forged = dict(good, access_token="EwBforged.0123")
    assert check(mailbox.primary_smtp, forged) is not None
    smtp_pair = sb.microsoft_token(
        mailbox.primary_smtp,
        scope="https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All",
    )
    assert check(mailbox.primary_smtp, smtp_pair) is None
    graph_only = sb.microsoft_token(mailbox.primary_smtp, scope="https://graph.microsoft.com/Mail.Send")
    assert "scope" in str(check(mailbox.primary_smtp, graph_only))
    short = sb.microsoft_token(mailbox.primary_smtp, expires_in=60)
    sb.advance(seconds=61)
    assert "expired" in str(check(mailbox.primary_smtp, short))
    mailbox.account_enabled = False
    assert check(mailbox.primary_smtp, sb.microsoft_token(mailbox.primary_smtp)) is not None


def test_oauth_save_end_to_end(sb: Sandbox, mailbox: TcMailbox) -> None:
    body = {
        "from_name": "John",
        "from_email": mailbox.primary_smtp,
        "username": mailbox.primary_smtp,
        "type": "OUTLOOK",
        "token": sb.microsoft_token(mailbox.primary_smtp),
        "warmup_enabled": True,
        "use_whitelabel_credentials": False,
    }
    assert _save(sb, body, "save-oauth").json()["ok"] is True
    (account,) = sb.sl_user.accounts.values()
    assert account.type == "OUTLOOK"


def test_credentials_csv_covers_every_mailbox(sb: Sandbox, domain: TcDomain) -> None:
    boxes = [sb.tenantcore.add_mailbox(sb.tc_account, domain, n, n) for n in ("a", "b", "c")]
    text = sb.credentials_csv()
    assert text.startswith("email,password\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["email"]: r["password"] for r in rows} == {m.primary_smtp: m.password for m in boxes}
    for m in boxes:
        assert m.password != m.password.lower()
        assert m.password != m.password.upper()
        assert m.password not in repr(m)


def test_client_options_wire_sdk_clients_to_the_virtual_clock() -> None:
    from tenantlead import AsyncSmartlead, Smartlead

    sb = Sandbox.demo(seed=7, tenants=3)
    sl = Smartlead(sb.smartlead_api_key, **sb.client_options())
    start = sb.clock.monotonic()
    for _ in range(25):  # past the 10-per-2-s burst cap: the client waits, virtually
        sl.email_accounts.get_by_email(sb.sl_user.accounts[min(sb.sl_user.accounts)].from_email)
    assert sb.clock.monotonic() - start >= 4.0
    assert sl.stats.rate_limited == 0
    options = sb.client_options(asynchronous=True)
    assert options["sleep"] == sb.clock.asleep
    AsyncSmartlead(sb.smartlead_api_key, **options)


def test_a_client_waiting_in_real_time_gets_a_429_that_explains_the_stuck_clock() -> None:
    sb = Sandbox(seed=0)
    client = sb.http_client()
    url = "https://server.smartlead.ai/api/v1/email-accounts/"
    answers = [client.get(url, params={"api_key": sb.smartlead_api_key}) for _ in range(12)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    first, second = answers[10].json()["error"]["message"], answers[11].json()["error"]["message"]
    assert "virtual clock" not in first  # a first refusal is Smartlead's own text
    assert "clock=sb.clock.timestamp" in second
