"""Smartlead OAuth tokens built from plain strings (a user's ``tokens=`` provider dict) never show.

``OAuthToken`` holds its tokens as ``Secret`` strings however it was built, so ``repr``,
``str``, ``to_dict()`` and frame locals mask them, and pickling is refused (a pickle would
store them in clear); ``to_wire()`` - what ``save-oauth`` sends - still carries them. A
``connect(fleet, "oauth", tokens=...)`` plan, its items and its result hold no token either.
"""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest

from tenantlead.orchestration import Fleet, LimitPolicy, connect
from tenantlead.sandbox import Sandbox
from tenantlead.smartlead.models import OAuthToken
from tests.orchestration.factories import sync_clients

ACCESS = "EwA" + "a" * 40
REFRESH = "1.AQ" + "r" * 40
ID_TOKEN = "eyJ" + "i" * 40
SECRETS = (ACCESS, REFRESH, ID_TOKEN)


def _renderings(value: Any) -> list[str]:
    texts = [repr(value), str(value), f"{value!r:}", repr(getattr(value, "__dict__", {}))]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        texts.append(json.dumps(to_dict(), default=str))
    return texts


def _assert_hidden(value: Any) -> None:
    for text in _renderings(value):
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize("built", ["kwargs", "from_dict", "from_microsoft"])
def test_a_token_from_plain_strings_is_masked_refused_by_pickle_and_still_sent(built: str) -> None:
    wire = {"scope": "https://outlook.office.com/.default", "token_type": "Bearer", "access_token": ACCESS,
            "refresh_token": REFRESH, "id_token": ID_TOKEN}  # fmt: skip
    if built == "kwargs":
        token = OAuthToken(expiry_date=1_700_000_000_000, **wire)
    elif built == "from_dict":
        token = OAuthToken.from_dict({**wire, "expiry_date": 1_700_000_000_000})
    else:
        token = OAuthToken.from_microsoft({**wire, "expires_in": 3600}, now_ms=0)
    _assert_hidden(token)
    with pytest.raises(TypeError, match="cannot be pickled: it holds OAuth access and refresh tokens"):
        pickle.dumps(token)
    with pytest.raises(TypeError, match="in clear"):
        pickle.dumps([token], protocol=2)
    with pytest.raises(TypeError):
        vars(token)  # no __dict__ to show
    assert copy.copy(token) is token
    assert copy.deepcopy({"t": token})["t"] is token
    # What save-oauth sends: the values themselves.
    sent = json.loads(json.dumps(token.to_wire()))
    assert (sent["access_token"], sent["refresh_token"], sent["id_token"]) == (ACCESS, REFRESH, ID_TOKEN)
    assert token.refresh_token == REFRESH
    assert "'***'" in repr({"refresh_token": token.refresh_token})


def test_an_oauth_connect_plan_from_a_token_dict_holds_and_shows_no_token() -> None:
    sb = Sandbox.demo(seed=7)
    sb.advance(minutes=10)
    issued: list[dict[str, Any]] = []

    def provider(email: str) -> dict[str, Any]:
        token = dict(sb.microsoft_token(email))  # a plain dict of plain strings
        issued.append(token)
        return token

    tc, sl = sync_clients(sb)
    with tc, sl:
        plan = connect(Fleet.load(tc, sl), "oauth", tokens=provider, policy=LimitPolicy())
        assert plan.to_create
        result = plan.apply(sl=sl)
    assert result.failed == []
    secrets = {t[k] for t in issued for k in ("access_token", "refresh_token") if t.get(k)}
    assert secrets
    blob = pickle.dumps(plan)
    texts = [repr(plan), str(plan), json.dumps(plan.to_dict(), default=str), blob.decode("latin-1"),
             repr(pickle.loads(blob)), repr(result), str(result), json.dumps(result.to_dict(), default=str),
             pickle.dumps(result).decode("latin-1"), repr(plan.tokens)]  # fmt: skip
    texts += [repr(item) + pickle.dumps(item).decode("latin-1") for item in plan.items]
    token = plan.tokens.get_token(plan.to_create[0].address)  # type: ignore[union-attr]
    texts.append(repr(token))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(token)
    for text in texts:
        for secret in secrets | {str(token["refresh_token"])}:
            assert secret not in text
    # And Smartlead received them: save-oauth stored each mailbox's own refresh token.
    stored = {a.from_email.lower(): a.oauth_token for a in sb.sl_user.accounts.values() if not a.deleted}
    for item in plan.to_create:
        assert stored[item.address.lower()]["refresh_token"] in secrets
