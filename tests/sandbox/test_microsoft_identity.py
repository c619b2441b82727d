"""The simulated Microsoft identity platform at the HTTP level: endpoints, error bodies, grants."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tenantlead.sandbox import Sandbox
from tenantlead.sandbox.microsoft import LOCKOUT_THRESHOLD

BASE = "https://login.microsoftonline.com"
SCOPE = "https://outlook.office.com/SMTP.Send offline_access"


@pytest.fixture
def sb() -> Sandbox:
    sb = Sandbox(seed=9)
    tc = sb.tenantcore
    tenant = tc.add_tenant(sb.tc_account, "Contoso")
    domain = tc.add_domain(sb.tc_account, tenant, "contoso-mail.com")
    tc.add_mailbox(sb.tc_account, domain, "ann", "Ann")
    sb.microsoft.grant_consent(tenant.tenant_id, sb.authority.smartlead_app.client_id)
    return sb


def _mailbox(sb: Sandbox) -> Any:
    return next(iter(sb.tc_account.mailboxes.values()))


def _password_form(sb: Sandbox, **overrides: str) -> dict[str, str]:
    app, mailbox = sb.authority.smartlead_app, _mailbox(sb)
    form = {
        "client_id": app.client_id, "client_secret": app.secret, "grant_type": "password",
        "username": mailbox.user_principal_name, "password": mailbox.password, "scope": SCOPE,
    }  # fmt: skip
    form.update(overrides)
    return form


def _token(sb: Sandbox, form: dict[str, str], tenant: str | None = None) -> httpx.Response:
    tenant = tenant or _mailbox(sb).tenant_id
    with sb.http_client() as client:
        return client.post(f"{BASE}/{tenant}/oauth2/v2.0/token", data=form)


def test_password_grant_issues_confidential_tokens(sb: Sandbox) -> None:
    answer = _token(sb, _password_form(sb))
    assert answer.status_code == 200
    body = answer.json()
    assert {"access_token", "refresh_token", "expires_in", "ext_expires_in", "scope", "token_type"} <= set(
        body
    )
    assert 3600 <= body["expires_in"] <= 5400  # 60-90 minutes
    grant = sb.microsoft.grant_for(body["refresh_token"])
    assert grant is not None
    assert grant.confidential


def test_error_bodies_have_microsofts_shape(sb: Sandbox) -> None:
    answer = _token(sb, _password_form(sb, password="nope-nope-1"))
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_grant"
    assert body["error_codes"] == [50126]
    assert body["error_description"].startswith("AADSTS50126: ")
    assert "\r\nTrace ID: " in body["error_description"]
    assert {"trace_id", "correlation_id", "timestamp", "error_uri"} <= set(body)


def test_unknown_tenant_common_and_client(sb: Sandbox) -> None:
    assert _token(sb, _password_form(sb), tenant="0badc0de-0000-4000-8000-000000000000").json()[
        "error_codes"
    ] == [90002]
    assert _token(sb, _password_form(sb), tenant="common").json()["error_codes"] == [9001023]
    unknown = _token(sb, _password_form(sb, client_id="99999999-9999-4999-8999-999999999999"))
    assert unknown.json()["error_codes"] == [700016]
    missing_secret = _password_form(sb)
    del missing_secret["client_secret"]
    answer = _token(sb, missing_secret)
    assert answer.status_code == 401
    assert answer.json()["error_codes"] == [7000218]


def test_discovery(sb: Sandbox) -> None:
    tenant = _mailbox(sb).tenant_id
    with sb.http_client() as client:
        doc = client.get(f"{BASE}/{tenant}/v2.0/.well-known/openid-configuration").json()
        bad = client.get(f"{BASE}/contoso-unknown.com/v2.0/.well-known/openid-configuration")
    assert doc["token_endpoint"] == f"{BASE}/{tenant}/oauth2/v2.0/token"
    assert "S256" in doc["code_challenge_methods_supported"]
    assert bad.json()["error_codes"] == [90002]


def test_smart_lockout_locks_after_ten_failures(sb: Sandbox) -> None:
    for _ in range(LOCKOUT_THRESHOLD):
        assert _token(sb, _password_form(sb, password="wrong-wrong-1")).json()["error_codes"] == [50126]
    assert _token(sb, _password_form(sb)).json()["error_codes"] == [50053]
    sb.advance(seconds=61)
    assert _token(sb, _password_form(sb)).status_code == 200


def test_public_and_confidential_refresh_tokens(sb: Sandbox) -> None:
    app = sb.authority.smartlead_app
    app.allow_public_client = True
    public = _password_form(sb)
    del public["client_secret"]
    refresh = _token(sb, public).json()["refresh_token"]
    assert not sb.microsoft.grant_for(refresh).confidential  # type: ignore[union-attr]
    with_secret = {"client_id": app.client_id, "client_secret": app.secret, "grant_type": "refresh_token",
                   "refresh_token": refresh}  # fmt: skip
    assert _token(sb, with_secret).json()["error_codes"] == [700025]
    del with_secret["client_secret"]
    assert _token(sb, with_secret).status_code == 200


def test_authorization_code_with_pkce_is_single_use(sb: Sandbox) -> None:
    app, mailbox = sb.authority.smartlead_app, _mailbox(sb)
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://localhost:53123/tenantlead/callback"  # the port is ignored for localhost
    with sb.http_client() as client:
        answer = client.get(
            f"{BASE}/{mailbox.tenant_id}/oauth2/v2.0/authorize",
            params={"client_id": app.client_id, "response_type": "code", "redirect_uri": redirect, "scope": SCOPE,
                    "state": "st", "code_challenge": challenge, "code_challenge_method": "S256",
                    "login_hint": mailbox.user_principal_name},
        )  # fmt: skip
        wrong = client.get(
            f"{BASE}/{mailbox.tenant_id}/oauth2/v2.0/authorize",
            params={
                "client_id": app.client_id,
                "response_type": "code",
                "redirect_uri": "https://evil.example/cb",
            },
        )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect
    query = parse_qs(location.query)
    assert query["state"] == ["st"]
    form = {"client_id": app.client_id, "client_secret": app.secret, "grant_type": "authorization_code",
            "code": query["code"][0], "redirect_uri": redirect, "code_verifier": "x" * 50}  # fmt: skip
    assert _token(sb, form).json()["error_codes"] == [501481]
    form["code_verifier"] = verifier
    assert _token(sb, form).status_code == 200
    assert _token(sb, form).json()["error_codes"] == [54005]
    assert wrong.json()["error_codes"] == [50011]


def test_admin_consent_redirects_with_the_answer(sb: Sandbox) -> None:
    app, mailbox = sb.authority.smartlead_app, _mailbox(sb)
    sb.microsoft.revoke_consent(mailbox.tenant_id, app.client_id)
    assert _token(sb, _password_form(sb)).json()["error_codes"] == [65001]
    params = {"client_id": app.client_id, "scope": SCOPE, "redirect_uri": "http://localhost/tenantlead/callback",
              "state": "c1"}  # fmt: skip
    with sb.http_client() as client:
        answer = client.get(f"{BASE}/{mailbox.tenant_id}/v2.0/adminconsent", params=params)
        sb.microsoft.policy(mailbox.tenant_id).declines_consent = True
        declined = client.get(f"{BASE}/{mailbox.tenant_id}/v2.0/adminconsent", params=params)
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["admin_consent"] == ["True"]
    assert query["tenant"] == [mailbox.tenant_id]
    assert _token(sb, _password_form(sb)).status_code == 200
    refused = parse_qs(urlsplit(declined.headers["location"]).query)
    assert refused["error"] == ["access_denied"]
    assert refused["error_description"][0].startswith("AADSTS65004:")


def test_served_on_loopback_under_microsoft(sb: Sandbox) -> None:
    with sb.serve() as server:
        url = f"{server.microsoft_authority_host}/{_mailbox(sb).tenant_id}/oauth2/v2.0/token"
        answer = httpx.post(url, data=_password_form(sb), timeout=10)
    assert answer.status_code == 200
    assert answer.json()["refresh_token"]
