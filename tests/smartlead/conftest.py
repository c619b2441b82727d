"""Smartlead fixtures: sync and async clients on the shared recording transport and fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead.smartlead import AsyncSmartlead, Smartlead
from tests.smartlead.smartlead_testkit import make_client


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sl(mode: str, recorder: Any, clock: Any) -> Smartlead | AsyncSmartlead:
    """A Smartlead client (sync, then async) on the recording transport, without pacing."""
    return make_client(mode, recorder, clock)
