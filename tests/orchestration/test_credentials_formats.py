"""A corpus of credentials exports as they really come: each is read right or refused clearly.

Every shape is built the way its program writes it (delimiter, quoting, header names, byte-order
mark, encoding, line ends), with passwords that hold the characters that break naive readers.
A refusal must name the row (and the column where there is one), say what to change, and never
quote a cell: none of the file's passwords may appear in the message.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tenantlead.cli import _session, main
from tenantlead.orchestration import CredentialsError, load_credentials
from tenantlead.sandbox import Sandbox

#: Passwords with a comma, semicolon, colon, quote, tab-free symbols, non-ASCII and a space.
PASSWORDS = {
    "ana@acme-mail.com": 'Xq7,pa;ss:w"rd',
    "ben@acme-mail.com": "Zürich€2026#",
    "cy@acme-mail.com": "plain Pass9",
}


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, delimiter: str = ",", crlf: bool = True
) -> str:
    """What a spreadsheet program writes: csv quoting as needed, its line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def mailbox_rows(passwords: dict[str, str], make: Callable[[str, str], Sequence[str]]) -> list[Sequence[str]]:
    return [make(email, password) for email, password in passwords.items()]


def two(email: str, password: str) -> Sequence[str]:
    return (email, password)


EXPORTS: dict[str, tuple[bytes, dict[str, str]]] = {
    "Excel (en-US) CSV UTF-8: BOM, comma, CRLF": (
        codecs.BOM_UTF8 + table(["Email", "Password"], mailbox_rows(PASSWORDS, two)).encode(),
        PASSWORDS,
    ),
    "Excel (de-DE) CSV UTF-8: BOM, semicolon, CRLF": (
        codecs.BOM_UTF8 + table(["Email", "Password"], mailbox_rows(PASSWORDS, two), delimiter=";").encode(),
        PASSWORDS,
    ),
    "Excel (fr-FR) CSV (separateur point-virgule): Windows-1252, semicolon, French header": (
        table(["Adresse e-mail", "Mot de passe"], mailbox_rows(PASSWORDS, two), delimiter=";").encode(
            "cp1252"
        ),
        PASSWORDS,
    ),
    "Excel (en-US) CSV (Comma delimited): Windows-1252, no BOM": (
        table(["email", "password"], mailbox_rows(PASSWORDS, two)).encode("cp1252"),
        PASSWORDS,
    ),
    "Excel Unicode Text: UTF-16 LE with BOM, tab": (
        codecs.BOM_UTF16_LE
        + table(["Email", "Password"], mailbox_rows(PASSWORDS, two), delimiter="\t").encode("utf-16-le"),
        PASSWORDS,
    ),
    "Google Sheets download: UTF-8, comma, LF, extra column": (
        table(
            ["Email Address", "Password", "Notes"],
            mailbox_rows(PASSWORDS, lambda e, p: (e, p, "client: Acme, mailbox 1")),
            crlf=False,
        ).encode(),
        PASSWORDS,
    ),
    "Bitwarden CSV export (with a secure note)": (
        table(
            [
                "folder",
                "favorite",
                "type",
                "name",
                "notes",
                "fields",
                "reprompt",
                "login_uri",
                "login_username",
                "login_password",
                "login_totp",
            ],
            [
                *mailbox_rows(
                    PASSWORDS,
                    lambda e, p: (
                        "Acme",
                        "",
                        "login",
                        e,
                        "",
                        "",
                        "0",
                        "https://outlook.office.com",
                        e,
                        p,
                        "",
                    ),
                ),
                ("Acme", "", "note", "Ops notes", "rotate monthly", "", "0", "", "", "", ""),
            ],
            crlf=False,
        ).encode(),
        PASSWORDS,
    ),
    "1Password CSV export": (
        table(
            ["Title", "Url", "Username", "Password", "OTPAuth", "Favorite", "Archived", "Tags", "Notes"],
            mailbox_rows(
                PASSWORDS, lambda e, p: (e, "https://outlook.office.com", e, p, "", "false", "false", "", "")
            ),
        ).encode(),
        PASSWORDS,
    ),
    "LastPass CSV export": (
        table(
            ["url", "username", "password", "totp", "extra", "name", "grouping", "fav"],
            mailbox_rows(
                PASSWORDS, lambda e, p: ("https://outlook.office.com", e, p, "", "", e, "Acme", "0")
            ),
            crlf=False,
        ).encode(),
        PASSWORDS,
    ),
    "Chrome passwords export": (
        table(
            ["name", "url", "username", "password", "note"],
            mailbox_rows(
                PASSWORDS, lambda e, p: ("outlook.office.com", "https://outlook.office.com/", e, p, "")
            ),
            crlf=False,
        ).encode(),
        PASSWORDS,
    ),
    "hand-written email:password lines, a comment and blank lines": (
        ("# Acme mailboxes\n\n" + "".join(f"{e}:{p}\n" for e, p in PASSWORDS.items()) + "\n\n").encode(),
        PASSWORDS,
    ),
    "hand-written email:password lines in Notepad: CRLF, UTF-8 with BOM": (
        codecs.BOM_UTF8 + "".join(f"{e}:{p}\r\n" for e, p in PASSWORDS.items()).encode(),
        PASSWORDS,
    ),
    "headerless email,password (quoted where needed)": (
        table([], mailbox_rows(PASSWORDS, two)).encode(),
        PASSWORDS,
    ),
    "headerless email<TAB>password": (
        "".join(f"{e}\t{p}\n" for e, p in PASSWORDS.items()).encode(),
        PASSWORDS,
    ),
    "UPN;Pass header": (
        table(["UPN", "Pass"], mailbox_rows(PASSWORDS, two), delimiter=";").encode(),
        PASSWORDS,
    ),
    "User<TAB>Password header": (
        table(["User", "Password"], mailbox_rows(PASSWORDS, two), delimiter="\t").encode(),
        PASSWORDS,
    ),
    "Excel with a padded header: an unnamed column, empty in every row": (
        table(["Email", "Password", ""], mailbox_rows(PASSWORDS, lambda e, p: (e, p, ""))).encode(),
        PASSWORDS,
    ),
    "Login,Pass with the password column first": (
        table(["Pass", "Login"], mailbox_rows(PASSWORDS, lambda e, p: (p, e))).encode(),
        PASSWORDS,
    ),
}


@pytest.mark.parametrize("name", list(EXPORTS))
def test_each_export_shape_is_read_right(name: str, tmp_path: Path) -> None:
    data, expected = EXPORTS[name]
    path = tmp_path / "export.csv"
    path.write_bytes(data)

    for source in (path, str(path), data, io.BytesIO(data)):
        creds = load_credentials(source)  # type: ignore[arg-type]
        assert {e: creds.get(e) for e in expected} == expected, (name, type(source).__name__)
        assert creds.emails == sorted(expected)
    for secret in expected.values():
        assert secret not in repr(creds)
        assert all(secret not in note for note in creds.notes)


def test_the_tenantcore_apps_own_export_needs_no_note() -> None:
    sb = Sandbox.demo(seed=7)
    creds = load_credentials(sb.credentials_csv())

    assert len(creds) == len(sb.tc_account.mailboxes)
    assert creds.notes == ()


def test_the_windows_1252_fallback_is_said_in_a_note() -> None:
    data, _ = EXPORTS["Excel (en-US) CSV (Comma delimited): Windows-1252, no BOM"]
    creds = load_credentials(data)

    [note] = creds.notes
    assert "not UTF-8" in note
    assert "Windows-1252" in note
    assert "CSV UTF-8" in note  # what to do if a password then fails


def test_other_shapes_say_which_columns_were_read() -> None:
    data, _ = EXPORTS["Bitwarden CSV export (with a secure note)"]
    notes = " | ".join(load_credentials(data).notes)

    assert "'login_username'" in notes
    assert "'login_password'" in notes
    assert "skipped 1 row(s) without an address or password" in notes


def _check_refusal(source: bytes | str, pattern: str, secrets: Sequence[str]) -> str:
    with pytest.raises(CredentialsError, match=pattern) as caught:
        load_credentials(source.encode() if isinstance(source, str) else source)
    message = str(caught.value)
    for secret in secrets:
        assert secret not in message, message
    return message


REFUSED: list[tuple[str, bytes | str, str, Sequence[str]]] = [
    (
        "an .xlsx workbook",
        b"PK\x03\x04\x14\x00\x06\x00 workbook",
        r"is an Excel or OpenDocument workbook.*CSV UTF-8",
        (),
    ),
    (
        "an .xls workbook",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 workbook",
        r"Excel 97-2003 workbook.*Save As",
        (),
    ),
    ("an empty file", "", r"is empty: start it with a header line", ()),
    (
        "a header without a password column",
        "Email,Display Name\r\nana@acme-mail.com,Ana\r\n",
        r"row 1 \(the header, 2 comma-separated columns\): the address column is A \('Email'\); no column is "
        r"named like a password \(Password or Pass\)\. Rename the columns",
        (),
    ),
    (
        "a header without an address column",
        "Name;Password\nAna;S3cr3t!x\n",
        r"row 1 \(the header, 2 semicolon-separated columns\): no column is named like an address "
        r"\(Email, Email Address, UPN, Username, User or Login\); the password column is B \('Password'\)",
        ("S3cr3t!x",),
    ),
    (
        "headerless username,password lines (not addresses)",
        "admin,R0uter!pw\nops,Sw1tch!pw\n",
        r"row 1 \(the header, 2 comma-separated columns\): no column is named like an address .* no column is "
        r"named like a password",
        ("admin", "R0uter!pw", "Sw1tch!pw"),
    ),
    (
        "headerless password,email lines",
        "S3cr3t!x;ana@acme-mail.com\n",
        r"row 1 holds an address but not as its first field, and there is no header: put the address first",
        ("S3cr3t!x",),
    ),
    (
        "a single column of addresses",
        "ana@acme-mail.com\nben@acme-mail.com\n",
        r"row 1 \(the header\) has one column",
        (),
    ),
    (
        "passwords in the address column (swapped header)",
        "email,password\nS3cr3t!x,ana@acme-mail.com\n",
        r"row 2, column A \('email'\): not an email address \(it has no '@'\)",
        ("S3cr3t!x",),
    ),
    (
        "a non-mailbox login in a password manager export",
        "Title,Username,Password\nAcme,ana@acme-mail.com,Pw1!aaaa\nRouter,admin,R0uter!pw\n",
        r"row 3, column B \('Username'\): not an email address .*delete the rows that are not mailboxes",
        ("Pw1!aaaa", "R0uter!pw"),
    ),
    (
        "an empty password",
        "Email;Password\nana@acme-mail.com;\n",
        r"row 2, column B \('Password'\): the password of ana@acme-mail.com is empty",
        (),
    ),
    (
        "an unquoted semicolon in a password",
        "Email;Password\r\nana@acme-mail.com;pa;ss;word\r\n",
        r"row 2 has 4 fields but the header has 2: a password containing a semicolon must be quoted",
        ("pa;ss;word", "ss;word"),
    ),
    (
        "an unquoted comma in a password, the header padded with an unnamed column",
        "email,password,\r\nana@acme-mail.com,Pa,ss9!word\r\n",
        r"row 2 has a value in column C, which the header leaves unnamed \(it names 2 of its 3 columns\): a "
        r"password containing a comma must be quoted",
        ("Pa,ss9!word", "ss9!word"),
    ),
    (
        "an unquoted comma in a password before an empty trailing column",
        "email,password,notes\nana@acme-mail.com,Pa,ss9!word,\n",
        r"row 2 has 4 fields but the header has 3: a password containing a comma must be quoted",
        ("Pa,ss9!word", "ss9!word"),
    ),
    (
        "a password ending in an unquoted comma",
        "email,password\nana@acme-mail.com,Password9,\n",
        r"row 2 has 3 fields but the header has 2: a password containing a comma must be quoted",
        ("Password9",),
    ),
    (
        "a headerless line ending in an unquoted comma",
        "ana@acme-mail.com,Password9,\n",
        r"row 1 has 3 comma-separated fields, not 2: if the password contains a comma, quote it",
        ("Password9",),
    ),
    (
        "the same address twice with different passwords",
        "email,password\nana@acme-mail.com,First1!x\nANA@acme-mail.com,Second2!y\n",
        r"row 3: ana@acme-mail.com already appeared on row 2 with a different password",
        ("First1!x", "Second2!y"),
    ),
    (
        "headerless lines with a third column",
        "ana@acme-mail.com,Pw1!aaaa,Ana Diaz\n",
        r"row 1 has 3 comma-separated fields, not 2: .*email:password.*add a header line",
        ("Pw1!aaaa",),
    ),
    (
        "a hand-written line without a password",
        "ana@acme-mail.com:Pw1!aaaa\nben@acme-mail.com\n",
        r"row 2: no colon after the address, so there is no password; write the line as email:password",
        ("Pw1!aaaa",),
    ),
    (
        "a hand-written line with an empty password",
        "ana@acme-mail.com:\n",
        r"row 1, the password after the first colon: the password of ana@acme-mail.com is empty",
        (),
    ),
    ("binary data", b"\x00\x01\x02ana@acme-mail.com\x00", r"holds NUL bytes.*save it as CSV", ()),
    (
        "bytes that are neither UTF-8 nor Windows-1252",
        b"email,password\nana@acme-mail.com,\x81\x8d\x8f\n",
        r"neither UTF-8 nor Windows-1252 text \(byte \d+\)",
        (),
    ),
]


@pytest.mark.parametrize(("name", "source", "pattern", "secrets"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_shapes_say_what_to_change_and_quote_no_cell(
    name: str, source: bytes | str, pattern: str, secrets: Sequence[str]
) -> None:
    message = _check_refusal(source, pattern, secrets)
    # Every refusal tells the reader what to do.
    assert any(
        verb in message
        for verb in (
            "save",
            "Save",
            "rename",
            "Rename",
            "put",
            "delete",
            "copy",
            "quote",
            "write",
            "add",
            "give",
        )
    ), message


def test_stdin_and_pipes_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, expected = EXPORTS["Excel (de-DE) CSV UTF-8: BOM, semicolon, CRLF"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    from_stdin = load_credentials("-")
    assert {e: from_stdin.get(e) for e in expected} == expected

    # A named pipe: what a shell's process substitution <(...) and /dev/stdin are (not regular files).
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        creds = load_credentials(fifo)
    finally:
        writer.join(timeout=10)
    assert {e: creds.get(e) for e in expected} == expected


def test_the_cli_reads_stdin_and_prints_the_notes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sb = Sandbox.demo(seed=7)
    monkeypatch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sb)
    export = sb.credentials_csv().replace(",", ";").encode("cp1252")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(export), encoding="utf-8"))

    code = main(["--sandbox", "connect", "--strategy", "smtp", "--credentials", "-"])
    out, err = capsys.readouterr()

    assert code == 0, err
    assert "to connect" in out
    assert "note: stdin: read semicolon-separated columns" in err


def test_a_refused_file_on_the_cli_names_the_row_and_a_real_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sb = Sandbox.demo(seed=7)
    monkeypatch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sb)
    bad = tmp_path / "mailboxes.csv"
    bad.write_text("Email,Display Name\nana@acme-mail.com,Ana\n", encoding="utf-8")

    code = main(["--sandbox", "connect", "--strategy", "smtp", "--credentials", str(bad)])
    _, err = capsys.readouterr()
    first, hint = err.splitlines()[-2:]

    assert code == 2
    assert first.startswith(f"error: --credentials: {bad} row 1 (the header, 2 comma-separated columns)")
    assert "no column is named like a password" in first
    assert hint.startswith("hint: fix the file as the message says")
    assert "COMMAND" not in err
