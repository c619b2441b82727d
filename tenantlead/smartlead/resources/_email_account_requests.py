"""Email accounts, the wire side: request builders, flows and parsers (pure; no I/O).

Every method ``m`` of [EmailAccounts][tenantlead.smartlead.resources.email_accounts.EmailAccounts]
has a builder here taking the method's own arguments: ``m_request(...)`` returns the one
``APIRequest`` it sends, ``m_flow(...)`` the flow of a method that makes several requests
(``create_smtp``/``create_oauth`` save then read back, ``bulk_update``/``add_tags``/``remove_tags``
send one request per chunk, ``reconnect_failed`` turns one 404 into a result). Arguments are
checked when the builder is called, before anything is sent (the field sets and their checks
are in ``_email_account_fields``). Import them from ``tenantlead.smartlead.resources.email_accounts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from typing_extensions import Unpack

from tenantlead._core.flow import Flow
from tenantlead._core.pager import Page
from tenantlead._core.request import APIRequest, Response
from tenantlead.errors import NotFoundError
from tenantlead.smartlead._validate import (
    check_bool,
    check_email,
    check_id,
    check_ids,
    check_int,
    check_one_of,
    chunked,
)
from tenantlead.smartlead.models import (
    AccountTags,
    AccountWriteResult,
    BatchResult,
    ChunkOutcome,
    EmailAccount,
    MultiFetchResult,
    OAuthToken,
    ReconnectResult,
    SuspendResult,
    TagMappingResponse,
    TagMappingResult,
    WarmupStats,
)
from tenantlead.smartlead.resources._common import (
    ChunkPlan,
    batch_flow,
    parse_items,
    parse_object,
)
from tenantlead.smartlead.resources._email_account_fields import (
    _BULK_RENAMES,
    _BULK_WIRE,
    BULK_UPDATE_CHUNK,
    ESP,
    PAGE_LIMIT,
    TAG_MAPPING_CHUNK,
    AccountSettings,
    BulkAccountUpdate,
    OAuthAccountOptions,
    SMTPAccountOptions,
    WarmupSettings,
    _checked,
    _fetch_body,
    _nonempty,
    _optional_id,
    _text,
    _token_from_mapping,
)

# ----------------------------------------------------------------------------- paths


def _account_path(account_id: int, suffix: str = "") -> str:
    return f"/email-accounts/{check_id(account_id, 'account_id')}{suffix}"


# ----------------------------------------------------------------------------- parsers


def _page(response: Response) -> Page[EmailAccount]:
    return Page(items=parse_items(EmailAccount)(response))


def _saved(response: Response) -> AccountWriteResult:
    result = parse_object(AccountWriteResult)(response)
    if result.email_account_id is None:
        raise KeyError(
            "emailAccountId missing from the save answer (the account may exist: look it up by email)"
        )
    return result


def _message(response: Response) -> str:
    """The human message of a ``{ok, message}`` / ``{ok, data: "..."}`` / text answer."""
    data = response.data
    if isinstance(data, Mapping):
        for key in ("message", "data"):
            if isinstance(data.get(key), str):
                return str(data[key])
        return ""
    return "" if data is None else str(data)


def _messages(response: Response) -> list[dict[str, Any]]:
    data = response.data
    if isinstance(data, Mapping):
        data = data.get("messages", data.get("data"))
    if not isinstance(data, list):
        raise TypeError(f"expected a messages array, got {type(data).__name__}")
    return [dict(m) if isinstance(m, Mapping) else {"value": m} for m in data]


# ----------------------------------------------------------------------------- builders


def _list_page(offset: int, limit: int, filters: Mapping[str, Any]) -> APIRequest[Page[EmailAccount]]:
    """One page of the account list, with filters already checked by ``_list_filters``."""
    return APIRequest(
        method="GET",
        path="/email-accounts/",
        params={"offset": offset, "limit": limit, **filters},
        parse=_page,
    )


def _list_filters(
    *,
    is_in_use: bool | None,
    warmup_status: Literal["ACTIVE", "INACTIVE"] | None,
    is_smtp_success: bool | None,
    is_warmup_blocked: bool | None,
    esp: ESP | None,
    username: str | None,
    client_id: int | None,
    fetch_campaigns: bool,
    page_size: int,
) -> dict[str, Any]:
    check_int(page_size, "page_size", minimum=1, maximum=PAGE_LIMIT)
    for name, flag in (
        ("is_in_use", is_in_use),
        ("is_smtp_success", is_smtp_success),
        ("is_warmup_blocked", is_warmup_blocked),
    ):
        if flag is not None:
            check_bool(flag, name)
    if warmup_status is not None:
        check_one_of(warmup_status, "warmup_status", ("ACTIVE", "INACTIVE"))
    if esp is not None:
        check_one_of(esp, "esp", ("GMAIL", "OUTLOOK", "SMTP"))
    if username is not None and (not isinstance(username, str) or not username.strip()):
        raise ValueError(f"username must be a non-empty string, got {username!r}")
    return {
        "isInUse": is_in_use,
        "emailWarmupStatus": warmup_status,
        "isSmtpSuccess": is_smtp_success,
        "isWarmupBlocked": is_warmup_blocked,
        "esp": esp,
        "username": username,
        "client_id": _optional_id(client_id, "client_id"),
        "fetch_campaigns": check_bool(fetch_campaigns, "fetch_campaigns") or None,
    }


def list_page_request(
    offset: int = 0,
    limit: int = PAGE_LIMIT,
    *,
    is_in_use: bool | None = None,
    warmup_status: Literal["ACTIVE", "INACTIVE"] | None = None,
    is_smtp_success: bool | None = None,
    is_warmup_blocked: bool | None = None,
    esp: ESP | None = None,
    username: str | None = None,
    client_id: int | None = None,
    fetch_campaigns: bool = False,
) -> APIRequest[Page[EmailAccount]]:
    """One page (``limit`` 1-100 accounts from ``offset``) of ``EmailAccounts.list``, same filters.

    A short or empty page is the last one (Smartlead reports no total).
    """
    check_int(offset, "offset", minimum=0)
    check_int(limit, "limit", minimum=1, maximum=PAGE_LIMIT)
    filters = _list_filters(
        is_in_use=is_in_use, warmup_status=warmup_status, is_smtp_success=is_smtp_success,
        is_warmup_blocked=is_warmup_blocked, esp=esp, username=username, client_id=client_id,
        fetch_campaigns=fetch_campaigns, page_size=limit,
    )  # fmt: skip
    return _list_page(offset, limit, filters)


def get_request(
    account_id: int, *, fetch_campaigns: bool = False, fetch_tags: bool = False
) -> APIRequest[EmailAccount]:
    """``EmailAccounts.get``: one account by id (NotFoundError for an unknown id)."""
    return APIRequest(
        method="GET",
        path=_account_path(account_id, "/"),
        params={
            "fetch_campaigns": check_bool(fetch_campaigns, "fetch_campaigns") or None,
            "fetch_tags": check_bool(fetch_tags, "fetch_tags") or None,
        },
        parse=parse_object(EmailAccount),
    )


def get_by_email_request(
    email: str, *, fetch_campaigns: bool = False, fetch_tags: bool = False
) -> APIRequest[EmailAccount]:
    """``EmailAccounts.get_by_email``: one account by its address (NotFoundError when absent)."""
    return APIRequest(
        method="GET",
        path="/email-accounts/fetch-email-account-details",
        params={
            "email": check_email(email, "email"),
            "fetch_campaigns": check_bool(fetch_campaigns, "fetch_campaigns") or None,
            "fetch_tags": check_bool(fetch_tags, "fetch_tags") or None,
        },
        parse=parse_object(EmailAccount),
    )


def _find_created(from_email: str, login: str) -> APIRequest[AccountWriteResult | None]:
    """Reconcile lookup after an uncertain create: the account with this address, or None.

    Uses the list endpoint's ``username`` filter (documented by every source) rather than
    get-by-email, whose 404 for "no such account" would surface as an error.
    """
    wanted = from_email.lower()

    def parse(response: Response) -> AccountWriteResult | None:
        for account in parse_items(EmailAccount)(response):
            if account.from_email.lower() == wanted:
                return AccountWriteResult(
                    ok=True, message="found by email after an uncertain create", email_account_id=account.id
                )
        return None

    return APIRequest(
        method="GET",
        path="/email-accounts/",
        params={"offset": 0, "limit": PAGE_LIMIT, "username": login},
        parse=parse,
    )


def create_smtp_request(
    *,
    from_name: str,
    from_email: str,
    user_name: str,
    password: str,
    smtp_host: str,
    smtp_port: int,
    imap_host: str,
    imap_port: int,
    **options: Unpack[SMTPAccountOptions],
) -> APIRequest[AccountWriteResult]:
    """The save of ``EmailAccounts.create_smtp`` without the read-back.

    Answers ``AccountWriteResult`` whose ``email_account_id`` is the new account's id (a
    KeyError-shaped ``APIResponseError`` when Smartlead leaves it out). Not retried blindly: an
    uncertain outcome is reconciled by looking the address up.
    """
    from_email = check_email(from_email, "from_email")
    body: dict[str, Any] = {
        "id": None,
        "from_name": _text(from_name, "from_name"),
        "from_email": from_email,
        "user_name": _nonempty(user_name, "user_name"),
        "password": _nonempty(password, "password"),
        "smtp_host": _nonempty(smtp_host, "smtp_host"),
        "smtp_port": check_int(smtp_port, "smtp_port", minimum=1, maximum=65535),
        "imap_host": _nonempty(imap_host, "imap_host"),
        "imap_port": check_int(imap_port, "imap_port", minimum=1, maximum=65535),
        "warmup_enabled": False,
    }
    body.update(_checked(options, SMTPAccountOptions.__annotations__))
    return APIRequest(
        method="POST",
        path="/email-accounts/save",
        json=body,
        parse=_saved,
        retry_safe=False,
        reconcile=_find_created(from_email, user_name),
    )


def create_oauth_request(
    *,
    from_name: str,
    from_email: str,
    username: str,
    token: OAuthToken | Mapping[str, Any],
    type: Literal["OUTLOOK", "GMAIL"] = "OUTLOOK",
    use_whitelabel_credentials: bool = False,
    **options: Unpack[OAuthAccountOptions],
) -> APIRequest[AccountWriteResult]:
    """The save of ``EmailAccounts.create_oauth`` without the read-back (answers the new id).

    Like [create_smtp_request][tenantlead.smartlead.resources.email_accounts.create_smtp_request],
    an uncertain outcome is reconciled by looking the address up before any resend.
    """
    from_email = check_email(from_email, "from_email")
    if isinstance(token, Mapping):
        token = _token_from_mapping(token)
    if not isinstance(token, OAuthToken):
        raise ValueError("token must be an OAuthToken or a mapping with scope and expiry_date")
    if not token.access_token and not token.refresh_token:
        raise ValueError("token needs an access_token or a refresh_token")
    body: dict[str, Any] = {
        "id": None,
        "from_name": _text(from_name, "from_name"),
        "from_email": from_email,
        "username": _nonempty(username, "username"),
        "type": check_one_of(type, "type", ("OUTLOOK", "GMAIL")),
        "token": {k: v for k, v in token.to_wire().items() if v is not None},
        "warmup_enabled": False,
        "use_whitelabel_credentials": check_bool(use_whitelabel_credentials, "use_whitelabel_credentials"),
    }
    fields = dict(options)
    account_id = _optional_id(fields.pop("id", None), "id")
    body.update(_checked(fields, OAuthAccountOptions.__annotations__))
    if account_id is not None:
        # An update of that account: repeating it cannot create anything, so it may be retried.
        body["id"] = account_id
        return APIRequest(
            method="POST", path="/email-accounts/save-oauth", json=body, parse=_saved, retry_safe=True
        )
    return APIRequest(
        method="POST",
        path="/email-accounts/save-oauth",
        json=body,
        parse=_saved,
        retry_safe=False,
        reconcile=_find_created(from_email, username),
    )


def update_request(account_id: int, **fields: Unpack[AccountSettings]) -> APIRequest[AccountWriteResult]:
    """``EmailAccounts.update``: a partial settings update (the daily limit is ``max_email_per_day``)."""
    body = _checked(fields, AccountSettings.__annotations__)
    if not body:
        raise ValueError("update() needs at least one field to change, e.g. max_email_per_day=40")
    return APIRequest(
        method="POST",
        path=_account_path(account_id),
        json=body,
        parse=parse_object(AccountWriteResult),
        retry_safe=True,
    )


def _bulk_update_plan(account_ids: Iterable[int], fields: Mapping[str, Any]) -> ChunkPlan[str]:
    ids = check_ids(account_ids, "account_ids")
    update: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in _BULK_WIRE:
            hint = f" (in bulk_update() use {_BULK_RENAMES[key]})" if key in _BULK_RENAMES else ""
            raise TypeError(f"unexpected field {key!r}{hint}; allowed: {', '.join(sorted(_BULK_WIRE))}")
        wire, check = _BULK_WIRE[key]
        update[wire] = check(value, key)
    if not update:
        raise ValueError("bulk_update() needs at least one field to change, e.g. message_per_day=40")
    return [
        (
            chunk,
            APIRequest(
                method="POST",
                path="/email-accounts/bulk-update-email-account-config",
                json={"emailAccountIds": chunk, "updateData": update},
                parse=_message,
                retry_safe=True,
            ),
        )
        for chunk in chunked(ids, BULK_UPDATE_CHUNK)
    ]


def update_warmup_request(
    account_id: int, *, warmup_enabled: bool, **settings: Unpack[WarmupSettings]
) -> APIRequest[AccountWriteResult]:
    """``EmailAccounts.update_warmup``: enable, disable or tune an account's warmup."""
    body = {"warmup_enabled": check_bool(warmup_enabled, "warmup_enabled")}
    body.update(_checked(settings, WarmupSettings.__annotations__))
    return APIRequest(
        method="POST",
        path=_account_path(account_id, "/warmup"),
        json=body,
        parse=parse_object(AccountWriteResult),
        retry_safe=True,
    )


def warmup_stats_request(account_id: int) -> APIRequest[WarmupStats]:
    """``EmailAccounts.warmup_stats``: warmup statistics for the last 7 days."""
    return APIRequest(
        method="GET", path=_account_path(account_id, "/warmup-stats"), parse=parse_object(WarmupStats)
    )


def _nothing_to_reconnect(error: NotFoundError) -> ReconnectResult | None:
    """The old docs' (and help-centre article 125's) 404 for "no failed account", else None.

    That answer carries ``ok: true`` and means the same as the newer 200 with the same message,
    so it is a result (``queued`` False), not an error; any other 404 stays an error.
    """
    body = error.body
    if isinstance(body, Mapping) and body.get("ok") is True:
        message = body.get("message")
        if isinstance(message, str) and "no failed email account" in message.lower():
            return ReconnectResult(ok=True, message=message)
    return None


def delete_request(account_id: int) -> APIRequest[AccountWriteResult]:
    """``EmailAccounts.delete``: soft-delete an account."""
    return APIRequest(method="DELETE", path=_account_path(account_id), parse=parse_object(AccountWriteResult))


def suspend_request(account_id: int) -> APIRequest[SuspendResult]:
    """``EmailAccounts.suspend``: campaign sending and warmup stop."""
    return _suspend(account_id, True)


def unsuspend_request(account_id: int) -> APIRequest[SuspendResult]:
    """``EmailAccounts.unsuspend``: lift a suspension."""
    return _suspend(account_id, False)


def _suspend(account_id: int, suspend: bool) -> APIRequest[SuspendResult]:
    action = "suspend" if suspend else "unsuspend"
    return APIRequest(
        method="PUT" if suspend else "DELETE",
        path=f"/email-accounts/{action}/{check_id(account_id, 'account_id')}",
        parse=parse_object(SuspendResult),
        retry_safe=True,
    )


def _tag_mapping_plan(
    method: Literal["POST", "DELETE"], account_ids: Iterable[int], tag_ids: Iterable[int]
) -> ChunkPlan[TagMappingResponse]:
    ids = check_ids(account_ids, "account_ids")
    tags = check_ids(tag_ids, "tag_ids")
    return [
        (
            chunk,
            APIRequest(
                method=method,
                path="/email-accounts/tag-mapping",
                json={"email_account_ids": chunk, "tag_ids": tags},
                parse=parse_object(TagMappingResponse),
                retry_safe=True,  # additive/removal mappings are idempotent
            ),
        )
        for chunk in chunked(ids, TAG_MAPPING_CHUNK)
    ]


def tags_for_request(emails: Iterable[str]) -> APIRequest[list[AccountTags]]:
    """``EmailAccounts.tags_for``: the tags of accounts, by address."""
    if isinstance(emails, str):
        raise ValueError("emails must be a list of addresses, not one string")
    addresses = [check_email(e, f"emails[{i}]") for i, e in enumerate(emails)]
    if not addresses:
        raise ValueError("emails must contain at least one address")
    return APIRequest(
        method="POST",
        path="/email-accounts/tag-list",
        json={"email_ids": addresses},
        parse=parse_items(AccountTags),
        retry_safe=True,  # a read
    )


def send_otp_request(account_id: int) -> APIRequest[str]:
    """``EmailAccounts.send_otp``: email a code that unblocks the account's warmup."""
    return APIRequest(method="POST", path=_account_path(account_id, "/send-otp-email"), parse=_message)


def verify_otp_request(account_id: int, otp: str) -> APIRequest[str]:
    """``EmailAccounts.verify_otp``: submit the code from the OTP email."""
    if not isinstance(otp, str) or not otp.strip().isdigit():
        raise ValueError("otp must be the digits from the OTP email, as a string such as '123456'")
    return APIRequest(
        method="POST",
        path=_account_path(account_id, "/verify-otp"),
        json={"otp": otp.strip()},
        parse=_message,
    )


def fetch_replies_request() -> APIRequest[str]:
    """``EmailAccounts.fetch_replies``: queue a live reply fetch for every account."""
    return APIRequest(method="POST", path="/email-accounts/fetch-account-reply", json={}, parse=_message)


def fetch_messages_request(
    account_id: int,
    *,
    limit: int = 100,
    folder: str | None = None,
    include_body: bool | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
) -> APIRequest[list[dict[str, Any]]]:
    """``EmailAccounts.fetch_messages``: a mailbox's messages as dicts (``limit`` 1-500)."""
    return APIRequest(
        method="POST",
        path=_account_path(account_id, "/fetch-messages"),
        json=_fetch_body(limit=limit, folder=folder, include_body=include_body, since=since, until=until),
        parse=_messages,
        retry_safe=True,  # a read
    )


def fetch_messages_multi_request(
    account_ids: Iterable[int],
    *,
    limit: int = 100,
    folder: str | None = None,
    include_body: bool | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
) -> APIRequest[MultiFetchResult]:
    """``EmailAccounts.fetch_messages_multi``: messages of 1-10 accounts in one request."""
    ids = check_ids(account_ids, "account_ids")
    if len(ids) > 10:
        raise ValueError(f"fetch_messages_multi() takes 1-10 account ids per call, got {len(ids)}")
    body = _fetch_body(limit=limit, folder=folder, include_body=include_body, since=since, until=until)
    return APIRequest(
        method="POST",
        path="/email-accounts/multi/fetch-messages",
        json=[{"account_id": i, **body} for i in ids],
        parse=parse_object(MultiFetchResult),
        retry_safe=True,
    )


def _reconnect_failed() -> APIRequest[ReconnectResult]:
    # Never retried: each call spends one of the 3 daily reconnects.
    return APIRequest(
        method="POST",
        path="/email-accounts/reconnect-failed-email-accounts",
        json={},
        parse=parse_object(ReconnectResult),
        retry_safe=False,
    )


# ----------------------------------------------------------------------------- flows (several requests)


def _read_back(save: APIRequest[AccountWriteResult]) -> Flow[EmailAccount]:
    written: AccountWriteResult = yield save
    assert written.email_account_id is not None  # _saved guarantees it
    account: EmailAccount = yield get_request(written.email_account_id)
    return account


def create_smtp_flow(
    *,
    from_name: str,
    from_email: str,
    user_name: str,
    password: str,
    smtp_host: str,
    smtp_port: int,
    imap_host: str,
    imap_port: int,
    **options: Unpack[SMTPAccountOptions],
) -> Flow[EmailAccount]:
    """``EmailAccounts.create_smtp`` as a flow: the save, then a GET of the new account by id.

    Arguments are checked here, before the flow runs.
    """
    return _read_back(
        create_smtp_request(
            from_name=from_name, from_email=from_email, user_name=user_name, password=password,
            smtp_host=smtp_host, smtp_port=smtp_port, imap_host=imap_host, imap_port=imap_port,
            **options,
        )
    )  # fmt: skip


def create_oauth_flow(
    *,
    from_name: str,
    from_email: str,
    username: str,
    token: OAuthToken | Mapping[str, Any],
    type: Literal["OUTLOOK", "GMAIL"] = "OUTLOOK",
    use_whitelabel_credentials: bool = False,
    **options: Unpack[OAuthAccountOptions],
) -> Flow[EmailAccount]:
    """``EmailAccounts.create_oauth`` as a flow: the save, then a GET of the new account by id."""
    return _read_back(
        create_oauth_request(
            from_name=from_name, from_email=from_email, username=username, token=token, type=type,
            use_whitelabel_credentials=use_whitelabel_credentials, **options,
        )
    )  # fmt: skip


def bulk_update_flow(
    account_ids: Iterable[int], **fields: Unpack[BulkAccountUpdate]
) -> Flow[BatchResult[str]]:
    """``EmailAccounts.bulk_update`` as a flow: one request per 100 accounts, every chunk sent.

    Returns the chunk outcomes; raises only when every chunk failed (then nothing changed).
    """
    return batch_flow(_bulk_update_plan(account_ids, fields), lambda chunks: BatchResult(chunks=chunks))


def add_tags_flow(account_ids: Iterable[int], tag_ids: Iterable[int]) -> Flow[TagMappingResult]:
    """``EmailAccounts.add_tags`` as a flow: one request per 25 accounts, every chunk sent."""
    return batch_flow(_tag_mapping_plan("POST", account_ids, tag_ids), _tag_result)


def remove_tags_flow(account_ids: Iterable[int], tag_ids: Iterable[int]) -> Flow[TagMappingResult]:
    """``EmailAccounts.remove_tags`` as a flow: one request per 25 accounts, every chunk sent."""
    return batch_flow(_tag_mapping_plan("DELETE", account_ids, tag_ids), _tag_result)


def _tag_result(chunks: list[ChunkOutcome[TagMappingResponse]]) -> TagMappingResult:
    return TagMappingResult(chunks=chunks)


def reconnect_failed_flow() -> Flow[ReconnectResult]:
    """``EmailAccounts.reconnect_failed`` as a flow (one request; Smartlead's 404 "nothing to do" is a result)."""
    try:
        result: ReconnectResult = yield _reconnect_failed()
    except NotFoundError as error:
        nothing = _nothing_to_reconnect(error)
        if nothing is None:
            raise
        return nothing
    return result
