"""Client configuration: arguments first, then environment variables; clear, key-free errors."""

from __future__ import annotations

import math

import httpx
import pytest

from tenantlead import AsyncTenantCore, TenantCore
from tenantlead._core.config import resolve_api_key, resolve_base_url, resolve_timeout
from tenantlead.errors import ConfigurationError

KEY_A = "tc_live_" + "0" * 48
KEY_B = "tc_live_" + "ab" * 24


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENANTCORE_API_KEY", raising=False)
    monkeypatch.delenv("TENANTCORE_BASE_URL", raising=False)


def test_explicit_key_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTCORE_API_KEY", KEY_B)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"tenants": [], "count": 0})

    with TenantCore(KEY_A, http_client=httpx.Client(transport=httpx.MockTransport(handler))) as tc:
        tc.tenants.list()
    assert seen == [f"Bearer {KEY_A}"]


def test_environment_key_used_when_argument_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTCORE_API_KEY", KEY_B)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"tenants": [], "count": 0})

    with TenantCore(http_client=httpx.Client(transport=httpx.MockTransport(handler))) as tc:
        tc.tenants.list()
    assert seen == [f"Bearer {KEY_B}"]


@pytest.mark.parametrize("cls", [TenantCore, AsyncTenantCore])
def test_missing_key_names_the_environment_variable(cls: type) -> None:
    with pytest.raises(ConfigurationError, match="TENANTCORE_API_KEY"):
        cls()


def test_blank_environment_key_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTCORE_API_KEY", "   ")
    with pytest.raises(ConfigurationError, match="missing"):
        TenantCore()


@pytest.mark.parametrize(
    ("key", "expect"),
    [
        ("sk_live_" + "0" * 48, "start with 'tc_live_'"),
        ("tc_live_" + "0" * 47, "48 hex characters"),
        ("tc_live_" + "0" * 49, "48 hex characters"),
        ("tc_live_" + "g" * 48, "48 hex characters"),
        (" " + "tc_live_" + "0" * 48, "whitespace"),
        ("tc_live_" + "0" * 48 + "\n", "whitespace"),
    ],
)
def test_malformed_key_is_rejected_without_echoing_it(key: str, expect: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        TenantCore(key)
    message = str(info.value)
    assert expect in message
    assert key.strip() not in message
    assert key.strip() not in repr(info.value)


def test_malformed_environment_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = "tc_live_" + "1" * 47
    monkeypatch.setenv("TENANTCORE_API_KEY", bad)
    with pytest.raises(ConfigurationError, match="TENANTCORE_API_KEY") as info:
        TenantCore()
    assert bad not in str(info.value)


def test_uppercase_hex_key_is_accepted() -> None:
    tc = TenantCore("tc_live_" + "AB" * 24)
    tc.close()


def test_base_url_defaults_and_comes_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert TenantCore(KEY_A).base_url == "https://api.tenantcore.io/v1"
    monkeypatch.setenv("TENANTCORE_BASE_URL", "http://127.0.0.1:8765/v1/")
    assert TenantCore(KEY_A).base_url == "http://127.0.0.1:8765/v1"
    assert TenantCore(KEY_A, base_url="https://other.example/v1").base_url == "https://other.example/v1"


@pytest.mark.parametrize(
    "url",
    [
        "api.tenantcore.io/v1",
        "ftp://api.tenantcore.io/v1",
        "https:///v1",
        f"https://api.tenantcore.io/v1?api_key={KEY_A}",
        "https://api.tenantcore.io/v1#frag",
        "http://[::1/v1",
    ],
)
def test_malformed_base_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base URL") as info:
        TenantCore(KEY_A, base_url=url)
    assert KEY_A not in str(info.value)


def test_malformed_base_url_from_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENANTCORE_BASE_URL", "localhost:8000")
    with pytest.raises(ConfigurationError, match="TENANTCORE_BASE_URL"):
        TenantCore(KEY_A)


@pytest.mark.parametrize("bad", [0, -1, math.nan, "5", True])
def test_bad_timeout_is_rejected(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout"):
        TenantCore(KEY_A, timeout=bad)  # type: ignore[arg-type]


def test_timeout_none_disables_and_numbers_become_float() -> None:
    assert TenantCore(KEY_A, timeout=None).timeout is None
    assert TenantCore(KEY_A, timeout=5).timeout == 5.0
    assert resolve_timeout(2, name="connect_timeout") == 2.0
    with pytest.raises(ConfigurationError, match="connect_timeout"):
        resolve_timeout(-2, name="connect_timeout")


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_bad_max_retries_is_rejected(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="max_retries"):
        TenantCore(KEY_A, max_retries=bad)  # type: ignore[arg-type]


def test_resolvers_take_an_injected_environment() -> None:
    env = {"X_KEY": "good-key", "X_URL": "https://x.example/api/"}
    key = resolve_api_key(
        None, env_var="X_KEY", service="X", validate=lambda k: None, where_to_get="ask", environ=env
    )
    assert key == "good-key"
    assert resolve_base_url(None, env_var="X_URL", default="https://d", service="X", environ=env) == (
        "https://x.example/api"
    )
    assert (
        resolve_base_url(None, env_var="X_URL", default="https://d/", service="X", environ={}) == "https://d"
    )
    with pytest.raises(ConfigurationError, match=r"X API key from X_KEY is malformed: too short"):
        resolve_api_key(
            None,
            env_var="X_KEY",
            service="X",
            validate=lambda k: "too short",
            where_to_get="ask",
            environ=env,
        )


def test_a_malformed_key_is_described_without_any_secret_character() -> None:
    from tenantlead._core.config import describe_secret

    smartlead_like = "3f2b9c1e-8d4a-4b6f-9e21-7a5c0d3b1f48_a1b2c3"
    assert describe_secret(smartlead_like) == f"{len(smartlead_like)} characters"
    assert "3f2b" not in describe_secret(smartlead_like)
    assert describe_secret("tc_live_" + "0" * 10) == "'tc_live_'... 18 characters"
    assert describe_secret("abc") == "3 characters"
