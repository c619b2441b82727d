"""A key the loopback sandbox refuses gets a hint that names the sandbox, not the real API's app."""

from __future__ import annotations

import pytest

from tenantlead._core.answers import ErrorInfo
from tenantlead._core.sandbox_hint import is_sandbox_url, refine
from tenantlead.errors import AuthenticationError
from tenantlead.sandbox import Sandbox
from tenantlead.smartlead import Smartlead
from tenantlead.smartlead._profile import PROFILE as SMARTLEAD
from tenantlead.tenantcore import TenantCore
from tenantlead.tenantcore._profile import PROFILE as TENANTCORE

REAL_TC_KEY = "tc_live_" + "5e" * 24
REAL_SL_KEY = "3f2a6c1e-9b7d-4e0f-8a21-6d5c4b3a2f10_9xq2lm"


@pytest.mark.parametrize(
    ("url", "sandbox"),
    [
        ("http://127.0.0.1:8765/tenantcore/v1", True),
        ("http://127.0.0.1:8765/tenantcore/v1/tenants?limit=5", True),
        ("http://localhost:8765/smartlead/api/v1/email-accounts/?api_key=x", True),
        ("http://[::1]:8765/smartlead/api/v1", True),
        ("http://127.0.0.2/tenantcore/v1", True),
        ("https://api.tenantcore.io/v1", False),
        ("https://server.smartlead.ai/api/v1", False),
        ("http://127.0.0.1:8765/v1", False),  # loopback, but not the sandbox's prefix (a proxy, a mock)
        ("http://192.0.2.1/tenantcore/v1", False),  # the prefix on another host
        ("http://127.0.0.1:8765/tenantcorex/v1", False),
        ("not a url", False),
    ],
)
def test_is_sandbox_url(url: str, sandbox: bool) -> None:
    assert is_sandbox_url(url) is sandbox


def test_only_a_401_from_the_sandbox_gets_the_sandbox_hint() -> None:
    info = ErrorInfo(message="unauthorized", hint="Copy the current key from app.tenantcore.io/api.")
    sandbox = "http://127.0.0.1:1/tenantcore/v1/tenants"

    assert refine(info, 403, sandbox, TENANTCORE) is info
    assert refine(info, 401, "https://api.tenantcore.io/v1/tenants", TENANTCORE) is info
    hint = refine(info, 401, sandbox, TENANTCORE).hint
    assert hint is not None
    assert "tenantlead sandbox" in hint
    assert "app.tenantcore.io" not in hint
    assert "TENANTCORE_BASE_URL" in hint


def test_a_real_key_sent_to_the_served_sandbox_gets_a_hint_that_names_it() -> None:
    """Python users get what the CLI says: the base URL is the sandbox, not where to copy a key."""
    sb = Sandbox.demo(seed=3, tenants=1)
    with sb.serve() as server:
        tc = TenantCore(REAL_TC_KEY, base_url=server.tenantcore_base_url, max_retries=0)
        sl = Smartlead(REAL_SL_KEY, base_url=server.smartlead_base_url, max_retries=0)
        with pytest.raises(AuthenticationError) as tc_error:
            list(tc.tenants.list())
        with pytest.raises(AuthenticationError) as sl_error:
            list(sl.email_accounts.list())
        tc.close()
        sl.close()

    for error, profile in ((tc_error.value, TENANTCORE), (sl_error.value, SMARTLEAD)):
        assert error.status_code == 401
        assert error.hint is not None
        assert "tenantlead sandbox on loopback" in error.hint
        assert f"unset {profile.env_base_url}" in error.hint
        assert f"Sandbox.{profile.name}_api_key" in error.hint
        assert "app.tenantcore.io" not in error.hint
        assert "Settings → API" not in error.hint
        assert REAL_TC_KEY not in str(error)
        assert REAL_SL_KEY not in str(error)
    assert sb.tenantcore_api_key not in str(tc_error.value)  # the hint names the attribute, not the key
