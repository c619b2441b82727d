"""Mailbox passwords for the legacy SMTP connect: :func:`load_credentials` and :class:`Credentials`.

The TenantCore API returns no passwords: they are copied from the TenantCore app (Mailboxes page
-> Copy the credentials) as a CSV with ``email`` and ``password`` columns. A dict or a callable
works too. Passwords never appear in a ``repr``, an error message or any output.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO, cast

from tenantlead._core.validate import is_email
from tenantlead.errors import TenantleadError
from tenantlead.orchestration.fleet import normalize_address

__all__ = ["Credentials", "CredentialsError", "load_credentials"]


class CredentialsError(TenantleadError, ValueError):
    """A credentials source is unusable; the message names the row and what to fix."""


class Credentials:
    """Mailbox passwords by address. Never shown: ``repr``/``str`` give only a count.

    Build with :func:`load_credentials`. ``get(email)`` returns the password or None.
    """

    __slots__ = ("_lookup", "_passwords")

    def __init__(
        self,
        passwords: Mapping[str, str] | None = None,
        lookup: Callable[[str], str | None] | None = None,
    ) -> None:
        self._passwords = dict(passwords or {})
        self._lookup = lookup

    def get(self, email: str) -> str | None:
        """The password of ``email`` (case-insensitive), or None when the source has none."""
        key = normalize_address(email)
        if self._lookup is not None:
            value = self._lookup(key)
            if value is None:
                return None
            if not isinstance(value, str):
                raise CredentialsError(
                    f"the credentials callable returned {type(value).__name__} for {key}: return the "
                    "password as a str, or None when you have none"
                )
            return value or None
        return self._passwords.get(key)

    def __contains__(self, email: object) -> bool:
        return isinstance(email, str) and self.get(email) is not None

    @property
    def emails(self) -> list[str]:
        """The addresses with a password (empty for a callable source, which is asked per address)."""
        return sorted(self._passwords)

    def __len__(self) -> int:
        return len(self._passwords)

    def __repr__(self) -> str:
        if self._lookup is not None:
            return "<Credentials from a callable (passwords hidden)>"
        return f"<Credentials for {len(self._passwords)} mailboxes (passwords hidden)>"

    __str__ = __repr__


def _read_csv(handle: TextIO, origin: str) -> Credentials:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise CredentialsError(
            f"{origin} is empty: expected a header line 'email,password' and one row per mailbox"
        )
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in ("email", "password") if c not in names]
    if missing:
        raise CredentialsError(
            f"{origin} row 1 (header) has no {' or '.join(repr(m) for m in missing)} column: found "
            f"{', '.join(repr(h) for h in header) or 'nothing'}; name the columns email,password"
        )
    ei, pi = names.index("email"), names.index("password")
    out: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue  # blank lines (trailing newline, spreadsheet exports)
        if len(fields) <= max(ei, pi):
            raise CredentialsError(
                f"{origin} row {number} has {len(fields)} columns: it needs email and password"
            )
        if len(fields) > len(header):
            # An unquoted comma inside a password splits it: loading the first piece would fail
            # later as a wrong password, so stop here and say how to fix the file.
            raise CredentialsError(
                f"{origin} row {number} has {len(fields)} columns but the header has {len(header)}: "
                'a password containing a comma must be quoted ("pa,ss"); re-export the CSV'
            )
        email = fields[ei].strip()
        password = fields[pi]
        if not is_email(email):
            raise CredentialsError(f"{origin} row {number}: {email!r} is not a valid email address")
        if not password.strip():
            raise CredentialsError(
                f"{origin} row {number}: the password of {email} is empty; copy it from the TenantCore app "
                "(Mailboxes page -> Copy the credentials)"
            )
        key = normalize_address(email)
        if key in out and out[key] != password:
            raise CredentialsError(
                f"{origin} row {number}: {email} already appeared on row {first_row[key]} with a different "
                "password; keep the one copied most recently from TenantCore (passwords are case-sensitive)"
            )
        out[key] = password
        first_row.setdefault(key, number)
    return Credentials(out)


def load_credentials(
    source: str | os.PathLike[str] | TextIO | Mapping[str, str] | Callable[[str], str | None] | Credentials,
) -> Credentials:
    """Mailbox passwords from a CSV (path, file object or text), a dict, or a callable.

    CSV: a header with ``email`` and ``password`` columns (any case; extra columns ignored), one
    row per mailbox - what you copy from the TenantCore app (the API returns no passwords).
    A dict maps email -> password; a callable takes an email and returns its password or None.
    Bad input raises :class:`CredentialsError` naming the row and the fix.
    """
    if isinstance(source, Credentials):
        return source
    if isinstance(source, os.PathLike):
        return _read_path(Path(source))
    if isinstance(source, str):
        if "\n" in source or "," in source:
            return _read_csv(io.StringIO(source), "credentials CSV")
        return _read_path(Path(source))
    if isinstance(source, Mapping):
        passwords: dict[str, str] = {}
        for email, password in source.items():
            if not is_email(email):
                raise CredentialsError(f"credentials key {email!r} is not a valid email address")
            if not isinstance(password, str) or not password.strip():
                raise CredentialsError(f"the password of {email} is empty or not a string")
            passwords[normalize_address(email)] = password
        return Credentials(passwords)
    if hasattr(source, "read"):
        return _read_csv(cast(TextIO, source), getattr(source, "name", "credentials file"))
    if callable(source):
        return Credentials(lookup=source)
    raise CredentialsError(
        f"credentials must be a CSV path, file object or text, a dict email -> password, or a callable; "
        f"got {type(source).__name__}"
    )


def _read_path(path: Path) -> Credentials:
    if not path.is_file():
        raise CredentialsError(
            f"no credentials file at {str(path)!r}: pass a CSV path, or the CSV text itself (header email,password)"
        )
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return _read_csv(handle, path.name)
