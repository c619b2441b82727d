"""Hardening cases of issue 16 about the cli surface, registered on import with ``@case``.

Kept apart from ``hardening.py`` so each surface's cases live beside their own helpers;
``test_hardening.py`` imports this module, so its cases run and are counted with the rest.
"""

from __future__ import annotations

import pytest

from tests.reliability.hardening import case

__all__ = ["case"]


# ---------------------------------------------------------------------------------- 15


@case(15, "bad input", "an unquoted comma in a password before a trailing column: refused, never cut")
def split_password_before_a_trailing_column_is_refused() -> None:
    from tenantlead.orchestration import CredentialsError, load_credentials
    from tests.reliability.bad_input_table import run_rows

    run_rows(
        "CSV password with an unquoted comma, before an empty trailing column",
        "CSV password with an unquoted comma, header padded with an unnamed column",
    )
    for text in (
        "email,password,notes\r\nava@x.com,Pa,ss9!word,\r\n",  # the notes column left empty
        "Email;Password;\r\nava@x.com;Pa;ss9!word\r\n",  # Excel's padded header, semicolons
        "email,password\nava@x.com,Password9,\n",  # the password ends in the comma
        "ava@x.com\tPassword9\t\n",  # headerless, a trailing tab
    ):
        with pytest.raises(CredentialsError) as info:
            load_credentials(text)
        message = str(info.value)
        assert "row " in message
        assert "quote" in message
        assert "ss9!word" not in message
        assert "Password9" not in message
