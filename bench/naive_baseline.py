"""What users write today to align Smartlead limits with TenantCore: raw httpx, one account at a time.

No client-side limiter: a 429 is met with ``sleep(Retry-After)`` and a resend, the loop people
copy from forum answers. Sequential, per-account GET then update when the limit is too high.
It shares nothing with tenantlead, so it measures the do-it-yourself baseline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["NaiveResult", "align_naively"]


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


def align_naively(
    tenantcore_url: str,
    tenantcore_key: str,
    smartlead_url: str,
    smartlead_key: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> NaiveResult:
    """Lower every Smartlead ``max_email_per_day`` above its TenantCore mailbox limit, one by one."""
    result = NaiveResult()
    with httpx.Client(timeout=30.0, transport=transport) as http:
        tc_headers = {"Authorization": f"Bearer {tenantcore_key}"}
        sl_params = {"api_key": smartlead_key}
        limits: dict[str, int] = {}
        tenants = _call(http, result, sleep, "GET", f"{tenantcore_url}/tenants", headers=tc_headers)
        for tenant in tenants["tenants"]:
            body = _call(
                http,
                result,
                sleep,
                "GET",
                f"{tenantcore_url}/tenants/{tenant['tenant_id']}/mailboxes",
                headers=tc_headers,
            )
            for mailbox in body["mailboxes"]:
                if mailbox.get("daily_send_limit") is not None:
                    limits[mailbox["primary_smtp"].lower()] = mailbox["daily_send_limit"]
        ids: list[int] = []
        offset = 0
        while True:
            page = _call(
                http,
                result,
                sleep,
                "GET",
                f"{smartlead_url}/email-accounts/",
                params={**sl_params, "offset": offset, "limit": 100},
            )
            ids.extend(row["id"] for row in page)
            if len(page) < 100:
                break
            offset += 100
        for account_id in ids:
            account = _call(
                http, result, sleep, "GET", f"{smartlead_url}/email-accounts/{account_id}", params=sl_params
            )
            result.accounts += 1
            limit = limits.get(str(account["from_email"]).lower())
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
