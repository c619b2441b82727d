"""The hardening cases of issue 16: one or more per finding, each a fault, an attack or a bad input.

Every case is a plain function registered with ``@case(item, kind, title)``; ``test_hardening.py``
runs each one and records how many of each kind passed in tests/reliability/README.md. A case
asserts what a user would notice (the error class and what it says, the requests that reached
the server, the text a crash reporter would store), so it fails on the code before the fix.
Bad inputs that fit the documented table live in ``bad_input_table.py``; the cases here run
those rows by name, so each finding is counted once, under its kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import logging
import pickle
import traceback
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import attrs
import httpx
import pytest

from tenantlead import errors
from tenantlead.sandbox import Sandbox
from tenantlead.smartlead import AsyncSmartlead, Smartlead
from tenantlead.tenantcore import AsyncTenantCore, TenantCore
from tests.reliability._targets import FAKE_SL_KEY, FAKE_TC_KEY, FixedAnswer, make_clients

KINDS = ("attack", "fault", "bad input")


@attrs.frozen
class Case:
    """One hardening case: ``run()`` raises AssertionError when the finding is back."""

    item: int
    kind: str
    title: str
    run: Callable[[], None]


CASES: list[Case] = []


def case(item: int, kind: str, title: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register the decorated function as a case of finding ``item``."""
    assert kind in KINDS, kind

    def register(fn: Callable[[], None]) -> Callable[[], None]:
        CASES.append(Case(item, kind, title, fn))
        return fn

    return register


# ---------------------------------------------------------------------------------- helpers


class FakeClock:
    """A Unix-seconds clock that only moves when told (streams below advance it as they trickle)."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Trickle(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent a few bytes at a time, ``delay`` virtual seconds apart, ``chunks`` times."""

    def __init__(self, clock: FakeClock, chunk: bytes, chunks: int, delay: float) -> None:
        self.clock, self.chunk, self.chunks, self.delay = clock, chunk, chunks, delay
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            self.clock.now += self.delay
            self.sent += 1
            yield self.chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


def tenantlead_locals(exc: BaseException) -> str:
    """What a locals-capturing crash reporter stores for the SDK's own frames of ``exc``.

    ``traceback.TracebackException(capture_locals=True)`` renders every local with ``repr``,
    as Sentry, ``pytest -l``, IPython's verbose mode and ``rich``'s ``show_locals`` do; the
    caller's own frames are left out (the test's locals hold the secrets on purpose).
    """
    seen: list[str] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        te = traceback.TracebackException.from_exception(current, capture_locals=True)
        for frame in te.stack:
            if "/tenantlead/" in frame.filename.replace("\\", "/"):
                seen += [f"{frame.name}.{k}={v}" for k, v in (frame.locals or {}).items()]
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    return "\n".join(seen)


def _sandbox_clients(sb: Sandbox, **options: Any) -> tuple[TenantCore, Smartlead]:
    return (
        TenantCore(sb.tenantcore_api_key, **sb.client_options(), **options),
        Smartlead(sb.smartlead_api_key, **sb.client_options(), **options),
    )


def _secrets(sb: Sandbox) -> set[str]:
    return {sb.tenantcore_api_key, sb.smartlead_api_key} | {
        m.password for m in sb.tc_account.mailboxes.values()
    }


def _assert_clean(text: str, secrets: set[str], where: str) -> None:
    leaked = sorted(s[:4] + "..." for s in secrets if s and s in text)
    assert not leaked, f"{where}: {leaked}"


def _raises(cls: type[BaseException], call: Callable[[], Any]) -> BaseException:
    with pytest.raises(cls) as info:
        call()
    return info.value


# ---------------------------------------------------------------------------------- 1


@case(1, "attack", "a captive portal's 200 text/html answers bulk_update: APIResponseError, not success")
def portal_page_is_not_a_successful_write() -> None:
    answer = FixedAnswer()
    answer.set(
        200, b"<html><body>Welcome to Hotel WiFi - sign in</body></html>", {"content-type": "text/html"}
    )
    _, sl = make_clients(answer)
    exc = _raises(errors.APIResponseError, lambda: sl.email_accounts.bulk_update([1, 2], message_per_day=20))
    assert "not Smartlead's" in str(exc)
    assert "probably not made" in str(exc)
    answer.set(200, b"Temporarily unavailable", {"content-type": "text/plain"})
    _raises(errors.APIResponseError, lambda: sl.email_accounts.update(1, max_email_per_day=20))
    tc, _ = make_clients(answer)
    _raises(errors.APIResponseError, lambda: tc.mailbox_limits.provision("t-1"))
    # Smartlead's one documented plain-text success still counts, and reads are unchanged.
    answer.set(200, b"success", {"content-type": "text/html; charset=utf-8"})
    assert sl.request("DELETE", "/campaigns/5/leads/9") == "success"
    answer.set(200, b"<html>login</html>", {"content-type": "text/html"})
    assert sl.request("GET", "/campaigns/5") == "<html>login</html>"


# ---------------------------------------------------------------------------------- 2


@case(2, "attack", "after a 404 and an ACCOUNT_ALREADY_EXIST no SDK frame local shows a key or password")
def no_secret_in_frame_locals() -> None:
    sb = Sandbox.demo(seed=5, tenants=2)
    secrets = _secrets(sb)
    tc, sl = _sandbox_clients(sb, max_retries=0)
    failures = [
        _raises(errors.NotFoundError, lambda: sl.email_accounts.get(987654)),
        _raises(errors.NotFoundError, lambda: tc.tenants.get("00000000-0000-4000-8000-000000000000")),
    ]
    account = sl.email_accounts.list().to_list()[0]
    mailbox = next(m for m in sb.tc_account.mailboxes.values() if m.primary_smtp == account.from_email)
    exists = _raises(
        errors.APIError,
        lambda: sl.email_accounts.create_smtp(
            from_name="X", from_email=mailbox.primary_smtp, user_name=mailbox.primary_smtp,
            password=mailbox.password, smtp_host="smtp.office365.com", smtp_port=587,
            imap_host="outlook.office365.com", imap_port=993,
        ),
    )  # fmt: skip
    assert isinstance(exists, errors.APIError)
    assert exists.code == "ACCOUNT_ALREADY_EXIST"
    for exc in [*failures, exists]:
        rendered = tenantlead_locals(exc)
        assert "_run.request=" in rendered  # the SDK's frames were rendered, locals and all
        _assert_clean(rendered, secrets, type(exc).__name__)


@case(2, "attack", "the same on the async clients (coroutine frames keep their locals too)")
def no_secret_in_async_frame_locals() -> None:
    sb = Sandbox.demo(seed=6, tenants=1)
    secrets = _secrets(sb)

    async def go() -> list[BaseException]:
        opts = sb.client_options(asynchronous=True)
        async with AsyncSmartlead(sb.smartlead_api_key, max_retries=0, **opts) as sl:
            out: list[BaseException] = []
            try:
                await sl.email_accounts.get(987654)
            except errors.NotFoundError as exc:
                out.append(exc)
            account = (await sl.email_accounts.list().to_list())[0]
            mailbox = next(
                m for m in sb.tc_account.mailboxes.values() if m.primary_smtp == account.from_email
            )
            try:
                await sl.email_accounts.create_smtp(
                    from_name="X", from_email=mailbox.primary_smtp, user_name=mailbox.primary_smtp,
                    password=mailbox.password, smtp_host="smtp.office365.com", smtp_port=587,
                    imap_host="outlook.office365.com", imap_port=993,
                )  # fmt: skip
            except errors.APIError as exc:
                out.append(exc)
        async with AsyncTenantCore(
            sb.tenantcore_api_key, max_retries=0, **sb.client_options(asynchronous=True)
        ) as tc:
            try:
                await tc.tenants.get("00000000-0000-4000-8000-000000000000")
            except errors.NotFoundError as exc:
                out.append(exc)
        return out

    found = asyncio.run(go())
    assert len(found) == 3
    for exc in found:
        _assert_clean(tenantlead_locals(exc), secrets, type(exc).__name__)


# ---------------------------------------------------------------------------------- 4


@case(4, "attack", "DEBUG records on the HTTP/2 stack's loggers (hpack, h2) are redacted")
def http2_stack_loggers_are_redacted() -> None:
    Smartlead(FAKE_SL_KEY, http_client=httpx.Client(transport=FixedAnswer().transport))
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(logging.DEBUG)
    names = ("hpack.hpack", "hpack.table", "h2.connection")
    for name in names:
        logger = logging.getLogger(name)
        logger.addHandler(keep)
        logger.setLevel(logging.DEBUG)
    try:
        # What hpack logs while encoding a Smartlead request and a TenantCore one over HTTP/2.
        path = (b":path", f"/api/v1/email-accounts/?api_key={FAKE_SL_KEY}&offset=0".encode())
        logging.getLogger("hpack.hpack").debug("Encoding %s", path)
        logging.getLogger("hpack.table").debug(
            "Adding %s to the header table", (b"authorization", f"Bearer {FAKE_TC_KEY}".encode())
        )
        logging.getLogger("h2.connection").debug("Send headers %s", [path])
    finally:
        for name in names:
            logging.getLogger(name).removeHandler(keep)
    assert len(records) == 3
    text = "\n".join(r.getMessage() for r in records)
    _assert_clean(text, {FAKE_SL_KEY, FAKE_TC_KEY}, "http2 logs")


# ---------------------------------------------------------------------------------- 5


@case(
    5,
    "fault",
    "a body that does not match its Content-Encoding: retried, then APIResponseError without the key",
)
def wrong_content_encoding_is_mapped() -> None:
    answer = FixedAnswer()
    answer.set(
        200, b"[1, 2, 3] this is not gzip", {"content-type": "application/json", "content-encoding": "gzip"}
    )
    http = httpx.Client(transport=answer.transport)
    sl = Smartlead(FAKE_SL_KEY, http_client=http, max_retries=2, rate_limit=None, sleep=lambda s: None)
    exc = _raises(errors.APIResponseError, lambda: sl.campaigns.list())
    assert answer.requests == 3  # retried like a body cut off in transit
    assert "could not be decoded" in str(exc)
    _assert_clean(str(exc) + repr(exc) + exc.url + tenantlead_locals(exc), {FAKE_SL_KEY}, "decoding")
    # No httpx exception (its .request.url holds the key) is attached.
    assert exc.__cause__ is None
    assert exc.__context__ is None


@case(5, "fault", "a redirect loop on a following client: APIConnectionError, not httpx.TooManyRedirects")
def redirect_loop_is_mapped() -> None:
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": str(request.url)})

    http = httpx.Client(transport=httpx.MockTransport(loop), follow_redirects=True, max_redirects=3)
    sl = Smartlead(FAKE_SL_KEY, http_client=http, max_retries=0, rate_limit=None)
    exc = _raises(errors.APIConnectionError, lambda: sl.tags.list())
    assert "too many redirects" in str(exc)
    _assert_clean(str(exc) + exc.url, {FAKE_SL_KEY}, "redirects")


@case(5, "fault", "gzip that decodes to more than the body cap (a zip bomb): APIResponseError, read stops")
def zip_bomb_is_capped() -> None:
    bomb = gzip.compress(b"[" + b" " * (40 * 1024 * 1024) + b"]", compresslevel=9)
    answer = FixedAnswer()
    answer.set(200, bomb, {"content-type": "application/json", "content-encoding": "gzip"})
    tc, _ = make_clients(answer)
    exc = _raises(errors.APIResponseError, lambda: tc.tenants.list())
    assert "larger than 33,554,432 bytes" in str(exc)


# ---------------------------------------------------------------------------------- 7


@case(7, "fault", "a slow-loris answer (a byte every 1.9 s at timeout=2) ends at the 2 s deadline")
def slow_loris_hits_the_deadline() -> None:
    clock = FakeClock()
    streams: list[Trickle] = []

    def handler(request: httpx.Request) -> httpx.Response:
        streams.append(Trickle(clock, b" ", chunks=50, delay=1.9))
        return httpx.Response(200, headers={"content-type": "application/json"}, stream=streams[-1])

    started = clock.now
    tc = TenantCore(
        FAKE_TC_KEY, http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        timeout=2, max_retries=0, clock=clock, sleep=lambda s: None,
    )  # fmt: skip
    exc = _raises(errors.APITimeoutError, lambda: tc.tenants.list())
    assert "2s deadline" in str(exc)
    assert clock.now - started < 4.0  # not the 95 s the trickle would take
    assert streams[0].sent == 2


@case(7, "fault", "the same deadline on the async client")
def slow_loris_hits_the_deadline_async() -> None:
    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Trickle(clock, b" ", chunks=50, delay=1.9))

    async def go() -> BaseException:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with AsyncSmartlead(
            FAKE_SL_KEY, http_client=http, timeout=2, max_retries=0, clock=clock, rate_limit=None
        ) as sl:
            with pytest.raises(errors.APITimeoutError) as info:
                await sl.tags.list()
            return info.value

    started = clock.now
    asyncio.run(go())
    assert clock.now - started < 4.0


@case(7, "attack", "an endless 1 MiB-chunk body stops at the 32 MiB cap with a clear error")
def endless_body_is_capped() -> None:
    clock = FakeClock()
    stream = Trickle(clock, b" " * (1024 * 1024), chunks=1024, delay=0.0)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/json"}, stream=stream)

    tc = TenantCore(
        FAKE_TC_KEY, http_client=httpx.Client(transport=httpx.MockTransport(handler)), max_retries=0
    )
    exc = _raises(errors.APIResponseError, lambda: tc.tenants.list())
    assert "larger than 33,554,432 bytes; stopped reading" in str(exc)
    assert stream.sent == 33  # 1 GiB offered, 33 MiB read


# ---------------------------------------------------------------------------------- 9


@case(
    9, "bad input", "a tc_live_ key given to Smartlead (and a Smartlead key to TenantCore) is refused unsent"
)
def foreign_keys_are_refused() -> None:
    from tests.reliability.bad_input_table import run_rows

    run_rows("TenantCore key given to the Smartlead client", "Smartlead key given to the TenantCore client")


# ---------------------------------------------------------------------------------- 10


@case(10, "attack", "ids '.' and '..' (from the caller or from the server) never re-target a request")
def dot_segment_ids_are_refused() -> None:
    answer = FixedAnswer()
    answer.set(200, b'{"mailboxes": [{"id": "..", "primary_smtp": "a@b.co"}]}')
    tc, _ = make_clients(answer)
    for bad in (".", ".."):
        exc = _raises(ValueError, lambda bad=bad: tc.mailboxes.update("t1", bad, daily_send_limit=5))
        assert "dot segment" in str(exc)
        _raises(ValueError, lambda bad=bad: tc.tenants.deprovision(bad))
    sent = answer.requests
    from_server = tc.mailboxes.list("t1")[0]
    _raises(ValueError, lambda: tc.mailboxes.update("t1", from_server.id, daily_send_limit=5))
    _raises(ValueError, lambda: tc.request("PATCH", "/tenants/t1/mailboxes/%2e%2e", json={}))
    assert answer.requests == sent + 1  # only the list went out


@case(
    10, "bad input", "NUL, DEL and bidi-control ids: ValueError naming the argument, never httpx.InvalidURL"
)
def control_character_ids_are_refused() -> None:
    answer = FixedAnswer()
    tc, _ = make_clients(answer)
    for bad in ("t\x00", "t\x7f", "t\u202e"):
        exc = _raises(ValueError, lambda bad=bad: tc.tenants.get(bad))
        assert "tenant_id contains a control character" in str(exc)
    _raises(ValueError, lambda: tc.request("GET", "/tenants/\x00"))
    assert answer.requests == 0
    # Other reserved characters are encoded: the id reaches the server as one path segment.
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json={"tenant_id": "x"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    TenantCore(FAKE_TC_KEY, http_client=http, max_retries=0).tenants.get("café:1@a")
    assert seen == ["/v1/tenants/caf%C3%A9:1@a"]


# ---------------------------------------------------------------------------------- 12


@case(12, "attack", "a server echoing the client's own key: not in exc.body, not in the pickled error")
def echoed_key_is_scrubbed_from_body_and_pickle() -> None:
    answer = FixedAnswer()
    echo = f'{{"message": "no such key", "got": "{FAKE_SL_KEY}", "url": "/x?k={FAKE_SL_KEY}"}}'.encode()
    answer.set(404, echo)
    _, sl = make_clients(answer)
    exc = _raises(errors.NotFoundError, lambda: sl.tags.list())
    assert isinstance(exc, errors.APIError)
    assert exc.body["message"] == "no such key"
    blob = pickle.dumps(exc)
    _assert_clean(repr(exc.body) + str(blob), {FAKE_SL_KEY}, "body/pickle")
    again = pickle.loads(blob)
    assert type(again) is errors.NotFoundError
    assert str(again) == str(exc)


@case(12, "attack", "a client and its key cannot be pickled (no key in clear on disk)")
def clients_refuse_pickling() -> None:
    tc, sl = make_clients(FixedAnswer())
    for client in (tc, sl):
        _assert_clean(repr(vars(client)), {FAKE_TC_KEY, FAKE_SL_KEY}, "vars(client)")
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(client)


# ---------------------------------------------------------------------------------- 16


@case(16, "bad input", "a base URL with user:password@ is refused and the password is never shown")
def base_url_userinfo_is_refused() -> None:
    from tests.reliability.bad_input_table import run_rows

    run_rows("base URL with `user:password@`")
    exc = _raises(
        errors.ConfigurationError,
        lambda: Smartlead(FAKE_SL_KEY, base_url="https://ops:Hunter2-Secret@proxy.example/api/v1"),
    )
    assert "Hunter2-Secret" not in str(exc)
    assert "ops:***@proxy.example" in str(exc)


@case(16, "attack", "plain http:// to a host that is not loopback warns; loopback does not")
def plain_http_warns_off_loopback() -> None:
    with pytest.warns(errors.InsecureTransportWarning, match="unencrypted"):
        TenantCore(FAKE_TC_KEY, base_url="http://api.tenantcore.io/v1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TenantCore(FAKE_TC_KEY, base_url="http://127.0.0.1:8765/v1")
        TenantCore(FAKE_TC_KEY, base_url="http://[::1]:8765/v1")
        Smartlead(FAKE_SL_KEY, base_url="http://localhost:8765/api/v1")


# ---------------------------------------------------------------------------------- 21


@case(21, "bad input", "time_to_wait_in_mins 0 and 10**9 are refused before sending")
def gap_range_is_checked() -> None:
    from tests.reliability.bad_input_table import run_rows

    run_rows("time_to_wait_in_mins=0", "time_to_wait_in_mins=10**9 (bulk)")


@case(21, "bad input", "LimitPolicy(headroom=10**20) is refused instead of zeroing every limit")
def headroom_range_is_checked() -> None:
    from tests.reliability.bad_input_table import run_rows

    run_rows("LimitPolicy(headroom=10**20)")


# ---------------------------------------------------------------------------------- 11


@case(
    11, "fault", "ceilings TenantCore should never send (-1, true, 2.5) are unknown: reported, never acted on"
)
def impossible_ceilings_are_left_alone() -> None:
    from tenantlead.orchestration import Fleet, LimitPolicy, align_limits

    sb = Sandbox.demo(seed=3, tenants=2)
    tc, sl = _sandbox_clients(sb)
    fleet = Fleet.load(tc, sl)
    connected = [r for r in fleet.rows if r.account is not None and r.mailbox is not None][:3]
    by_address = {m.primary_smtp.lower(): m for m in sb.tc_account.mailboxes.values()}
    for row, bad in zip(connected, (-1, True, 2.5), strict=True):
        by_address[row.address].daily_send_limit = bad  # what a broken API answer would carry
    fleet = Fleet.load(tc, sl)
    plan = align_limits(fleet, LimitPolicy(default_ceiling=25, mode="match"))
    touched = {c.subject for c in plan.changes}
    for row, bad in zip(connected, (-1, True, 2.5), strict=True):
        assert row.address not in touched
        [skip] = [s for s in plan.skipped if s.subject == row.address]
        assert f"daily_send_limit={bad!r}, outside its range" in skip.reason
        mailbox = next(r.mailbox for r in fleet.rows if r.address == row.address)
        assert mailbox is not None
        assert mailbox.daily_send_limit is None
        assert mailbox.daily_send_limit_out_of_range == bad


# ---------------------------------------------------------------------------------- 6 / 15


@case(
    6, "bad input", "a credentials CSV with swapped columns: the error names row and column, never the cell"
)
def swapped_credentials_never_show_the_password() -> None:
    from tests.reliability.bad_input_table import run_rows

    run_rows("CSV with the email and password columns swapped")
    from tenantlead.orchestration import CredentialsError, load_credentials

    with pytest.raises(CredentialsError) as info:
        load_credentials("email;password\nSwapped-Pa55word!;ava@x.com\nS3cond,Pass;bo@x.com\n")
    assert "Pa55word" not in str(info.value)
    assert "S3cond" not in str(info.value)


@case(15, "bad input", "IDN domains and credentials read from a pipe are accepted")
def idn_and_piped_credentials_are_read() -> None:
    import io

    from tenantlead.orchestration import load_credentials

    creds = load_credentials(
        "email,password\nava@bücher.example,Aa1!aaaa\nbo@xn--bcher-kva.example,Bb2!bbbb\n"
    )
    assert creds.get("ava@bücher.example") == "Aa1!aaaa"
    assert creds.get("bo@xn--bcher-kva.example") == "Bb2!bbbb"
    piped = load_credentials(io.BytesIO(b"email,password\nava@x.com,Aa1!aaaa\n"))
    assert piped.get("ava@x.com") == "Aa1!aaaa"


# ---------------------------------------------------------------------------------- 14


@case(14, "fault", "an account deleted mid-load (404 on its warmup GET) does not abort the load")
def account_deleted_mid_load_is_gone_not_fatal() -> None:
    import re

    from tenantlead.orchestration import Fleet

    sb = Sandbox.demo(seed=4, tenants=2)
    tc, sl = _sandbox_clients(sb)
    original = sb.dispatch
    deleted: list[int] = []

    def dispatch(api: str, req: Any) -> Any:
        found = re.search(r"/email-accounts/(\d+)/?$", req.path) if api == "smartlead" else None
        if found and req.method == "GET" and not deleted:
            deleted.append(int(found.group(1)))
            del sb.sl_user.accounts[deleted[0]]  # deleted in the app between the list and this GET
        return original(api, req)

    sb.dispatch = dispatch  # type: ignore[method-assign]
    fleet = Fleet.load(tc, sl, with_warmup_details=True)
    assert deleted
    assert all(r.account is None or r.account.id != deleted[0] for r in fleet.rows)
    assert len([r for r in fleet.rows if r.account is not None]) > 10


# ---------------------------------------------------------------------------------- 18


@case(18, "fault", "a Smartlead account differing from another only by letter case keeps a row of its own")
def case_twin_accounts_both_show() -> None:
    from tenantlead.orchestration import Fleet, troubleshoot

    sb = Sandbox.demo(seed=8, tenants=1)
    tc, sl = _sandbox_clients(sb)
    before = Fleet.load(tc, sl)
    row = next(r for r in before.rows if r.account is not None and r.mailbox is not None)
    twin = attrs.evolve(row.account, id=row.account.id + 100_000, from_email=row.address.upper())  # type: ignore[union-attr]
    fleet = Fleet.build(
        tenants=before.tenants, domains=before.domains, mailboxes=before.mailboxes,
        accounts=[*before.accounts, twin], loaded_at=before.loaded_at,
    )  # fmt: skip
    ids = {r.account.id for r in fleet.rows if r.account is not None} | {
        a.id for a in fleet.external_accounts
    }
    assert twin.id in ids
    assert row.account is not None
    assert row.account.id in ids
    [twin_row] = [r for r in fleet.rows if r.account is not None and r.account.id == twin.id]
    assert twin_row.mailbox is None
    assert any(twin_row.address in f.subject for f in troubleshoot(fleet).findings)


@case(7, "attack", "a server sending full pages forever: the walk stops at the documented-maxima cap")
def endless_full_pages_stop() -> None:
    from urllib.parse import parse_qs

    from tenantlead._core import pager

    served: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(parse_qs(request.url.query.decode()).get("offset", ["0"])[0])
        served.append(offset)
        page = [{"id": offset + i + 1, "from_email": f"a{offset + i}@x.example"} for i in range(100)]
        return httpx.Response(200, json=page)

    sl = Smartlead(
        FAKE_SL_KEY,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        max_retries=0,
        rate_limit=None,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pager, "MAX_LISTED_ITEMS", 2_000)  # the real cap is 1,000,000 items: same rule, quicker
        accounts = sl.email_accounts.list(page_size=100).to_list()
    assert len(accounts) == 2_000
    assert len(served) <= 20 + pager.MAX_READ_AHEAD  # stopped (read-ahead pages dropped unread)


@case(
    1, "fault", "warmup volumes Smartlead answers 200 to but never applies: the apply's re-read reports drift"
)
def unlanded_warmup_writes_are_drift() -> None:
    import dataclasses
    import json

    from tenantlead.orchestration import Fleet, LimitPolicy, align_limits

    sb = Sandbox.demo(seed=12, tenants=1)
    tc, sl = _sandbox_clients(sb)
    original = sb.dispatch
    dropped: list[str] = []

    def dispatch(api: str, req: Any) -> Any:
        # Smartlead says "updated successfully" but the warmup volume does not stick.
        if (
            api == "smartlead"
            and req.method == "POST"
            and req.path.endswith("bulk-update-email-account-config")
        ):
            body = json.loads(req.body)
            if body["updateData"].pop("maxEmailPerDay", None) is not None:
                dropped.append(req.path)
                req = dataclasses.replace(req, body=json.dumps(body).encode())
        if api == "smartlead" and req.method == "POST" and req.path.endswith("/warmup"):
            dropped.append(req.path)
            return original(api, dataclasses.replace(req, body=b'{"warmup_enabled": true}'))
        return original(api, req)

    sb.dispatch = dispatch  # type: ignore[method-assign]
    fleet = Fleet.load(tc, sl, with_warmup_details=True)
    plan = align_limits(fleet, LimitPolicy(default_ceiling=25, warmup_per_day=7))
    planned = [c for c in plan.changes if c.field == "warmup_per_day"]
    assert planned
    result = plan.apply(tc=tc, sl=sl)
    assert dropped
    assert not result.ok
    drifted = {d.subject for d in result.drift if d.field == "warmup_per_day"}
    assert drifted == {c.subject for c in planned}


# ---------------------------------------------------------------------------------- 19


@case(19, "attack", "server strings with ANSI escapes and bidi overrides reach the terminal escaped")
def terminal_escapes_are_neutralised() -> None:
    from tenantlead.cli import _session, main
    from tenantlead.orchestration import Fleet, troubleshoot

    sb = Sandbox.demo(seed=13, tenants=2)
    tenant = next(iter(sb.tc_account.tenants.values()))
    tenant.tenant_name = "Acme\x1b[2J\x1b[31m Corp\u202e"  # clears the screen, turns text red, flips it
    tc, sl = _sandbox_clients(sb)
    fleet = Fleet.load(tc, sl)
    texts = [str(fleet), str(troubleshoot(fleet)), fleet.show(rows=None) if hasattr(fleet, "show") else ""]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_session, "_demo_sandbox", lambda seed, tenants: sb)
        for argv in (["status", "--sandbox"], ["doctor", "--sandbox"]):
            out = io.StringIO()
            err = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(argv)
            texts.append(out.getvalue() + err.getvalue())
    joined = "\n".join(str(t) for t in texts)
    assert "Acme" in joined
    assert "\x1b" not in joined
    assert "\u202e" not in joined


# ---------------------------------------------------------------------------------- 20


@case(20, "attack", "a pickled Fleet or ConnectPlan carries no password: pickling refuses instead")
def pickles_carry_no_secret() -> None:
    from tenantlead.orchestration import Fleet, connect

    sb = Sandbox.demo(seed=14, tenants=2)
    secrets = _secrets(sb)
    tc, sl = _sandbox_clients(sb)
    fleet = Fleet.load(tc, sl, with_warmup_details=True)
    smtp = [r.account.id for r in fleet.rows if r.account is not None and r.account.type == "SMTP"]
    full = [sl.email_accounts.get(account_id) for account_id in smtp[:3]]
    plan = connect(fleet, "smtp", credentials=sb.credentials_csv())
    refused: list[str] = []
    for value in (fleet, plan, *full):
        try:
            blob = pickle.dumps(value)
        except TypeError as exc:
            refused.append(str(exc))
        else:
            _assert_clean(str(blob), secrets, type(value).__name__)
    assert all("cannot be pickled" in text for text in refused)
    with_password = [a for a in full if getattr(a, "password", None)]
    assert with_password  # the reads by id did carry passwords, and those refuse to pickle
    for account in with_password:
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(account)
