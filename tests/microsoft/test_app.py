"""MicrosoftApp configuration: arguments and environment, clear errors, the URLs built from it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tenantlead.errors import ConfigurationError
from tenantlead.microsoft import (
    DEFAULT_SCOPES,
    MailboxCredential,
    MicrosoftApp,
    MicrosoftIdentity,
    validate_tenant_id,
)

CID = "11111111-2222-4333-8444-555555555555"
SECRET = "sbx~" + "s" * 36
TENANT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"


def test_reads_the_environment_and_hides_the_secret() -> None:
    app = MicrosoftApp(environ={"MICROSOFT_CLIENT_ID": CID.upper(), "MICROSOFT_CLIENT_SECRET": SECRET})
    assert app.client_id == CID
    assert app.scopes == DEFAULT_SCOPES
    assert app.authority_host == "https://login.microsoftonline.com"
    assert SECRET not in repr(app)
    assert app.token_url(TENANT) == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    client = MicrosoftIdentity(app)
    assert SECRET not in repr(client)
    assert "client_secret='***'" in repr(client)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({}, "MICROSOFT_CLIENT_ID"),
        ({"client_id": "not-a-guid", "client_secret": SECRET}, "must be a GUID"),
        ({"client_id": CID}, "MICROSOFT_CLIENT_SECRET"),
        ({"client_id": CID, "client_secret": "short"}, "secret's Value"),
        ({"client_id": CID, "client_secret": SECRET + " "}, "whitespace"),
        ({"client_id": CID, "client_secret": SECRET, "scopes": "https://outlook.office.com/SMTP.Send"}, "offline_access"),
        ({"client_id": CID, "client_secret": SECRET,
          "scopes": "https://outlook.office.com/SMTP.Send https://graph.microsoft.com/Mail.Send offline_access"},
         "more than one resource"),
        ({"client_id": CID, "client_secret": SECRET, "redirect_uri": "http://example.com/cb"}, "loopback"),
        ({"client_id": CID, "client_secret": SECRET, "authority_host": "ftp://x"}, "absolute http"),
    ],
)  # fmt: skip
def test_bad_configuration_says_what_to_fix(kwargs: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words) as info:
        MicrosoftApp(environ={}, **kwargs)  # type: ignore[arg-type]
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("bad", ["common", "consumers", "", "not a tenant", None])
def test_tenants_must_be_specific(bad: object) -> None:
    with pytest.raises(ConfigurationError):
        validate_tenant_id(bad)


def test_admin_consent_and_authorize_urls() -> None:
    app = MicrosoftApp(CID, SECRET, environ={})
    url = urlsplit(app.admin_consent_url(TENANT, state="s1"))
    assert url.path == f"/{TENANT}/v2.0/adminconsent"
    query = parse_qs(url.query)
    assert query["client_id"] == [CID]
    assert query["scope"] == [
        "https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All"
    ]
    assert query["redirect_uri"] == ["http://localhost/tenantlead/callback"]
    assert query["state"] == ["s1"]
    auth = parse_qs(
        urlsplit(app.authorize_url(TENANT, state="s", code_challenge="c" * 43, login_hint="a@b.com")).query
    )
    assert auth["code_challenge_method"] == ["S256"]
    assert auth["login_hint"] == ["a@b.com"]
    assert auth["response_type"] == ["code"]


def test_credentials_refuse_what_microsoft_would() -> None:
    with pytest.raises(ValueError, match="leading or trailing whitespace"):
        MailboxCredential(TENANT, "a@b.com", " pw ")
    with pytest.raises(ValueError, match="empty"):
        MailboxCredential(TENANT, "a@b.com", "")
    with pytest.raises(ValueError, match="UPN"):
        MailboxCredential(TENANT, "nobody", "pw")
    credential = MailboxCredential(TENANT, "a@b.com", "Secret-Pass-1")
    assert "Secret-Pass-1" not in repr(credential)
    secret = credential.take_password()
    assert secret.reveal() == "Secret-Pass-1"
    assert "Secret-Pass-1" not in repr(secret)
    assert credential.used
