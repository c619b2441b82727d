"""What users write today instead of tenantlead: raw httpx, one account at a time.

No client-side limiter: a 429 is met with ``sleep(Retry-After)`` and a resend, the loop people
copy from forum answers. Sequential throughout. It shares nothing with tenantlead, so it
measures the do-it-yourself baseline:

* :func:`load_naively`: every tenant's mailboxes, then every Smartlead list page;
* :func:`connect_naively`: per mailbox, save the SMTP account, then GET it to confirm;
* :func:`align_naively`: per account, GET it (limit and warmup volume), then update it when its
  limit is above the TenantCore limit minus its warmup;
* :func:`nightly_naively`: the nightly check - align, then read every account again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["NaiveResult", "align_naively", "connect_naively", "load_naively", "nightly_naively"]


@dataclass
class NaiveResult:
    """Counts from one naive run."""

    requests: int = 0
    rate_limited: int = 0
    slept: float = 0.0
    updated: int = 0
    accounts: int = 0


def _call(
    http: httpx.Client,
    result: NaiveResult,
    sleep: Callable[[float], None],
    method: str,
    url: str,
    **kwargs: Any,
) -> Any:
    while True:
        result.requests += 1
        response = http.request(method, url, **kwargs)
        if response.status_code == 429:
            result.rate_limited += 1
            wait = float(response.headers.get("retry-after", "1"))
            result.slept += wait
            sleep(wait)
            continue
        response.raise_for_status()
        return response.json()


def _tenantcore_mailboxes(
    http: httpx.Client, result: NaiveResult, sleep: Callable[[float], None], url: str, key: str
) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {key}"}
    out: list[dict[str, Any]] = []
    tenants = _call(http, result, sleep, "GET", f"{url}/tenants", headers=headers)
    for tenant in tenants["tenants"]:
        body = _call(
            http, result, sleep, "GET", f"{url}/tenants/{tenant['tenant_id']}/mailboxes", headers=headers
        )
        out.extend(body["mailboxes"])
    return out


def _smartlead_ids(
    http: httpx.Client, result: NaiveResult, sleep: Callable[[float], None], url: str, key: str
) -> list[int]:
    ids: list[int] = []
    offset = 0
    while True:
        page = _call(
            http,
            result,
            sleep,
            "GET",
            f"{url}/email-accounts/",
            params={"api_key": key, "offset": offset, "limit": 100},
        )
        ids.extend(row["id"] for row in page)
        result.accounts = len(ids)
        if len(page) < 100:
            return ids
        offset += 100


def load_naively(
    tenantcore_url: str,
    tenantcore_key: str,
    smartlead_url: str,
    smartlead_key: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> NaiveResult:
    """Read every TenantCore mailbox and list every Smartlead account."""
    result = NaiveResult()
    with httpx.Client(timeout=30.0, transport=transport) as http:
        _tenantcore_mailboxes(http, result, sleep, tenantcore_url, tenantcore_key)
        _smartlead_ids(http, result, sleep, smartlead_url, smartlead_key)
    return result


def connect_naively(
    tenantcore_url: str,
    tenantcore_key: str,
    smartlead_url: str,
    smartlead_key: str,
    passwords: dict[str, str],
    *,
    limit: int,
    warmup_per_day: int,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> NaiveResult:
    """Save every TenantCore mailbox as a Smartlead SMTP account, then GET it to confirm."""
    result = NaiveResult()
    params = {"api_key": smartlead_key}
    with httpx.Client(timeout=30.0, transport=transport) as http:
        for mailbox in _tenantcore_mailboxes(http, result, sleep, tenantcore_url, tenantcore_key):
            email = mailbox["primary_smtp"]
            saved = _call(
                http,
                result,
                sleep,
                "POST",
                f"{smartlead_url}/email-accounts/save",
                params=params,
                json={
                    "from_name": mailbox.get("display_name") or email,
                    "from_email": email,
                    "user_name": email,
                    "password": passwords[email.lower()],
                    "smtp_host": "smtp.office365.com",
                    "smtp_port": 587,
                    "imap_host": "outlook.office365.com",
                    "imap_port": 993,
                    "max_email_per_day": limit,
                    "warmup_enabled": True,
                    "total_warmup_per_day": warmup_per_day,
                },
            )
            _call(
                http,
                result,
                sleep,
                "GET",
                f"{smartlead_url}/email-accounts/{saved['emailAccountId']}",
                params=params,
            )
            result.updated += 1
            result.accounts += 1
    return result


def nightly_naively(
    tenantcore_url: str,
    tenantcore_key: str,
    smartlead_url: str,
    smartlead_key: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> NaiveResult:
    """The nightly check by hand: align every account, then read every account again to confirm."""
    result = align_naively(
        tenantcore_url, tenantcore_key, smartlead_url, smartlead_key, sleep=sleep, transport=transport
    )
    with httpx.Client(timeout=30.0, transport=transport) as http:
        _tenantcore_mailboxes(http, result, sleep, tenantcore_url, tenantcore_key)
        for account_id in _smartlead_ids(http, result, sleep, smartlead_url, smartlead_key):
            _call(
                http,
                result,
                sleep,
                "GET",
                f"{smartlead_url}/email-accounts/{account_id}",
                params={"api_key": smartlead_key},
            )
    return result


def align_naively(
    tenantcore_url: str,
    tenantcore_key: str,
    smartlead_url: str,
    smartlead_key: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> NaiveResult:
    """Lower every Smartlead ``max_email_per_day`` above its TenantCore limit minus warmup, one by one."""
    result = NaiveResult()
    with httpx.Client(timeout=30.0, transport=transport) as http:
        limits: dict[str, int] = {}
        for mailbox in _tenantcore_mailboxes(http, result, sleep, tenantcore_url, tenantcore_key):
            if mailbox.get("daily_send_limit") is not None:
                limits[mailbox["primary_smtp"].lower()] = mailbox["daily_send_limit"]
        sl_params = {"api_key": smartlead_key}
        for account_id in _smartlead_ids(http, result, sleep, smartlead_url, smartlead_key):
            account = _call(
                http, result, sleep, "GET", f"{smartlead_url}/email-accounts/{account_id}", params=sl_params
            )
            limit = limits.get(str(account["from_email"]).lower())
            warmup = account.get("warmup_details") or {}
            if warmup.get("status") == "ACTIVE":
                limit = None if limit is None else max(0, limit - int(warmup.get("max_email_per_day") or 0))
            if limit is not None and (account.get("message_per_day") or 0) > limit:
                _call(
                    http,
                    result,
                    sleep,
                    "POST",
                    f"{smartlead_url}/email-accounts/{account_id}",
                    params=sl_params,
                    json={"max_email_per_day": limit},
                )
                result.updated += 1
    return result
