"""Fuzzing every response parser of both clients with generated bodies.

Whatever comes back - any JSON document, valid objects with fields of the wrong type, HTML,
truncated JSON, binary junk, any status - an SDK call either returns a value or raises one of
the documented :class:`~tenantlead.errors.APIError` classes. Never a ``KeyError``, a
``TypeError``, a cattrs exception group or a ``RecursionError`` from deep inside the SDK.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantlead import errors
from tests.reliability._strategies import JSON, wire_objects
from tests.reliability._targets import FAKE_SL_KEY, FAKE_TC_KEY, TARGETS, FixedAnswer, make_clients

STATUSES = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 402, 403, 404, 406, 409, 422, 429, 500, 503])

#: Objects close to what the parsers expect, with drift inside (the likely real-world breakage).
_NEAR_VALID = st.one_of(
    st.fixed_dictionaries({"tenants": st.lists(JSON, max_size=3)}),
    st.fixed_dictionaries({"domains": JSON}),
    st.fixed_dictionaries(
        {
            "mailboxes": st.lists(
                st.dictionaries(
                    st.sampled_from(["id", "primary_smtp", "daily_send_limit", "blocked_at", "created_at"]),
                    JSON,
                ),
                max_size=3,
            )
        }
    ),
    st.fixed_dictionaries({"events": st.lists(JSON, max_size=6), "total": JSON}),
    st.fixed_dictionaries({"ok": JSON, "message": JSON, "emailAccountId": JSON}),
    st.fixed_dictionaries({"detail": JSON}),
    st.fixed_dictionaries({"error": JSON, "message": JSON, "validation": JSON}),
    st.fixed_dictionaries({"success": JSON, "data": JSON}),
    st.lists(
        st.dictionaries(
            st.sampled_from(
                ["id", "from_email", "message_per_day", "warmup_details", "tags", "name", "status"]
            ),
            JSON,
        ),
        max_size=6,
    ),
)


def _encode(doc: Any) -> bytes:
    return json.dumps(doc).encode()


BODIES = st.one_of(
    JSON.map(_encode),
    _NEAR_VALID.map(_encode),
    _NEAR_VALID.map(_encode).flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n])),  # truncated
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>",
            b"<!DOCTYPE html><pre>Cannot GET /api/v1/email-accounts/</pre>",
            b"null",
            b"NaN",
            b'{"a": NaN, "b": Infinity}',
            b"\xff\xfe\x00garbage",
            b"[" * 5000 + b"]" * 5000,  # nested beyond the JSON parser's recursion limit
        ]
    ),
)
CONTENT_TYPES = st.sampled_from(["application/json", "text/html", "text/plain", ""])


def _check(name: str, answer: FixedAnswer, status: int, body: bytes, ctype: str) -> None:
    answer.set(status, body, {"content-type": ctype} if ctype else {})
    tc, sl = make_clients(answer)
    raised: errors.APIError | None = None
    try:
        TARGETS[name](tc, sl)
    except errors.APIError as exc:  # anything else propagates and fails the test
        raised = exc
    if raised is not None:
        text = str(raised) + repr(raised)
        assert FAKE_TC_KEY not in text
        assert FAKE_SL_KEY not in text
        assert raised.api in ("tenantcore", "smartlead")


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=15, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=STATUSES, body=BODIES, ctype=CONTENT_TYPES)
def test_parser_raises_only_documented_errors(name: str, status: int, body: bytes, ctype: str) -> None:
    _check(name, FixedAnswer(), status, body, ctype)


_MODEL_TARGETS = {
    "tc.tenants.get": "Tenant",
    "tc.mailboxes.update": "Mailbox",
    "tc.domains.add": "Domain",
    "sl.email_accounts.get": "EmailAccount",
    "sl.campaigns.get": "Campaign",
}


@pytest.mark.parametrize("name", sorted(_MODEL_TARGETS))
@settings(max_examples=15, derandomize=True, deadline=None)
@given(data=st.data())
def test_drifted_model_bodies_parse(name: str, data: st.DataObject) -> None:
    # A well-typed object with unknown keys and unknown enum values must parse, not raise.
    from tenantlead.smartlead import models as sl_models
    from tenantlead.tenantcore import models as tc_models

    cls = getattr(tc_models, _MODEL_TARGETS[name], None) or getattr(sl_models, _MODEL_TARGETS[name])
    doc = data.draw(wire_objects(cls))
    answer = FixedAnswer()
    answer.set(200, _encode(doc), {"content-type": "application/json"})
    tc, sl = make_clients(answer)
    result = TARGETS[name](tc, sl)
    assert isinstance(result, cls)


@pytest.mark.parametrize("epoch", [10**20, 10**400, 1e308, -(10**15)], ids=["1e20", "1e400", "1e308", "neg"])
def test_absurd_epoch_timestamps_are_response_errors(epoch: float) -> None:
    # Found by this suite: fromtimestamp() raised OverflowError/OSError straight through the client.
    answer = FixedAnswer()
    body = {"id": "mbx-1", "primary_smtp": "ava@mail.example.com", "blocked_at": epoch}
    answer.set(200, _encode(body), {"content-type": "application/json"})
    tc, _ = make_clients(answer)
    with pytest.raises(errors.APIResponseError, match=r"blocked_at"):
        tc.mailboxes.update("t-1", "mbx-1", daily_send_limit=20)


def test_json_nested_past_the_recursion_limit_is_a_response_error() -> None:
    # Found by this suite: json.loads raised RecursionError through the client.
    answer = FixedAnswer()
    answer.set(200, b"[" * 100_000 + b"]" * 100_000, {"content-type": "application/json"})
    tc, sl = make_clients(answer)
    with pytest.raises(errors.APIResponseError, match="declared JSON but does not parse"):
        tc.tenants.list()
    with pytest.raises(errors.APIResponseError):
        sl.email_accounts.get(101)
