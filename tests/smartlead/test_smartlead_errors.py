"""Every documented error shape becomes the right exception with a readable message (reference §1.5)."""

from __future__ import annotations

import pytest

from tenantlead.errors import (
    APIResponseError,
    AuthenticationError,
    NotFoundError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from tests.smartlead.smartlead_testkit import run


async def test_joi_400_gives_validation_error_with_fields(sl, recorder):
    recorder.add(400, {"statusCode": 400, "error": "Bad Request", "message": '"email" must be a valid email',
                       "validation": {"source": "query", "keys": ["email"]}})  # fmt: skip
    with pytest.raises(ValidationError) as info:
        await run(sl.email_accounts.get_by_email("a@b.co"))
    err = info.value
    assert err.fields == ("email",)
    assert err.message == '"email" must be a valid email'
    assert err.status_code == 400
    assert err.api == "smartlead"
    assert err.method == "GET"
    assert "api_key=***" in err.url


async def test_joi_message_per_day_not_allowed_hint(sl, recorder):
    recorder.add(400, {"statusCode": 400, "error": "Bad Request", "message": '"message_per_day" is not allowed',
                       "validation": {"source": "body", "keys": ["message_per_day"]}})  # fmt: skip
    with pytest.raises(ValidationError) as info:
        await run(sl.email_accounts.update(1, max_email_per_day=3))
    assert "max_email_per_day" in info.value.hint


async def test_legacy_error_key(sl, recorder):
    recorder.add(400, {"error": "Email account id - 297 not allowed. Permission Error."})
    with pytest.raises(ValidationError, match="Permission Error") as info:
        await run(sl.email_accounts.update(297, max_email_per_day=3))
    assert "another Smartlead user" in info.value.hint


async def test_ok_false_with_error_code(sl, recorder):
    recorder.add(404, {"ok": False, "message": "Email account not found!", "errorCode": "ACCOUNT_NOT_FOUND",
                       "emailAccountId": 123})  # fmt: skip
    with pytest.raises(NotFoundError) as info:
        await run(sl.email_accounts.delete(123))
    assert info.value.code == "ACCOUNT_NOT_FOUND"
    assert info.value.message == "Email account not found!"


async def test_already_exists_code_and_hint(sl, recorder):
    recorder.add(400, {"ok": False, "message": "Email account already exist. Please pass id to update it",
                       "errorCode": "ACCOUNT_ALREADY_EXIST", "emailAccountId": 123})  # fmt: skip
    with pytest.raises(ValidationError) as info:
        await run(
            sl.email_accounts.create_smtp(from_name="A", from_email="a@x.com", user_name="a@x.com", password="p" * 9,
                                          smtp_host="h", smtp_port=587, imap_host="h", imap_port=993)
        )  # fmt: skip
    assert info.value.code == "ACCOUNT_ALREADY_EXIST"
    assert "get_by_email" in info.value.hint
    assert info.value.body["emailAccountId"] == 123


async def test_500_message_business_error(sl, recorder):
    recorder.add(500, {"message": "Invalid email account id!"})
    with pytest.raises(ServerError) as info:
        await run(sl.email_accounts.send_otp(5))
    assert info.value.message == "Invalid email account id!"


async def test_express_html_404(sl, recorder):
    html = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n'
            "<body>\n<pre>Cannot PATCH /api/v1/campaigns/123/status</pre>\n</body>\n</html>\n")  # fmt: skip
    recorder.add(404, html)
    with pytest.raises(NotFoundError) as info:
        await run(sl.campaigns.get(123))
    assert info.value.message == "no such route: Cannot PATCH /api/v1/campaigns/123/status"
    assert "POST" in info.value.hint
    assert "<" not in str(info.value)


async def test_plain_text_and_empty_error_bodies(sl, recorder):
    recorder.add(502, "Bad gateway").add(502, "Bad gateway").add(502, "Bad gateway")
    with pytest.raises(ServerError, match="non-JSON error body: Bad gateway"):
        await run(sl.campaigns.list())
    recorder.add(404, None)
    with pytest.raises(NotFoundError, match="empty body"):
        await run(sl.email_accounts.delete(1))


async def test_401_invalid_key(sl, recorder):
    recorder.add(401, {"message": "Invalid API Key"})
    with pytest.raises(AuthenticationError) as info:
        await run(sl.campaigns.list())
    assert "Settings" in info.value.hint


async def test_new_docs_nested_error_object(sl, recorder, clock):
    nested = {"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "Too many requests.", "retry_after": 30}}
    recorder.add(429, nested).add(429, nested).add(429, nested)
    with pytest.raises(RateLimitError) as info:
        await run(sl.campaigns.list())
    assert info.value.code == "RATE_LIMIT_EXCEEDED"


async def test_ok_false_inside_200(sl, recorder):
    recorder.add(200, {"ok": False, "message": "Email account not found!", "errorCode": "ACCOUNT_NOT_FOUND"})
    with pytest.raises(APIResponseError) as info:
        await run(sl.email_accounts.update(5, max_email_per_day=1))
    assert info.value.code == "ACCOUNT_NOT_FOUND"
    assert info.value.status_code == 200


async def test_success_false_inside_200(sl, recorder):
    recorder.add(200, {"success": False, "message": "Valid account ID is required"})
    with pytest.raises(APIResponseError, match="Valid account ID is required"):
        await run(sl.email_accounts.unsuspend(5))


async def test_empty_and_plain_text_200_successes(sl, recorder):
    recorder.add(200, None).add(200, "success")
    assert await run(sl.campaigns.delete(4)) is None
    assert await run(sl.request("DELETE", "/campaigns/4/leads/9")) == "success"


async def test_unexpected_success_shape_is_an_api_response_error(sl, recorder):
    recorder.add(200, "<html>captcha</html>")
    with pytest.raises(APIResponseError, match="unexpected response shape"):
        await run(sl.email_accounts.get(3))


async def test_reconnect_406_keeps_server_text(sl, recorder):
    recorder.add(406, {"ok": True, "message": "Bulk reconnect cannot be consumed more than 3 times a day."})
    with pytest.raises(QuotaExceededError, match="more than 3 times a day"):
        await run(sl.email_accounts.reconnect_failed())


@pytest.mark.parametrize(
    ("smtp_error", "hint_part"),
    [
        ("550 5.7.30 Basic authentication is not supported for Client Submission.", "connect as OUTLOOK via OAuth"),
        ("535 5.7.3 Authentication unsuccessful", "passwords are case-sensitive"),
        ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
         "SMTP AUTH is disabled for the tenant"),
    ],
)  # fmt: skip
async def test_microsoft_smtp_replies_get_hints(sl, recorder, smtp_error, hint_part):
    recorder.add(404, {"ok": False, "message": "Email account verification failed. Please verify account details.",
                       "errorCode": "ACCOUNT_VERIFICATION_FAILED", "error": smtp_error})  # fmt: skip
    with pytest.raises(NotFoundError) as info:
        await run(
            sl.email_accounts.create_smtp(from_name="A", from_email="a@x.com", user_name="a@x.com", password="p" * 9,
                                          smtp_host="h", smtp_port=587, imap_host="h", imap_port=993)
        )  # fmt: skip
    assert hint_part in info.value.hint
    assert smtp_error in info.value.message


async def test_express_404_for_a_missing_route_does_not_blame_the_id(sl, recorder):
    # Newer endpoints (OTP, by-tag, reallocate...) may be missing on a server: Express answers
    # "Cannot POST <path>". The id is not the problem, so the hint must not say it is.
    recorder.add(404, "Cannot POST /api/v1/email-accounts/7/send-otp-email")
    with pytest.raises(NotFoundError) as info:
        await run(sl.email_accounts.send_otp(7))
    assert info.value.message == "no such route: Cannot POST /api/v1/email-accounts/7/send-otp-email"
    assert "id may be wrong" not in info.value.hint
    assert "route" in info.value.hint


async def test_joi_shape_without_validation_keeps_the_message_clean(sl, recorder):
    recorder.add(400, {"statusCode": 400, "error": "Bad Request", "message": '"timezone" is required'})
    with pytest.raises(ValidationError) as info:
        await run(sl.campaigns.update_status(1, "START"))
    assert info.value.message == '"timezone" is required'


@pytest.mark.parametrize(
    ("message", "hint_part"),
    [
        ("The OTP entered is incorrect. Please attempt again.", "send_otp"),
        ("No valid OTP exists for this email account.", "send_otp"),
        ("Email account not found or does not belong to you", "another"),
    ],
)
async def test_business_errors_get_hints(sl, recorder, message, hint_part):
    recorder.add(500, {"message": message})
    with pytest.raises(ServerError) as info:
        await run(sl.email_accounts.verify_otp(7, "000000"))
    assert info.value.hint is not None
    assert hint_part in info.value.hint


async def test_new_docs_401_with_a_code_and_no_message_reports_the_code(sl, recorder):
    # The new docs' authentication page: {"success": false, "error": {"code": "UNAUTHORIZED"}}.
    recorder.add(401, {"success": False, "error": {"code": "UNAUTHORIZED"}})
    with pytest.raises(AuthenticationError) as info:
        await run(sl.email_accounts.get(1))
    assert (info.value.code, info.value.message) == ("UNAUTHORIZED", "UNAUTHORIZED")
    assert "no message" not in str(info.value)
    assert "empty body" not in str(info.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "statusCode": 400,
                "error": "Bad Request",
                "message": '"timezone" is required',
                "validation": {"source": "body", "keys": ["timezone"]},
            },
            '"timezone" is required',
        ),
        ({"error": "Invalid timezone - Foo/Bar"}, "Invalid timezone - Foo/Bar"),
        (
            {"ok": False, "message": "Email account not found!", "errorCode": "ACCOUNT_NOT_FOUND"},
            "Email account not found!",
        ),
        ({"message": "Invalid email account id!"}, "Invalid email account id!"),
        (
            {
                "success": False,
                "message": "Validation error",
                "error": "email_account_ids must contain at least 1 item",
            },
            "Validation error: email_account_ids must contain at least 1 item",
        ),
        ({"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "Too many requests."}}, "Too many requests."),
        (
            {"success": False, "error": {"code": "UNAUTHORIZED", "message": "Invalid API key"}},
            "Invalid API key",
        ),
    ],
    ids=["joi", "legacy-error", "ok-false", "message-500", "success-false", "nested", "nested-success-false"],
)
async def test_every_documented_json_shape_reads_its_message(sl, recorder, body, message):
    recorder.add(400, body)
    with pytest.raises(ValidationError) as info:
        await run(sl.email_accounts.update(1, max_email_per_day=3))
    assert info.value.message == message
    assert "empty body" not in str(info.value)
