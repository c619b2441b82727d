"""Redaction of secrets from URLs, headers, bodies, free text and log records."""

from __future__ import annotations

import logging

import httpx
import pytest

from tenantlead._core.redact import (
    MASK,
    RedactingFilter,
    install_log_redaction,
    is_secret_key,
    redact_body,
    redact_headers,
    redact_text,
    redact_url,
)

TC_KEY = "tc_live_" + "ab" * 24
SL_KEY = "5f1c2a9e-sl-" + "k" * 20


@pytest.mark.parametrize(
    "url",
    [
        f"https://server.smartlead.ai/api/v1/campaigns?api_key={SL_KEY}&offset=0",
        f"https://server.smartlead.ai/api/v1/campaigns?offset=0&API_KEY={SL_KEY}",
        f"https://server.smartlead.ai/api/v1/campaigns?apiKey={SL_KEY}",
        f"https://server.smartlead.ai/api/v1/campaigns?api-key={SL_KEY}",
        f"https://server.smartlead.ai/api/v1/campaigns?api%5Fkey={SL_KEY}&offset=0",
        "https://server.smartlead.ai/api/v1/campaigns?api_key=a%2Fb%2Bc%3D%3D",
        f"https://h.example/cb?access_token={SL_KEY}&refresh_token={SL_KEY}x&password=Hunter2!",
    ],
)
def test_secret_query_parameters_are_masked(url: str) -> None:
    cleaned = redact_url(url)
    assert SL_KEY not in cleaned
    assert "Hunter2" not in cleaned
    assert "a%2Fb" not in cleaned
    assert "a/b+c" not in cleaned
    assert MASK in cleaned or "%2A%2A%2A" in cleaned
    if "offset=0" in url:
        assert "offset=0" in cleaned  # harmless parameters survive


def test_redact_url_keeps_a_url_without_secrets_and_accepts_httpx_urls() -> None:
    plain = "https://api.tenantcore.io/v1/enforcement/events?limit=50&offset=100"
    assert redact_url(plain) == plain
    url = httpx.URL("https://server.smartlead.ai/api/v1/x", params={"api_key": SL_KEY, "limit": 10})
    cleaned = redact_url(url)
    assert SL_KEY not in cleaned
    assert cleaned.startswith("https://server.smartlead.ai/api/v1/x?")
    assert "limit=10" in cleaned


def test_tenantcore_key_in_a_url_path_is_masked() -> None:
    assert TC_KEY not in redact_url(f"https://x.example/keys/{TC_KEY}")


def test_authorization_and_secret_headers_are_masked() -> None:
    headers = {
        "Authorization": f"Bearer {TC_KEY}",
        "X-Api-Key": SL_KEY,
        "Accept": "application/json",
        "X-Debug": f"echo {TC_KEY}",
    }
    cleaned = redact_headers(headers)
    assert cleaned["Authorization"] == MASK
    assert cleaned["X-Api-Key"] == MASK
    assert cleaned["Accept"] == "application/json"
    assert TC_KEY not in str(cleaned)
    assert SL_KEY not in str(cleaned)
    # httpx headers and (name, value) pairs work too.
    assert redact_headers(httpx.Headers({"authorization": "Bearer x"}))["authorization"] == MASK
    assert redact_headers([("AUTHORIZATION", "Basic abc")]) == {"AUTHORIZATION": MASK}


def test_nested_bodies_mask_secret_keys_at_any_depth() -> None:
    body = {
        "accounts": [
            {
                "from_email": "ann@acme.example",
                "password": "S3cret!",
                "smtp_password": "S3cret!2",
                "oauth": {"access_token": "at-123456", "refresh_token": "rt-123456", "token": "t-123456"},
                "note": f"key is {TC_KEY}",
            }
        ],
        "clientSecret": "cs-123456",
        "password": None,
        "count": 1,
    }
    cleaned = redact_body(body)
    account = cleaned["accounts"][0]
    assert account["password"] == MASK
    assert account["smtp_password"] == MASK
    assert account["oauth"] == {"access_token": MASK, "refresh_token": MASK, "token": MASK}
    assert account["from_email"] == "ann@acme.example"
    assert TC_KEY not in account["note"]
    assert cleaned["clientSecret"] == MASK
    assert cleaned["password"] is None  # nothing to hide; keeps "no password set" visible
    assert cleaned["count"] == 1
    # The input is not modified.
    assert body["accounts"][0]["password"] == "S3cret!"  # type: ignore[index]


def test_very_deep_bodies_are_cut_off_not_crashing() -> None:
    body: object = {"password": "p"}
    for _ in range(100):
        body = {"a": body}
    assert "'p'" not in repr(redact_body(body))


@pytest.mark.parametrize(
    "text",
    [
        f"failed with key {TC_KEY} for tenant",
        f"Authorization: Bearer {TC_KEY}",
        "authorization: bearer eyJhbGciOi.eyJzdWIi.sig",
        f"GET https://server.smartlead.ai/api/v1/x?api_key={SL_KEY}",
        f"GET https://server.smartlead.ai/api/v1/x?api%5Fkey={SL_KEY}",
        f"callback?access_token={SL_KEY}&state=1",
    ],
)
def test_free_text_secrets_are_masked(text: str) -> None:
    cleaned = redact_text(text)
    for secret in (TC_KEY, SL_KEY, "eyJhbGciOi"):
        assert secret not in cleaned


def test_known_secret_values_are_masked_in_free_text() -> None:
    assert redact_text("the password hunter2hunter2 failed", ["hunter2hunter2"]) == (
        f"the password {MASK} failed"
    )
    assert redact_text("abc", ["ab"]) == "abc"  # too short to mask safely


def test_is_secret_key_ignores_case_and_separators() -> None:
    for key in ("api_key", "API-KEY", "apiKey", "Password", "refresh_token", "Authorization"):
        assert is_secret_key(key)
    for key in ("from_email", "limit", "tenant_id", "token_count"):
        assert not is_secret_key(key)


def test_redacting_filter_scrubs_an_httpx_log_record() -> None:
    url = httpx.URL("https://server.smartlead.ai/api/v1/campaigns", params={"api_key": SL_KEY})
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: %s %s "%s %d %s"',
        ("GET", url, "HTTP/1.1", 200, "OK"),
        None,
    )
    assert RedactingFilter().filter(record) is True
    message = record.getMessage()
    assert SL_KEY not in message
    assert message.startswith("HTTP Request: GET https://server.smartlead.ai/api/v1/campaigns?api_key=")
    assert message.endswith('"HTTP/1.1 200 OK"')


def test_redacting_filter_handles_mapping_args_and_secret_messages() -> None:
    record = logging.LogRecord(
        "httpcore", logging.DEBUG, __file__, 1, "sent %(headers)s", ({"headers": f"Bearer {TC_KEY}"},), None
    )
    RedactingFilter().filter(record)
    assert TC_KEY not in record.getMessage()
    record = logging.LogRecord("httpx", logging.DEBUG, __file__, 1, f"raw {TC_KEY}", None, None)
    RedactingFilter().filter(record)
    assert TC_KEY not in record.getMessage()


def test_httpx_request_logs_are_redacted_end_to_end(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    install_log_redaction()  # idempotent
    assert sum(isinstance(f, RedactingFilter) for f in logging.getLogger("httpx").filters) == 1
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with caplog.at_level(logging.DEBUG), httpx.Client(transport=transport) as http:
        http.get("https://server.smartlead.ai/api/v1/campaigns", params={"api_key": SL_KEY})
    assert "HTTP Request" in caplog.text
    assert SL_KEY not in caplog.text


def test_oauth_form_fields_and_authorization_codes_are_masked_in_free_text_and_urls() -> None:
    """A token request's form or a redirect URL rendered as text shows none of its OAuth secrets."""
    code = "0.AXcA" + "c" * 40
    form = (
        f"grant_type=authorization_code&client_id=abc&client_secret=sbx~Secret.value-1234&code={code}"
        "&code_verifier=Verifier_abcdefghijklmnop&redirect_uri=http%3A%2F%2Flocalhost&"
        "client_assertion=eyJhbGciOi.x.y"
    )
    text = redact_text(form)
    for secret in ("sbx~Secret", code, "Verifier_", "eyJhbGciOi"):
        assert secret not in text
    assert "grant_type=authorization_code" in text
    assert "client_id=abc" in text
    url = redact_url(f"http://localhost:53124/tenantlead/callback?code={code}&state=s1&session_state=x")
    assert code not in url
    assert "state=s1" in url
    assert redact_body({"code_verifier": "v" * 43, "client_assertion": "a.b.c"}) == {
        "code_verifier": MASK,
        "client_assertion": MASK,
    }


def test_short_codes_are_not_secrets_error_codes_and_doc_links_stay_readable() -> None:
    for text in (
        "look the code up at https://login.microsoftonline.com/error?code=<number>",
        "code=AADSTS50126 error_code=ACCOUNT_ALREADY_EXIST",
    ):
        assert redact_text(text) == text
    assert redact_url("https://login.microsoftonline.com/error?code=50126").endswith("code=50126")
    assert redact_body({"code": "no_api_plan"}) == {"code": "no_api_plan"}


#: A key shaped like Smartlead's: a UUID, an underscore and a suffix.
SL_REAL_KEY = "3f9c1e2a-7b4d-4c8e-9a1f-2d6b8e0c4a7f_a1b2c3d4e5"
SAVE_OAUTH = "https://server.smartlead.ai/api/v1/email-accounts/save-oauth"


@pytest.mark.parametrize("after", [")", "]", "}", '"', "'", ",", ";", " ", "\t", "&", "#", ">"])
def test_an_api_key_value_ends_where_no_key_character_can_be(after: str) -> None:
    """The whole key is masked, and the text after it (a closing bracket, a comma...) survives."""
    text = f"Smartlead 401: Unauthorized (POST {SAVE_OAUTH}?api_key={SL_REAL_KEY}{after}retrying now"

    cleaned = redact_text(text)

    assert cleaned == f"Smartlead 401: Unauthorized (POST {SAVE_OAUTH}?api_key={MASK}{after}retrying now"
    for part in (SL_REAL_KEY, SL_REAL_KEY.split("_")[0], SL_REAL_KEY.split("_")[1], "3f9c1e2a"):
        assert part not in cleaned


def test_a_redacted_url_in_parentheses_keeps_its_closing_bracket() -> None:
    """The CLI's error line: a URL redact_url already masked, in brackets, redacted once more as text."""
    line = f"smartlead 500: Internal Server Error (POST {redact_url(SAVE_OAUTH + '?api_key=' + SL_REAL_KEY)})"

    assert redact_text(line) == f"smartlead 500: Internal Server Error (POST {SAVE_OAUTH}?api_key={MASK})"
    assert redact_text(f"[api_key={SL_REAL_KEY}], api-key={SL_REAL_KEY}; apikey={SL_REAL_KEY}>") == (
        f"[api_key={MASK}], api-key={MASK}; apikey={MASK}>"
    )


def test_a_masked_password_or_token_keeps_what_follows_but_a_real_one_is_masked_whole() -> None:
    assert redact_text(f"(password={MASK}), token={MASK}] x") == f"(password={MASK}), token={MASK}] x"
    # A password may hold brackets and commas: its value still runs to whitespace or a quote.
    cleaned = redact_text("login failed (password=Hun)t,e]r2#x) for anna")
    assert cleaned == f"login failed (password={MASK} for anna"
    assert "Hun" not in cleaned
    assert "r2" not in cleaned
