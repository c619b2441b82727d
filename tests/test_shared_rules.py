"""The rules both APIs share live in ``tenantlead._core.validate``; both packages apply the same one."""

from __future__ import annotations

import re

import pytest

from tenantlead._core import validate
from tenantlead.smartlead import _validate as sl_validate
from tenantlead.smartlead.resources.email_accounts import bulk_update_flow, update_request
from tenantlead.tenantcore import _validate as tc_validate
from tenantlead.tenantcore.resources.mailboxes import update_request as mailbox_update_request

ADDRESSES = {
    "ana@example.com": True,
    "  ana@mail.acme.example ": True,
    "first.last+tag@sub.example.co": True,
    "ana@example": False,
    "ana.example.com": False,
    "ana@@example.com": False,
    "an a@example.com": False,
    "": False,
}


@pytest.mark.parametrize(("address", "ok"), ADDRESSES.items())
def test_both_apis_accept_the_same_addresses(address: str, ok: bool) -> None:
    assert validate.is_email(address) is ok
    for check in (sl_validate.check_email, tc_validate.check_email):
        if ok:
            assert check(address, "email") == address.strip()
        else:
            with pytest.raises(ValueError, match="email must be an email address like"):
                check(address, "email")


def test_each_api_names_its_own_example_address() -> None:
    with pytest.raises(ValueError, match=re.escape("'ana@example.com'")):
        sl_validate.check_email("x", "email")
    with pytest.raises(ValueError, match=re.escape("'ops@agency.com'")):
        tc_validate.check_email("x", "email")


def test_the_daily_maximum_is_one_number_for_every_limit_field() -> None:
    top = validate.MAX_DAILY_LIMIT
    assert top == 10_000  # Exchange Online's recipient rate per mailbox and day
    # At the maximum every builder accepts the limit; one more and every builder refuses it.
    update_request(1, max_email_per_day=top)
    bulk_update_flow([1], message_per_day=top)
    mailbox_update_request("t", "m", daily_send_limit=top)
    assert tc_validate.check_daily_limit(top) == top
    for build in (
        lambda: update_request(1, max_email_per_day=top + 1),
        lambda: bulk_update_flow([1], message_per_day=top + 1),
        lambda: mailbox_update_request("t", "m", daily_send_limit=top + 1),
    ):
        with pytest.raises(ValueError, match=f"{top:,}|{top}"):
            build()


def test_shared_checks_are_the_same_objects_in_both_packages() -> None:
    assert sl_validate.check_bool is validate.check_bool
    assert tc_validate.check_bool is validate.check_bool
    assert sl_validate.check_int is validate.check_int
    assert tc_validate.MAX_DAILY_LIMIT is validate.MAX_DAILY_LIMIT
    assert tc_validate.require_id is validate.require_id


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "must be a whole number"),
        ("3", "must be a whole number"),
        (0, "must be >= 1 and <= 5, got 0"),
        (6, "must be >= 1 and <= 5, got 6"),
    ],
)
def test_check_int_says_what_is_allowed(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate.check_int(value, "n", minimum=1, maximum=5)
    assert validate.check_int(5, "n", minimum=1, maximum=5) == 5


def test_check_one_of_lists_the_choices() -> None:
    assert validate.check_one_of("A", "kind", ("A", "B")) == "A"
    with pytest.raises(ValueError, match="kind must be one of A, B, got 'C'"):
        validate.check_one_of("C", "kind", ("A", "B"))
