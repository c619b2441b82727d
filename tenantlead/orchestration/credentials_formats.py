"""Credentials exports as they really come: the text and column shapes ``load_credentials`` reads.

The TenantCore API returns no passwords, so they arrive in whatever file a person has: the
TenantCore app's copy pasted into a spreadsheet and saved from Excel (any locale: comma or
semicolon, with or without a byte-order mark, UTF-8, Windows-1252 or UTF-16 "Unicode Text"),
Google Sheets, a password manager's export (Bitwarden, 1Password, LastPass, a browser), or
hand-written ``email:password`` lines. This module turns the bytes or text into
``{address: password}``:

- **encoding**: a UTF-8, UTF-16 or UTF-32 byte-order mark decides; otherwise UTF-8, and when
  that fails Windows-1252 (what "CSV (Comma delimited)" Excel writes on Windows), said in a note;
- **delimiter**: comma, semicolon or tab, sniffed from the header (or the first line without one);
- **header**: any column named like an address (``Email``, ``Email Address``, ``E-mail``, ``UPN``,
  ``Username``, ``User``, ``Login``, ``login_username`` ...) and one named like a password
  (``Password``, ``Pass``, ``login_password`` ...), in any case and order; extra columns ignored;
- **no header**: lines of ``email:password``, ``email,password``, ``email;password`` or
  ``email<TAB>password`` (the address comes first; after a colon the rest of the line is the
  password, whatever it holds; with the other separators a password holding one must be quoted);
- **a row wider than its header** (or than ``email,password``), or with a value in a column the
  header leaves unnamed, is refused naming the row and the column count: an unquoted delimiter
  split a password there. Nothing is cut and nothing is reconstructed, since which field the
  surplus belongs to cannot be told (a password may end in the delimiter). Spreadsheets quote such
  passwords and pad the header to every row's width, so this only comes from hand edits. One
  split stays invisible: a row exactly as wide as a header whose password column is followed by
  a named one (the password's second piece reads as that column's value).

A refusal is a [CredentialsError][tenantlead.orchestration.CredentialsError] naming the row and
the column and saying what to change. It never quotes a cell: a misplaced column may hold
passwords, so a bad cell is described ("has no '@'"), not shown.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence

import attrs

from tenantlead._core.validate import is_email
from tenantlead.errors import TenantleadError

__all__ = [
    "EMAIL_COLUMNS",
    "PASSWORD_COLUMNS",
    "CredentialsError",
    "ParsedCredentials",
    "decode",
    "parse",
]


class CredentialsError(TenantleadError, ValueError):
    """A credentials source is unusable; the message names the row and column and what to fix."""


#: Header names read as the address column, best first (compared without case, spaces, ``_-.``).
EMAIL_COLUMNS = (
    "email",
    "emailaddress",
    "emailadresse",
    "adresseemail",
    "correoelectronico",
    "mail",
    "primarysmtpaddress",
    "primarysmtp",
    "upn",
    "userprincipalname",
    "loginusername",
    "username",
    "user",
    "login",
    "loginname",
    "benutzername",
    "nomdutilisateur",
    "usuario",
)
#: Header names read as the password column, best first.
PASSWORD_COLUMNS = (
    "password",
    "pass",
    "loginpassword",
    "passwd",
    "pwd",
    "passwort",
    "kennwort",
    "motdepasse",
    "contraseña",
    "contrasena",
    "senha",
    "wachtwoord",
)

#: How the accepted header names are spelled in messages.
_EMAIL_NAMES = "Email, Email Address, UPN, Username, User or Login"
_PASSWORD_NAMES = "Password or Pass"

_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", ":": "colon"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: File signatures of spreadsheets saved in their own format instead of as text.
_SPREADSHEETS = (
    (b"PK\x03\x04", "an Excel or OpenDocument workbook"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook"),
)

SAVE_AS_CSV = (
    "in Excel: File > Save As > CSV UTF-8 (Comma delimited); in Google Sheets: File > Download > "
    "Comma-separated values"
)


@attrs.frozen
class ParsedCredentials:
    """What a credentials export held: passwords by normalised address, and notes about the reading."""

    passwords: dict[str, str]
    notes: tuple[str, ...] = ()


def decode(data: bytes, origin: str) -> tuple[str, tuple[str, ...]]:
    """The text of a credentials file and notes on how it was read (a fallback encoding)."""
    for signature, kind in _SPREADSHEETS:
        if data.startswith(signature):
            raise CredentialsError(f"{origin} is {kind}, not text: save it as CSV ({SAVE_AS_CSV})")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), ()
            except UnicodeDecodeError as exc:
                raise CredentialsError(
                    f"{origin} starts like {encoding.upper()} text but byte {exc.start} is not; "
                    f"save it again as CSV ({SAVE_AS_CSV})"
                ) from None
    if b"\x00" in data[:4096]:
        raise CredentialsError(
            f"{origin} holds NUL bytes, so it is not a text export (a spreadsheet or a binary file?): "
            f"save it as CSV ({SAVE_AS_CSV})"
        )
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise CredentialsError(
            f"{origin} is neither UTF-8 nor Windows-1252 text (byte {first_bad}): save it as CSV ({SAVE_AS_CSV})"
        ) from None
    line = data[:first_bad].count(b"\n") + 1
    return text, (
        f"{origin} is not UTF-8 (line {line} is not); it was read as Windows-1252, the encoding of Excel's "
        "'CSV (Comma delimited)'. If a password with accents or symbols then fails to log in, save the file "
        "as 'CSV UTF-8' and load it again",
    )


def _norm(name: str) -> str:
    return re.sub(r"[\s_.\-]", "", name.strip().lstrip("\ufeff").strip('"').lower())


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _pick(names: Sequence[str], wanted: Sequence[str]) -> int | None:
    normalised = [_norm(n) for n in names]
    for alias in wanted:
        if alias in normalised:
            return normalised.index(alias)
    return None


def _why_not_email(value: str) -> str:
    """Why a cell is not an address, without showing it (it might be a password)."""
    text = value.strip()
    if not text:
        return "it is empty"
    if "@" not in text:
        return "it has no '@'"
    if text.count("@") > 1:
        return "it has more than one '@'"
    if any(c.isspace() for c in text):
        return "it contains a space"
    return "the part after '@' is not a domain name like example.com"


@attrs.define
class _Reader:
    origin: str
    passwords: dict[str, str] = attrs.field(factory=dict)
    first_row: dict[str, int] = attrs.field(factory=dict)
    skipped: int = 0

    def add(self, row: int, email: str, password: str, email_column: str, password_column: str) -> None:
        if not email.strip() and not password.strip():
            self.skipped += 1  # a password manager's note or card, or a row left empty
            return
        if not is_email(email):
            raise CredentialsError(
                f"{self.origin} row {row}, {email_column}: not an email address ({_why_not_email(email)}); "
                "put each mailbox's address there, or delete the rows that are not mailboxes"
            )
        key = email.strip().lower()
        if not password.strip():
            raise CredentialsError(
                f"{self.origin} row {row}, {password_column}: the password of {key} is empty; copy it from "
                "the TenantCore app (Mailboxes page -> Copy the credentials)"
            )
        if key in self.passwords and self.passwords[key] != password:
            raise CredentialsError(
                f"{self.origin} row {row}: {key} already appeared on row {self.first_row[key]} with a different "
                "password; keep the one copied most recently from TenantCore (passwords are case-sensitive) "
                "and delete the other row"
            )
        self.passwords[key] = password
        self.first_row.setdefault(key, row)

    def result(self, notes: Sequence[str]) -> ParsedCredentials:
        out = list(notes)
        if self.skipped:
            out.append(f"{self.origin}: skipped {self.skipped} row(s) without an address or password")
        return ParsedCredentials(dict(self.passwords), tuple(out))


def parse(text: str, origin: str, notes: Sequence[str] = ()) -> ParsedCredentials:
    """``{address: password}`` from the text of a credentials export (see the module docstring)."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip() and not _is_comment(line)), None)
    if first is None:
        raise CredentialsError(
            f"{origin} is empty: start it with a header line such as 'email,password' and one row per "
            "mailbox, or write one 'email:password' line per mailbox"
        )
    header_line = lines[first]
    found = _find_header(header_line)
    if found is not None:
        return _parse_with_header(text, origin, found, notes)
    separator = _headerless_separator(header_line)
    if separator is not None:
        return _parse_without_header(lines, origin, separator, notes)
    raise _header_error(header_line, first + 1, origin)


def _is_comment(line: str) -> bool:
    """A ``#`` line of a hand-written list (no export starts a row with ``#``)."""
    return line.lstrip().startswith("#")


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _find_header(line: str) -> tuple[str, list[str], int, int] | None:
    """``(delimiter, names, email index, password index)`` when ``line`` is a header we can read."""
    best: tuple[str, list[str], int, int] | None = None
    for delimiter in _DELIMITERS:
        names = _split(line, delimiter)
        if len(names) < 2:
            continue
        email, password = _pick(names, EMAIL_COLUMNS), _pick(names, PASSWORD_COLUMNS)
        if email is None or password is None or email == password:
            continue
        if best is None or len(names) > len(best[1]):
            best = (delimiter, names, email, password)
    return best


def _headerless_separator(line: str) -> str | None:
    """The separator of an ``email<sep>password`` line (the address comes first), else None."""
    match = re.match(r"\s*([^,;:\t\s]+@[^,;:\t\s]+)\s*([,;:\t])", line)
    if match is None or not is_email(match.group(1)):
        return None
    return match.group(2)


def _header_error(line: str, row: int, origin: str) -> CredentialsError:
    """Why the first line is neither a header we can read nor an ``email<sep>password`` line.

    Only cells that are recognised column names are quoted: the line may be data (a headerless
    file whose first field is not an address), and then its cells may be passwords.
    """
    delimiter = max(_DELIMITERS, key=lambda d: len(_split(line, d)))
    names = [n.strip().lstrip("\ufeff") for n in _split(line, delimiter)]
    if len(names) < 2:
        shown = "one column" if names and names[0] else "nothing"
        return CredentialsError(
            f"{origin} row {row} (the header) has {shown}, not an address and a password separated by a comma, "
            f"semicolon or tab: start the file with a header line 'email,password', or write one "
            "'email:password' line per mailbox"
        )
    if any(is_email(n) for n in names):
        return CredentialsError(
            f"{origin} row {row} holds an address but not as its first field, and there is no header: put "
            "the address first on every line (email,password), or start the file with a header line that "
            "names the columns (for example 'password,email')"
        )
    email, password = _pick(names, EMAIL_COLUMNS), _pick(names, PASSWORD_COLUMNS)
    parts = []
    if email is None:
        parts.append(f"no column is named like an address ({_EMAIL_NAMES})")
    else:
        parts.append(f"the address column is {_column_letter(email)} ({names[email]!r})")
    if password is None or password == email:
        parts.append(f"no column is named like a password ({_PASSWORD_NAMES})")
    else:
        parts.append(f"the password column is {_column_letter(password)} ({names[password]!r})")
    return CredentialsError(
        f"{origin} row {row} (the header, {len(names)} {_DELIMITER_NAMES[delimiter]}-separated columns): "
        f"{'; '.join(parts)}. Rename the columns (for example 'email,password'), or drop the header and "
        "write one 'email:password' line per mailbox"
    )


def _parse_with_header(
    text: str, origin: str, found: tuple[str, list[str], int, int], notes: Sequence[str]
) -> ParsedCredentials:
    delimiter, names, ei, pi = found
    email_column = f"column {_column_letter(ei)} ({names[ei].strip().lstrip(chr(0xFEFF))!r})"
    password_column = f"column {_column_letter(pi)} ({names[pi].strip()!r})"
    # Spreadsheets pad the header with unnamed columns as wide as the widest row: those may be
    # empty in every row, but a value there has no column to belong to.
    named = max(i for i, name in enumerate(names) if name.strip().lstrip(chr(0xFEFF))) + 1
    reader = _Reader(origin)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header_seen = False
    for number, fields in enumerate(rows, start=1):
        if not any(f.strip() for f in fields):
            continue  # blank lines (before the header, trailing newlines, spreadsheet exports)
        if not header_seen and _is_comment(delimiter.join(fields)):
            continue  # comment lines above the header
        if not header_seen:
            header_seen = True
            continue
        _check_width(origin, number, fields, names, named, delimiter)
        if len(fields) <= max(ei, pi):
            short = email_column if len(fields) <= ei else password_column
            raise CredentialsError(
                f"{origin} row {number} has {len(fields)} field(s), so {short} is missing: give every row "
                "an address and a password"
            )
        reader.add(number, fields[ei], fields[pi], email_column, password_column)
    return reader.result([*notes, *_shape_note(origin, delimiter, names, ei, pi)])


def _quote_hint(delimiter: str) -> str:
    name = _DELIMITER_NAMES[delimiter]
    return (
        f'a password containing a {name} must be quoted ("pa{delimiter}ss"); save the file again from the '
        f"spreadsheet ({SAVE_AS_CSV}) rather than editing it by hand"
    )


def _check_width(
    origin: str, number: int, fields: Sequence[str], names: Sequence[str], named: int, delimiter: str
) -> None:
    """Refuse a row wider than its header: an unquoted delimiter inside a password split it.

    Loading the first piece would fail later as a wrong password (and count as a failed sign-in
    against the mailbox), so the row is refused, never cut. Which field the surplus belongs to
    cannot be told (a password may end in the delimiter, or a column may have lost its name), so
    nothing is reconstructed either. Spreadsheets write every row as wide as the header, so a
    wider row, even with empty surplus fields, only comes from a hand edit.
    """
    if len(fields) > len(names):
        raise CredentialsError(
            f"{origin} row {number} has {len(fields)} fields but the header has {len(names)}: "
            + _quote_hint(delimiter)
        )
    stray = next((i for i in range(named, len(fields)) if fields[i].strip()), None)
    if stray is not None:
        raise CredentialsError(
            f"{origin} row {number} has a value in column {_column_letter(stray)}, which the header leaves "
            f"unnamed (it names {named} of its {len(names)} columns): "
            + _quote_hint(delimiter)
            + "; if the column is meant, give it a name in the header"
        )


def _shape_note(origin: str, delimiter: str, names: Sequence[str], ei: int, pi: int) -> list[str]:
    if delimiter == "," and _norm(names[ei]) == "email" and _norm(names[pi]) == "password":
        return []  # the TenantCore app's own shape: nothing to say
    return [
        f"{origin}: read {_DELIMITER_NAMES[delimiter]}-separated columns, addresses from "
        f"{names[ei].strip()!r} and passwords from {names[pi].strip()!r}"
    ]


def _parse_without_header(
    lines: Sequence[str], origin: str, separator: str, notes: Sequence[str]
) -> ParsedCredentials:
    reader = _Reader(origin)
    email_column = "column A (the address)"
    password_column = "the password after the first " + _DELIMITER_NAMES[separator]
    for number, line in enumerate(lines, start=1):
        if not line.strip() or _is_comment(line):
            continue  # blank lines and comments in a hand-written list
        if separator == ":":
            email, sep, password = line.partition(":")
        else:
            fields = _split(line, separator)
            if len(fields) > 2:
                # A separator inside the password (even a trailing one: the password may end in
                # it), or more columns than email and password: which one cannot be told, so
                # refuse rather than guess a password.
                name = _DELIMITER_NAMES[separator]
                raise CredentialsError(
                    f"{origin} row {number} has {len(fields)} {name}-separated fields, not 2: if the password "
                    f'contains a {name}, quote it ("pa{separator}ss") or write the line as email:password; if '
                    "the file has more columns, add a header line that names them (email,password,...)"
                )
            email, sep = (fields[0] if fields else ""), separator if len(fields) >= 2 else ""
            password = fields[1] if len(fields) >= 2 else ""
        if not sep:
            raise CredentialsError(
                f"{origin} row {number}: no {_DELIMITER_NAMES[separator]} after the address, so there is no "
                f"password; write the line as email{separator}password"
            )
        reader.add(number, email, password, email_column, password_column)
    shape = "email:password" if separator == ":" else f"email{_DELIMITER_NAMES[separator]}password"
    return reader.result([*notes, f"{origin}: read {shape} lines without a header"])
