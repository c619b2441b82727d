"""The pure classification: every AADSTS code of the reference table, SMTP replies, unknown codes."""

from __future__ import annotations

import pytest

from tenantlead.microsoft import (
    AADSTS_CAUSES,
    SignInCause,
    classify_oauth_error,
    classify_smtp_reply,
    classify_text,
)

#: The AADSTS numbers of the table in shared/reference/microsoft-oauth.md §3.1 (first column).
REFERENCE_TABLE = (
    28002, 50000, 50033, 50034, 50053, 50055, 50056, 50057, 50059, 50072, 50074, 50076, 50079, 50089,
    50107, 50126, 50128, 50131, 50158, 50173, 50194, 50196, 53003, 54005, 65001, 65004, 65005, 70000,
    70002, 70008, 70011, 70043, 90002, 90019, 90024, 90055, 90124, 90130, 500011, 530032, 530035,
    650056, 650057, 700016, 700022, 700025, 700082, 7000215, 7000218, 7000222, 9001023,
)  # fmt: skip


def test_every_code_of_the_reference_table_is_classified() -> None:
    assert set(REFERENCE_TABLE) - set(AADSTS_CAUSES) == set()
    assert SignInCause.UNKNOWN not in set(AADSTS_CAUSES.values())


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        (50126, SignInCause.BAD_CREDENTIALS),
        (50057, SignInCause.ACCOUNT_DISABLED),
        (50053, SignInCause.ACCOUNT_LOCKED),
        (50055, SignInCause.PASSWORD_EXPIRED),
        (50076, SignInCause.MFA_OR_POLICY),
        (530035, SignInCause.MFA_OR_POLICY),
        (65001, SignInCause.CONSENT_MISSING),
        (700016, SignInCause.CONSENT_MISSING),
        (700025, SignInCause.APP_MISCONFIGURED),
        (7000222, SignInCause.APP_MISCONFIGURED),
        (90002, SignInCause.TENANT_NOT_FOUND),
        (700082, SignInCause.GRANT_EXPIRED),
        (50196, SignInCause.THROTTLED),
        (90055, SignInCause.THROTTLED),
        (50033, SignInCause.TRANSIENT),
    ],
)
def test_codes_map_to_causes_with_a_fix(code: int, cause: SignInCause) -> None:
    found = classify_oauth_error(error="invalid_grant", error_codes=[code], description=f"AADSTS{code}: text")
    assert found.cause is cause
    assert found.code == f"AADSTS{code}"
    assert found.retryable is (cause in (SignInCause.THROTTLED, SignInCause.TRANSIENT))
    assert len(found.fix) > 40


def test_the_description_prefix_is_enough_and_trailers_are_dropped() -> None:
    found = classify_oauth_error(
        description="AADSTS50126: Error validating credentials.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 3"
    )
    assert found.cause is SignInCause.BAD_CREDENTIALS
    assert found.message == "AADSTS50126: Error validating credentials."


def test_status_decides_throttling_and_server_errors() -> None:
    assert classify_oauth_error(status=429).cause is SignInCause.THROTTLED
    assert classify_oauth_error(status=503, description="Service Unavailable").cause is SignInCause.TRANSIENT
    assert classify_oauth_error(error="invalid_client", status=401).cause is SignInCause.APP_MISCONFIGURED


def test_unknown_codes_keep_microsofts_text() -> None:
    found = classify_oauth_error(
        error="invalid_grant", error_codes=[9999999], description="AADSTS9999999: Brand new."
    )
    assert found.cause is SignInCause.UNKNOWN
    assert found.message == "AADSTS9999999: Brand new."
    assert found.code == "AADSTS9999999"
    assert not found.retryable


@pytest.mark.parametrize(
    ("reply", "cause"),
    [
        ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
         SignInCause.SMTP_AUTH_DISABLED),
        ("535 5.7.3 Authentication unsuccessful [SN4PR0201CA0023]", SignInCause.SMTP_TOKEN_REJECTED),
        ("550 5.7.30 Basic authentication is not supported for Client Submission.", SignInCause.BASIC_AUTH_RETIRED),
    ],
)  # fmt: skip
def test_smtp_replies(reply: str, cause: SignInCause) -> None:
    found = classify_smtp_reply(reply)
    assert found is not None
    assert found.cause is cause
    in_text = classify_text(f"SMTP error: {reply}")
    assert in_text is not None
    assert (in_text.cause, in_text.code) == (found.cause, found.code)


def test_free_text_without_a_code_is_not_classified() -> None:
    assert classify_text("connection refused") is None
    assert classify_text(None) is None
    assert classify_smtp_reply("250 OK") is None
    found = classify_text("Smartlead: AADSTS700082: The refresh token has expired due to inactivity.")
    assert found is not None
    assert found.cause is SignInCause.GRANT_EXPIRED


def test_sign_in_errors_pickle_with_their_cause() -> None:
    import pickle

    from tenantlead.microsoft import SignInError

    error = SignInError(classify_oauth_error(error_codes=[50057], description="AADSTS50057: disabled."),
                        tenant_id="t", username="a@b.com")  # fmt: skip
    again = pickle.loads(pickle.dumps(error))
    assert (again.cause, again.code, again.fix, again.username) == (
        error.cause,
        error.code,
        error.fix,
        "a@b.com",
    )
    assert str(again) == str(error)
    assert again.diagnosis == error.diagnosis
