"""Pure parsers for the payloads Smartlead POSTs to your webhook URL (reference §3.7).

No I/O: hand the decoded JSON (or the raw bytes) of a request your web framework received to
[`parse_webhook`][tenantlead.smartlead.webhook_payloads.parse_webhook]. Campaign/user events are flat snake_case objects ([`WebhookEvent`][tenantlead.smartlead.webhook_payloads.WebhookEvent]);
``EMAIL_ACCOUNT_DISCONNECTED`` notifications are camelCase ([`AccountDisconnectedEvent`][tenantlead.smartlead.webhook_payloads.AccountDisconnectedEvent]).
Some receivers see the fields nested under ``body``; that variant is unwrapped.

Smartlead sends no signature header and no event id: check the payload's ``secret_key`` with
[`verify_secret`][tenantlead.smartlead.webhook_payloads.verify_secret] and deduplicate on [`WebhookEvent.dedupe_key`][tenantlead.smartlead.webhook_payloads.WebhookEvent.dedupe_key].
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from tenantlead._core.convert import Model, secret_field, wire_field

__all__ = [
    "AccountDisconnectedEvent",
    "WebhookEvent",
    "WebhookMessage",
    "parse_webhook",
    "verify_secret",
]


@attrs.frozen(kw_only=True)
class WebhookMessage(Model):
    """A sent or received message inside an event (``sent_message`` / ``reply_message``)."""

    message_id: str | None = None
    html: str | None = None
    text: str | None = None
    time: datetime | None = None


@attrs.frozen(kw_only=True)
class WebhookEvent(Model):
    """A campaign or user-level event (``EMAIL_SENT``, ``EMAIL_REPLY``, ``LEAD_CATEGORY_UPDATED``...)."""

    event_type: str
    event_timestamp: datetime | None = None
    webhook_id: int | None = None
    webhook_name: str | None = None
    webhook_url: str | None = None
    campaign_id: int | None = None
    campaign_name: str | None = None
    campaign_status: str | None = None
    client_id: int | None = None
    sl_email_lead_id: int | None = None
    sl_email_lead_map_id: int | None = None
    sl_lead_email: str | None = None
    stats_id: str | None = None
    from_email: str | None = None
    to_email: str | None = None
    to_name: str | None = None
    subject: str | None = None
    sequence_number: int | None = None
    sent_message: WebhookMessage | None = None
    sent_message_body: str | None = None
    reply_message: WebhookMessage | None = None
    preview_text: str | None = None
    reply_body: str | None = None
    time_replied: datetime | None = None
    replied_to: str | None = None
    app_url: str | None = None
    ui_master_inbox_link: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    #: The shared secret Smartlead puts in the payload (no signature header exists).
    secret_key: str | None = secret_field()

    @property
    def dedupe_key(self) -> tuple[Any, ...]:
        """Smartlead sends no event id; this tuple identifies a delivery for deduplication."""
        return (self.campaign_id, self.to_email, self.event_type, self.event_timestamp)


@attrs.frozen(kw_only=True)
class AccountDisconnectedEvent(Model):
    """``EMAIL_ACCOUNT_DISCONNECTED`` notification (camelCase payload): which mailbox and why."""

    event_type: str = wire_field("eventType", default="EMAIL_ACCOUNT_DISCONNECTED")
    account_id: int | None = wire_field("accountId")
    email: str | None = None
    error: str | None = None
    app_url: str | None = wire_field("appUrl")
    title: str | None = None
    message: str | None = None


def _unwrap(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    body = payload.get("body")
    if "event_type" not in payload and "eventType" not in payload and isinstance(body, Mapping | str):
        if isinstance(body, str):
            try:
                body = json.loads(body)
            except ValueError:
                return payload
        if isinstance(body, Mapping):
            return body
    return payload


def parse_webhook(payload: Mapping[str, Any] | str | bytes) -> WebhookEvent | AccountDisconnectedEvent:
    """Parse a received webhook payload (a dict, or the raw JSON text/bytes).

    Raises ValueError when the payload is not a JSON object or names no event type.
    Unknown fields are kept in ``.extra``.
    """
    data: Any = payload
    if isinstance(payload, bytes | str):
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise ValueError(f"webhook payload is not JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"webhook payload must be a JSON object, got {type(data).__name__}")
    data = _unwrap(data)
    if "eventType" in data and "event_type" not in data:
        return AccountDisconnectedEvent.from_dict(data)
    if not isinstance(data.get("event_type"), str):
        raise ValueError("webhook payload has no event_type (is it a Smartlead webhook?)")
    return WebhookEvent.from_dict(data)


def verify_secret(event: WebhookEvent, expected: str) -> bool:
    """True when the event's ``secret_key`` equals ``expected`` (constant-time comparison)."""
    if not event.secret_key or not expected:
        return False
    return hmac.compare_digest(event.secret_key.encode(), expected.encode())
