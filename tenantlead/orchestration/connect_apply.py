"""The connect apply run: create (or find) each account, apply its settings, then tag.

Four phases, run by the driver of ``tenantlead.orchestration._drive`` (one item at a time on
blocking clients, ``concurrency`` at a time on async ones):

1. create: one save per planned mailbox (``/save`` or ``/save-oauth``; the new id comes from
   the save's answer), or, for ``manual``, look up the account a person added;
2. settle: the planned settings on accounts that already existed (an interrupted run's, a
   hand-added one's, ``ACCOUNT_ALREADY_EXIST``) or move to another client;
3. tags: one ``add_tags`` per distinct tag set (25 accounts per request);
4. read-back: one walk of the account list (100 per page, pages read ahead) checks that every
   account written is there with the planned limit, gap and client; a difference is drift.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tenantlead._core.flow import Flow
from tenantlead._core.pager import DEFAULT_READ_AHEAD
from tenantlead.errors import APIError, NotFoundError
from tenantlead.orchestration import _calls
from tenantlead.orchestration._drive import PhasedRun
from tenantlead.orchestration.results import ApplyResult, Drift, ItemResult, OnProgress, describe_error
from tenantlead.orchestration.views import subject_tenants
from tenantlead.orchestration.warmup_cache import WarmupCache, remember_written
from tenantlead.smartlead.models import AccountWriteResult, EmailAccount, TagMappingResult

if TYPE_CHECKING:
    from tenantlead.orchestration.connect import ConnectItem, ConnectPlan
    from tenantlead.smartlead import AsyncSmartlead, Smartlead

__all__ = ["IMAP_HOST", "IMAP_PORT", "SMTP_HOST", "SMTP_PORT", "ConnectRun", "resolve_tokens"]

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
        self.settle: list[tuple[ConnectItem, int, str]] = []  # (item, account id, how it was found)
        self.written: dict[int, ConnectItem] = {}  # account id -> the item whose settings it got
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

    def create_phase(self) -> Flow[None]:
        """Create each planned account, or find each hand-added one."""
        work: list[tuple[ConnectItem, Flow[AccountWriteResult] | Flow[EmailAccount]]] = []
        for item in self.plan.items:
            if item.action == "create":
                work.append((item, self._create(item)))
            elif item.action == "manual":
                work.append((item, _calls.get_account_by_email(item.address)))
            elif item.action == "update" and item.account_id is not None:
                self.settle.append((item, item.account_id, "existing account"))
        yield from self.each(work, self.created)

    def created(self, item: ConnectItem, value: Any, error: Exception | None) -> None:
        """Record a create (or look-up); queue what the next phases do for it."""
        if error is None:
            if item.action == "manual":
                assert isinstance(value, EmailAccount)
                self.settle.append((item, value.id, "connected by hand"))
                return
            assert isinstance(value, AccountWriteResult)
            assert value.email_account_id is not None  # the save's parser guarantees it
            new_id = value.email_account_id
            self._tags_for(item, new_id)
            self.written[new_id] = item
            if item.settings.warmup_per_day is not None:
                self.warmed[new_id] = (item.settings.warmup_per_day, item.address)
            self.collector.add(
                ItemResult(
                    subject=item.address,
                    action=f"create {'SMTP' if self.plan.strategy == 'smtp' else 'OUTLOOK'} account",
                    status="succeeded",
                    detail=f"connected as account {new_id} ({item.settings.describe()})",
                    account_id=new_id,
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
        self.collector.add(
            ItemResult(
                subject=item.address,
                action=f"connect ({self.plan.strategy})",
                status="failed",
                detail=detail,
                error=error,
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
        """Record the settings written on an existing account."""
        item, account_id, how = key
        if error is None:
            self.written[account_id] = item
            if item.action != "update" and item.settings.warmup_per_day is not None:
                self.warmed[account_id] = (item.settings.warmup_per_day, item.address)
        if error is None and item.action != "update":
            self._tags_for(item, account_id)
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
                    else ("tag request failed" if bad else "tagged"),
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
        """Written accounts missing from ``accounts``, or whose limit, gap or client differ from the plan."""
        by_id = {a.id: a for a in accounts}
        drift: list[Drift] = []
        for account_id, item in sorted(self.written.items()):
            account = by_id.get(account_id)
            if account is None:
                drift.append(Drift(subject=item.address, field="account", expected="present", actual=None))
                continue
            settings = item.settings
            for field, expected, actual in (
                ("message_per_day", settings.max_email_per_day, account.message_per_day),
                ("min_time_to_wait_in_mins", settings.time_to_wait_in_mins, account.min_time_to_wait_in_mins),
                ("client_id", settings.client_id, account.client_id),
            ):
                if expected is not None and actual != expected:
                    drift.append(Drift(subject=item.address, field=field, expected=expected, actual=actual))
        return drift
