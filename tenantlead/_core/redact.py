"""Redaction of secrets from URLs, headers, bodies, free text and log records.

Smartlead authenticates with ``?api_key=`` in the URL and TenantCore with a bearer header, so a
URL or header that reaches a log line, exception or repr unredacted leaks an account. Everything
the SDK prints goes through here first.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "SECRET_KEYS",
    "RedactingFilter",
    "Secret",
    "SecretMapping",
    "escape_controls",
    "hide",
    "install_log_redaction",
    "redact_body",
    "redact_headers",
    "redact_text",
    "redact_url",
]

MASK = "***"

#: Keys (query parameters, JSON keys, headers) whose values are always masked; compared
#: case-insensitively after removing ``-`` and ``_``.
SECRET_KEYS = frozenset(
    {
        "apikey",
        "key",
        "password",
        "imappassword",
        "smtppassword",
        "token",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "clientsecret",
        "clientassertion",
        "codeverifier",
        "secret",
        "secretkey",
        "authorization",
        "otp",
    }
)

_TC_KEY = re.compile(r"tc_live_[0-9A-Za-z]{6,}")
# The separator may arrive percent-encoded (``api%5Fkey=``) when a URL was quoted into text.
_SEP = r"(?:[_-]|%5f|%2d)?"
#: An API key's value ends at the first character no key holds (Smartlead's keys are
#: ``<uuid>_<suffix>``): so ``(POST ...?api_key=***)`` keeps its ``)``, as ``] } , ; # >`` and
#: quotes, ``&`` or whitespace keep what follows them.
_API_KEY = re.compile(rf"(?i)\b(api{_SEP}key)=([^&\s\"'<>)\]}},;#]+)")
#: Passwords and tokens may hold any of those characters, so their values run to ``&``, a quote,
#: ``<``, ``>`` or whitespace - except a value already masked (``***``), which keeps what follows it.
_QUERY_SECRET = re.compile(
    rf"(?i)\b(access{_SEP}token|refresh{_SEP}token|id{_SEP}token|client{_SEP}secret|"
    rf"client{_SEP}assertion|code{_SEP}verifier|password|token|secret)="
    r"(\*\*\*(?=$|[&\s\"'<>)\]},;#])|[^&\s\"'<>]+)"
)
#: An OAuth authorization code in a redirect URL or a form (``code=0.AXcA...``). Only values of
#: 20 characters or more: ``?code=AADSTS50126`` or ``error?code=<number>`` are not secrets.
_AUTH_CODE = re.compile(r"(?i)(?<![A-Za-z0-9_-])(code)=([^&\s\"'<>]{20,})")
_AUTH_CODE_MIN = 20
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\"',]+")


def _norm(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def is_secret_key(key: str) -> bool:
    """True when a query/JSON/header key names a secret (``api_key``, ``password``, ``refresh_token``...)."""
    return _norm(key) in SECRET_KEYS


def redact_url(url: object) -> str:
    """The URL with every secret query parameter's value, and any ``user:password@`` part's
    password, replaced by ``***``."""  # noqa: D205, D209
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact_text(text)
    netloc = parts.netloc
    if "@" in netloc:
        # user:password@host: the password (or a lone token in the user part) is a secret.
        user, _, host = netloc.rpartition("@")
        name = user.split(":", 1)[0] if ":" in user else ""
        netloc = f"{name}:{MASK}@{host}" if name else f"{MASK}@{host}"
    if not parts.query:
        if netloc == parts.netloc:
            return redact_text(text)
        return redact_text(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    cleaned = [
        (k, MASK if is_secret_key(k) or (k.lower() == "code" and len(v) >= _AUTH_CODE_MIN) else v)
        for k, v in pairs
    ]
    query = urlencode(cleaned, safe="*")
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of the headers with ``Authorization`` and other secret-named headers masked."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    # Custom headers carry secrets as ``X-Api-Key`` / ``X-Token``: judge them without the prefix.
    return {
        k: (MASK if is_secret_key(k) or is_secret_key(k.lower().removeprefix("x-")) else redact_text(v))
        for k, v in items
    }


def redact_body(body: Any, secrets: Iterable[str] = (), *, _depth: int = 0) -> Any:
    """A deep copy of a JSON-like value with secret-named keys' values masked.

    Strings that look like TenantCore keys or ``api_key=`` fragments are scrubbed too, and so
    is every value in ``secrets`` (the client's own key, echoed back by a server or a proxy).
    """
    if _depth > 32:
        return MASK
    if isinstance(body, Mapping):
        return {
            k: (
                MASK
                if isinstance(k, str) and is_secret_key(k) and v not in (None, "")
                else redact_body(v, secrets, _depth=_depth + 1)
            )
            for k, v in body.items()
        }
    if isinstance(body, list | tuple):
        return [redact_body(v, secrets, _depth=_depth + 1) for v in body]
    if isinstance(body, str):
        return redact_text(body, secrets)
    return body


def escape_controls(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with control and format characters shown as Python escapes (ESC as backslash-x1b).

    So a string a server sent (ANSI escapes, bidi overrides, NUL) cannot move the cursor,
    recolour or hide text on the terminal it is printed to. Newlines and tabs are kept unless
    ``keep_newlines`` is False.
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or (keep_newlines and ch in "\n\t") or (ch == " "):
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


class Secret(str):
    """A string that is a secret: it sends and compares as itself, but its ``repr`` is ``'***'``.

    Keys, passwords and tokens the SDK holds are kept as ``Secret`` so that a crash reporter
    that records the locals of every frame (Sentry, ``pytest -l``, IPython's verbose
    tracebacks, ``rich`` with ``show_locals``) renders a mask instead of the value.
    ``str(secret)`` still gives the value (that is how it is sent).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(MASK)

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickled Secret would be the plain value; refuse rather than leak it.
        raise TypeError("a tenantlead Secret cannot be pickled (it would store the secret in clear)")


class SecretMapping(dict[str, Any]):
    """A dict (an OAuth token's fields) whose ``repr`` shows its keys but masks every value."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {MASK!r}" for k in self) + "}"

    def __copy__(self) -> SecretMapping:
        return SecretMapping(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> SecretMapping:
        return SecretMapping(self)

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("a tenantlead SecretMapping cannot be pickled (it would store the secret in clear)")


def hide(value: Any) -> Any:
    """``value`` wrapped so that its ``repr`` masks it: a [Secret][tenantlead._core.redact.Secret]
    for a string, a [SecretMapping][tenantlead._core.redact.SecretMapping] for a mapping, else
    unchanged (None, or an object whose own ``repr`` already masks, such as ``OAuthToken``).
    """  # noqa: D205
    if isinstance(value, Secret | SecretMapping):
        return value
    if isinstance(value, str):
        return Secret(value)
    if isinstance(value, Mapping):
        return SecretMapping(value)
    return value


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Free text with known secret values, TenantCore keys, bearer tokens and ``key=value`` secrets masked.

    ``key=value`` secrets include OAuth form fields (``client_secret=``, ``code_verifier=``,
    ``refresh_token=``...) and authorization codes (``code=`` with a value of 20 characters or more).
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _TC_KEY.sub("tc_live_" + MASK, text)
    text = _BEARER.sub("Bearer " + MASK, text)
    text = _API_KEY.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _AUTH_CODE.sub(lambda m: f"{m.group(1)}={MASK}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs secrets from a record's message and arguments in place.

    Installed on every logger httpx and its HTTP/1.1 and HTTP/2 stack log to (``httpx``,
    ``httpcore.*``, ``hpack.*``, ``h2.*``): httpx logs every request URL at INFO level, hpack
    logs every header it encodes at DEBUG level, and Smartlead's URLs carry the API key.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record; never drops it."""
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if record.args:
            if isinstance(record.args, Mapping):
                record.args = {k: _redact_arg(v) for k, v in record.args.items()}
            else:
                record.args = tuple(_redact_arg(a) for a in record.args)
        return True


def _redact_arg(value: object) -> object:
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)
    return redact_url(text) if "://" in text else redact_text(text)


_FILTER = RedactingFilter()
#: Every logger httpx, httpcore, hpack and h2 log to. A logger's filters see only the records
#: logged on that very logger (not its children's), so each name is listed.
LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
    "hpack.hpack",
    "hpack.table",
    "h2",
    "h2.connection",
    "h2.stream",
)
#: Packages whose loggers are all redacted, including names created after the list above.
_LOGGER_PACKAGES = ("httpx", "httpcore", "hpack", "h2")


def install_log_redaction() -> None:
    """Attach the redacting filter to every logger httpx's HTTP/1.1 and HTTP/2 stack uses (idempotent)."""
    existing = [
        name for name in list(logging.Logger.manager.loggerDict) if name.split(".", 1)[0] in _LOGGER_PACKAGES
    ]
    for name in (*LOGGERS, *existing):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
