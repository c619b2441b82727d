"""Email accounts, what may be sent: the field sets of each write and the checks on their values.

Pure and private: ``_email_account_requests`` builds requests from these, and the public names
are re-exported by ``tenantlead.smartlead.resources.email_accounts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, TypedDict

from tenantlead._core.convert import format_datetime
from tenantlead._core.validate import MAX_DAILY_LIMIT
from tenantlead.smartlead._validate import check_bool, check_gap, check_id, check_ids, check_int, check_one_of
from tenantlead.smartlead.models import OAuthToken

#: Smartlead's page-size maximum for the account list.
PAGE_LIMIT = 100
#: Accounts per ``bulk-update-email-account-config`` request (the server batches by 100).
BULK_UPDATE_CHUNK = 100
#: Accounts per ``tag-mapping`` request (the server accepts at most 25).
TAG_MAPPING_CHUNK = 25

ESP = Literal["GMAIL", "OUTLOOK", "SMTP"]


class AccountSettings(TypedDict, total=False):
    """Fields of a partial account update (``POST /email-accounts/{id}``); omit what should not change.

    ``max_email_per_day`` is the daily sending limit (read back as ``message_per_day``; 0 stops
    sending but keeps warmup running). ``time_to_wait_in_mins`` is read back as
    ``min_time_to_wait_in_mins``. ``client_id=None`` detaches the account from its client.
    """

    max_email_per_day: int
    time_to_wait_in_mins: int
    client_id: int | None
    custom_tracking_url: str
    bcc: str
    signature: str
    is_suspended: bool
    from_name: str


class SMTPAccountOptions(TypedDict, total=False):
    """Optional fields of ``POST /email-accounts/save`` (SMTP/IMAP create)."""

    max_email_per_day: int
    time_to_wait_in_mins: int
    warmup_enabled: bool
    total_warmup_per_day: int | None
    daily_rampup: int | None
    reply_rate_percentage: int | None
    client_id: int | None
    imap_user_name: str
    imap_password: str
    custom_tracking_url: str
    bcc: str
    signature: str
    different_reply_to_address: str
    type: Literal["SMTP", "GMAIL", "OUTLOOK"]


class OAuthAccountOptions(TypedDict, total=False):
    """Optional fields of ``POST /email-accounts/save-oauth``.

    ``id`` names an existing account to update instead of creating one (reference §2.6, the
    documented update path: an SMTP account switched to OAuth keeps its id, campaigns and
    history). Unverified live; ``migrate_to_oauth`` reads the account back to check.
    """

    id: int | None
    max_email_per_day: int
    time_to_wait_in_mins: int
    warmup_enabled: bool
    total_warmup_per_day: int
    daily_rampup: int
    reply_rate_percentage: int
    client_id: int | None
    custom_tracking_url: str
    bcc: str
    signature: str


class WarmupSettings(TypedDict, total=False):
    """Fields of ``POST /email-accounts/{id}/warmup`` besides ``warmup_enabled`` (ranges per the docs)."""

    total_warmup_per_day: int  # 1-50
    daily_rampup: int  # 5-20 (below 5 is refused live)
    reply_rate_percentage: int  # 20-100
    warmup_key_id: str
    auto_adjust_warmup: bool
    is_rampup_enabled: bool


class BulkAccountUpdate(TypedDict, total=False):
    """Fields of the bulk update, in snake_case; sent camelCase (``messagePerDay``...).

    ``message_per_day`` is the daily *sending* limit; ``warmup_max_email_per_day`` is the
    warmup volume (wire ``maxEmailPerDay``, 1-250); ``warmup_status`` is ``ACTIVE``/``INACTIVE``;
    ``tags`` *replaces* the accounts' tags.
    """

    message_per_day: int
    min_time_to_wait_in_mins: int
    from_name: str
    signature: str
    custom_tracking_domain: str
    warmup_status: Literal["ACTIVE", "INACTIVE"]
    warmup_max_email_per_day: int
    warmup_min_count: int
    warmup_max_count: int
    reply_rate: int
    is_rampup_enabled: bool
    rampup_value: int
    send_warmups_only_on_weekdays: bool
    auto_adjust_warmup: bool
    use_custom_domain: bool
    warmup_tag_identifier: str
    daily_reply_limit: int
    tags: list[int]
    client_id: int | None


def _optional_id(value: Any, name: str) -> int | None:
    return None if value is None else check_id(value, name)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {type(value).__name__}")
    return value


#: name -> (validator) for account setting keys shared by update and the create bodies.
_SETTING_CHECKS: dict[str, Any] = {
    # No mailbox provider allows more than MAX_DAILY_LIMIT sends a day (Exchange Online's cap): a
    # bigger number is a typo, caught before it reaches the account.
    "max_email_per_day": lambda v, n: check_int(v, n, minimum=0, maximum=MAX_DAILY_LIMIT),
    "time_to_wait_in_mins": check_gap,
    "client_id": _optional_id,
    "custom_tracking_url": _text,
    "bcc": _text,
    "signature": _text,
    "is_suspended": check_bool,
    "from_name": _text,
    "warmup_enabled": check_bool,
    "total_warmup_per_day": lambda v, n: None if v is None else check_int(v, n, minimum=1, maximum=50),
    "daily_rampup": lambda v, n: None if v is None else check_int(v, n, minimum=5, maximum=20),
    "reply_rate_percentage": lambda v, n: None if v is None else check_int(v, n, minimum=20, maximum=100),
    "imap_user_name": _text,
    "imap_password": _text,
    "different_reply_to_address": _text,
    "type": lambda v, n: check_one_of(v, n, ("SMTP", "GMAIL", "OUTLOOK")),
    "warmup_key_id": _text,
    "auto_adjust_warmup": check_bool,
    "is_rampup_enabled": check_bool,
}


def _checked(fields: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    allowed = set(allowed)
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in allowed:
            hint = " (write the daily limit as max_email_per_day)" if key == "message_per_day" else ""
            raise TypeError(f"unexpected field {key!r}{hint}; allowed: {', '.join(sorted(allowed))}")
        out[key] = _SETTING_CHECKS[key](value, key)
    return out


def _token_from_mapping(token: Mapping[str, Any]) -> OAuthToken:
    """An [`OAuthToken`][tenantlead.smartlead.models.OAuthToken] from a dict, with errors that name the field (never its value)."""
    scope = token.get("scope")
    if not isinstance(scope, str) or not scope.strip():
        raise ValueError(
            "token is missing scope (a string such as 'https://outlook.office.com/.default')"
            if scope is None
            else "token scope must be a non-empty string such as 'https://outlook.office.com/.default'"
        )
    expiry = token.get("expiry_date")
    if expiry is None:
        raise ValueError(
            "token is missing expiry_date (milliseconds since the epoch); "
            "OAuthToken.from_microsoft() computes it from expires_in"
        )
    if isinstance(expiry, bool) or not isinstance(expiry, int):
        raise ValueError(
            f"token expiry_date must be milliseconds since the epoch (an int), got {type(expiry).__name__}"
        )
    try:
        return OAuthToken.from_dict(token)
    except (TypeError, ValueError, KeyError, ExceptionGroup):
        # A wrongly typed optional field. cattrs' own text may quote the value (a token), so
        # the error names the fields only, and drops the cause.
        fields = sorted(str(k) for k in token if k not in ("scope", "expiry_date"))
        raise ValueError(
            f"token has a field of the wrong type (check {', '.join(fields)}); "
            "build it with OAuthToken(...) or OAuthToken.from_microsoft()"
        ) from None


def _nonempty(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    return value


_BULK_WIRE: dict[str, tuple[str, Any]] = {
    "message_per_day": ("messagePerDay", lambda v, n: check_int(v, n, minimum=0, maximum=MAX_DAILY_LIMIT)),
    "min_time_to_wait_in_mins": ("minTimeToWaitInMins", check_gap),
    "from_name": ("fromName", _text),
    "signature": ("signature", _text),
    "custom_tracking_domain": ("customTrackingDomain", _text),
    "warmup_status": ("status", lambda v, n: check_one_of(v, n, ("ACTIVE", "INACTIVE"))),
    "warmup_max_email_per_day": ("maxEmailPerDay", lambda v, n: check_int(v, n, minimum=1, maximum=250)),
    "warmup_min_count": ("warmupMinCount", lambda v, n: check_int(v, n, minimum=1, maximum=50)),
    "warmup_max_count": ("warmupMaxCount", lambda v, n: check_int(v, n, minimum=1, maximum=250)),
    "reply_rate": ("replyRate", lambda v, n: check_int(v, n, minimum=1, maximum=100)),
    "is_rampup_enabled": ("isRampupEnabled", check_bool),
    "rampup_value": ("rampupValue", lambda v, n: check_int(v, n, minimum=1)),
    "send_warmups_only_on_weekdays": ("sendWarmupsOnlyOnWeekdays", check_bool),
    "auto_adjust_warmup": ("autoAdjustWarmup", check_bool),
    "use_custom_domain": ("useCustomDomain", check_bool),
    "warmup_tag_identifier": ("warmupTagIdentifier", _text),
    "daily_reply_limit": ("dailyReplyLimit", lambda v, n: check_int(v, n, minimum=8, maximum=80)),
    "tags": ("tags", lambda v, n: check_ids(v, n, allow_empty=True)),
    "client_id": ("clientId", _optional_id),
}


#: update()'s names, which mean something else (or nothing) in the bulk body.
_BULK_RENAMES: dict[str, str] = {
    # In the bulk body maxEmailPerDay is the *warmup* volume; the sending limit is messagePerDay.
    "max_email_per_day": "message_per_day (the daily sending limit; warmup_max_email_per_day is the "
    "warmup volume)",
    "time_to_wait_in_mins": "min_time_to_wait_in_mins",
    "custom_tracking_url": "custom_tracking_domain",
    "warmup_enabled": "warmup_status='ACTIVE' or 'INACTIVE'",
}


def _when(value: datetime | str | None, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return format_datetime(value)
    raise ValueError(f"{name} must be a datetime or an ISO-8601 string, got {value!r}")


def _fetch_body(
    *,
    limit: int,
    folder: str | None,
    include_body: bool | None,
    since: datetime | str | None,
    until: datetime | str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"limit": check_int(limit, "limit", minimum=1, maximum=500)}
    if folder is not None:
        body["folder"] = _nonempty(folder, "folder")
    if include_body is not None:
        body["includeBody"] = check_bool(include_body, "include_body")
    if since is not None:
        body["from"] = _when(since, "since")
    if until is not None:
        body["to"] = _when(until, "until")
    return body
