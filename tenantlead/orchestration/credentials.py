"""Mailbox passwords for the legacy SMTP connect: [`load_credentials`][tenantlead.orchestration.credentials.load_credentials] and [`Credentials`][tenantlead.orchestration.credentials.Credentials].

The TenantCore API returns no passwords: they are copied from the TenantCore app (Mailboxes page
-> Copy the credentials), and arrive as whatever file that copy ended up in. The shapes read
(delimiters, header names, ``email:password`` lines, encodings) are described in
`tenantlead.orchestration.credentials_formats`. A dict or a callable works too. Passwords
never appear in a ``repr``, an error message or any output.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

from tenantlead._core.redact import hide
from tenantlead._core.validate import is_email
from tenantlead.orchestration.credentials_formats import CredentialsError, ParsedCredentials, decode, parse
from tenantlead.orchestration.fleet import normalize_address

__all__ = ["Credentials", "CredentialsError", "load_credentials"]

#: What ``load_credentials`` reads, for messages.
SHAPES = (
    "a CSV or tab-separated export with an address column (Email, UPN, Username ...) and a Password "
    "column, or one 'email:password' line per mailbox"
)


class Credentials:
    """Mailbox passwords by address. Never shown: ``repr``/``str`` give only a count.

    Build with [`load_credentials`][tenantlead.orchestration.credentials.load_credentials]. ``get(email)`` returns the password or None.
    ``notes`` says how a file was read when that is worth knowing (a fallback encoding, the
    columns used, rows skipped); the command line prints them.
    """

    __slots__ = ("_lookup", "_passwords", "notes")

    def __init__(
        self,
        passwords: Mapping[str, str] | None = None,
        lookup: Callable[[str], str | None] | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        # Secrets: masked in any repr (frame locals) and refused by pickle, so a pickled plan or
        # fleet never stores a password in clear.
        self._passwords = {k: hide(v) for k, v in (passwords or {}).items()}
        self._lookup = lookup
        self.notes: tuple[str, ...] = tuple(notes)

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


def _credentials(parsed: ParsedCredentials) -> Credentials:
    return Credentials(parsed.passwords, notes=parsed.notes)


def _read_text(text: str, origin: str) -> Credentials:
    return _credentials(parse(text, origin))


def _read_bytes(data: bytes, origin: str) -> Credentials:
    text, notes = decode(data, origin)
    return _credentials(parse(text, origin, notes))


def _read_handle(handle: IO[Any], origin: str) -> Credentials:
    data = handle.read()
    if isinstance(data, bytes):
        return _read_bytes(data, origin)
    if isinstance(data, str):
        return _read_text(data, origin)
    raise CredentialsError(f"{origin}.read() returned {type(data).__name__}, not text or bytes")


def _looks_like_text(source: str) -> bool:
    """A str that is credentials text rather than a path: several lines, or ``email<sep>...``."""
    if "\n" in source or "\r" in source:
        return True
    if os.path.exists(source):
        return False
    return "," in source or ("@" in source and any(sep in source for sep in ":;\t"))


def load_credentials(
    source: str
    | bytes
    | os.PathLike[str]
    | IO[str]
    | IO[bytes]
    | Mapping[str, str]
    | Callable[[str], str | None]
    | Credentials,
) -> Credentials:
    """Mailbox passwords from an export (path, ``"-"``, file, text or bytes), a dict, or a callable.

    An export is what the TenantCore app's copy of the credentials ended up in (the API returns
    no passwords): a CSV with an address and a password column, comma, semicolon or tab
    separated, with any of the usual header names (``Email``, ``Email Address``, ``UPN``,
    ``Username``, ``User``, ``Login``; ``Password``, ``Pass``), as Excel, Google Sheets or a
    password manager write it; or ``email:password`` lines without a header. UTF-8 with or
    without a byte-order mark, UTF-16, and Windows-1252 (said in ``Credentials.notes``) are
    read; a path may be a pipe (``/dev/stdin``, a shell's ``<(...)``). A dict maps email ->
    password; a callable takes an email and returns its password or None. Bad input raises
    [CredentialsError][tenantlead.orchestration.CredentialsError] naming the row and the column
    and what to change; it never quotes a cell.
    """
    if isinstance(source, Credentials):
        return source
    if isinstance(source, os.PathLike):
        return _read_path(Path(source))
    if isinstance(source, bytes | bytearray):
        return _read_bytes(bytes(source), "credentials")
    if isinstance(source, str):
        if source == "-":
            return _read_handle(getattr(sys.stdin, "buffer", sys.stdin), "stdin")
        if _looks_like_text(source):
            return _read_text(source, "credentials text")
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
        name = getattr(source, "name", None)
        return _read_handle(cast(IO[Any], source), str(name) if isinstance(name, str) else "credentials file")
    if callable(source):
        return Credentials(lookup=source)
    raise CredentialsError(
        f"credentials must be a path, file object, text or bytes of an export ({SHAPES}), a dict "
        f"email -> password, or a callable; got {type(source).__name__}"
    )


def _read_path(path: Path) -> Credentials:
    """A file, or a pipe such as ``/dev/stdin`` or a shell's ``<(...)`` (read once, as bytes)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise CredentialsError(
            f"no credentials file at {str(path)!r}: pass the path of the export ({SHAPES}), or its text"
        ) from None
    if stat.S_ISDIR(mode):
        raise CredentialsError(f"{str(path)!r} is a directory: pass the path of the credentials export in it")
    with path.open("rb") as handle:
        return _read_bytes(handle.read(), str(path))
