"""The connect apply run: create (or find) each account, apply its settings, then tag.

Four phases, run by the driver of ``tenantlead.orchestration._drive`` (one item at a time on
blocking clients, ``concurrency`` at a time on async ones):

1. create: one save per planned mailbox (``/save`` or ``/save-oauth``; the new id comes from
   the save's answer), or, for ``manual``, look up the account a person added;
2. settle: the planned settings on accounts that already existed (an interrupted run's, a
   hand-added one's, ``ACCOUNT_ALREADY_EXIST``), or the client an ``"update"`` item converges;
3. tags: one ``add_tags`` per distinct tag set (25 accounts per request), for new accounts and
   for the existing ones the plan found lacking them;
4. read-back: one walk of the account list (100 per page, pages read ahead) checks that every
   account written is there with the planned limit, gap and client; a difference is drift.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from tenantlead._core.flow import Flow, arun_flow, on, run_flow
from tenantlead._core.pager import DEFAULT_READ_AHEAD
from tenantlead.errors import APIError, NotFoundError
from tenantlead.microsoft import (
    SignInCause,
    SignInError,
    SignInLedger,
    as_sign_in_error,
    sign_in_many_flow,
)
from tenantlead.orchestration import _calls
from tenantlead.orchestration._drive import PhasedRun, check_concurrency
from tenantlead.orchestration.connect_oauth import (
    MICROSOFT,
    SlotGate,
    is_slot_limit,
    read_back_problem,
    sign_in_result,
    text_finding,
)
from tenantlead.orchestration.results import (
    ApplyResult,
    Drift,
    ItemResult,
    OnProgress,
    describe_error,
    partial_note,
)
from tenantlead.orchestration.views import subject_tenants
from tenantlead.orchestration.warmup_cache import WarmupCache, remember_written
from tenantlead.smartlead.models import AccountWriteResult, EmailAccount, TagMappingResult

if TYPE_CHECKING:
    from tenantlead.microsoft import AsyncMicrosoftIdentity, MicrosoftIdentity, MicrosoftToken
    from tenantlead.orchestration.connect import ConnectItem, ConnectPlan
    from tenantlead.smartlead import AsyncSmartlead, Smartlead

__all__ = [
    "IMAP_HOST",
    "IMAP_PORT",
    "SMTP_HOST",
    "SMTP_PORT",
    "ConnectRun",
    "adrive",
    "drive",
    "resolve_tokens",
]

#: Office 365 submission and IMAP endpoints (port 465 times out for Office 365: use 587).
SMTP_HOST = "smtp.office365.com"
SMTP_PORT = 587
IMAP_HOST = "outlook.office365.com"
IMAP_PORT = 993

Tokens = Mapping[str, Mapping[str, Any] | Exception]

RERUN = "Load the fleet again and re-run connect: nothing is created twice."


def _already_exists(error: Exception) -> tuple[bool, int | None]:
    """(True, id or None) when Smartlead answered ACCOUNT_ALREADY_EXIST."""
    if isinstance(error, APIError) and error.code == "ACCOUNT_ALREADY_EXIST":
        body = getattr(error, "body", None)
        account_id = body.get("emailAccountId") if isinstance(body, Mapping) else None
        return True, account_id if isinstance(account_id, int) else None
    return False, None


def _check_token(token: Any, email: str) -> Mapping[str, Any]:
    if not isinstance(token, Mapping):
        raise TypeError(
            f"the token provider returned {type(token).__name__} for {email}: return the token dict "
            "(scope, token_type, access_token, refresh_token, expiry_date)"
        )
    if token.get("expiry_date") is None and token.get("expires_in") is not None:
        from tenantlead.smartlead.models import OAuthToken

        return OAuthToken.from_microsoft(token).to_wire()
    return token


async def resolve_tokens(plan: ConnectPlan, concurrency: int) -> dict[str, Mapping[str, Any] | Exception]:
    """For ``aapply``: each planned OAuth mailbox's token, ``concurrency`` providers' calls at a time.

    An async provider's ``get_token`` answers with an awaitable, which is awaited here. A
    provider's failure is kept as that mailbox's outcome (its create then fails with it);
    ``KeyboardInterrupt`` and cancellation propagate.
    """
    out: dict[str, Mapping[str, Any] | Exception] = {}
    provider = plan.tokens
    if plan.strategy != "oauth" or provider is None:
        return out
    gate = asyncio.Semaphore(concurrency)

    async def one(address: str) -> None:
        async with gate:
            try:
                token = provider.get_token(address)
                # The provider is the user's code: an async one answers with an awaitable.
                out[address] = await token if inspect.isawaitable(token) else token
            except Exception as error:
                out[address] = error

    async with asyncio.TaskGroup() as group:
        for item in plan.items:
            if item.action == "create":
                group.create_task(one(item.address))
    return out


T = TypeVar("T")


class ConnectRun(PhasedRun):
    """One connect apply run (see the module docstring); no I/O of its own."""

    def __init__(
        self,
        plan: ConnectPlan,
        sl: Smartlead | AsyncSmartlead | None,
        on_progress: OnProgress | None,
        tokens: Tokens | None,
        warmup_cache: WarmupCache | None = None,
    ) -> None:
        if sl is None:
            raise ValueError("apply() needs sl= (a Smartlead client)")
        super().__init__(len(plan.items), on_progress, "connect", tenants=subject_tenants(plan.items))
        self.plan = plan
        self.tokens = tokens
        self.slots = SlotGate(len(plan.to_create))
        self.ledger = SignInLedger()
        self.created_count = 0
        #: Mailboxes whose sign-in failed with the MFA/Conditional Access class (browser fallback).
        self.needs_browser: list[ConnectItem] = []
        self.settle: list[tuple[ConnectItem, int, str]] = []  # (item, account id, how it was found)
        self.written: dict[int, ConnectItem] = {}  # account id -> the item whose settings it got
        #: OUTLOOK accounts saved in this run whose connection state phase 4 reads back.
        self.outlook_saved: set[int] = set()
        self.warmed: dict[int, tuple[int, str]] = {}  # account id -> (warmup per day, address) written
        self.warmup_cache = warmup_cache
        self.drift: list[Drift] = []
        self.tag_targets: dict[tuple[int, ...], list[tuple[ConnectItem, int]]] = {}
        for item in plan.items:
            if item.action == "skip":
                self.skipped(item.address, "connect", item.reason, item.account_id)

    def phases(self) -> Sequence[Callable[[], Flow[None]]]:
        """Create, settle, tag, read back, remember the warmup volumes written."""
        return [self.create_phase, self.settle_phase, self.tag_phase, self.verify_phase, self.remember_phase]

    def remember_phase(self) -> Flow[None]:
        """Keep the warmup volumes written in the warmup cache (when one was given)."""
        yield from remember_written(
            self.warmup_cache, [(a, v, e) for a, (v, e) in sorted(self.warmed.items())]
        )

    def result(self) -> ApplyResult:
        """The items, and the drift the read-back found."""
        return self.collector.result(self.drift, verified=True)

    def rerun_hint(self) -> str:
        """Connect re-runs create nothing twice."""
        return RERUN

    # ---------------------------------------------------------------- phase 1: create / look up

    def _token(self, item: ConnectItem) -> Mapping[str, Any]:
        if self.tokens is not None:
            token = self.tokens[item.address]
            if isinstance(token, Exception):
                raise token
        else:
            provider = self.plan.tokens
            assert provider is not None
            token = provider.get_token(item.address)
        return _check_token(token, item.address)

    def _create(self, item: ConnectItem) -> Flow[AccountWriteResult]:
        options = item.settings.create_fields()
        if self.plan.strategy == "smtp":
            creds = self.plan.credentials
            assert creds is not None
            return (
                yield from _calls.save_smtp(
                    from_name=item.from_name or item.address,
                    from_email=item.address,
                    user_name=item.login or item.address,
                    password=creds.get(item.address) or "",
                    smtp_host=SMTP_HOST,
                    smtp_port=SMTP_PORT,
                    imap_host=IMAP_HOST,
                    imap_port=IMAP_PORT,
                    **options,
                )
            )
        return (
            yield from _calls.save_oauth(
                from_name=item.from_name or item.address,
                from_email=item.address,
                username=item.login or item.address,
                token=self._token(item),
                use_whitelabel_credentials=self.plan.use_whitelabel_credentials,
                **options,
            )
        )

    def _guarded(self, flow: Flow[T]) -> Flow[T]:
        """``flow`` unless the plan's slots ran out before it started (then nothing is sent)."""
        if self.slots.full:
            raise _NoSlot()
        return (yield from flow)

    def create_phase(self) -> Flow[None]:
        """Create each planned account, or find each hand-added one; queue the existing ones to converge."""
        for item in self.plan.items:
            if item.action == "update" and item.account_id is not None:
                self.settle.append((item, item.account_id, "existing account"))
        if self.plan.microsoft is not None:
            yield from self.oauth_create_phase()
            return
        work: list[tuple[ConnectItem, Flow[AccountWriteResult] | Flow[EmailAccount]]] = []  # saves, look-ups
        for item in self.plan.items:
            if item.action == "create":
                work.append((item, self._guarded(self._create(item))))
            elif item.action == "manual":
                work.append((item, _calls.get_account_by_email(item.address)))
        yield from self.each(work, self.created)

    def created(self, item: ConnectItem, value: Any, error: Exception | None) -> None:
        """Record a create (or look-up); queue what the next phases do for it."""
        kind = "SMTP" if self.plan.strategy == "smtp" else "OUTLOOK"
        if error is None:
            if item.action == "manual":
                assert isinstance(value, EmailAccount)
                self.settle.append((item, value.id, "connected by hand"))
                return
            # Every path saves once (the id from the save's answer); phase 4 reads the accounts back in
            # bulk, an OUTLOOK account's connection state included.
            assert isinstance(value, AccountWriteResult)
            assert value.email_account_id is not None  # the save's parser guarantees it
            new_id = value.email_account_id
            self.created_count += 1
            self._tags_for(item, new_id)
            self.written[new_id] = item
            if kind == "OUTLOOK":
                self.outlook_saved.add(new_id)
            if item.settings.warmup_per_day is not None:
                self.warmed[new_id] = (item.settings.warmup_per_day, item.address)
            self.collector.add(
                ItemResult(
                    subject=item.address,
                    action=f"create {kind} account",
                    status="succeeded",
                    detail=f"connected as account {new_id} ({item.settings.describe()})",
                    account_id=new_id,
                )
            )
            return
        if isinstance(error, _NoSlot) or (item.action == "create" and is_slot_limit(error)):
            if not self.slots.full:
                self.slots.close(error, self.plan_creates_left())
            self.collector.add(
                ItemResult(
                    subject=item.address,
                    action=f"create {kind} account",
                    status="skipped",
                    detail=self.slots.reason(),
                    fix=self.slots.fix(),
                )
            )
            return
        if item.action == "manual" and isinstance(error, NotFoundError):
            self.skipped(
                item.address,
                "find hand-added account",
                "not in Smartlead yet: follow the hand-off steps (plan.handoff()), then apply again",
            )
            return
        exists, account_id = _already_exists(error)
        if exists and account_id is not None:
            self.settle.append((item, account_id, "already existed (ACCOUNT_ALREADY_EXIST)"))
            return
        detail = describe_error(error)
        if exists:
            detail = "the address is connected in another Smartlead user's workspace: " + detail
        # Smartlead verifies a token when it saves it and answers Microsoft's text inside its own
        # error (ACCOUNT_VERIFICATION_FAILED: ... AADSTS50000 ...): that cause's finding, not the
        # generic hint about hosts and passwords.
        found = text_finding(str(error)) if kind == "OUTLOOK" and isinstance(error, APIError) else None
        save_code, save_fix = found or (None, None)
        self.collector.add(
            ItemResult(
                subject=item.address,
                action=f"connect ({self.plan.strategy})",
                status="failed",
                detail=detail,
                error=error,
                code=save_code,
                fix=save_fix or getattr(error, "hint", None) or None,
            )
        )

    def plan_creates_left(self) -> int:
        """Planned creates not yet created (the one just refused included)."""
        return max(len(self.plan.to_create) - self.created_count, 0) if self.plan.strategy != "manual" else 0

    # ---------------------------------------------------------------- phase 1 over OAuth: mint, preflight, save

    def oauth_create_phase(self) -> Flow[None]:
        """Sign in, preflight and save each planned mailbox, a batch of tenants at a time."""
        plan = self.plan
        app = plan.microsoft
        passwords = plan.passwords
        assert app is not None
        assert passwords is not None
        groups: dict[str, list[ConnectItem]] = {}
        for item in plan.items:
            if item.action == "create":
                groups.setdefault((item.tenant_id or "").lower(), []).append(item)
        tenants = list(groups)
        step = plan.tenants_at_once
        for start in range(0, len(tenants), step):
            batch = [item for tenant in tenants[start : start + step] for item in groups[tenant]]
            if self.slots.full:
                for item in batch:
                    self.created(item, None, _NoSlot())
                continue
            ready: list[tuple[ConnectItem, Any]] = []
            for item in batch:
                try:
                    credential = passwords.credential(item)
                except ValueError as exc:
                    self._sign_in_failed(item, exc)
                    continue
                if credential is None:
                    self._no_password(item)
                    continue
                ready.append((item, credential))
            if not ready:
                continue
            outcomes = yield from on(
                MICROSOFT,
                sign_in_many_flow(
                    app,
                    [credential for _, credential in ready],
                    self.ledger,
                    per_tenant=plan.per_tenant,
                    tenants_at_once=step,
                ),
            )
            work: list[tuple[ConnectItem, Flow[AccountWriteResult]]] = []
            for (item, _), outcome in zip(ready, outcomes, strict=True):
                if outcome.token is None:
                    assert outcome.error is not None
                    self._sign_in_failed(item, outcome.error)
                else:
                    work.append((item, self._guarded(self._save_token(item, outcome.token))))
            del outcomes
            yield from self.each(work, self.created)

    def _save_fields(self, item: ConnectItem, token: MicrosoftToken) -> dict[str, Any]:
        return {
            "from_name": item.from_name or item.address,
            "from_email": item.address,
            "username": item.login or item.address,
            "token": token.to_smartlead(),
            "use_whitelabel_credentials": self.plan.use_whitelabel_credentials,
            **item.settings.create_fields(),
        }

    def _save_token(self, item: ConnectItem, token: MicrosoftToken) -> Flow[AccountWriteResult]:
        """One ``save-oauth``; the connection state is read back with the rest in phase 4."""
        return _calls.save_oauth(**self._save_fields(item, token))

    def _save_token_and_read(self, item: ConnectItem, token: MicrosoftToken) -> Flow[EmailAccount]:
        """``save-oauth``, then the account by id (one mailbox signed in by hand: no list walk follows)."""
        return _calls.create_oauth(**self._save_fields(item, token))

    def _no_password(self, item: ConnectItem) -> None:
        self.collector.add(
            ItemResult(
                subject=item.address,
                action="sign in (password flow)",
                status="failed",
                detail="no password for this mailbox (it was already used in this run, or the credentials lack it)",
                code="TL401",
                fix="Copy the mailbox's password from the TenantCore app into the credentials file and run again.",
            )
        )

    def _sign_in_failed(self, item: ConnectItem, error: Exception) -> None:
        if isinstance(error, ValueError) and not isinstance(error, APIError):
            self.collector.add(
                ItemResult(
                    subject=item.address,
                    action="sign in (password flow)",
                    status="failed",
                    detail=f"credentials refused before any request: {error}",
                    error=error,
                    code="TL401",
                    fix="Re-copy the password from the TenantCore app (no surrounding spaces) and run again.",
                )
            )
            return
        signed = as_sign_in_error(error, tenant_id=item.tenant_id, username=item.login)
        code, detail, fix = sign_in_result(signed, self.plan.microsoft)
        if signed.cause is SignInCause.MFA_OR_POLICY:
            self.needs_browser.append(item)
        self.collector.add(
            ItemResult(
                subject=item.address,
                action="sign in (password flow)",
                status="failed",
                detail=detail,
                error=signed,
                code=code,
                fix=fix,
            )
        )

    # ---------------------------------------------------------------- phase 2: settings on existing accounts

    def settle_phase(self) -> Flow[None]:
        """Give accounts that already existed the planned settings."""
        work: list[tuple[tuple[ConnectItem, int, str], Flow[None]]] = []
        for item, account_id, how in self.settle:
            flow = self._settle(item, account_id)
            if flow is not None:
                work.append(((item, account_id, how), flow))
            else:
                self.settled((item, account_id, how), None, None)
        yield from self.each(work, self.settled)

    def _settle(self, item: ConnectItem, account_id: int) -> Flow[None] | None:
        """The writes that give an existing account the planned settings (None: nothing to write).

        A hand-added account, or one created by an interrupted run, has not had the planned
        warmup applied (``create_*`` sets it only on accounts it creates), so it is set here
        after the limit - the limit was planned with that warmup volume under the ceiling.
        """
        fields = item.settings.update_fields()
        warmup = item.settings.warmup_per_day if item.action != "update" else None
        if not fields and warmup is None:
            return None

        def writes() -> Flow[None]:
            if fields:
                yield from _calls.update_account(account_id, **fields)
            if warmup is not None:
                yield from _calls.update_warmup(account_id, total_warmup_per_day=warmup)

        return writes()

    def settled(self, key: tuple[ConnectItem, int, str], value: Any, error: Exception | None) -> None:
        """Record the settings written on an existing account (its tags follow in phase 3)."""
        item, account_id, how = key
        if error is None:
            self.written[account_id] = item
            if item.action != "update" and item.settings.warmup_per_day is not None:
                self.warmed[account_id] = (item.settings.warmup_per_day, item.address)
            self._tags_for(item, account_id)
        if item.action == "update" and item.settings.client_id is None:
            return  # only tags to converge: phase 3 reports them
        self.collector.add(
            ItemResult(
                subject=item.address,
                action="apply settings" if item.action != "update" else "move to client",
                status="succeeded" if error is None else "failed",
                detail=(
                    f"{how} (account {account_id}): {item.settings.describe()}"
                    if error is None
                    else describe_error(error)
                ),
                error=error,
                account_id=account_id,
            )
        )

    # ---------------------------------------------------------------- phase 3: tags

    def _tags_for(self, item: ConnectItem, account_id: int) -> None:
        if item.settings.tag_ids:
            self.tag_targets.setdefault(item.settings.tag_ids, []).append((item, account_id))

    def tag_phase(self) -> Flow[None]:
        """One tag request set per distinct tag list."""
        work = [
            (targets, _calls.add_tags([a for _, a in targets], list(tag_ids)))
            for tag_ids, targets in self.tag_targets.items()
        ]
        yield from self.each(work, self.tagged)

    def tagged(self, targets: list[tuple[ConnectItem, int]], value: Any, error: Exception | None) -> None:
        """Record each tagged account (a failed chunk fails its accounts only)."""
        failed_ids: set[int] = set()
        if isinstance(value, TagMappingResult):
            failed_ids |= set(value.failed_ids)
            failed_ids |= {i.email_account_id for i in value.failed_items if i.email_account_id}
        for item, account_id in targets:
            bad = error is not None or account_id in failed_ids
            self.collector.add(
                ItemResult(
                    subject=item.address,
                    action=f"add tags {list(item.settings.tag_ids)}",
                    status="failed" if bad else "succeeded",
                    detail=describe_error(error)
                    if error is not None
                    else ("tag request failed" if bad else "tagged" + _converged(item)),
                    error=error,
                    account_id=account_id,
                )
            )

    # ---------------------------------------------------------------- phase 4: read back in bulk

    def verify_phase(self) -> Flow[None]:
        """One walk of the account list: every account written, with the planned settings."""
        if not self.written:
            return
        accounts = yield from _calls.list_accounts(
            read_ahead=DEFAULT_READ_AHEAD if self.concurrency > 1 else 0
        )
        self.drift += self.verify(accounts)

    def verify(self, accounts: Sequence[EmailAccount]) -> list[Drift]:
        """Written accounts missing from ``accounts``, or whose limit, gap or client differ from the plan.

        An OUTLOOK account saved in this run that reads back not connected turns its create's
        result into a failure with the TL4xx finding of Smartlead's error text.
        """
        by_id = {a.id: a for a in accounts}
        drift: list[Drift] = []
        for account_id, item in sorted(self.written.items()):
            account = by_id.get(account_id)
            if account is None:
                drift.append(Drift(subject=item.address, field="account", expected="present", actual=None))
                continue
            problem = read_back_problem(account) if account_id in self.outlook_saved else None
            if problem is not None:
                code, detail, fix = problem
                self.collector.replace(
                    item.address,
                    account_id,
                    ItemResult(
                        subject=item.address,
                        action="create OUTLOOK account",
                        status="failed",
                        detail=f"account {account_id} {detail}",
                        account_id=account_id,
                        code=code,
                        fix=fix,
                    ),
                )
            settings = item.settings
            for field, expected, actual in (
                ("message_per_day", settings.max_email_per_day, account.message_per_day),
                ("min_time_to_wait_in_mins", settings.time_to_wait_in_mins, account.min_time_to_wait_in_mins),
                ("client_id", settings.client_id, account.client_id),
            ):
                if expected is not None and actual != expected:
                    drift.append(Drift(subject=item.address, field=field, expected=expected, actual=actual))
        return drift


def _converged(item: ConnectItem) -> str:
    """How an existing account's converged write reads in its result (nothing for a new account)."""
    return " (the account existed without them: converged)" if item.action == "update" else ""


class _NoSlot(Exception):
    """Internal: a create not started because the plan's slots ran out."""


# ----------------------------------------------------------------------------- driving with Microsoft


def drive(run: ConnectRun, sl: Smartlead, ms: MicrosoftIdentity | None) -> ApplyResult:
    """Drive ``run`` on blocking clients (Smartlead, and Microsoft for the sign-ins)."""
    run.concurrency = 1
    clients: dict[str, Any] = {_calls.SMARTLEAD: sl}
    if ms is not None:
        clients[MICROSOFT] = ms
    try:
        return run_flow(run.flow(), clients, default=_calls.SMARTLEAD)
    except BaseException as exc:
        partial_note(exc, run.collector, run.rerun_hint())
        raise


async def adrive(
    run: ConnectRun, sl: AsyncSmartlead, ms: AsyncMicrosoftIdentity | None, *, concurrency: int
) -> ApplyResult:
    """Async [`drive`][tenantlead.orchestration.connect_apply.drive], at most ``concurrency`` items of a phase at a time."""
    run.concurrency = check_concurrency(concurrency)
    clients: dict[str, Any] = {_calls.SMARTLEAD: sl}
    if ms is not None:
        clients[MICROSOFT] = ms
    try:
        return await arun_flow(run.flow(), clients, default=_calls.SMARTLEAD)
    except BaseException as exc:
        partial_note(exc, run.collector, run.rerun_hint())
        raise


def browser_fallback(
    run: ConnectRun, result: ApplyResult, sl: Smartlead, ms: MicrosoftIdentity, opener: Callable[[str], Any],
    timeout: float | None,
) -> ApplyResult:  # fmt: skip
    """Offer the browser flow to the mailboxes whose password sign-in met MFA/Conditional Access.

    Each one gets ``opener(url)`` with its sign-in URL (``login_hint`` pre-filled) and a loopback
    listener waiting up to ``timeout`` seconds; a completed sign-in is preflighted and saved, and
    its item result replaced. A mailbox nobody signs in keeps its TL405 result.
    """
    replaced: dict[str, ItemResult] = {}
    for item in run.needs_browser:
        try:
            token = ms.browser_sign_in(
                item.tenant_id or "", item.login or item.address, open_browser=opener, timeout=timeout
            )
            account = run_flow(run._guarded(run._save_token_and_read(item, token)), sl)
        except SignInError as exc:
            code, detail, fix = sign_in_result(exc, run.plan.microsoft)
            replaced[item.address] = ItemResult(
                subject=item.address,
                action="sign in (browser flow)",
                status="failed",
                detail=detail,
                error=exc,
                code=code,
                fix=fix,
            )
            continue
        except Exception as exc:
            replaced[item.address] = ItemResult(
                subject=item.address,
                action="create OUTLOOK account (browser flow)",
                status="failed",
                detail=describe_error(exc),
                error=exc,
                fix=getattr(exc, "hint", None) or None,
            )
            continue
        replaced[item.address] = ItemResult(
            subject=item.address,
            action="create OUTLOOK account (browser flow)",
            status="succeeded",
            detail=f"signed in in the browser; connected as account {account.id} ({item.settings.describe()})",
            account_id=account.id,
        )
    if not replaced:
        return result
    items = tuple(
        replaced.get(i.subject, i) if i.action == "sign in (password flow)" else i for i in result.items
    )
    return ApplyResult(items=items, drift=result.drift, verified=result.verified)
