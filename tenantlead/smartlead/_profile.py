"""Everything the shared client machinery needs to know about Smartlead's wire.

- Auth: ``?api_key=<key>`` in the query string of every request (there is no header form);
  the core redacts it from every URL it logs or puts in an error.
- Error bodies come in many shapes (reference §1.5): Joi 400 ``{statusCode, error, message,
  validation: {source, keys}}``; legacy ``{error: "..."}``; ``{ok: false, message, errorCode}``;
  ``{success: false, message, error}``; 500 ``{message}`` business errors; the new docs'
  ``{error: {code, message}}``; Express's HTML/text 404 page for unknown routes and wrong
  methods; and empty bodies. `SmartleadProfile.parse_error` reads all of them.
- Errors inside 2xx bodies (``{ok: false}``, ``{success: false}``) become
  [`APIResponseError`][tenantlead.errors.APIResponseError]. The reconnect throttle's 406 carries
  ``ok: true`` but is a non-2xx status, so it is read by ``parse_error`` (and becomes
  [`QuotaExceededError`][tenantlead.errors.QuotaExceededError]); tag-mapping 200s that report per-item
  ``failed`` counts are *not* errors here: the tag methods surface the failed items.
- Hints for the messages whose usual cause we know (Microsoft SMTP AUTH replies, the
  ``max_email_per_day`` / ``message_per_day`` naming trap, the reconnect quota, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from tenantlead._core.http import ErrorInfo
from tenantlead._core.redact import redact_text
from tenantlead._core.request import Response

__all__ = ["DEFAULT_BASE_URL", "PROFILE", "SmartleadProfile", "hint_for"]

DEFAULT_BASE_URL: Final = "https://server.smartlead.ai/api/v1"

#: (substring of the message/error text, hint); first match wins, so specific codes come first.
_TEXT_HINTS: Final[tuple[tuple[str, str], ...]] = (
    (
        "535 5.7.139",
        "SMTP AUTH is disabled for the tenant (SmtpClientAuthentication, or Security Defaults): enable "
        "Authenticated SMTP for the tenant and mailbox in Exchange, or connect the mailbox as OUTLOOK via "
        "OAuth (create_oauth).",
    ),
    (
        "550 5.7.30",
        "Microsoft retired basic auth for SMTP AUTH: connect as OUTLOOK via OAuth (create_oauth) instead "
        "of SMTP with a password.",
    ),
    (
        "535 5.7.3",
        "Wrong password (passwords are case-sensitive; re-copy it from TenantCore).",
    ),
    (
        "534-5.7.9",
        "Google requires an app password for SMTP: create one, or connect as GMAIL via OAuth.",
    ),
    (
        '"message_per_day" is not allowed',
        "Smartlead reads the daily limit back as message_per_day but only accepts it written as "
        "max_email_per_day: use update(account_id, max_email_per_day=...).",
    ),
    (
        '"account_id" must be a number',
        "Smartlead routed this POST to the account-update route: the path segment after /email-accounts/ "
        "must be a numeric account id or one of the literal routes.",
    ),
    (
        "more than 3 times a day",
        "Bulk reconnect is limited to 3 calls a day, shared with the app's reconnect button: try again "
        "tomorrow, or reconnect accounts one by one in the app.",
    ),
    (
        "wait atleast 30 minutes",
        "Bulk reconnect calls must be at least 30 minutes apart: wait, then call reconnect_failed() again.",
    ),
    (
        "Live fetch is already in-progress",
        "A live reply fetch is already queued: wait for it to finish before asking again.",
    ),
    (
        "min_time_btw_emails",
        "min_time_btw_emails is in minutes and must be at least 3.",
    ),
    (
        "Invalid timezone",
        "Use an IANA timezone name from Smartlead's list, e.g. 'America/New_York'.",
    ),
    (
        "not allowed. Permission Error",
        "The email account belongs to another Smartlead user (or another client's sub-account): use a key "
        "that owns it.",
    ),
    (
        "Invalid API Key",
        "The key is unknown or revoked: copy it again from Smartlead → Settings → API (a client's key "
        "only sees that client's data).",
    ),
    (
        "Cannot PATCH",
        "Smartlead has no PATCH routes: every update is a POST (the SDK does this for you; check "
        "custom client.request() calls).",
    ),
    # Express's page for a route this server does not have (any method but PATCH, above): the
    # path or method is the problem, not the id.
    *(
        (
            f"Cannot {verb} /",
            "This Smartlead server has no such route for this method: the endpoint may be newer than "
            "the server (or not simulated by the sandbox), or the path/method of a custom "
            "client.request() call is wrong.",
        )
        for verb in ("GET", "POST", "PUT", "DELETE")
    ),
    (
        "OTP entered is incorrect",
        "Smartlead reports this as HTTP 500, but the code was wrong or already used: call "
        "send_otp() again and submit the new code within 10 minutes.",
    ),
    (
        "No valid OTP exists",
        "The code expired (10 minutes) or was already used: call send_otp() for a new one.",
    ),
    (
        "not found or does not belong to you",
        "No such email account for this key: it may be deleted, or owned by another user or "
        "another client's sub-account; list accounts to find the right id.",
    ),
)

_CODE_HINTS: Final[Mapping[str, str]] = {
    "ACCOUNT_ALREADY_EXIST": "The address is already connected (emailAccountId names it when it is yours): "
    "use email_accounts.get_by_email() / update() instead of creating it again.",
    "ACCOUNT_NOT_FOUND": "No such email account for this key: list accounts to find the right id.",
    "ACCOUNT_VERIFICATION_FAILED": "Smartlead could not log in over SMTP/IMAP with these details: check host, "
    "port, user name and password (see .message for the server's reply).",
    "RATE_LIMIT_EXCEEDED": "Too many requests: lower rate_limit= on the client.",
}

_STATUS_HINTS: Final[Mapping[int, str]] = {
    401: "The key is unknown or revoked: copy it again from Smartlead → Settings → API.",
    403: "The key lacks access to this resource (a client key only sees its own client's data).",
    404: "Not found: the id may be wrong, deleted, or owned by another user; unknown routes also answer 404.",
    429: "Smartlead rate-limited this key (its limit is shared with the account's live sending): lower "
    "rate_limit= on the client.",
}


def hint_for(status: int | None, code: str | None, text: str) -> str | None:
    """The hint for an error: by known message text first, then by error code, then by status."""
    for needle, hint in _TEXT_HINTS:
        if needle in text:
            return hint
    if code and code in _CODE_HINTS:
        return _CODE_HINTS[code]
    if status is not None:
        return _STATUS_HINTS.get(status)
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _plain_text(body: str) -> str:
    """Readable text from an HTML or plain-text body (Express's 404 page, Cloudflare pages)."""
    title = re.search(r"(?is)<title[^>]*>(.*?)</title>", body)
    pre = re.search(r"(?is)<pre[^>]*>(.*?)</pre>", body)
    chosen = pre.group(1) if pre else body
    text = " ".join(re.sub(r"(?s)<[^>]+>", " ", chosen).split())
    if not text and title:
        text = " ".join(title.group(1).split())
    return redact_text(text[:200])


class SmartleadProfile:
    """The `APIProfile` of Smartlead."""

    name = "smartlead"
    display_name = "Smartlead"
    default_base_url = DEFAULT_BASE_URL
    env_api_key = "SMARTLEAD_API_KEY"
    env_base_url = "SMARTLEAD_BASE_URL"
    key_help = "generate it in the Smartlead app under Settings → Activate API"
    #: Smartlead's one documented plain-text success (``DELETE /campaigns/{id}/leads/{lead_id}``
    #: answers ``success``); any other text or HTML 2xx to a write is not Smartlead's answer.
    plain_text_successes: Final[frozenset[str]] = frozenset({"success"})

    def validate_key(self, key: str) -> str | None:
        """None for a plausible key; the format is undocumented, so only obvious mistakes are refused."""
        if any(ch.isspace() for ch in key):
            return "it contains whitespace; copy the key alone, without spaces or line breaks"
        if not key.isprintable():
            return "it contains non-printable characters; copy the key again"
        if len(key) < 8:
            return "it is shorter than 8 characters; copy the whole key"
        return None

    def authenticate(self, key: str, headers: dict[str, str], params: dict[str, Any]) -> None:
        """Smartlead takes the key as the ``api_key`` query parameter on every request."""
        params["api_key"] = key

    def parse_error(self, response: Response) -> ErrorInfo:
        """Read a non-2xx body of any documented shape (JSON, HTML, text or empty)."""
        status = response.status_code
        data = response.data
        if isinstance(data, Mapping):
            return self._from_object(data, status)
        if isinstance(data, str) and data.strip():
            text = _plain_text(data)
            if text.startswith("Cannot "):
                message = f"no such route: {text}"
            else:
                message = f"non-JSON error body: {text}" if text else f"HTTP {status} with a non-JSON body"
            return ErrorInfo(message=message, hint=hint_for(status, None, text))
        if data is None:
            return ErrorInfo(message=f"HTTP {status} with an empty body", hint=hint_for(status, None, ""))
        return ErrorInfo(message=f"HTTP {status}: unexpected body", hint=hint_for(status, None, ""))

    def body_error(self, response: Response) -> ErrorInfo | None:
        """``{ok: false}`` or ``{success: false}`` inside a 2xx body, else None."""
        data = response.data
        if isinstance(data, Mapping) and (data.get("ok") is False or data.get("success") is False):
            return self._from_object(data, None)
        return None

    def _from_object(self, data: Mapping[str, Any], status: int | None) -> ErrorInfo:
        fields: tuple[str, ...] = ()
        code: str | None = None
        validation = data.get("validation")
        if isinstance(validation, Mapping):
            keys = validation.get("keys")
            if isinstance(keys, list):
                fields = tuple(str(k) for k in keys)
        error = data.get("error")
        message = _text(data.get("message"))
        if isinstance(error, Mapping):  # the new docs' {error: {code, message}} (401/429 examples)
            code = _text(error.get("code"))
            message = message or _text(error.get("message")) or code
        elif _text(error) and not isinstance(validation, Mapping) and "statusCode" not in data:
            # Joi's "error" is just the status phrase ("Bad Request", with or without a
            # validation block); elsewhere it is the detail (e.g. the SMTP reply).
            detail = str(error).strip()
            message = f"{message}: {detail}" if message and detail not in message else (message or detail)
        code = _text(data.get("errorCode")) or code
        if message is None:
            message = f"HTTP {status} with no message" if status else "the response reported a failure"
        message = redact_text(message)
        return ErrorInfo(message=message, code=code, fields=fields, hint=hint_for(status, code, message))


#: The shared profile instance every Smartlead client uses.
PROFILE: Final = SmartleadProfile()
