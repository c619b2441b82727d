"""The one error tree for both APIs: shape, attributes, rendering, pickling, status mapping."""

from __future__ import annotations

import pickle

import pytest

from tenantlead import errors
from tenantlead._core.http import ErrorInfo, status_error

TREE = {
    errors.ConfigurationError: errors.TenantleadError,
    errors.APIError: errors.TenantleadError,
    errors.APIStatusError: errors.APIError,
    errors.AuthenticationError: errors.APIStatusError,
    errors.PaymentRequiredError: errors.APIStatusError,
    errors.NoAPIPlanError: errors.PaymentRequiredError,
    errors.TenantLimitReachedError: errors.PaymentRequiredError,
    errors.NotFoundError: errors.APIStatusError,
    errors.ConflictError: errors.APIStatusError,
    errors.ValidationError: errors.APIStatusError,
    errors.QuotaExceededError: errors.APIStatusError,
    errors.RateLimitError: errors.APIStatusError,
    errors.ServerError: errors.APIStatusError,
    errors.APIConnectionError: errors.APIError,
    errors.APITimeoutError: errors.APIConnectionError,
    errors.APIResponseError: errors.APIError,
}


@pytest.mark.parametrize(("child", "parent"), TREE.items())
def test_the_tree_matches_the_contract(child: type, parent: type) -> None:
    assert parent in child.__mro__[1:3]


def test_configuration_error_is_also_a_value_error() -> None:
    assert issubclass(errors.ConfigurationError, ValueError)
    assert issubclass(errors.TenantleadError, Exception)


def test_api_error_carries_everything_and_renders_it() -> None:
    err = errors.NotFoundError(
        "Tenant not found",
        api="tenantcore",
        status_code=404,
        code="tenant_not_found",
        method="GET",
        url="https://api.tenantcore.io/v1/tenants/x",
        hint="Use the Microsoft tenant GUID.",
        body={"detail": {"code": "tenant_not_found"}},
    )
    assert (err.api, err.status_code, err.code, err.message, err.method) == (
        "tenantcore",
        404,
        "tenant_not_found",
        "Tenant not found",
        "GET",
    )
    assert str(err) == (
        "tenantcore 404 tenant_not_found: Tenant not found (GET https://api.tenantcore.io/v1/tenants/x)\n"
        "hint: Use the Microsoft tenant GUID."
    )
    assert repr(err).startswith("NotFoundError('tenantcore 404 tenant_not_found")


def test_minimal_api_error_renders_without_empty_parts() -> None:
    err = errors.APIConnectionError("connection failed", api="smartlead")
    assert str(err) == "smartlead: connection failed"
    assert err.status_code is None
    assert err.code is None
    assert err.hint is None


def test_errors_survive_pickling_with_their_attributes() -> None:
    err = errors.ValidationError(
        "bad", api="tenantcore", status_code=422, fields=["daily_send_limit"], method="PATCH", url="u"
    )
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is errors.ValidationError
    assert clone.fields == ("daily_send_limit",)
    assert str(clone) == str(err)
    limited = pickle.loads(pickle.dumps(errors.RateLimitError("slow", api="smartlead", retry_after=3.0)))
    assert limited.retry_after == 3.0


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.ValidationError),
        (401, errors.AuthenticationError),
        (402, errors.PaymentRequiredError),
        (403, errors.AuthenticationError),
        (404, errors.NotFoundError),
        (406, errors.QuotaExceededError),
        (409, errors.ConflictError),
        (422, errors.ValidationError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.APIStatusError),
    ],
)
def test_status_codes_map_to_classes(status: int, cls: type) -> None:
    err = status_error(
        ErrorInfo(message="m", fields=("f",)),
        api="smartlead",
        status=status,
        method="GET",
        url="u",
        retry_after=4.0,
        body=None,
    )
    assert type(err) is cls
    assert err.status_code == status
    if isinstance(err, errors.ValidationError):
        assert err.fields == ("f",)
    if isinstance(err, errors.RateLimitError):
        assert err.retry_after == 4.0


def test_a_profile_subclass_applies_only_under_its_status() -> None:
    info = ErrorInfo(message="m", code="no_api_plan", error_class=errors.NoAPIPlanError)
    common = {"api": "tenantcore", "method": "GET", "url": "u", "retry_after": None, "body": None}
    assert type(status_error(info, status=402, **common)) is errors.NoAPIPlanError  # type: ignore[arg-type]
    assert type(status_error(info, status=500, **common)) is errors.ServerError  # type: ignore[arg-type]
