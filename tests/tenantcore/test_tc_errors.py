"""TenantCore error bodies mapped to the error tree, with hints; and the request() escape hatch."""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead import AsyncTenantCore, TenantCore
from tenantlead.errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    ConflictError,
    NoAPIPlanError,
    NotFoundError,
    PaymentRequiredError,
    ServerError,
    TenantLimitReachedError,
    ValidationError,
)

TID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
KEY_IN_USE = "tc_live_" + "0" * 48  # the tc fixture's key
Client = TenantCore | AsyncTenantCore


def detail(code: str, message: str = "") -> dict[str, Any]:
    return {"detail": {"message": message or code.replace("_", " "), "code": code}}


DOCUMENTED = [
    (401, "invalid_auth_header", AuthenticationError, "Authorization: Bearer"),
    (401, "missing_api_key", AuthenticationError, "TENANTCORE_API_KEY"),
    (401, "invalid_api_key_format", AuthenticationError, "48 hex"),
    (401, "invalid_api_key", AuthenticationError, "rotated"),
    (402, "no_api_plan", NoAPIPlanError, "API plan lapsed"),
    (402, "tenant_limit_reached", TenantLimitReachedError, "tenant ceiling"),
    (404, "tenant_not_found", NotFoundError, "Microsoft tenant GUID"),
    (404, "domain_not_found", NotFoundError, "tc.domains.list"),
    (404, "mailbox_not_found", NotFoundError, "tc.mailboxes.list"),
    (409, "mailbox_limit_reached", ConflictError, "at most 3 mailboxes"),
    (409, "domain_not_verified", ConflictError, "Verify the domain"),
    (409, "domain_limit_reached", ConflictError, "12 domains"),
    (403, "user_email_mismatch", AuthenticationError, "user_email"),
]


@pytest.mark.parametrize(("status", "code", "cls", "hint"), DOCUMENTED)
async def test_documented_codes_map_to_classes_with_hints(
    tc: Client, recorder: Any, run: Any, status: int, code: str, cls: type[APIError], hint: str
) -> None:
    recorder.add(status, detail(code, "What went wrong"))
    with pytest.raises(cls) as info:
        await run(tc.mailboxes.list(TID))
    err = info.value
    assert type(err) is cls
    assert isinstance(err, APIStatusError)
    assert (err.api, err.status_code, err.code, err.message) == (
        "tenantcore",
        status,
        code,
        "What went wrong",
    )
    assert err.method == "GET"
    assert err.url == f"https://api.tenantcore.io/v1/tenants/{TID}/mailboxes"
    assert err.hint is not None
    assert hint in err.hint
    assert hint in str(err)
    assert f"tenantcore {status} {code}: What went wrong" in str(err)
    assert len(recorder.requests) == 1  # none of these is retried


async def test_no_api_plan_is_a_payment_required_error(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(402, detail("no_api_plan", "No active API plan on this account"))
    with pytest.raises(PaymentRequiredError) as info:
        await run(tc.tenants.list())
    assert isinstance(info.value, NoAPIPlanError)
    assert "API plan lapsed" in str(info.value)


async def test_unknown_402_code_is_a_plain_payment_required_error(
    tc: Client, recorder: Any, run: Any
) -> None:
    recorder.add(402, detail("card_declined"))
    with pytest.raises(PaymentRequiredError) as info:
        await run(tc.tenants.list())
    assert type(info.value) is PaymentRequiredError
    assert info.value.code == "card_declined"


async def test_tenant_limit_code_on_another_status_keeps_the_status_class(
    tc: Client, recorder: Any, run: Any
) -> None:
    recorder.add(409, detail("tenant_limit_reached"))
    with pytest.raises(ConflictError) as info:
        await run(tc.tenants.list())
    assert not isinstance(info.value, PaymentRequiredError)


async def test_fastapi_validation_list_becomes_validation_error_fields(
    tc: Client, recorder: Any, run: Any
) -> None:
    recorder.add(
        422,
        {
            "detail": [
                {
                    "loc": ["body", "daily_send_limit"],
                    "msg": "ensure this value is >= 0",
                    "type": "value_error",
                },
                {"loc": ["query", "limit"], "msg": "too big", "type": "value_error"},
                {"loc": ["body"], "msg": "field required", "type": "missing"},
            ]
        },
    )
    with pytest.raises(ValidationError) as info:
        await run(tc.mailboxes.update(TID, "m1", daily_send_limit=5))
    err = info.value
    assert err.status_code == 422
    assert err.code == "validation_error"
    assert err.fields == ("daily_send_limit", "limit")
    assert "daily_send_limit: ensure this value is >= 0" in err.message
    assert "field required" in err.message
    assert len(recorder.requests) == 1


async def test_fastapi_string_detail_for_unknown_routes(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(404, {"detail": "Not Found"})
    with pytest.raises(NotFoundError) as info:
        await run(tc.tenants.get(TID))
    assert info.value.message == "Not Found"
    assert info.value.code is None


async def test_405_gets_a_hint(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(405, {"detail": "Method Not Allowed"})
    with pytest.raises(APIStatusError) as info:
        await run(tc.tenants.deprovision(TID))
    assert info.value.status_code == 405
    assert info.value.hint is not None
    assert "method" in info.value.hint


async def test_401_without_a_code_still_hints_at_the_key(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(401, b"")
    with pytest.raises(AuthenticationError) as info:
        await run(tc.tenants.list())
    assert info.value.message == "HTTP 401 with an empty body"
    assert info.value.hint is not None
    assert "app.tenantcore.io/api" in info.value.hint


async def test_error_body_is_kept_for_debugging(tc: Client, recorder: Any, run: Any) -> None:
    body = detail("mailbox_exists", "john@acme.com exists")
    recorder.add(409, body)
    with pytest.raises(ConflictError) as info:
        await run(tc.mailboxes.create(TID, domain_name="acme.com", mail_nickname="john"))
    assert info.value.body == body
    assert info.value.method == "POST"


# ------------------------------------------------------------ the request() escape hatch


async def test_request_get_is_retried_and_authenticated(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(503).add(200, {"anything": [1, 2]})
    body = await run(tc.request("GET", "/tenants/x/new-endpoint", params={"a": 1, "skip": None}))
    assert body == {"anything": [1, 2]}
    assert len(recorder.requests) == 2
    request = recorder.last
    assert str(request.url) == "https://api.tenantcore.io/v1/tenants/x/new-endpoint?a=1"
    assert request.headers["Authorization"].startswith("Bearer tc_live_")


async def test_request_post_is_not_retried_on_5xx(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(503)
    with pytest.raises(ServerError):
        await run(tc.request("POST", "tenants/x/things", json={"a": 1}))
    assert len(recorder.requests) == 1
    assert recorder.json() == {"a": 1}
    assert recorder.last.headers["Content-Type"] == "application/json"


async def test_request_post_marked_idempotent_is_retried(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(503).add(200, b"")
    assert await run(tc.request("POST", "/things", json={}, retry_safe=True)) is None
    assert len(recorder.requests) == 2


async def test_request_maps_errors(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(402, detail("no_api_plan"))
    with pytest.raises(NoAPIPlanError):
        await run(tc.request("GET", "/whatever"))


async def test_request_returns_text_for_non_json(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, "pong")
    assert await run(tc.request("GET", "/ping")) == "pong"


# ------------------------------------------------------------ every error body shape

SHAPES = [
    ("detail object (documented)", {"detail": {"message": "No such tenant", "code": "tenant_not_found"}}),
    ("nested error object", {"error": {"code": "tenant_not_found", "message": "No such tenant"}}),
    ("flat code and message", {"code": "tenant_not_found", "message": "No such tenant"}),
    ("detail holding an error object", {"detail": {"error": {"code": "tenant_not_found", "message": "No such tenant"}}}),
]  # fmt: skip


@pytest.mark.parametrize("body", [b for _, b in SHAPES], ids=[n for n, _ in SHAPES])
async def test_every_error_shape_gives_the_server_s_code_message_and_hint(
    tc: Client, recorder: Any, run: Any, body: dict[str, Any]
) -> None:
    recorder.add(404, body)
    with pytest.raises(NotFoundError) as info:
        await run(tc.tenants.get(TID))
    err = info.value
    assert (err.code, err.message) == ("tenant_not_found", "No such tenant")
    assert "empty body" not in str(err)
    assert (
        f"tenantcore 404 tenant_not_found: No such tenant (GET https://api.tenantcore.io/v1/tenants/{TID})"
        in str(err)
    )
    assert err.hint is not None
    assert "Microsoft tenant GUID" in err.hint


@pytest.mark.parametrize(
    "body",
    [{"error": {"code": "no_api_plan", "message": "lapsed"}}, {"code": "no_api_plan", "message": "lapsed"}],
    ids=["nested", "flat"],
)
async def test_the_402_classes_come_from_every_shape(tc: Client, recorder: Any, run: Any, body: Any) -> None:
    recorder.add(402, body)
    with pytest.raises(NoAPIPlanError) as info:
        await run(tc.tenants.list())
    assert info.value.message == "lapsed"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"error": {"code": "mailbox_limit_reached"}}, "mailbox_limit_reached", "mailbox_limit_reached"),
        ({"error": {"message": "Domain full"}}, None, "Domain full"),
        ({"error": "Domain full"}, None, "Domain full"),
        ({"message": "Domain full"}, None, "Domain full"),
        (
            {"error_code": "mailbox_limit_reached", "message": "Domain full"},
            "mailbox_limit_reached",
            "Domain full",
        ),
    ],
    ids=["nested-code-only", "nested-message-only", "error-string", "message-string", "error_code"],
)
async def test_partial_shapes_keep_what_the_server_said(
    tc: Client, recorder: Any, run: Any, body: Any, code: str | None, message: str
) -> None:
    recorder.add(409, body)
    with pytest.raises(ConflictError) as info:
        await run(tc.tenants.list())
    assert (info.value.code, info.value.message) == (code, message)


@pytest.mark.parametrize(
    "body", [{"unexpected": True}, {"error": {}}, [1, 2]], ids=["object", "empty-error", "list"]
)
async def test_a_json_body_that_names_no_error_is_not_called_empty(
    tc: Client, recorder: Any, run: Any, body: Any
) -> None:
    recorder.add(400, body)
    with pytest.raises(ValidationError) as info:
        await run(tc.tenants.list())
    assert "empty body" not in info.value.message
    assert info.value.message.startswith("HTTP 400 with ")
    assert "JSON" in info.value.message
    assert info.value.body == body


async def test_a_nested_error_message_is_redacted(tc: Client, recorder: Any, run: Any) -> None:
    other = "tc_live_" + "a" * 48
    recorder.add(
        401, {"error": {"code": "invalid_api_key", "message": f"key {other} or {KEY_IN_USE} unknown"}}
    )
    with pytest.raises(AuthenticationError) as info:
        await run(tc.tenants.list())
    assert info.value.code == "invalid_api_key"
    assert other not in str(info.value)
    assert KEY_IN_USE not in str(info.value)
    assert "unknown" in info.value.message


async def test_a_nested_error_inside_a_200_is_an_error(tc: Client, recorder: Any, run: Any) -> None:
    recorder.add(200, {"error": {"code": "tenant_not_found", "message": "No such tenant"}})
    with pytest.raises(APIError) as info:
        await run(tc.request("POST", "/tenants/x/things", json={}))  # a POST: not retried
    assert info.value.code == "tenant_not_found"
    assert "No such tenant" in info.value.message


def test_the_cli_error_line_says_what_the_server_said(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tenantlead status`` against a TenantCore answering the nested shape: its code and message."""
    import httpx

    from tenantlead.cli import main

    body = {"error": {"code": "invalid_api_key", "message": f"Key {KEY_IN_USE} was rotated"}}
    transport = httpx.MockTransport(lambda request: httpx.Response(401, json=body))
    real = httpx.Client.__init__

    def patched(self: httpx.Client, *args: Any, **kwargs: Any) -> None:
        kwargs["transport"] = transport
        real(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", patched)
    monkeypatch.setenv("TENANTCORE_API_KEY", KEY_IN_USE)
    monkeypatch.setenv("SMARTLEAD_API_KEY", "s" * 32)
    for name in ("TENANTCORE_BASE_URL", "SMARTLEAD_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    code = main(["status"])
    err = capsys.readouterr().err
    assert code != 0
    first = err.splitlines()[0]
    assert first.startswith("error: tenantcore 401 invalid_api_key: Key *** was rotated"), first
    assert "empty body" not in err
    assert KEY_IN_USE not in err
