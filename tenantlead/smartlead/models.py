"""Typed models of Smartlead's JSON, following its wire names (reference §2-§3).

Every model keeps unknown keys in ``.extra`` and makes every field but its identity optional,
so a field Smartlead stops sending (or starts sending) never crashes parsing. Where Smartlead
writes a value under one name and reads it back under another, the model uses the *read* name
and its docstring says what to write.

Shapes the sources disagree on are normalised once, here, before structuring:

- account tags arrive as ``{tag_id, tag_name, tag_color}`` (new docs) or ``{id, name, color}``
  (tag catalogue, CLI): both become [`Tag`][tenantlead.smartlead.models.Tag];
- ``track_settings`` arrives as one string (old campaigns) or a list; it is always a list here;
- ``scheduler_cron_value`` arrives as null, an object, or a stringified JS object
  (``"{ tz: 'Australia/Sydney', days: [ 1, 2 ], ... }"``); it becomes [`CampaignSchedule`][tenantlead.smartlead.models.CampaignSchedule]
  or None.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import attrs

from tenantlead._core.convert import Model, OpenStrEnum, converter, secret_field, wire_field
from tenantlead._core.redact import hide
from tenantlead.errors import APIError

__all__ = [
    "AccountTags",
    "AccountWebhook",
    "AccountWriteResult",
    "BatchResult",
    "Campaign",
    "CampaignAccountLink",
    "CampaignSchedule",
    "CampaignStatus",
    "CampaignWebhook",
    "ChunkOutcome",
    "Client",
    "ClientAPIKey",
    "ClientPermission",
    "EmailAccount",
    "EmailAccountType",
    "MailboxStatistics",
    "MultiFetchResult",
    "OAuthToken",
    "ReconnectResult",
    "SavedClient",
    "SuspendResult",
    "Tag",
    "TagMappingItem",
    "TagMappingResponse",
    "TagMappingResult",
    "TagMappingSummary",
    "WarmupDayStats",
    "WarmupDetails",
    "WarmupStats",
    "WarmupStatus",
]

M = TypeVar("M", bound=Model)
T = TypeVar("T")


def _normalize_before(cls: type[M], normalize: Callable[[Mapping[str, Any]], Mapping[str, Any]]) -> None:
    """Run ``normalize`` on the raw JSON object before the shared converter structures ``cls``."""
    base = converter.get_structure_hook(cls)

    def hook(data: Any, _: type) -> M:
        if isinstance(data, Mapping):
            data = normalize(data)
        return base(data, cls)  # type: ignore[no-any-return]

    converter.register_structure_hook(cls, hook)


def _rename(data: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    out = dict(data)
    for old, new in renames.items():
        if old in out and new not in out:
            out[new] = out.pop(old)
    return out


# ----------------------------------------------------------------------------- enums


class EmailAccountType(OpenStrEnum):
    """How a mailbox is connected: ``SMTP`` (credentials), ``GMAIL`` / ``OUTLOOK`` (OAuth), ``ZOHO``."""

    SMTP = "SMTP"
    GMAIL = "GMAIL"
    OUTLOOK = "OUTLOOK"
    ZOHO = "ZOHO"


class WarmupStatus(OpenStrEnum):
    """Warmup state of an account (``BLOCKED`` is seen in audits but undocumented)."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    PAUSED = "PAUSED"
    BLOCKED = "BLOCKED"


class CampaignStatus(OpenStrEnum):
    """Campaign state as *read* (written with ``START`` / ``PAUSED`` / ``STOPPED``)."""

    DRAFTED = "DRAFTED"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"
    COMPLETED = "COMPLETED"
    ARCHIVED = "ARCHIVED"


# ----------------------------------------------------------------------------- email accounts


@attrs.frozen(kw_only=True)
class Tag(Model):
    """An email-account tag. Parsed from ``{id, name, color}`` and ``{tag_id, tag_name, tag_color}``."""

    id: int | None = None
    name: str | None = None
    color: str | None = None


_normalize_before(Tag, lambda d: _rename(d, {"tag_id": "id", "tag_name": "name", "tag_color": "color"}))


@attrs.frozen(kw_only=True)
class WarmupDetails(Model):
    """An account's warmup record (``warmup_details``); get-by-id adds the count/limit fields."""

    id: int | None = None
    status: WarmupStatus | None = None
    total_sent_count: int | None = None
    total_spam_count: int | None = None
    #: A percentage *string* such as ``"100%"`` (see [`reputation_percent`][tenantlead.smartlead.models.WarmupDetails.reputation_percent] for the number).
    warmup_reputation: str | None = None
    warmup_key_id: str | None = None
    warmup_created_at: datetime | None = None
    created_at: datetime | None = None
    reply_rate: int | None = None
    blocked_reason: str | None = None
    warmup_max_count: int | None = None
    warmup_min_count: int | None = None
    is_warmup_blocked: bool | None = None
    #: Warmup emails per day (not the campaign sending limit, which is ``message_per_day``).
    max_email_per_day: int | None = None

    @property
    def reputation_percent(self) -> float | None:
        """``warmup_reputation`` as a number (``"98%"`` → 98.0), or None when absent or unreadable."""
        if self.warmup_reputation is None:
            return None
        try:
            return float(str(self.warmup_reputation).strip().rstrip("%").strip())
        except ValueError:
            return None


@attrs.frozen(kw_only=True)
class EmailAccount(Model):
    """A Smartlead email account (mailbox), with Smartlead's read-side field names.

    Write/read name pairs (reference §1.6): the daily sending limit is *written* as
    ``max_email_per_day`` and read back as `message_per_day`; the gap between sends is
    written as ``time_to_wait_in_mins`` and read as `min_time_to_wait_in_mins` (wire
    ``minTimeToWaitInMins``, only present in list responses); ``custom_tracking_url`` reads back
    as `custom_tracking_domain`, ``bcc`` as `bcc_email`, ``user_name`` as
    `username`.
    """

    id: int
    from_email: str
    from_name: str | None = None
    type: EmailAccountType | None = None
    #: The per-account daily sending cap. Read name only: write it as ``max_email_per_day``.
    message_per_day: int | None = None
    daily_sent_count: int | None = None
    #: Minimum minutes between sends (wire ``minTimeToWaitInMins``; None on get-by-id).
    min_time_to_wait_in_mins: int | None = wire_field("minTimeToWaitInMins")
    is_smtp_success: bool | None = None
    is_imap_success: bool | None = None
    smtp_failure_error: str | None = None
    imap_failure_error: str | None = None
    client_id: int | None = None
    warmup_details: WarmupDetails | None = None
    is_suspended: bool | None = None
    tags: list[Tag] | None = None
    campaign_ids: list[int] | None = None
    campaign_count: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    user_id: int | None = None
    username: str | None = None
    #: SMTP password (plaintext on get-by-id, base64 in lists per the new docs). Never in repr.
    password: str | None = secret_field()
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_port_type: str | None = None
    different_reply_to_address: str | None = None
    is_different_imap_account: bool | None = None
    imap_username: str | None = None
    imap_password: str | None = secret_field()
    imap_host: str | None = None
    imap_port: int | None = None
    imap_port_type: str | None = None
    signature: str | None = None
    custom_tracking_domain: str | None = None
    bcc_email: str | None = None

    @property
    def is_connected(self) -> bool:
        """True unless Smartlead reports a failed SMTP or IMAP connection."""
        return self.is_smtp_success is not False and self.is_imap_success is not False


@attrs.frozen(kw_only=True)
class AccountWriteResult(Model):
    """The ``{ok, message, emailAccountId, warmupKey}`` answer of account writes."""

    ok: bool | None = None
    message: str | None = None
    email_account_id: int | None = wire_field("emailAccountId")
    warmup_key: str | None = wire_field("warmupKey")


def _normalize_write(d: Mapping[str, Any]) -> Mapping[str, Any]:
    # The new docs show {ok, message, data: {...account}} instead of a top-level emailAccountId;
    # take the id from there so a create that did succeed is not reported as a failure.
    data = d.get("data")
    if d.get("emailAccountId") is None and isinstance(data, Mapping):
        ident = data.get("emailAccountId", data.get("id"))
        if ident is not None:
            return {**d, "emailAccountId": ident}
    return d


_normalize_before(AccountWriteResult, _normalize_write)


@attrs.frozen(kw_only=True)
class WarmupDayStats(Model):
    """One day of [`WarmupStats`][tenantlead.smartlead.models.WarmupStats]."""

    date: date | None = None
    sent_count: int | None = None
    reply_count: int | None = None
    save_from_spam_count: int | None = None
    id: int | None = None


@attrs.frozen(kw_only=True)
class WarmupStats(Model):
    """Warmup statistics for the last 7 days; the top-level counts arrive as strings and are ints here."""

    id: int | None = None
    sent_count: int | None = None
    spam_count: int | None = None
    inbox_count: int | None = None
    warmup_email_received_count: int | None = None
    stats_by_date: list[WarmupDayStats] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class ReconnectResult(Model):
    """Answer of the bulk reconnect: ``queued`` is False when Smartlead found nothing to reconnect."""

    ok: bool | None = None
    message: str | None = None

    @property
    def queued(self) -> bool:
        """True when accounts were queued for reconnection."""
        return "queue" in (self.message or "").lower()


@attrs.frozen(kw_only=True)
class SuspendResult(Model):
    """Answer of suspend/unsuspend (``data: {accountId, isSuspended}`` flattened)."""

    success: bool | None = None
    message: str | None = None
    account_id: int | None = wire_field("accountId")
    is_suspended: bool | None = wire_field("isSuspended")


_normalize_before(
    SuspendResult,
    lambda d: {
        **{k: v for k, v in d.items() if k != "data"},
        **(d["data"] if isinstance(d.get("data"), Mapping) else {}),
    },
)


def _token_field() -> Any:
    """A token of an [`OAuthToken`][tenantlead.smartlead.models.OAuthToken]: a secret field held as a ``Secret``."""
    return attrs.field(default=None, repr=False, eq=False, metadata={"secret": True}, converter=hide)


@attrs.frozen(kw_only=True)
class OAuthToken(Model):
    """The ``token`` object of ``save-oauth`` (Microsoft or Google tokens you obtained yourself).

    ``expiry_date`` is milliseconds since the epoch. Build one from a Microsoft token response
    with [`from_microsoft`][tenantlead.smartlead.models.OAuthToken.from_microsoft].

    The three tokens are held as [Secret][tenantlead._core.redact.Secret] strings however the
    token was built (plain strings, a provider's dict, ``from_dict``): ``repr``, ``str``,
    ``to_dict()`` and any rendering of a frame's locals show ``***``; they compare and send as
    themselves, so ``to_wire()`` (what ``save-oauth`` sends) carries the values. Pickling (and
    so ``multiprocessing``, ``shelve``, a pickled cache) is refused with a ``TypeError``: a
    pickle would store the tokens in clear.
    """

    scope: str
    expiry_date: int
    token_type: str = "Bearer"
    access_token: str | None = _token_field()
    refresh_token: str | None = _token_field()
    id_token: str | None = _token_field()
    expires_in: int | None = None
    ext_expires_in: int | None = None
    expiry: str | None = None

    def __reduce_ex__(self, protocol: object) -> Any:
        raise TypeError(
            "an OAuthToken cannot be pickled: it holds OAuth access and refresh tokens, which a "
            "pickle would store in clear; keep it in memory, or ask your token provider again"
        )

    def __copy__(self) -> OAuthToken:
        return self  # frozen: a copy would be the same value

    def __deepcopy__(self, memo: dict[int, Any]) -> OAuthToken:
        return self

    @classmethod
    def from_microsoft(cls, response: Mapping[str, Any], *, now_ms: int | None = None) -> OAuthToken:
        """From Microsoft's token endpoint JSON (``expires_in`` seconds → ``expiry_date`` ms)."""
        now = int(time.time() * 1000) if now_ms is None else now_ms
        try:
            expires_in = int(response.get("expires_in") or 3600)
            expiry_date = int(response.get("expiry_date") or now + expires_in * 1000)
        except (TypeError, ValueError):
            raise ValueError(
                "expires_in (seconds) and expiry_date (ms since the epoch) must be whole numbers; "
                "pass the JSON of Microsoft's token endpoint unchanged"
            ) from None
        return cls(
            scope=str(response.get("scope") or "https://outlook.office.com/.default"),
            token_type=str(response.get("token_type") or "Bearer"),
            access_token=response.get("access_token"),
            refresh_token=response.get("refresh_token"),
            id_token=response.get("id_token"),
            expires_in=expires_in,
            ext_expires_in=response.get("ext_expires_in"),
            expiry_date=expiry_date,
        )


# ----------------------------------------------------------------------------- tag mapping


@attrs.frozen(kw_only=True)
class TagMappingItem(Model):
    """One (account, tag) outcome: ``action`` is ``added`` / ``deleted`` / ``skipped`` / ``failed``."""

    email_account_id: int | None = None
    tag_id: int | None = None
    action: str | None = None
    mapping_id: int | None = None
    reason: str | None = None


@attrs.frozen(kw_only=True)
class TagMappingSummary(Model):
    """Counts reported by a tag-mapping call."""

    total_processed: int | None = None
    added: int | None = None
    deleted: int | None = None
    skipped: int | None = None
    failed: int | None = None


@attrs.frozen(kw_only=True)
class TagMappingResponse(Model):
    """The answer to one tag-mapping request (``data`` flattened; empty for the new docs' short form)."""

    success: bool | None = None
    ok: bool | None = None
    message: str | None = None
    results: list[TagMappingItem] = attrs.field(factory=list)
    summary: TagMappingSummary | None = None


_normalize_before(
    TagMappingResponse,
    lambda d: {
        **{k: v for k, v in d.items() if k != "data"},
        **(d["data"] if isinstance(d.get("data"), Mapping) else {}),
    },
)


@attrs.frozen(kw_only=True)
class AccountTags(Model):
    """Tags of one account, from ``tag-list`` (live ``email_id`` and new-docs ``from_email`` both read)."""

    email_account_id: int | None = None
    email_id: str | None = None
    tags: list[Tag] = attrs.field(factory=list)


_normalize_before(AccountTags, lambda d: _rename(d, {"from_email": "email_id"}))


# ----------------------------------------------------------------------------- chunked operations


@attrs.frozen(kw_only=True)
class ChunkOutcome(Generic[T]):
    """One request of a chunked operation: the ids it covered and its value or error."""

    ids: tuple[int, ...]
    value: T | None = None
    error: APIError | None = None

    @property
    def ok(self) -> bool:
        """True when the request succeeded."""
        return self.error is None


@attrs.frozen(kw_only=True)
class BatchResult(Generic[T]):
    """Outcome of an operation Smartlead caps per request, sent as several chunks.

    Every chunk is sent even when an earlier one fails; [`failed`][tenantlead.smartlead.models.BatchResult.failed] lists the failures.
    The method raises only when *every* chunk failed (the first chunk's error, e.g. a bad key);
    call [`raise_for_failures`][tenantlead.smartlead.models.BatchResult.raise_for_failures] to turn a partial failure into an exception too.
    """

    chunks: list[ChunkOutcome[T]] = attrs.field(factory=list)

    @property
    def succeeded(self) -> list[ChunkOutcome[T]]:
        """Chunks that succeeded."""
        return [c for c in self.chunks if c.ok]

    @property
    def failed(self) -> list[ChunkOutcome[T]]:
        """Chunks that failed, each with its error."""
        return [c for c in self.chunks if not c.ok]

    @property
    def ok(self) -> bool:
        """True when every chunk succeeded."""
        return all(c.ok for c in self.chunks)

    @property
    def failed_ids(self) -> list[int]:
        """Ids whose chunk failed."""
        return [i for c in self.failed for i in c.ids]

    def raise_for_failures(self) -> None:
        """Raise the first failed chunk's error, if any chunk failed."""
        for chunk in self.chunks:
            if chunk.error is not None:
                raise chunk.error


@attrs.frozen(kw_only=True)
class TagMappingResult(BatchResult[TagMappingResponse]):
    """A chunked tag add/remove: chunk outcomes plus the per-item results Smartlead reported."""

    @property
    def items(self) -> list[TagMappingItem]:
        """Every per-item result of every successful chunk."""
        return [item for c in self.chunks if c.value is not None for item in c.value.results]

    @property
    def failed_items(self) -> list[TagMappingItem]:
        """Items Smartlead reported as ``failed`` inside a 200 answer."""
        return [item for item in self.items if item.action == "failed"]


# ----------------------------------------------------------------------------- campaigns


@attrs.frozen(kw_only=True)
class CampaignSchedule(Model):
    """A campaign's saved schedule as read back (``scheduler_cron_value``).

    Written with ``update_schedule(timezone=, days_of_the_week=, start_hour=, end_hour=, ...)``.
    """

    tz: str | None = None
    days: list[int] = attrs.field(factory=list)
    start_hour: str | None = wire_field("startHour")
    end_hour: str | None = wire_field("endHour")


_JS_KEY = re.compile(r"([{,]\s*)([A-Za-z_]\w*)\s*:")
_JS_STR = re.compile(r"'((?:[^'\\]|\\.)*)'")


def parse_js_object(text: str) -> Any:
    """Parse JSON or the stringified JS object of old campaigns (unquoted keys, single quotes)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    converted = _JS_STR.sub(lambda m: json.dumps(m.group(1)), text)
    converted = _JS_KEY.sub(lambda m: f'{m.group(1)}"{m.group(2)}":', converted)
    return json.loads(converted)


def _schedule_value(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            parsed = parse_js_object(value)
        except ValueError:
            return {"raw": value}  # kept in .extra rather than crashing on an unknown encoding
        return parsed if isinstance(parsed, Mapping) else {"raw": value}
    return value


def _track_value(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        if value.strip().startswith("["):
            try:
                return json.loads(value)
            except ValueError:
                pass
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _normalize_campaign(d: Mapping[str, Any]) -> Mapping[str, Any]:
    out = dict(d)
    if "scheduler_cron_value" in out:
        out["scheduler_cron_value"] = _schedule_value(out["scheduler_cron_value"])
    if "track_settings" in out:
        out["track_settings"] = _track_value(out["track_settings"])
    out.pop("ok", None)  # create answers {ok, id, name, created_at}
    return out


@attrs.frozen(kw_only=True)
class Campaign(Model):
    """A campaign (reference §3.1), read-side names.

    ``min_time_btwn_emails`` is written as ``min_time_btw_emails`` and ``max_leads_per_day`` as
    ``max_new_leads_per_day`` (both through ``update_schedule``). ``track_settings`` always is a
    list of read-side values (``DONT_EMAIL_OPEN``...), also for old campaigns that stored one string.
    """

    id: int
    name: str | None = None
    status: CampaignStatus | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    user_id: int | None = None
    client_id: int | None = None
    track_settings: list[str] = attrs.field(factory=list)
    scheduler_cron_value: CampaignSchedule | None = None
    min_time_btwn_emails: int | None = None
    max_leads_per_day: int | None = None
    stop_lead_settings: str | None = None
    schedule_start_time: datetime | None = None
    enable_ai_esp_matching: bool | None = None
    send_as_plain_text: bool | None = None
    follow_up_percentage: int | None = None
    unsubscribe_text: str | None = None
    parent_campaign_id: int | None = None
    tags: list[Tag] | None = None


_normalize_before(Campaign, _normalize_campaign)


@attrs.frozen(kw_only=True)
class CampaignAccountLink(Model):
    """A campaign ↔ email-account link row returned when adding accounts to a campaign."""

    id: int | None = None
    email_campaign_id: int | None = None
    email_account_id: int | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class MailboxStatistics(Model):
    """Per-mailbox sending statistics of a campaign."""

    from_email: str | None = None
    sent_count: int | None = None
    reply_count: int | None = None
    open_count: int | None = None
    click_count: int | None = None
    bounce_count: int | None = None
    sender_bounce_count: int | None = None
    unsubscribed_count: int | None = None


@attrs.frozen(kw_only=True)
class MultiFetchResult(Model):
    """Answer of the multi-account message fetch: per-account results (each may be an error) and a summary."""

    results: list[dict[str, Any]] = attrs.field(factory=list)
    summary: dict[str, Any] = attrs.field(factory=dict)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The per-account results whose ``status`` is ``"error"``."""
        return [r for r in self.results if r.get("status") == "error"]


# ----------------------------------------------------------------------------- clients


@attrs.frozen(kw_only=True)
class ClientPermission(Model):
    """A client's permissions (wire names misspelt by Smartlead: ``retricted_category``)."""

    permission: list[str] = attrs.field(factory=list)
    retricted_category: list[Any] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class Client(Model):
    """An agency client (sub-account). ``client_permision`` is Smartlead's own spelling."""

    id: int
    name: str | None = None
    email: str | None = None
    uuid: str | None = None
    created_at: datetime | None = None
    user_id: int | None = None
    logo: str | None = None
    logo_url: str | None = None
    client_permision: ClientPermission | None = None

    @property
    def permissions(self) -> list[str]:
        """The permission names (``full_access``, ``reply_master_inbox``...)."""
        return list(self.client_permision.permission) if self.client_permision else []


@attrs.frozen(kw_only=True)
class SavedClient(Model):
    """Answer of ``POST /client/save``: the client id and the echoed (secret) password."""

    client_id: int | None = wire_field("clientId")
    name: str | None = None
    email: str | None = None
    password: str | None = secret_field()
    ok: bool | None = None


def _normalize_saved_client(d: Mapping[str, Any]) -> Mapping[str, Any]:
    # The new docs wrap the answer as {ok, data: {id, name, email, api_key, created_at}}.
    data = d.get("data")
    if not isinstance(data, Mapping):
        return d
    out = {k: v for k, v in d.items() if k != "data"}
    for key, value in data.items():
        out.setdefault("clientId" if key == "id" else key, value)
    return out


_normalize_before(SavedClient, _normalize_saved_client)


@attrs.frozen(kw_only=True)
class ClientAPIKey(Model):
    """A client's API key; ``api_key`` is secret (hidden from repr, masked by ``to_dict``)."""

    id: int | None = None
    client_id: int | None = None
    key_name: str | None = None
    api_key: str | None = secret_field()
    status: str | None = None
    created_at: datetime | None = None


# ----------------------------------------------------------------------------- webhooks


@attrs.frozen(kw_only=True)
class CampaignWebhook(Model):
    """A campaign-level webhook. ``id`` is None in the upsert answer (Smartlead does not echo it)."""

    id: int | None = None
    name: str | None = None
    webhook_url: str | None = None
    email_campaign_id: int | None = None
    event_types: list[str] = attrs.field(factory=list)
    categories: list[str] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AccountWebhook(Model):
    """An account-level webhook (``/webhook/...``); its GET shape is undocumented, so all is optional."""

    id: int | None = None
    webhook_url: str | None = None
    name: str | None = None
    association_type: str | None = None
    email_campaign_id: int | None = None
    client_id: int | None = None
    event_type_map: dict[str, bool] | None = None
    category_id_map: dict[str, Any] | None = None
    ok: bool | None = None


_normalize_before(
    AccountWebhook,
    lambda d: {
        **{k: v for k, v in d.items() if k != "data"},
        **(d["data"] if isinstance(d.get("data"), Mapping) else {}),
    },
)
