"""The API key and mailbox passwords never show up in logs, errors or reprs (DEBUG logging on)."""

from __future__ import annotations

import logging

import httpx
import pytest

from tenantlead.errors import APIError
from tenantlead.smartlead import EmailAccount, OAuthToken
from tests.smartlead.smartlead_testkit import API_KEY, PASSWORD, make_client, run


async def test_nothing_secret_leaks_at_debug(mode, recorder, clock, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(mode, recorder, clock)
    recorder.add(200, [{"id": 1, "from_email": "a@x.com", "password": PASSWORD, "imap_password": PASSWORD}])
    recorder.add(404, {"ok": False, "message": "Email account verification failed. Please verify account details.",
                       "errorCode": "ACCOUNT_VERIFICATION_FAILED", "error": "535 5.7.3 Authentication unsuccessful",
                       "password": PASSWORD})  # fmt: skip
    recorder.add(500, {"message": "boom"}).add(500, {"message": "boom"}).add(500, {"message": "boom"})
    recorder.add_error(httpx.ConnectError(f"failed for https://server.smartlead.ai/?api_key={API_KEY}"))
    recorder.add_error(httpx.ConnectError("again")).add_error(httpx.ConnectError("again"))

    accounts = await run(client.email_accounts.list())
    errors: list[APIError] = []
    with pytest.raises(APIError) as first:
        await run(
            client.email_accounts.create_smtp(from_name="A", from_email="a@x.com", user_name="a@x.com",
                                              password=PASSWORD, smtp_host="h", smtp_port=587, imap_host="h",
                                              imap_port=993)
        )  # fmt: skip
    errors.append(first.value)
    with pytest.raises(APIError) as second:
        await run(client.email_accounts.get(1))
    errors.append(second.value)
    with pytest.raises(APIError) as third:
        await run(client.campaigns.list())
    errors.append(third.value)

    seen = [
        caplog.text,
        repr(client),
        repr(client.email_accounts),
        repr(accounts),
        str(accounts[0].to_dict()),
    ]
    for err in errors:
        seen += [str(err), repr(err), err.url, str(err.body)]
    text = "\n".join(seen)
    assert API_KEY not in text
    assert PASSWORD not in text
    assert "api_key=***" in caplog.text  # the URL is logged, redacted
    assert accounts[0].password == PASSWORD  # still usable in code


def test_model_reprs_hide_secrets():
    account = EmailAccount.from_dict({"id": 1, "from_email": "a@x.com", "password": PASSWORD})
    token = OAuthToken(
        scope="s", expiry_date=1, access_token=PASSWORD, refresh_token=PASSWORD, id_token=PASSWORD
    )
    for text in (repr(account), str(account), repr(token), str(token.to_dict()), str(account.to_dict())):
        assert PASSWORD not in text
    assert account.to_wire()["password"] == PASSWORD  # round trips keep it


def test_client_repr_and_bad_key_errors_hide_the_key(monkeypatch):
    from tenantlead.errors import ConfigurationError
    from tenantlead.smartlead import Smartlead

    with Smartlead(API_KEY) as client:
        assert API_KEY not in repr(client)
        assert API_KEY not in repr(client.with_options(timeout=5))
    bad = API_KEY + " tail"
    with pytest.raises(ConfigurationError) as info:
        Smartlead(bad)
    assert bad not in str(info.value)
    assert "whitespace" in str(info.value)
