"""The migration's multi-request steps, written once as flows (`tenantlead._core.flow`).

Every step starts from what Smartlead says *now* about the address and the snapshot, never from
memory of an earlier run, so a run interrupted anywhere (Ctrl-C, an exception, ``kill -9``)
is finished by running it again:

- an SMTP account with the address: not switched yet (or a refused switch): mint, switch in
  place, or (when allowed) recreate;
- an OUTLOOK account with the address: switched (in place or recreated): restore and verify;
- no account: a recreate stopped between the delete and the create: create it from the
  snapshot (only when recreating is allowed).

Restoring compares the account read back with its snapshot and writes only what differs
(settings, warmup, campaign memberships, tags), then reads it again to verify.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from tenantlead._core.flow import Flow
from tenantlead._core.request import APIRequest
from tenantlead.errors import APIError, NotFoundError, ValidationError
from tenantlead.microsoft import Secret
from tenantlead.orchestration._calls import TAG_LIST_CHUNK
from tenantlead.orchestration.migrate_snapshot import AccountSnapshot, setting_differences
from tenantlead.orchestration.migrate_tokens import TokenMinter, failure_cause
from tenantlead.smartlead.models import AccountTags, AccountWriteResult, EmailAccount, EmailAccountType
from tenantlead.smartlead.resources import campaigns as _campaigns
from tenantlead.smartlead.resources import email_accounts as _accounts

__all__ = ["TAG_LIST_CHUNK", "AccountOutcome", "Job", "account_flow", "snapshot_flow", "tags_flow"]

#: What ``update()`` writes for each restorable setting (read name -> write name).
_WRITE_NAMES: Mapping[str, str] = {
    "from_name": "from_name",
    "message_per_day": "max_email_per_day",
    "min_time_to_wait_in_mins": "time_to_wait_in_mins",
    "signature": "signature",
    "bcc_email": "bcc",
    "custom_tracking_domain": "custom_tracking_url",
    "client_id": "client_id",
    "is_suspended": "is_suspended",
}
_TEXT_SETTINGS = frozenset({"signature", "bcc_email", "custom_tracking_domain"})


@attrs.frozen(kw_only=True)
class Job:
    """One account to migrate: its snapshot, the sign-in name, and what the run allows."""

    snapshot: AccountSnapshot
    login: str
    #: The mailbox's password, handed to the minter once and dropped by it (never a plain str here).
    password: Secret | None = attrs.field(repr=False)
    allow_recreate: bool
    use_whitelabel_credentials: bool
    minter: TokenMinter = attrs.field(repr=False)

    @property
    def email(self) -> str:
        """The address."""
        return self.snapshot.email


@attrs.frozen(kw_only=True)
class AccountOutcome:
    """How one account ended.

    ``path`` is ``in_place`` (switched keeping its id), ``recreated`` (deleted and created again
    from the snapshot), ``replaced_by_server`` (Smartlead answered a new id and dropped the old
    account; restored from the snapshot), ``already_migrated`` (an earlier run switched it;
    verified), ``refused`` (Smartlead refused the in-place switch and recreating was not
    allowed) or ``none`` (nothing was written).
    """

    email: str
    status: str  # succeeded | skipped | failed
    path: str
    detail: str
    account_id_before: int
    account_id_after: int | None = None
    cause: str | None = None
    restored: tuple[str, ...] = ()
    drift: Mapping[str, tuple[Any, Any]] = attrs.field(factory=dict)
    error: BaseException | None = attrs.field(default=None, eq=False, repr=False)


class _Refused(Exception):
    """Smartlead would not switch the account in place."""


# ----------------------------------------------------------------------------- reads


def _find(email: str) -> Flow[list[EmailAccount]]:
    """The live accounts with this address (list rows: they carry the sending gap)."""
    page = yield _accounts.list_page_request(0, _accounts.PAGE_LIMIT, username=email)
    return [a for a in page.items if a.from_email.lower() == email]


def _tags_in(rows: list[AccountTags], email: str, account_id: int) -> list[int]:
    """The tag ids ``tag-list`` reported for this address and account."""
    out: list[int] = []
    for row in rows:
        if row.email_account_id in (None, account_id) and (row.email_id or email).lower() == email:
            out.extend(t.id for t in row.tags if t.id is not None)
    return out


def _tags(email: str, account_id: int) -> Flow[list[int]]:
    rows: list[AccountTags] = yield _accounts.tags_for_request([email])
    return _tags_in(rows, email, account_id)


def tags_flow(emails: list[str]) -> Flow[list[AccountTags]]:
    """The ``tag-list`` rows of up to [`TAG_LIST_CHUNK`][tenantlead.orchestration._calls.TAG_LIST_CHUNK] addresses (one request)."""
    rows: list[AccountTags] = yield _accounts.tags_for_request(emails)
    return rows


def _read(email: str, account_id: int) -> Flow[tuple[EmailAccount, int | None, list[int]]]:
    """The account by id (with campaigns), its gap from the list, and its tags."""
    account: EmailAccount = yield _accounts.get_request(account_id, fetch_campaigns=True)
    rows = yield from _find(email)
    gap = next((r.min_time_to_wait_in_mins for r in rows if r.id == account_id), None)
    tags = yield from _tags(email, account_id)
    return account, gap, tags


def snapshot_flow(
    email: str, account_id: int, tenant_id: str | None, *, gap: int | None, tags: list[AccountTags]
) -> Flow[AccountSnapshot]:
    """Read one account by id (with its campaigns) into its snapshot.

    ``gap`` is the sending gap from the fleet's list rows (get-by-id omits it) and ``tags`` the
    ``tag-list`` rows read for a batch of addresses.
    """
    account: EmailAccount = yield _accounts.get_request(account_id, fetch_campaigns=True)
    return AccountSnapshot.of(
        account, tenant_id=tenant_id, gap=gap, tag_ids=_tags_in(tags, email, account_id)
    )


# ----------------------------------------------------------------------------- writes


def _oauth_options(snapshot: AccountSnapshot) -> dict[str, Any]:
    """The ``save-oauth`` optional fields that carry the snapshot's settings."""
    s = snapshot.settings
    out: dict[str, Any] = {}
    if isinstance(s.get("message_per_day"), int):
        out["max_email_per_day"] = s["message_per_day"]
    if isinstance(s.get("min_time_to_wait_in_mins"), int):
        out["time_to_wait_in_mins"] = s["min_time_to_wait_in_mins"]
    for read, write in (
        ("signature", "signature"),
        ("bcc_email", "bcc"),
        ("custom_tracking_domain", "custom_tracking_url"),
    ):
        if isinstance(s.get(read), str) and s[read]:
            out[write] = s[read]
    out["client_id"] = s.get("client_id")
    warmup = snapshot.warmup
    out["warmup_enabled"] = bool(warmup is not None and warmup.enabled)
    if warmup is not None and warmup.enabled:
        if warmup.per_day is not None and 1 <= warmup.per_day <= 50:
            out["total_warmup_per_day"] = warmup.per_day
        if warmup.reply_rate is not None and 20 <= warmup.reply_rate <= 100:
            out["reply_rate_percentage"] = warmup.reply_rate
    return out


def _save_oauth(job: Job, token: Any, account_id: int | None) -> APIRequest[AccountWriteResult]:
    """``save-oauth`` for the job: a create (``account_id`` None) or the in-place switch of that id.

    A create is reconciled by address on an uncertain outcome (never sent twice); the switch is
    the documented update path (reference §2.6: ``id`` "for update"), idempotent.
    """
    s = job.snapshot.settings
    return _accounts.create_oauth_request(
        from_name=str(s.get("from_name") or job.email),
        from_email=job.email,
        username=job.login,
        token=token,
        type="OUTLOOK",
        use_whitelabel_credentials=job.use_whitelabel_credentials,
        id=account_id,
        **_oauth_options(job.snapshot),
    )


def _refusal(error: APIError) -> bool:
    """True when Smartlead's answer means "no in-place switch" rather than a failure of the mailbox."""
    if error.code == "ACCOUNT_ALREADY_EXIST":
        return True
    return isinstance(error, ValidationError) and '"id"' in (error.message or "")


def _mint(job: Job) -> Flow[Any]:
    if job.password is None:
        raise _NoPassword(job.email)
    tenant = job.snapshot.tenant_id or ""
    token = yield from job.minter.mint_flow(tenant_id=tenant, username=job.login, password=job.password)
    return (yield from job.minter.preflight_flow(tenant_id=tenant, token=token))


class _NoPassword(Exception):
    def __init__(self, email: str) -> None:
        super().__init__(
            f"no password for {email} in the credentials: copy it from the TenantCore app (Mailboxes page -> "
            "Copy the credentials)"
        )


def _restore_writes(job: Job, account_id: int, diffs: Mapping[str, tuple[Any, Any]]) -> Flow[None]:
    """The writes that give ``account_id`` back what differs from its snapshot."""
    snap = job.snapshot
    fields: dict[str, Any] = {}
    for name, (expected, _) in diffs.items():
        write = _WRITE_NAMES.get(name)
        if write is None:
            continue
        fields[write] = ("" if expected is None else expected) if name in _TEXT_SETTINGS else expected
    if fields.get("from_name") is None:
        fields.pop("from_name", None)
    if fields:
        yield _accounts.update_request(account_id, **fields)
    if {"warmup_enabled", "warmup_per_day", "warmup_reply_rate"} & diffs.keys() and snap.warmup is not None:
        extra: dict[str, Any] = {}
        if snap.warmup.enabled:
            per_day, rate = snap.warmup.per_day, snap.warmup.reply_rate
            if per_day is not None and 1 <= per_day <= 50:
                extra["total_warmup_per_day"] = per_day
            if rate is not None and 20 <= rate <= 100:
                extra["reply_rate_percentage"] = rate
        yield _accounts.update_warmup_request(account_id, warmup_enabled=snap.warmup.enabled, **extra)
    if "campaign_ids" in diffs:
        expected_campaigns, actual = diffs["campaign_ids"]
        for campaign_id in sorted(set(expected_campaigns) - set(actual)):
            yield _campaigns._add_accounts(campaign_id, [account_id], None)
    if "tag_ids" in diffs:
        expected_tags, actual = diffs["tag_ids"]
        missing = sorted(set(expected_tags) - set(actual))
        tagged = yield from _accounts.add_tags_flow([account_id], missing)
        tagged.raise_for_failures()


def _restore(
    job: Job, account_id: int
) -> Flow[tuple[EmailAccount, tuple[str, ...], dict[str, tuple[Any, Any]]]]:
    """Give ``account_id`` every snapshotted setting back; (account read back, restored names, drift left)."""
    account, gap, tags = yield from _read(job.email, account_id)
    diffs = setting_differences(job.snapshot, account, gap=gap, tag_ids=tags)
    if not diffs:
        return account, (), {}
    yield from _restore_writes(job, account_id, diffs)
    account, gap, tags = yield from _read(job.email, account_id)
    left = setting_differences(job.snapshot, account, gap=gap, tag_ids=tags)
    return account, tuple(sorted(k for k in diffs if k not in left)), left


def _recreate(job: Job, current_id: int, token: Any) -> Flow[int]:
    """Remove from campaigns, delete, create as OAuth; the new id (settings restored afterwards)."""
    try:
        account: EmailAccount = yield _accounts.get_request(current_id, fetch_campaigns=True)
        for campaign_id in account.campaign_ids or ():
            yield _campaigns._remove_accounts(campaign_id, [current_id])
        yield _accounts.delete_request(current_id)
    except NotFoundError:
        pass  # already gone (a re-run after the delete landed)
    written: AccountWriteResult = yield _save_oauth(job, token, None)
    assert written.email_account_id is not None  # the parser guarantees it
    return written.email_account_id


# ----------------------------------------------------------------------------- one account


def _done(
    job: Job,
    path: str,
    account: EmailAccount,
    restored: tuple[str, ...],
    drift: Mapping[str, tuple[Any, Any]],
    note: str,
) -> AccountOutcome:
    before = job.snapshot.account_id
    problems = []
    if account.type != EmailAccountType.OUTLOOK:
        problems.append(f"type is {account.type}, not OUTLOOK")
    if account.is_smtp_success is False or account.is_imap_success is False:
        problems.append(
            "not connected: "
            + str(account.smtp_failure_error or account.imap_failure_error or "login failing")
        )
    if drift:
        problems.append("settings differ from the snapshot: " + ", ".join(sorted(drift)))
    restored_text = f"; restored {', '.join(restored)}" if restored else ""
    if problems:
        return AccountOutcome(
            email=job.email,
            status="failed",
            path=path,
            detail=f"{note}{restored_text}; but {'; '.join(problems)}",
            account_id_before=before,
            account_id_after=account.id,
            restored=restored,
            drift=drift,
        )
    return AccountOutcome(
        email=job.email,
        status="succeeded",
        path=path,
        detail=f"{note}{restored_text}; verified OUTLOOK, connected, every snapshotted setting in place",
        account_id_before=before,
        account_id_after=account.id,
        restored=restored,
    )


def account_flow(job: Job) -> Flow[AccountOutcome]:
    """Migrate (or finish migrating) one account; never raises for an API failure of this account."""
    before = job.snapshot.account_id
    try:
        return (yield from _migrate(job))
    except (APIError, _NoPassword, Exception) as error:
        cause = failure_cause(error)
        return AccountOutcome(
            email=job.email,
            status="failed",
            path="none",
            detail=_describe(error),
            account_id_before=before,
            cause=cause,
            error=error,
        )


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _migrate(job: Job) -> Flow[AccountOutcome]:
    before = job.snapshot.account_id
    found = yield from _find(job.email)
    smtp = [a for a in found if a.type != EmailAccountType.OUTLOOK]
    outlook = [a for a in found if a.type == EmailAccountType.OUTLOOK]
    if outlook and not smtp:
        target = next((a for a in outlook if a.id == job.snapshot.account_id), outlook[0])
        path = "in_place" if target.id == job.snapshot.account_id else "recreated"
        account, restored, drift = yield from _restore(job, target.id)
        return _done(job, path, account, restored, drift, f"already OUTLOOK (account {target.id})")
    if not smtp:
        if not job.allow_recreate:
            raise _Missing(job)
        token = yield from _mint(job)
        written: AccountWriteResult = yield _save_oauth(job, token, None)
        assert written.email_account_id is not None
        account, restored, drift = yield from _restore(job, written.email_account_id)
        return _done(
            job, "recreated", account, restored, drift,
            f"created as OAuth account {written.email_account_id} from the snapshot (warmup history and stats lost)",
        )  # fmt: skip
    current = next((a for a in smtp if a.id == job.snapshot.account_id), smtp[0])
    for duplicate in outlook:
        # A switch answered with a new id while the old account stayed: the new one is a fresh
        # duplicate (no history, no campaigns); drop it so the address has one account again.
        yield _accounts.delete_request(duplicate.id)
    token = yield from _mint(job)
    refused_by: str | None = None
    try:
        switched: AccountWriteResult = yield _save_oauth(job, token, current.id)
    except APIError as error:
        if not _refusal(error):
            raise
        refused_by = _describe(error)
    else:
        new_id = switched.email_account_id
        if new_id == current.id:
            account, restored, drift = yield from _restore(job, current.id)
            return _done(
                job, "in_place", account, restored, drift,
                f"switched in place (save-oauth with id {current.id}): id, campaigns, warmup history and stats kept",
            )  # fmt: skip
        assert new_id is not None
        still = yield from _find(job.email)
        if any(a.id == current.id for a in still):
            yield _accounts.delete_request(new_id)
            refused_by = f"Smartlead created a new account {new_id} instead of switching {current.id} (deleted it again)"
        else:
            account, restored, drift = yield from _restore(job, new_id)
            return _done(
                job, "replaced_by_server", account, restored, drift,
                f"Smartlead replaced account {current.id} with {new_id} (warmup history and stats lost); "
                "settings, tags, client and campaigns restored from the snapshot",
            )  # fmt: skip
    if not job.allow_recreate:
        # Leave the SMTP account exactly as snapshotted (an interrupted recreate may have taken it
        # out of its campaigns), then stop for this account.
        _, restored, drift = yield from _restore(job, current.id)
        again = f"; restored {', '.join(restored)} on the SMTP account" if restored else ""
        left = f"; still differs: {', '.join(sorted(drift))}" if drift else ""
        return AccountOutcome(
            email=job.email,
            status="failed",
            path="refused",
            detail=f"in-place switch refused ({refused_by}); nothing migrated{again}{left}. Re-run with "
            "--allow-recreate (allow_recreate=True) to delete and re-create it as OAuth: its warmup history and "
            "stats are lost; settings, tags, client and campaigns are restored",
            account_id_before=before,
            account_id_after=current.id,
            cause="switch_refused",
            restored=restored,
            drift=drift,
        )
    new_id = yield from _recreate(job, current.id, token)
    account, restored, drift = yield from _restore(job, new_id)
    return _done(
        job, "recreated", account, restored, drift,
        f"in-place switch refused ({refused_by}); recreated as OAuth account {new_id} (warmup history and stats lost)",
    )  # fmt: skip


class _Missing(Exception):
    def __init__(self, job: Job) -> None:
        super().__init__(
            f"no Smartlead account has the address {job.email} (account {job.snapshot.account_id} is in the "
            "snapshot): a recreate was interrupted between the delete and the create; re-run with "
            "--allow-recreate (allow_recreate=True) to create it from the snapshot"
        )


#: Type of the per-account progress hook the run passes in.
OutcomeHook = Callable[[AccountOutcome], None]
