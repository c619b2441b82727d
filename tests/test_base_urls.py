"""Production base URLs live on the API profiles; the client docs quote them, checked here."""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead import Smartlead, TenantCore


@pytest.mark.parametrize("client", [Smartlead, TenantCore])
def test_the_documented_default_base_url_is_the_profiles(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = client._profile.default_base_url
    assert f"base_url: default ``{default}``" in (client.__doc__ or "")
    monkeypatch.delenv(client._profile.env_base_url, raising=False)
    key = "tc_live_" + "0" * 48 if client is TenantCore else "sl" + "Key" * 6 + "0042"
    with client(key) as made:
        assert made.base_url == default
