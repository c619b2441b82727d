"""The troubleshooting checks, one small pure function per TL code, and the `CHECKS` catalogue.

Each function takes a [`Fleet`][tenantlead.orchestration.fleet.Fleet] and a [`CheckPolicy`][tenantlead.orchestration.checks_model.CheckPolicy]
and yields [`Finding`][tenantlead.orchestration.checks_model.Finding] objects; none does I/O. TL1xx look at TenantCore alone, TL2xx at
how TenantCore mailboxes and Smartlead accounts are connected, TL3xx at sending settings.

Tenant- and domain-level checks (TL103, TL104, TL107, TL108, TL109) read the fleet's tenants,
domains and mailboxes; mailbox-level checks read ``fleet.rows`` (so ``fleet.filter(...)``
narrows them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tenantlead.orchestration._rules import not_ready_reasons
from tenantlead.orchestration.checks_model import (
    Catalogue,
    Check,
    CheckFunction,
    CheckPolicy,
    Finding,
    Severity,
    SubjectKind,
)
from tenantlead.orchestration.fleet import FleetRow
from tenantlead.smartlead.models import EmailAccount, WarmupStatus
from tenantlead.tenantcore.models import EnforcementAction

if TYPE_CHECKING:
    from tenantlead.orchestration.fleet import Fleet

__all__ = ["CHECKS", "MIGRATE", "classify_login_failure"]

#: Every check by code (``CHECKS["TL301"].title``, ``CHECKS["TL301"](fleet)``).
CHECKS = Catalogue()

ALIGN = "align_limits(fleet, policy).apply(...) or `tenantlead align --apply`"
CONNECT_OAUTH = '`tenantlead connect --strategy oauth --credentials FILE --apply` (Python: connect(fleet, "oauth", microsoft=app, credentials=...))'
#: How to move a basic-auth SMTP account to OAuth in place (TL202 on 5.7.3 / 5.7.30 / 5.7.139, TL206, connect).
MIGRATE = (
    "`tenantlead migrate --credentials FILE --apply` (in Python: "
    "migrate_to_oauth(fleet, microsoft=app, credentials=...).apply(sl=sl))"
)


def _register(
    code: str,
    *,
    title: str,
    severity: Severity,
    subject: SubjectKind,
    description: str,
    fix: str,
) -> Callable[[CheckFunction], CheckFunction]:
    def wrap(function: CheckFunction) -> CheckFunction:
        CHECKS.register(
            Check(
                code=code,
                title=title,
                severity=severity,
                subject_kind=subject,
                description=description,
                fix=fix,
                function=function,
            )
        )
        return function

    return wrap


def _finding(
    code: str, subject: str, tenant_id: str | None, message: str, fix: str | None = None, **details: Any
) -> Finding:
    check = CHECKS[code]
    return Finding(
        code=code,
        severity=check.severity,
        subject=subject,
        subject_kind=check.subject_kind,
        tenant_id=tenant_id,
        message=message,
        fix=fix if fix is not None else check.fix,
        details=details,
    )


def _when(moment: datetime | None) -> str:
    return "an unknown time" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _after(sent: int | None, limit: int | None) -> str:
    """`` after 26 sends (limit 25)``, leaving out the numbers the API did not report."""
    parts = []
    if sent is not None:
        parts.append(f" after {sent} sends")
    if limit is not None:
        parts.append(f" (limit {limit})" if parts else f" at limit {limit}")
    return "".join(parts)


def _mailbox_rows(fleet: Fleet) -> Iterator[FleetRow]:
    return (row for row in fleet.rows if row.mailbox is not None)


def _connected(fleet: Fleet) -> Iterator[FleetRow]:
    return (row for row in fleet.rows if row.status == "connected")


def _ids(row: FleetRow) -> dict[str, Any]:
    return {
        "mailbox_id": row.mailbox.id if row.mailbox is not None else None,
        "account_id": row.account.id if row.account is not None else None,
    }


# ============================================================================ TL1xx: TenantCore


@_register(
    "TL101",
    title="Mailbox not active in TenantCore",
    severity=Severity.ERROR,
    subject="mailbox",
    description="The mailbox's Entra account is disabled (`account_enabled` false): it cannot sign in, "
    "so Smartlead verification fails and nothing sends.",
    fix="Activate the mailbox in TenantCore (tc.mailboxes.update(tenant_id, mailbox_id, account_enabled=True)) "
    "until it shows Active, then reconnect it in Smartlead.",
)
def check_tl101(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL101: ``account_enabled`` is false."""
    for row in _mailbox_rows(fleet):
        assert row.mailbox is not None
        if row.mailbox.account_enabled is False:
            yield _finding(
                "TL101",
                row.address,
                row.tenant_id,
                "mailbox is not active in TenantCore (account_enabled is false): it cannot sign in",
                "Activate it: tc.mailboxes.update("
                f"{row.tenant_id!r}, {row.mailbox.id!r}, account_enabled=True), then check it shows Active.",
                **_ids(row),
            )


@_register(
    "TL102",
    title="Mailbox blocked by enforcement",
    severity=Severity.ERROR,
    subject="mailbox",
    description="Exchange is blocking the mailbox because it reached its TenantCore daily limit "
    "(`blocked_at` set): every further send is NDR'd until the limit resets.",
    fix="Wait for the daily reset (it unblocks itself) and stop the overrun: keep Smartlead's limit plus warmup "
    f"at or below the TenantCore limit — {ALIGN}.",
)
def check_tl102(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL102: ``blocked_at`` is set."""
    for row in _mailbox_rows(fleet):
        mailbox = row.mailbox
        assert mailbox is not None
        if mailbox.blocked_at is not None:
            yield _finding(
                "TL102",
                row.address,
                row.tenant_id,
                f"blocked by enforcement since {_when(mailbox.blocked_at)}"
                f"{_after(mailbox.sends_today, mailbox.daily_send_limit)}: Exchange NDRs its sends until the "
                "limit resets",
                **_ids(row),
                blocked_at=mailbox.blocked_at,
                sends_today=mailbox.sends_today,
                daily_send_limit=mailbox.daily_send_limit,
            )


@_register(
    "TL103",
    title="Domain not verified",
    severity=Severity.ERROR,
    subject="domain",
    description="The domain is not verified in TenantCore; mailboxes on it cannot be connected "
    "(the setup guide requires a Verified domain).",
    fix="Publish the records from tc.domains.dns_records(tenant_id, domain_id) at your DNS host and wait for "
    "DNS to propagate until TenantCore shows the domain Verified.",
)
def check_tl103(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL103: ``is_verified`` is false."""
    for tenant in fleet.tenants:
        for domain in fleet.domains.get(tenant.tenant_id, ()):
            if domain.is_verified is False:
                yield _finding(
                    "TL103",
                    domain.domain_name.lower(),
                    tenant.tenant_id,
                    "domain is not verified in TenantCore: its mailboxes cannot be connected yet",
                    f"Publish the records from tc.domains.dns_records({tenant.tenant_id!r}, {domain.id!r}) at "
                    "your DNS host and wait for DNS to propagate until the domain shows Verified.",
                    domain_id=domain.id,
                )


@_register(
    "TL104",
    title="Domain DNS unhealthy",
    severity=Severity.ERROR,
    subject="domain",
    description="A verified domain has SPF, DKIM, DMARC or MX missing, or DKIM only partly published: "
    "Smartlead verification and deliverability suffer.",
    fix="Publish the missing records from tc.domains.dns_records(tenant_id, domain_id), then wait for DNS to "
    "propagate until TenantCore shows the domain healthy.",
)
def check_tl104(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL104: DNS problems on a verified domain (unverified domains are TL103's)."""
    for tenant in fleet.tenants:
        for domain in fleet.domains.get(tenant.tenant_id, ()):
            if domain.is_verified is False:
                continue
            problems = domain.dns_problems()
            if problems:
                yield _finding(
                    "TL104",
                    domain.domain_name.lower(),
                    tenant.tenant_id,
                    f"DNS unhealthy: {', '.join(problems)}",
                    f"Publish the missing records from tc.domains.dns_records({tenant.tenant_id!r}, "
                    f"{domain.id!r}) at your DNS host, then wait for DNS to propagate until the domain "
                    "shows healthy in TenantCore.",
                    domain_id=domain.id,
                    problems=problems,
                )


@_register(
    "TL105",
    title="Mailbox still propagating",
    severity=Severity.INFO,
    subject="mailbox",
    description="The mailbox was created under 5 minutes ago; Exchange Online needs 2-5 minutes before it "
    "can sign in or send.",
    fix="Wait until the propagation time has passed, then connect it and send.",
)
def check_tl105(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL105: ``created_at`` within ``policy.propagation`` of ``fleet.loaded_at``."""
    for row in _mailbox_rows(fleet):
        created = row.mailbox.created_at if row.mailbox is not None else None
        if created is None or created > fleet.loaded_at or fleet.loaded_at - created >= policy.propagation:
            continue
        ready = created + policy.propagation
        age = fleet.loaded_at - created
        yield _finding(
            "TL105",
            row.address,
            row.tenant_id,
            f"created {math.floor(age.total_seconds() / 60)} min ago: Exchange needs up to "
            f"{policy.propagation.total_seconds() / 60:g} minutes before it can send",
            f"Wait until {_when(ready)} before connecting it or sending; re-run troubleshoot() after that.",
            **_ids(row),
            created_at=created,
            ready_at=ready,
        )


@_register(
    "TL106",
    title="No TenantCore daily limit",
    severity=Severity.WARNING,
    subject="mailbox",
    description="No `daily_send_limit` is stored for the mailbox, so Exchange enforces no ceiling and "
    "nothing protects it from an over-sending sequencer.",
    fix="Store a limit (tc.mailboxes.update(tenant_id, mailbox_id, daily_send_limit=25)) and enforce it "
    "(tc.mailbox_limits.provision(tenant_id)).",
)
def check_tl106(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL106: ``daily_send_limit`` is null."""
    for row in _mailbox_rows(fleet):
        assert row.mailbox is not None
        if row.mailbox.daily_send_limit is None:
            yield _finding(
                "TL106",
                row.address,
                row.tenant_id,
                "no daily_send_limit stored in TenantCore: Exchange enforces no ceiling for this mailbox",
                f"Store a limit: tc.mailboxes.update({row.tenant_id!r}, {row.mailbox.id!r}, daily_send_limit=25), "
                f"then enforce it: tc.mailbox_limits.provision({row.tenant_id!r}).",
                **_ids(row),
            )


@_register(
    "TL107",
    title="Tenant not ready",
    severity=Severity.ERROR,
    subject="tenant",
    description="The tenant's Exchange automation is not ready (`exchange_bootstrap_status` not `ready`) or "
    "its first discovery sync has not finished: limits cannot be enforced yet.",
    fix="Wait for TenantCore to finish the Exchange bootstrap and discovery (watch tc.tenants.get(tenant_id)); "
    "if it failed, re-run admin consent in the TenantCore app.",
)
def check_tl107(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL107: bootstrap status other than ready, or discovery incomplete (unknown values pass)."""
    for tenant in fleet.tenants:
        reasons = not_ready_reasons(tenant)
        if not reasons:
            continue
        status = tenant.exchange_bootstrap_status
        name = f" ({tenant.tenant_name})" if tenant.tenant_name else ""
        yield _finding(
            "TL107",
            tenant.tenant_id,
            tenant.tenant_id,
            f"tenant{name} is not ready: {' and '.join(reasons)}; limits cannot be enforced yet",
            exchange_bootstrap_status=status,
            discovery_completed=tenant.discovery_completed,
            tenant_name=tenant.tenant_name,
        )


@_register(
    "TL108",
    title="Too many mailboxes or domains",
    severity=Severity.WARNING,
    subject="domain",
    description="More than 3 mailboxes on one domain, or more than 12 domains on one tenant (subject: the "
    "tenant), beyond TenantCore's 12 x 3 model and its deliverability budget.",
    fix="Move the extra mailboxes to another domain (tc.domains.add) or the extra domains to another tenant.",
)
def check_tl108(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL108: more mailboxes per domain / domains per tenant than the policy allows."""
    for tenant in fleet.tenants:
        domains = fleet.domains.get(tenant.tenant_id, ())
        if len(domains) > policy.max_domains_per_tenant:
            yield Finding(
                code="TL108",
                severity=CHECKS["TL108"].severity,
                subject=tenant.tenant_id,
                subject_kind="tenant",
                tenant_id=tenant.tenant_id,
                message=f"{len(domains)} domains on one tenant (at most {policy.max_domains_per_tenant})",
                fix=f"Move {len(domains) - policy.max_domains_per_tenant} domain(s) to another tenant.",
                details={"domains": len(domains), "max": policy.max_domains_per_tenant},
            )
        per_domain: dict[str, list[str]] = {}
        for mailbox in fleet.mailboxes.get(tenant.tenant_id, ()):
            domain_name = (mailbox.domain_name or mailbox.address.rpartition("@")[2]).lower()
            per_domain.setdefault(domain_name, []).append(mailbox.address)
        for domain_name, addresses in sorted(per_domain.items()):
            if len(addresses) > policy.max_mailboxes_per_domain:
                extra = len(addresses) - policy.max_mailboxes_per_domain
                yield _finding(
                    "TL108",
                    domain_name,
                    tenant.tenant_id,
                    f"{len(addresses)} mailboxes on one domain (at most {policy.max_mailboxes_per_domain})",
                    f"Move {extra} mailbox(es) to another domain (tc.domains.add({tenant.tenant_id!r}, ...)).",
                    mailboxes=sorted(addresses),
                    max=policy.max_mailboxes_per_domain,
                )


@_register(
    "TL109",
    title="Tenant daily budget exceeded",
    severity=Severity.WARNING,
    subject="tenant",
    description="The tenant's mailboxes' daily limits add up to more than the recommended 900 sends/day.",
    fix="Lower per-mailbox limits (900 / 36 mailboxes = 25 each) with tc.mailboxes.update(..., "
    f"daily_send_limit=...), re-provision enforcement, then {ALIGN}.",
)
def check_tl109(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL109: the summed ``daily_send_limit`` of a tenant is above ``policy.tenant_daily_budget``."""
    for tenant in fleet.tenants:
        limits = [m.daily_send_limit for m in fleet.mailboxes.get(tenant.tenant_id, ())]
        total = sum(limit or 0 for limit in limits)
        if total <= policy.tenant_daily_budget:
            continue
        per_mailbox = policy.tenant_daily_budget // max(1, len(limits))
        name = f" ({tenant.tenant_name})" if tenant.tenant_name else ""
        yield _finding(
            "TL109",
            tenant.tenant_id,
            tenant.tenant_id,
            f"tenant{name} allows {total} sends/day across {len(limits)} mailboxes, above the recommended "
            f"{policy.tenant_daily_budget}",
            f"Lower the mailboxes' limits to {per_mailbox}/day each (tc.mailboxes.update(..., "
            f"daily_send_limit={per_mailbox})), re-provision enforcement, then {ALIGN}.",
            total=total,
            budget=policy.tenant_daily_budget,
            mailboxes=len(limits),
            tenant_name=tenant.tenant_name,
        )


# ============================================================================ TL2xx: connection


@_register(
    "TL201",
    title="Mailbox not connected to Smartlead",
    severity=Severity.INFO,
    subject="mailbox",
    description="A TenantCore mailbox has no Smartlead email account: paid capacity that sends nothing.",
    fix=f"Connect it: {CONNECT_OAUTH}; in the app: Email Accounts -> Add Account -> Microsoft.",
)
def check_tl201(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL201: TenantCore mailbox rows without a Smartlead account."""
    for row in fleet.rows:
        if row.status == "not_connected":
            yield _finding(
                "TL201",
                row.address,
                row.tenant_id,
                "TenantCore mailbox has no Smartlead email account",
                **_ids(row),
            )


# Microsoft's SMTP replies, most specific first ("5.7.30" must not read as "5.7.3").
_LOGIN_FAILURES: tuple[tuple[re.Pattern[str], str, str, str], ...] = (
    (
        re.compile(r"5\.7\.139"),
        "smtp_auth_disabled",
        "SMTP AUTH is disabled for the tenant",
        "Enable Authenticated SMTP for the tenant and mailbox in the Exchange admin center (Security Defaults "
        f"also block it), or move the account to OAuth (OUTLOOK) in place: {MIGRATE}.",
    ),
    (
        re.compile(r"5\.7\.30\b"),
        "basic_auth_retired",
        "basic authentication is retired for the tenant",
        "Basic-auth SMTP no longer works here: move the account to OAuth (OUTLOOK) in place, keeping its id, "
        f"campaigns and history: {MIGRATE}.",
    ),
    (
        re.compile(r"5\.7\.3\b"),
        "wrong_password",
        "wrong password",
        "Re-copy the password from the TenantCore app's Mailboxes page (passwords are case-sensitive) and save "
        f"it on the Smartlead account — or move the account to OAuth (OUTLOOK) in place: {MIGRATE}.",
    ),
)


def classify_login_failure(error: str | None) -> tuple[str, str, str]:
    """``(reason, what, fix)`` for a Smartlead SMTP/IMAP failure text, from Microsoft's reply code.

    ``reason`` is ``smtp_auth_disabled`` (535 5.7.139), ``basic_auth_retired`` (550 5.7.30),
    ``wrong_password`` (535 5.7.3) or ``unknown``.
    """
    text = error or ""
    for pattern, reason, what, fix in _LOGIN_FAILURES:
        if pattern.search(text):
            return reason, what, fix
    return (
        "unknown",
        "login failed",
        "Read the error in Smartlead (Email Accounts), fix its cause, then reconnect: "
        "sl.email_accounts.reconnect_failed() (at most 3 times a day).",
    )


@_register(
    "TL202",
    title="Smartlead account failing SMTP/IMAP",
    severity=Severity.ERROR,
    subject="mailbox",
    description="Smartlead cannot log in to the mailbox (`is_smtp_success` / `is_imap_success` false). The "
    "fix depends on Microsoft's reply: 535 5.7.3 wrong password (case-sensitive); 535 5.7.139 SMTP AUTH "
    "disabled for the tenant; 550 5.7.30 basic auth retired. An OUTLOOK account failing for a Microsoft cause "
    "is reported by its TL4xx check instead (one finding per cause).",
    fix="5.7.3: re-copy the password from the TenantCore app (case-sensitive) onto the Smartlead account, then "
    "sl.email_accounts.reconnect_failed(), or migrate to OAuth; 5.7.139: enable Authenticated SMTP in the "
    "Exchange admin center, or migrate to OAuth; 5.7.30: basic auth is gone for good: migrate to OAuth in "
    "place — `tenantlead migrate --credentials FILE --apply`.",
)
def check_tl202(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL202: SMTP or IMAP failing, by the failure text; a Microsoft cause on OUTLOOK is TL4xx's alone."""
    from tenantlead.orchestration.checks_microsoft import oauth_failure

    for row in fleet.rows:
        account = row.account
        if account is None or (account.is_smtp_success is not False and account.is_imap_success is not False):
            continue
        if oauth_failure(account) is not None:
            continue  # an OUTLOOK account failing for Microsoft's reason: its TL4xx check reports it
        sides = (("SMTP", account.is_smtp_success), ("IMAP", account.is_imap_success))
        failing = [side for side, ok in sides if ok is False]
        error = account.smtp_failure_error if account.is_smtp_success is False else None
        error = error or account.imap_failure_error or account.smtp_failure_error
        reason, what, fix = classify_login_failure(error)
        shown = f": {error.strip()}" if error else ""
        yield _finding(
            "TL202",
            row.address,
            row.tenant_id,
            f"{'/'.join(failing)} login failing — {what}{shown}",
            fix,
            **_ids(row),
            reason=reason,
            error=error,
            account_type=str(account.type) if account.type is not None else None,
        )


@_register(
    "TL203",
    title="Smartlead account without a TenantCore mailbox",
    severity=Severity.WARNING,
    subject="mailbox",
    description="A Smartlead account sends from an address on a TenantCore domain, but TenantCore has no "
    "mailbox behind it: no stored limit caps it and it is outside the fleet's management.",
    fix="Delete the stray account (sl.email_accounts.delete(account_id)) or create the mailbox in TenantCore "
    "(tc.mailboxes.create(...)) and connect that.",
)
def check_tl203(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL203: orphan rows."""
    for row in fleet.rows:
        if row.status == "orphan" and row.account is not None:
            yield _finding(
                "TL203",
                row.address,
                row.tenant_id,
                f"Smartlead account {row.account.id} is on TenantCore domain {row.domain_name} but TenantCore "
                "has no mailbox with this address",
                f"Delete it (sl.email_accounts.delete({row.account.id})) or create the mailbox in TenantCore "
                "(tc.mailboxes.create(...)) and connect that.",
                **_ids(row),
            )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _warmup_blocked(account: EmailAccount) -> bool:
    details = account.warmup_details
    return details is not None and (
        details.status == WarmupStatus.BLOCKED or details.is_warmup_blocked is True
    )


@_register(
    "TL204",
    title="Smartlead account suspended or warmup blocked",
    severity=Severity.ERROR,
    subject="mailbox",
    description="The Smartlead account is suspended (it sends nothing), or its warmup is blocked.",
    fix="Suspended: sl.email_accounts.unsuspend(account_id) once the cause is fixed; warmup blocked: clear it "
    "with sl.email_accounts.send_otp(account_id) and verify_otp(account_id, otp) (or in the app).",
)
def check_tl204(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL204: ``is_suspended``, or warmup status BLOCKED / ``is_warmup_blocked``."""
    for row in fleet.rows:
        account = row.account
        if account is None:
            continue
        suspended = account.is_suspended is True
        blocked = _warmup_blocked(account)
        if not (suspended or blocked):
            continue
        problems: list[str] = []
        fixes: list[str] = []
        if suspended:
            problems.append("the Smartlead account is suspended: it sends nothing")
            fixes.append(f"unsuspend it once the cause is fixed: sl.email_accounts.unsuspend({account.id})")
        reason = account.warmup_details.blocked_reason if account.warmup_details is not None else None
        if blocked:
            problems.append("its warmup is blocked" + (f" ({reason})" if reason else ""))
            fixes.append(
                f"clear the warmup block: sl.email_accounts.send_otp({account.id}), then "
                f"verify_otp({account.id}, otp) with the code from the mailbox (or in the Smartlead app)"
            )
        yield _finding(
            "TL204",
            row.address,
            row.tenant_id,
            "; ".join(problems),
            _sentence("; ".join(fixes)),
            **_ids(row),
            suspended=suspended,
            warmup_blocked=blocked,
            blocked_reason=reason,
        )


# ============================================================================ TL3xx: sending


@_register(
    "TL301",
    title="Smartlead limit above the TenantCore limit",
    severity=Severity.ERROR,
    subject="mailbox",
    description="Smartlead's daily limit (`message_per_day`) is above the TenantCore limit: Exchange blocks "
    "the excess and Smartlead logs NDRs.",
    fix=f"Lower Smartlead's limit to the TenantCore limit or below — {ALIGN}, or "
    "sl.email_accounts.update(account_id, max_email_per_day=N).",
)
def check_tl301(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL301: ``message_per_day`` > ``daily_send_limit`` (both known)."""
    for row in _connected(fleet):
        limit, daily = row.daily_send_limit, row.message_per_day
        if limit is None or daily is None or daily <= limit:
            continue
        assert row.account is not None
        yield _finding(
            "TL301",
            row.address,
            row.tenant_id,
            f"Smartlead sends up to {daily}/day but Exchange blocks after {limit}",
            f"Lower the Smartlead limit to {limit} or below: sl.email_accounts.update({row.account.id}, "
            f"max_email_per_day={limit}), or {ALIGN}.",
            **_ids(row),
            message_per_day=daily,
            daily_send_limit=limit,
        )


def _warmup(row: FleetRow, policy: CheckPolicy) -> tuple[int, str]:
    """Warmup per day and how it is known: active but unknown counts as Smartlead's minimum, 1."""
    known = row.warmup_per_day
    if known is not None:
        return known, ""
    if policy.assumed_warmup_per_day is not None:
        return policy.assumed_warmup_per_day, " (assumed)"
    return 1, " (at least: warmup is active, its volume unknown)"


@_register(
    "TL302",
    title="Smartlead limit plus warmup above the TenantCore limit",
    severity=Severity.WARNING,
    subject="mailbox",
    description="Smartlead's daily limit fits under the TenantCore limit but warmup sends through the same "
    "mailbox, and together they exceed it: the last sends of the day are blocked.",
    fix="Lower Smartlead's limit to the TenantCore limit minus the warmup volume (sl.email_accounts.update("
    f"account_id, max_email_per_day=N)) or lower warmup (update_warmup) — {ALIGN}.",
)
def check_tl302(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL302: ``message_per_day`` <= limit < ``message_per_day`` + warmup per day."""
    for row in _connected(fleet):
        limit, daily = row.daily_send_limit, row.message_per_day
        if limit is None or daily is None or daily > limit:
            continue  # TL106 / unknown / TL301
        warmup, how = _warmup(row, policy)
        if daily + warmup <= limit:
            continue
        assert row.account is not None
        room = limit - warmup
        if room > 0:
            fix = (
                f"Lower the Smartlead limit to {room} ({limit} - {warmup} warmup): sl.email_accounts.update("
                f"{row.account.id}, max_email_per_day={room}), or {ALIGN}."
            )
        else:
            fix = (
                f"Warmup alone ({warmup}/day) fills the {limit}/day limit: lower it with "
                f"sl.email_accounts.update_warmup({row.account.id}, ...), or {ALIGN}."
            )
        yield _finding(
            "TL302",
            row.address,
            row.tenant_id,
            f"Smartlead sends up to {daily}/day plus {warmup} warmup{how} = "
            f"{daily + warmup}, above the Exchange limit of {limit}",
            fix,
            **_ids(row),
            message_per_day=daily,
            warmup_per_day=warmup,
            warmup_assumed=bool(how),
            daily_send_limit=limit,
        )


@_register(
    "TL303",
    title="Recent enforcement blocks",
    severity=Severity.WARNING,
    subject="mailbox",
    description="The mailbox was blocked by enforcement in the last 24 hours (and is unblocked now; a "
    "current block is TL102): something sends more than its TenantCore limit.",
    fix=f"Keep Smartlead's limit plus warmup at or below the TenantCore limit — {ALIGN} — and check for "
    "other senders using the mailbox.",
)
def check_tl303(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL303: a ``blocked`` event within ``policy.recent_block_window``; currently blocked mailboxes are TL102."""
    since = fleet.loaded_at - policy.recent_block_window
    for row in fleet.rows:
        if row.mailbox is not None and row.mailbox.is_blocked:
            continue
        blocks = [
            e
            for e in row.events
            if e.action_taken == EnforcementAction.BLOCKED
            and e.created_at is not None
            and e.created_at >= since
        ]
        if not blocks:
            continue
        last = max(blocks, key=lambda e: e.created_at or since)
        hours = policy.recent_block_window.total_seconds() / 3600
        yield _finding(
            "TL303",
            row.address,
            row.tenant_id,
            f"blocked {len(blocks)} time(s) in the last {hours:g} h (last at {_when(last.created_at)}"
            f"{_after(last.sent_count, last.limit_value)})",
            **_ids(row),
            blocks=len(blocks),
            last_blocked_at=last.created_at,
            sent_count=last.sent_count,
            limit_value=last.limit_value,
        )


@_register(
    "TL304",
    title="Sending gap too short",
    severity=Severity.WARNING,
    subject="mailbox",
    description="The minimum gap between sends (`min_time_to_wait_in_mins`) is under 10 minutes, or too "
    "short to spread the daily limit across the sending window: sends go out in bursts, and Smartlead "
    "disconnects accounts that send too fast.",
    fix="Raise the gap so the daily limit spans the sending window: sl.email_accounts.update(account_id, "
    "time_to_wait_in_mins=N).",
)
def check_tl304(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL304: gap under ``min_gap_minutes``, or gap x daily limit under half the sending window."""
    for row in _connected(fleet):
        account = row.account
        assert account is not None
        gap, daily = account.min_time_to_wait_in_mins, account.message_per_day
        if gap is None or not daily:
            continue
        too_short = gap < policy.min_gap_minutes
        bursty = gap * daily < policy.sending_window_minutes / 2
        if not (too_short or bursty):
            continue
        wanted = max(policy.min_gap_minutes, policy.sending_window_minutes // daily)
        reasons = []
        if bursty:
            reasons.append(
                f"{daily} sends/day {gap} min apart go out within {gap * daily} min of a "
                f"{policy.sending_window_minutes}-min sending window"
            )
        if too_short:
            reasons.append(f"gaps under {policy.min_gap_minutes} min get accounts disconnected")
        yield _finding(
            "TL304",
            row.address,
            row.tenant_id,
            f"minimum gap of {gap} min is too short: " + "; ".join(reasons),
            f"Raise the gap to {wanted} min: sl.email_accounts.update({account.id}, time_to_wait_in_mins={wanted}).",
            **_ids(row),
            gap_mins=gap,
            message_per_day=daily,
            recommended_gap_mins=wanted,
        )


def _unseparated(account: EmailAccount) -> bool:
    # Smartlead's list does not return tags; an absent list counts as untagged.
    return account.client_id is None and not account.tags


@_register(
    "TL305",
    title="Several clients without client or tag separation",
    severity=Severity.INFO,
    subject="mailbox",
    description="Connected accounts of two or more tenants (clients) sit in one Smartlead login with no "
    "agency client and no tags, so campaigns, reports and reply handling mix clients.",
    fix="Give each tenant's accounts its Smartlead client (sl.email_accounts.update(account_id, "
    "client_id=...)) or a tag per client (sl.email_accounts.add_tags(account_ids, tag_ids)).",
)
def check_tl305(fleet: Fleet, policy: CheckPolicy) -> Iterator[Finding]:
    """TL305: unseparated accounts (no client, no tags) span two or more tenants."""
    rows = [r for r in _connected(fleet) if r.account is not None and _unseparated(r.account)]
    tenants = sorted({r.tenant_id or "" for r in rows})
    if len(tenants) < 2:
        return
    names = sorted({(r.tenant.tenant_name or r.tenant.tenant_id) for r in rows if r.tenant is not None})
    for row in rows:
        assert row.account is not None
        yield _finding(
            "TL305",
            row.address,
            row.tenant_id,
            f"no Smartlead client and no tags, while unseparated accounts of {len(tenants)} tenants share "
            f"this login ({', '.join(names)})",
            f"Assign this tenant's client: sl.email_accounts.update({row.account.id}, client_id=<client id>), "
            f"or tag it: sl.email_accounts.add_tags([{row.account.id}], [<tag id>]).",
            **_ids(row),
            tenants=tenants,
        )
