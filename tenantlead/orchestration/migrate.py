"""``migrate_to_oauth``: move every Microsoft 365 account off basic-auth SMTP before the cutoff, losing nothing.

Microsoft turns basic-auth SMTP AUTH off by default for existing tenants at the end of December
2026 (`BASIC_AUTH_SMTP_CUTOFF`); Smartlead accounts that log
in with a password (``type`` SMTP, TL206) then fail with ``550 5.7.30``. The migration moves each
one to OAuth (``type`` OUTLOOK)::

    plan = migrate_to_oauth(fleet, microsoft=app, credentials="mailboxes.csv", snapshot="migration.json")
    print(plan)                      # which path each account takes, and what it costs
    result = plan.apply(sl=sl)       # await plan.aapply(sl=asl)

``migrate_to_oauth`` is pure (it reads only the fleet and the local snapshot file, if one is
there). ``apply``:

1. reads every account it will move and writes the **snapshot** file before any write: names,
   limits, gap, signature, bcc, tracking domain, client, tags, warmup settings and volume,
   campaign memberships (never a password or token);
2. per tenant, per account: mints and preflights tokens, switches the account **in place** with
   ``save-oauth`` carrying its ``id`` (the documented update path: id, campaigns and history
   stay), reads it back and verifies type OUTLOOK, the connection and every snapshotted
   setting, restoring any the switch reset;
3. if Smartlead refuses the in-place switch, stops for that account unless
   ``allow_recreate=True``: then removes it from its campaigns, deletes it, creates it as OAuth
   and restores every setting, tag, client and campaign membership from the snapshot (its warmup
   history and stats are lost - the plan says so).

Batches run per tenant: the first failure of the app or of the tenant's consent stops that
tenant (its other accounts are reported skipped with the reason) instead of failing thousands of
sign-ins alike. Re-running is always safe and finishes an interrupted run from the snapshot.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from tenantlead._core.flow import Flow, Gather, Now, arun_flow, run_flow
from tenantlead._core.microsoft365 import BASIC_AUTH_SMTP_CUTOFF
from tenantlead.microsoft import Secret
from tenantlead.orchestration._render import Tabular, text_table
from tenantlead.orchestration.checks_migration import days_left, is_basic_auth_office365
from tenantlead.orchestration.connect import Credentials, load_credentials
from tenantlead.orchestration.fleet import Fleet, FleetRow, normalize_address
from tenantlead.orchestration.migrate_flows import (
    TAG_LIST_CHUNK,
    AccountOutcome,
    Job,
    account_flow,
    snapshot_flow,
    tags_flow,
)
from tenantlead.orchestration.migrate_snapshot import AccountSnapshot, MigrationSnapshot
from tenantlead.orchestration.migrate_tokens import MICROSOFT, TENANT_WIDE_CAUSES, TokenMinter, as_minter
from tenantlead.orchestration.results import (
    ApplyResult,
    ItemResult,
    OnProgress,
    Progress,
    _Collector,
    partial_note,
    progress_callback,
)
from tenantlead.smartlead.models import EmailAccountType

if TYPE_CHECKING:
    from tenantlead.smartlead import AsyncSmartlead, Smartlead
    from tenantlead.tenantcore import AsyncTenantCore, TenantCore

__all__ = ["DEFAULT_SNAPSHOT", "MigrateItem", "MigratePlan", "migrate_to_oauth"]

#: Where the snapshot goes when no path is given (the current folder).
DEFAULT_SNAPSHOT = "tenantlead-migration-snapshot.json"

MigrateAction = Literal["migrate", "resume", "skip"]

_RERUN = (
    "Run the same migration again with the same snapshot file: it reads each account's state from "
    "Smartlead and finishes from the snapshot; nothing is lost or created twice."
)


@attrs.frozen(kw_only=True)
class MigrateItem:
    """One account of a migration plan: what will happen to it, by which path, at what cost.

    ``action`` is ``migrate`` (an SMTP account to move), ``resume`` (in the snapshot from an
    earlier run: finish and verify it) or ``skip`` (with the reason).
    """

    address: str
    action: MigrateAction
    path: str
    cost: str
    reason: str = ""
    tenant_id: str | None = None
    account_id: int | None = None
    campaigns: int | None = None
    code: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A flat JSON-ready dict (never a password or token)."""
        return {
            "address": self.address,
            "action": self.action,
            "path": self.path,
            "cost": self.cost,
            "reason": self.reason,
            "tenant_id": self.tenant_id,
            "account_id": self.account_id,
            "campaigns": self.campaigns,
            "code": self.code,
        }


def _paths(allow_recreate: bool, account_id: int | None, campaigns: int | None) -> tuple[str, str]:
    inplace = f"switch in place (save-oauth with id {account_id})"
    keeps = "nothing lost: id, campaigns, warmup history and stats kept"
    if not allow_recreate:
        return inplace + "; if Smartlead refuses, stop for this account", keeps
    n = "its campaigns" if campaigns is None else f"{campaigns} campaign{'s' if campaigns != 1 else ''}"
    return (
        inplace + f"; if Smartlead refuses: recreate (remove from {n}, delete, create as OAuth, restore)",
        keeps + "; if recreated: its warmup history and stats are lost (settings, tags, client and campaigns "
        "restored from the snapshot)",
    )


def _skip_reason(row: FleetRow, creds: Credentials) -> tuple[str, str] | None:
    mailbox = row.mailbox
    if mailbox is None:
        return "TL203", "no TenantCore mailbox behind this account: nothing to sign in as"
    if mailbox.account_enabled is False:
        return "TL101", "mailbox disabled in TenantCore (account_enabled false): enable it, then migrate"
    if creds.get(row.address) is None:
        return "", (
            "no password for this mailbox in the credentials: copy it from the TenantCore app (Mailboxes page -> "
            "Copy the credentials)"
        )
    return None


def migrate_to_oauth(
    fleet: Fleet,
    *,
    microsoft: Any,
    credentials: Any,
    allow_recreate: bool = False,
    snapshot: str | PathLike[str] = DEFAULT_SNAPSHOT,
    use_whitelabel_credentials: bool = True,
) -> MigratePlan:
    """Plan moving the fleet's basic-auth SMTP Microsoft 365 accounts to OAuth (no API calls).

    Args:
        fleet: the snapshot (``Fleet.load(tc, sl)``); narrow it with ``fleet.filter(tenant=...)``.
        microsoft: what mints the tokens: a [`TokenMinter`][tenantlead.orchestration.migrate_tokens.TokenMinter]
            (mint and preflight as flows), or a token provider (``get_token(email)`` / a callable
            email -> token dict) for tokens you mint yourself.
        credentials: the mailbox passwords for the password flow: anything
            [`load_credentials`][tenantlead.orchestration.connect.load_credentials] accepts (the TenantCore export).
        allow_recreate: when Smartlead refuses the in-place switch, delete the account and create
            it again as OAuth (its warmup history and stats are lost); default: stop for it.
        snapshot: the snapshot file (written before any write; read back to resume).
        use_whitelabel_credentials: ``save-oauth``'s flag for tokens minted by your own Azure
            app (the one in Smartlead's OAuth Configuration); default True.
    """
    if not isinstance(fleet, Fleet):
        raise TypeError(f"migrate_to_oauth() needs a Fleet (Fleet.load(tc, sl)), got {type(fleet).__name__}")
    if not isinstance(allow_recreate, bool):
        raise TypeError(f"allow_recreate must be True or False, got {allow_recreate!r}")
    if microsoft is None:
        raise ValueError(
            "migrate_to_oauth() needs microsoft=: the agency's Microsoft app (a token minter) or a token provider"
        )
    minter = as_minter(microsoft)
    if credentials is None:
        raise ValueError(
            "migrate_to_oauth() needs credentials=: the mailboxes' email,password CSV exported from the TenantCore "
            "app (the password flow signs in as each mailbox once)"
        )
    creds = load_credentials(credentials)
    saved = MigrationSnapshot.load(Path(snapshot))

    items: list[MigrateItem] = []
    seen: set[str] = set()
    for row in fleet.rows:
        account = row.account
        if account is None:
            continue
        address = normalize_address(row.address)
        entry = saved.get(address)
        if entry is None and not is_basic_auth_office365(account):
            continue
        seen.add(address)
        campaigns = len(entry.campaign_ids) if entry is not None else account.campaign_count
        path, cost = _paths(allow_recreate, account.id, campaigns)
        common: dict[str, Any] = {"address": address, "tenant_id": row.tenant_id, "account_id": account.id}
        if entry is not None and account.type == EmailAccountType.OUTLOOK:
            items.append(
                MigrateItem(
                    **common, action="resume", path="verify and restore from the snapshot", cost="nothing lost",
                    reason="already OUTLOOK: an earlier run switched it", campaigns=campaigns,
                )
            )  # fmt: skip
            continue
        problem = _skip_reason(row, creds)
        if problem is not None:
            code, reason = problem
            items.append(
                MigrateItem(**common, action="skip", path="-", cost="-", reason=reason, code=code or None)
            )
            continue
        items.append(
            MigrateItem(
                **common,
                action="resume" if entry is not None else "migrate",
                path=path,
                cost=cost,
                reason="in the snapshot from an earlier run"
                if entry is not None
                else "basic-auth SMTP (TL206)",
                campaigns=campaigns,
            )
        )
    # Snapshot entries the fleet no longer shows: a recreate stopped between delete and create.
    tenant_ids = {t.tenant_id for t in fleet.tenants}
    for address, entry in sorted(saved.accounts.items()):
        if address in seen or entry.tenant_id not in tenant_ids:
            continue
        path, cost = _paths(allow_recreate, entry.account_id, len(entry.campaign_ids))
        items.append(
            MigrateItem(
                address=address,
                action="resume",
                path="create as OAuth from the snapshot" if allow_recreate else "needs --allow-recreate",
                cost="warmup history and stats lost (the account was already deleted)",
                reason=f"in the snapshot but not in Smartlead (account {entry.account_id} was deleted by an "
                "interrupted recreate)",
                tenant_id=entry.tenant_id,
                account_id=entry.account_id,
                campaigns=len(entry.campaign_ids),
            )
        )
    logins = {
        normalize_address(r.address): (r.mailbox.user_principal_name or r.address)
        for r in fleet.rows
        if r.mailbox is not None
    }
    gaps = {
        normalize_address(r.address): r.account.min_time_to_wait_in_mins
        for r in fleet.rows
        if r.account is not None
    }
    return MigratePlan(
        items=tuple(items),
        gaps=gaps,
        allow_recreate=allow_recreate,
        use_whitelabel_credentials=use_whitelabel_credentials,
        snapshot_path=saved.path,
        loaded_at=fleet.loaded_at,
        minter=minter,
        credentials=creds,
        logins=logins,
    )


@attrs.frozen(kw_only=True)
class MigratePlan(Tabular):
    """The per-account migration plan; [`apply`][tenantlead.orchestration.migrate.MigratePlan.apply] / [`aapply`][tenantlead.orchestration.migrate.MigratePlan.aapply] carry it out (resumably)."""

    items: tuple[MigrateItem, ...] = ()
    allow_recreate: bool = False
    use_whitelabel_credentials: bool = True
    snapshot_path: Path = Path(DEFAULT_SNAPSHOT)
    loaded_at: datetime | None = None
    minter: TokenMinter | None = attrs.field(default=None, repr=False, eq=False)
    credentials: Credentials | None = attrs.field(default=None, repr=False, eq=False)
    logins: Mapping[str, str] = attrs.field(factory=dict, repr=False, eq=False)
    #: Each account's sending gap from the fleet's list rows (get-by-id does not return it).
    gaps: Mapping[str, int | None] = attrs.field(factory=dict, repr=False, eq=False)

    columns = ("address", "action", "path", "reason")

    @property
    def to_migrate(self) -> list[MigrateItem]:
        """Items that will be written (``migrate`` and ``resume``)."""
        return [i for i in self.items if i.action != "skip"]

    @property
    def skipped(self) -> list[MigrateItem]:
        """Items left alone, each with its reason."""
        return [i for i in self.items if i.action == "skip"]

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to migrate."""
        return not self.to_migrate

    def counts(self) -> dict[str, int]:
        """Items per action."""
        out = {"migrate": 0, "resume": 0, "skip": 0}
        for item in self.items:
            out[item.action] += 1
        return out

    def tenants(self) -> dict[str, int]:
        """Accounts to write per tenant (the batches apply runs)."""
        out: dict[str, int] = {}
        for item in self.to_migrate:
            out[item.tenant_id or "-"] = out.get(item.tenant_id or "-", 0) + 1
        return out

    def days_left(self) -> int | None:
        """Whole days from the fleet's load to Microsoft's cutoff (negative after it)."""
        return days_left(self.loaded_at) if self.loaded_at is not None else None

    def to_records(self) -> list[dict[str, Any]]:
        """One record per account."""
        return [i.to_record() for i in self.items]

    def to_dict(self) -> dict[str, Any]:
        """Counts, batches, the cutoff and the items as a JSON-ready dict (no passwords or tokens)."""
        return {
            "counts": self.counts(),
            "tenants": self.tenants(),
            "allow_recreate": self.allow_recreate,
            "snapshot": str(self.snapshot_path),
            "cutoff": BASIC_AUTH_SMTP_CUTOFF.isoformat(),
            "days_left": self.days_left(),
            "items": self.to_records(),
        }

    def _html_summary(self) -> str:
        c = self.counts()
        left = self.days_left()
        when = f"; {left} days before Microsoft's cutoff" if left is not None and left >= 0 else ""
        return (
            f"{c['migrate']} to migrate, {c['resume']} to resume, {c['skip']} skipped, in {len(self.tenants())} "
            f"tenant batches{when}"
        )

    def __str__(self) -> str:
        lines = [f"MigratePlan: {self._html_summary()}", f"snapshot: {self.snapshot_path}"]
        work = [i.to_record() for i in self.to_migrate]
        if work:
            lines.append(text_table(work, list(self.columns), max_rows=self.max_display_rows))
            costs = sorted({i.cost for i in self.to_migrate})
            lines += [f"cost: {c}" for c in costs]
        skipped: dict[str, int] = {}
        for item in self.skipped:
            skipped[item.reason] = skipped.get(item.reason, 0) + 1
        lines += [f"  skipped {n}x {reason}" for reason, n in sorted(skipped.items(), key=lambda kv: -kv[1])]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<MigratePlan {self._html_summary()}>"

    # ------------------------------------------------------------------ apply

    def apply(
        self,
        *,
        sl: Smartlead,
        tc: TenantCore | None = None,
        microsoft: Any = None,
        on_progress: OnProgress | None = None,
        progress: Progress | None = None,
        concurrency: int = 1,
    ) -> ApplyResult:
        """Snapshot, then migrate tenant by tenant (``concurrency`` tenants at once, in threads).

        ``tc`` is not needed (the fleet already holds TenantCore's side) and is accepted for
        symmetry with the other plans. ``microsoft`` is the
        [MicrosoftIdentity][tenantlead.microsoft.MicrosoftIdentity] the tokens are minted through,
        when the plan was given another one (``aapply`` needs an ``AsyncMicrosoftIdentity``).
        ``on_progress(event)`` runs as each account ends (a
        [ProgressEvent][tenantlead.orchestration.ProgressEvent], stage ``"migrate"``;
        ``progress=`` is its deprecated older form). On ``KeyboardInterrupt`` the exception carries
        ``partial_result``; run the same migration again to finish it.
        """
        run = _MigrationRun(self, progress_callback("migrate", on_progress, progress), concurrency)
        try:
            run_flow(
                run.flow(), _clients(self.minter, sl, microsoft, asynchronous=False), default="smartlead"
            )
        except BaseException as exc:
            partial_note(exc, run.collector, _RERUN)
            raise
        return run.result()

    async def aapply(
        self,
        *,
        sl: AsyncSmartlead,
        tc: AsyncTenantCore | None = None,
        microsoft: Any = None,
        on_progress: OnProgress | None = None,
        progress: Progress | None = None,
        concurrency: int = 4,
    ) -> ApplyResult:
        """Async [`apply`][tenantlead.orchestration.migrate.MigratePlan.apply]: up to ``concurrency`` tenant batches at once."""
        run = _MigrationRun(self, progress_callback("migrate", on_progress, progress), concurrency)
        try:
            await arun_flow(
                run.flow(), _clients(self.minter, sl, microsoft, asynchronous=True), default="smartlead"
            )
        except BaseException as exc:
            partial_note(exc, run.collector, _RERUN)
            raise
        return run.result()


def _secret(credentials: Credentials | None, address: str) -> Secret | None:
    """The mailbox's password wrapped as a Secret at once (no frame holds it as a plain str)."""
    found = credentials.get(address) if credentials is not None else None
    return Secret(found) if found is not None else None


def _clients(minter: Any, sl: Any, microsoft: Any, *, asynchronous: bool) -> dict[str, Any]:
    """The driver's clients: Smartlead, plus Microsoft's token endpoint when the minter uses it."""
    clients: dict[str, Any] = {"smartlead": sl}
    identity = microsoft if microsoft is not None else getattr(minter, "identity", None)
    if identity is None:
        return clients
    from tenantlead.microsoft import AsyncMicrosoftIdentity, MicrosoftIdentity

    wanted = AsyncMicrosoftIdentity if asynchronous else MicrosoftIdentity
    if not isinstance(identity, wanted):
        raise TypeError(
            f"{'aapply' if asynchronous else 'apply'}() mints tokens through a {wanted.__name__}; the plan has a "
            f"{type(identity).__name__}: pass microsoft={wanted.__name__}(...) to "
            f"{'aapply' if asynchronous else 'apply'}()"
        )
    clients[MICROSOFT] = identity
    return clients


_ACTIONS = {
    "in_place": "switch to OAuth in place",
    "recreated": "recreate as OAuth",
    "replaced_by_server": "switch to OAuth (replaced by Smartlead)",
    "already_migrated": "verify migrated account",
    "refused": "switch to OAuth in place",
    "none": "migrate to OAuth",
}


class _MigrationRun:
    """One apply: the snapshot phase, then one batch per tenant; shared by both drivers."""

    def __init__(self, plan: MigratePlan, on_progress: OnProgress | None, concurrency: int) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency must be an integer >= 1, got {concurrency!r}")
        if plan.minter is None or plan.credentials is None:
            raise ValueError("this plan has no token minter or credentials: build it with migrate_to_oauth()")
        self.plan = plan
        self.concurrency = concurrency
        # A new run gets a new sign-in ledger (the password-attempt cap is per run).
        fresh = getattr(plan.minter, "for_run", None)
        self.minter: TokenMinter = fresh() if callable(fresh) else plan.minter
        self.collector = _Collector(len(plan.items), on_progress, "migrate")
        self.outcomes: list[AccountOutcome] = []
        self._lock = threading.Lock()
        for item in plan.skipped:
            self._add(ItemResult(subject=item.address, action="migrate to OAuth", status="skipped",
                                 detail=item.reason, account_id=item.account_id))  # fmt: skip

    def _add(self, result: ItemResult) -> None:
        with self._lock:
            self.collector.add(result)

    def record(self, outcome: AccountOutcome) -> None:
        """Turn one account's outcome into its item result (and progress)."""
        with self._lock:
            self.outcomes.append(outcome)
        self._add(
            ItemResult(
                subject=outcome.email,
                action=_ACTIONS.get(outcome.path, "migrate to OAuth"),
                status=outcome.status,  # type: ignore[arg-type]
                detail=outcome.detail,
                error=outcome.error,
                account_id=outcome.account_id_after or outcome.account_id_before,
            )
        )

    def result(self) -> ApplyResult:
        """The collected item results."""
        return self.collector.result(verified=True)

    # ------------------------------------------------------------------ the flows

    def flow(self) -> Flow[None]:
        """Snapshot every account first (one file write), then the tenant batches."""
        plan = self.plan
        snapshot = MigrationSnapshot.load(plan.snapshot_path)
        todo = [i for i in plan.to_migrate if snapshot.get(i.address) is None]
        if todo:
            chunks = [todo[i : i + TAG_LIST_CHUNK] for i in range(0, len(todo), TAG_LIST_CHUNK)]
            tag_reads = yield Gather(
                [tags_flow([i.address for i in chunk]) for chunk in chunks], concurrency=self.concurrency
            )
            tags: dict[str, Any] = {}
            for chunk, read in zip(chunks, tag_reads, strict=True):
                for item in chunk:
                    tags[item.address] = read.value if read.ok else read.error
            readable = [i for i in todo if not isinstance(tags[i.address], Exception)]
            outcomes = yield Gather(
                [
                    snapshot_flow(
                        i.address,
                        i.account_id or 0,
                        i.tenant_id,
                        gap=plan.gaps.get(i.address),
                        tags=tags[i.address],
                    )
                    for i in readable
                ],
                concurrency=self.concurrency,
            )
            done = dict(zip((i.address for i in readable), outcomes, strict=True))
            taken: list[AccountSnapshot] = []
            for item in todo:
                outcome = done.get(item.address)
                if outcome is not None and outcome.ok:
                    taken.append(outcome.value)
                else:
                    error = outcome.error if outcome is not None else tags[item.address]
                    # Never migrate an account whose settings are not safely on disk.
                    self._add(
                        ItemResult(
                            subject=item.address,
                            action="snapshot before migrating",
                            status="failed",
                            detail=f"could not read it for the snapshot, so it was not touched: {error}",
                            error=error,
                            account_id=item.account_id,
                        )
                    )
            now = datetime.fromtimestamp((yield Now()), tz=BASIC_AUTH_SMTP_CUTOFF.tzinfo)
            snapshot = snapshot.with_accounts(taken, now)
            snapshot.write()
        batches: dict[str, list[Job]] = {}
        for item in plan.to_migrate:
            entry = snapshot.get(item.address)
            if entry is None:
                continue  # its snapshot read failed: reported above
            job = Job(
                snapshot=entry,
                login=plan.logins.get(item.address, item.address),
                password=_secret(plan.credentials, item.address),
                allow_recreate=plan.allow_recreate,
                use_whitelabel_credentials=plan.use_whitelabel_credentials,
                minter=self.minter,
            )
            batches.setdefault(entry.tenant_id or "-", []).append(job)
        yield Gather(
            [self.tenant_flow(t, jobs) for t, jobs in sorted(batches.items())], concurrency=self.concurrency
        )

    def tenant_flow(self, tenant_id: str, jobs: Sequence[Job]) -> Flow[None]:
        """One tenant's accounts in order; the first app- or consent-class failure stops the tenant."""
        stopped: AccountOutcome | None = None
        for job in jobs:
            if stopped is not None:
                self.record(
                    AccountOutcome(
                        email=job.email,
                        status="skipped",
                        path="none",
                        detail=f"tenant {tenant_id} stopped after {stopped.email} failed with {stopped.cause}: "
                        f"{stopped.detail} (fix it, then run the migration again)",
                        account_id_before=job.snapshot.account_id,
                        cause=stopped.cause,
                    )
                )
                continue
            outcome = yield from account_flow(job)
            self.record(outcome)
            if outcome.status == "failed" and outcome.cause in TENANT_WIDE_CAUSES:
                stopped = outcome
