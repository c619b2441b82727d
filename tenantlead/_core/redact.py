"""Redaction of secrets from URLs, headers, bodies, free text and log records.

Smartlead authenticates with ``?api_key=`` in the URL and TenantCore with a bearer header, so a
URL or header that reaches a log line, exception or repr unredacted leaks an account. Everything
the SDK prints goes through here first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "SECRET_KEYS",
    "RedactingFilter",
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
        "secret",
        "secretkey",
        "authorization",
        "otp",
    }
)

_TC_KEY = re.compile(r"tc_live_[0-9A-Za-z]{6,}")
# The separator may arrive percent-encoded (``api%5Fkey=``) when a URL was quoted into text.
_SEP = r"(?:[_-]|%5f|%2d)?"
_QUERY_SECRET = re.compile(
    rf"(?i)\b(api{_SEP}key|access{_SEP}token|refresh{_SEP}token|id{_SEP}token|password|token|secret)=([^&\s\"'<>]+)"
)
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\"',]+")


def _norm(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def is_secret_key(key: str) -> bool:
    """True when a query/JSON/header key names a secret (``api_key``, ``password``, ``refresh_token``...)."""
    return _norm(key) in SECRET_KEYS


def redact_url(url: object) -> str:
    """The URL with every secret query parameter's value replaced by ``***``."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact_text(text)
    if not parts.query:
        return redact_text(text)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    cleaned = [(k, MASK if is_secret_key(k) else v) for k, v in pairs]
    query = urlencode(cleaned, safe="*")
    return redact_text(urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment)))


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of the headers with ``Authorization`` and other secret-named headers masked."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    # Custom headers carry secrets as ``X-Api-Key`` / ``X-Token``: judge them without the prefix.
    return {
        k: (MASK if is_secret_key(k) or is_secret_key(k.lower().removeprefix("x-")) else redact_text(v))
        for k, v in items
    }


def redact_body(body: Any, *, _depth: int = 0) -> Any:
    """A deep copy of a JSON-like value with secret-named keys' values masked.

    Strings that look like TenantCore keys or ``api_key=`` fragments are scrubbed too.
    """
    if _depth > 32:
        return MASK
    if isinstance(body, Mapping):
        return {
            k: (
                MASK
                if isinstance(k, str) and is_secret_key(k) and v not in (None, "")
                else redact_body(v, _depth=_depth + 1)
            )
            for k, v in body.items()
        }
    if isinstance(body, list | tuple):
        return [redact_body(v, _depth=_depth + 1) for v in body]
    if isinstance(body, str):
        return redact_text(body)
    return body


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Free text with known secret values, TenantCore keys, bearer tokens and ``key=value`` secrets masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _TC_KEY.sub("tc_live_" + MASK, text)
    text = _BEARER.sub("Bearer " + MASK, text)
    return _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={MASK}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs secrets from a record's message and arguments in place.

    Installed on the ``httpx`` and ``httpcore`` loggers because httpx logs every request URL at
    INFO level, and Smartlead's URLs carry the API key.
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
_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.http2", "httpcore.connection", "httpcore.proxy")


def install_log_redaction() -> None:
    """Attach the redacting filter to httpx's and httpcore's loggers (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
