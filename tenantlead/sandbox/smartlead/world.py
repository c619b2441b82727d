"""The simulated Smartlead API: a stateful, in-memory world behind ``handle(SimRequest)``.

Faithful to shared/reference/smartlead-api.md (section numbers in comments), choosing the
source the reference's §5.3 table says wins wherever Smartlead's documentation contradicts
itself. Every behaviour choice the sources leave open lives in [`SmartleadConfig`][tenantlead.sandbox.smartlead.world.SmartleadConfig].

Request pipeline (cheap steps first, nothing copied per request):

1. paths outside ``/api/v1/`` get the Express 404 page;
2. ``api_key`` (query string, or a JSON body's ``api_key``) -> 401 ``{"message": "Invalid API Key"}``;
3. sliding-window rate limit per key -> 429 with ``Retry-After`` (rejected requests don't count);
4. a precompiled route table; no match (including a wrong method, and PATCH anywhere) -> the
   Express 404 page ``Cannot <METHOD> <path>``;
5. the handler; errors are raised as ready replies and returned as they are.

Every authenticated response carries lowercase ``x-ratelimit-limit``, ``x-ratelimit-remaining``
and ``x-ratelimit-reset`` describing the tightest window.
"""

from __future__ import annotations

import json
import math
import random
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._http import SimRequest, SimResponse, json_response, text_response
from .._routing import ApiReply, Router
from ..clock import VirtualClock
from ..state import MailboxAuthority, SlClientKey, SlUser
from . import campaigns, clients, email_accounts, tags, webhooks
from ._common import Ctx

__all__ = ["DEFAULT_ID_STARTS", "SmartleadConfig", "SmartleadWorld"]

_PREFIX = "/api/v1"

#: Where each id sequence starts (§1.6: mailbox ids live around 22,000,000, campaigns in the
#: millions). Kinds not listed start at 1.
DEFAULT_ID_STARTS: Mapping[str, int] = {
    "user": 276_000,
    "account": 22_000_000,
    "warmup": 9_900_000,
    "campaign": 2_600_000,
    "campaign_link": 4_600_000,
    "campaign_webhook": 44_000,
    "account_webhook": 71_000,
    "tag": 5_000,
    "tag_mapping": 120_000,
    "client": 299,
    "client_key": 1_000,
}


@dataclass(frozen=True)
class SmartleadConfig:
    """Every behaviour choice of the simulated Smartlead API, with the reference's defaults.

    Attributes:
        rate_limits: sliding windows ``(requests, seconds)`` counted per API key; all must have
            room for a request to pass. Default 60/60 s plus a 10/2 s burst cap (§1.3). ``()``
            disables rate limiting.
        reconnect_max_per_day: bulk-reconnect calls allowed in any rolling 24 hours (§2.9).
        reconnect_min_interval_s: minimum seconds between two bulk-reconnect calls (§2.9).
            Only calls that queued work count toward both limits.
        tags_on_get_with_fetch_tags: include ``tags: [{tag_id, tag_name, tag_color}]`` on
            get-by-id / get-by-email when ``fetch_tags=true`` (§2.1 simulator default).
        tags_on_list: include ``tags`` on list rows (the [NEW-DOCS] claim; live showed none).
        list_password: how list rows carry ``password``/``imap_password``: ``"base64"``
            ([NEW-DOCS]), ``"plain"`` or ``"omit"`` (the old docs' list example has neither).
            Get-by-id always returns the decrypted password (§2.3).
        id_starts: first id of each sequence handed out by [`SmartleadWorld.next_id`][tenantlead.sandbox.smartlead.world.SmartleadWorld.next_id].
        default_warmup_per_day: warmup emails per day when warmup is enabled without
            ``total_warmup_per_day``.
        lead_categories: lead-category names campaign webhooks accept in ``categories`` (the
            default list is a [GAP]; these are Smartlead's usual defaults).
        fetch_reply_cooldown_s: how long ``fetch-account-reply`` reports "already in-progress".
        seed: seed for warmup keys, client uuids and client API keys (reproducible runs).
        oauth_switch: what ``save-oauth`` with the ``id`` of an account of another type (an SMTP
            account moving to OAuth) does. ``"in_place"`` (default, the documented update path
            of §2.6): the account keeps its id, campaigns, tags and history. ``"in_place_reset"``:
            the same, but the switch ignores the body's optional settings and resets them as a
            new account has them (limit 100, gap 3, no signature/bcc/tracking/client, warmup
            off) - the pessimistic reading of an unverified path. ``"refuse"``: 400
            ``ACCOUNT_ALREADY_EXIST`` (the in-place switch is unverified live). ``"new_id"``:
            Smartlead drops the old account (as a delete does) and answers a new one's id.
        account_limit: the plan's email-account slots per user (None: unlimited). A create past
            it is refused (400, ``EMAIL_ACCOUNT_LIMIT_REACHED``); the API documents neither a
            slot count nor this refusal's text, so both are the sandbox's model.
    """

    rate_limits: tuple[tuple[int, float], ...] = ((60, 60.0), (10, 2.0))
    reconnect_max_per_day: int = 3
    reconnect_min_interval_s: float = 30 * 60.0
    tags_on_get_with_fetch_tags: bool = True
    tags_on_list: bool = False
    list_password: str = "base64"
    id_starts: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_ID_STARTS))
    default_warmup_per_day: int = 20
    lead_categories: tuple[str, ...] = (
        "Interested",
        "Meeting Request",
        "Not Interested",
        "Do Not Contact",
        "Information Request",
        "Out Of Office",
        "Wrong Person",
        "Uncategorizable by AI",
        "Sender Originated Bounce",
    )
    fetch_reply_cooldown_s: float = 5 * 60.0
    seed: int = 0
    oauth_switch: str = "in_place"
    account_limit: int | None = None

    def __post_init__(self) -> None:
        for limit, seconds in self.rate_limits:
            if limit < 1 or seconds <= 0:
                raise ValueError(
                    f"rate_limits entries are (requests >= 1, seconds > 0); got ({limit}, {seconds})"
                )
        if self.oauth_switch not in ("in_place", "in_place_reset", "refuse", "new_id"):
            raise ValueError(
                "oauth_switch must be 'in_place', 'in_place_reset', 'refuse' or 'new_id'; "
                f"got {self.oauth_switch!r}"
            )
        if self.list_password not in ("base64", "plain", "omit"):
            raise ValueError(f"list_password must be 'base64', 'plain' or 'omit'; got {self.list_password!r}")


# --------------------------------------------------------------------------- routing

#: Every route, resource by resource (the order only matters between parameterised routes of
#: the same method and length, which never overlap here).
_ROUTER: Router[Ctx] = Router(
    (
        *email_accounts.ROUTES,
        *tags.ROUTES,
        *campaigns.ROUTES,
        *webhooks.ROUTES,
        *clients.ROUTES,
    )
)


def express_404(method: str, path: str) -> SimResponse:
    """Express's default "no route" page (§1.5 item 6)."""
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
        f"</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n</body>\n</html>\n"
    )
    return text_response(
        404,
        page,
        headers={"content-security-policy": "default-src 'none'", "x-content-type-options": "nosniff"},
    )


#: A body that is not JSON: 400 in the JSON error shape every documented 400 has (§1.5), not
#: Express's default HTML error page (the reference documents HTML only for unknown routes).
_BAD_JSON = {"statusCode": 400, "error": "Bad Request", "message": "Unexpected token in JSON"}
_JSON_WHITESPACE = b" \t\n\r"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json_strict(raw: bytes) -> Any:
    """The body as Express's ``body-parser`` JSON middleware (``strict: true``) accepts it.

    Only an object or an array is a body: ``null``, numbers, strings and booleans at the top
    level, ``NaN``/``Infinity`` anywhere, and anything that is not JSON raise ``ValueError``
    (the caller answers 400, as body-parser does).
    """
    first = raw.lstrip(_JSON_WHITESPACE)[:1]
    if first not in (b"{", b"["):
        raise ValueError("strict JSON bodies are objects or arrays")
    return json.loads(raw, parse_constant=_no_constants)


_INVALID_KEY = json.dumps({"message": "Invalid API Key"}).encode()
_STUCK_CLOCK_HINT = (
    " (sandbox: the virtual clock has not moved since the last 429, so the window cannot free; "
    "give the client clock=sb.clock.timestamp and sleep=sb.clock.sleep, e.g. **sb.client_options())"
)


# --------------------------------------------------------------------------- rate limiting


class _Limiter:
    """Sliding windows per API key on the virtual clock's monotonic seconds."""

    def __init__(self, windows: tuple[tuple[int, float], ...]) -> None:
        self.windows = windows
        self.hits: dict[str, tuple[deque[float], ...]] = {}

    def take(self, key: str, now: float) -> tuple[bool, int, int, float, float]:
        """Try to admit one request.

        Returns ``(allowed, limit, remaining, reset_at, retry_after)``: ``limit``/``remaining``
        of the tightest window, ``reset_at`` (monotonic seconds) when it frees a slot, and the
        wait before a retry can pass (0 when allowed).
        """
        queues = self.hits.get(key)
        if queues is None:
            queues = tuple(deque() for _ in self.windows)
            self.hits[key] = queues
        retry_after = 0.0
        for (limit, seconds), q in zip(self.windows, queues, strict=True):
            cutoff = now - seconds
            while q and q[0] <= cutoff:
                q.popleft()
            if len(q) >= limit:
                retry_after = max(retry_after, q[0] + seconds - now)
        allowed = retry_after == 0.0
        if allowed:
            for q in queues:
                q.append(now)
        best_limit, best_remaining, best_reset = 0, -1, now
        for (limit, seconds), q in zip(self.windows, queues, strict=True):
            remaining = max(0, limit - len(q))
            if best_remaining < 0 or remaining < best_remaining:
                best_limit, best_remaining = limit, remaining
                best_reset = q[0] + seconds if q else now
        return allowed, best_limit, best_remaining, best_reset, retry_after


# --------------------------------------------------------------------------- the world


class SmartleadWorld:
    """All Smartlead users, their mailboxes, tags, campaigns, webhooks and clients.

    ``handle`` serves one request; the state (``users``) is plain dataclasses from
    [`tenantlead.sandbox.state`][tenantlead.sandbox.state] that seeders and the simulated sending day may read and
    write directly. ``authority`` (optional) decides whether SMTP logins and OAuth tokens
    verify; without one every login succeeds, like a mailbox outside TenantCore.
    """

    def __init__(
        self,
        clock: VirtualClock,
        config: SmartleadConfig | None = None,
        authority: MailboxAuthority | None = None,
    ) -> None:
        self.clock = clock
        self.config = config or SmartleadConfig()
        self.authority = authority
        #: Users by master API key.
        self.users: dict[str, SlUser] = {}
        self.rng = random.Random(self.config.seed)
        self._ids: dict[str, int] = {}
        self._limiter = _Limiter(self.config.rate_limits)
        self._last_429: dict[str, float] = {}  # virtual time of each key's last 429
        self._client_keys: dict[str, tuple[SlUser, SlClientKey]] = {}
        # Monotonic seconds -> Unix time; VirtualClock only moves forward through advance().
        self._epoch = clock.timestamp() - clock.monotonic()
        #: (account id, tag id) -> mapping id, allocated on first sight (tag-mapping results).
        self.tag_mapping_ids: dict[tuple[int, int], int] = {}
        #: Per user id: monotonic time until which fetch-account-reply is "in progress".
        self.fetch_reply_busy_until: dict[int, float] = {}

    def __repr__(self) -> str:
        return f"SmartleadWorld(users={len(self.users)}, now={self.clock.now().isoformat()})"

    # ----------------------------------------------------------------- seeding helpers

    def next_id(self, kind: str) -> int:
        """The next id of sequence ``kind`` (``"account"``, ``"campaign"``, ``"tag"``, ...)."""
        current = self._ids.get(kind)
        if current is None:
            current = self.config.id_starts.get(kind, 1)
        self._ids[kind] = current + 1
        return current

    def add_user(self, api_key: str, user_id: int | None = None) -> SlUser:
        """Register a Smartlead user reachable with master key ``api_key``."""
        if not api_key:
            raise ValueError("api_key must be a non-empty string")
        if api_key in self.users:
            raise ValueError("a user with this API key already exists")
        user = SlUser(user_id=self.next_id("user") if user_id is None else user_id, api_key=api_key)
        self.users[api_key] = user
        return user

    def warmup_key(self) -> str:
        """A fresh two-word warmup key such as ``"brass-sleep"`` (§2.1)."""
        return f"{self.rng.choice(_WORDS_A)}-{self.rng.choice(_WORDS_B)}"

    # ----------------------------------------------------------------- serving

    def _authenticate(self, key: str) -> tuple[SlUser, int | None] | None:
        user = self.users.get(key)
        if user is not None:
            return user, None
        hit = self._client_keys.get(key)
        if (
            hit is None
            or hit[1].client_id not in hit[0].clients
            or hit[1] is not hit[0].client_keys.get(hit[1].id)
        ):
            # Seeders may add client keys straight into state; rebuild the index on a miss.
            self._client_keys = {
                ck.api_key: (u, ck) for u in self.users.values() for ck in u.client_keys.values()
            }
            hit = self._client_keys.get(key)
        if hit is None or hit[1].status != "active" or hit[1].api_key != key:
            return None
        return hit[0], hit[1].client_id

    def handle(self, req: SimRequest) -> SimResponse:
        """Serve one request (``req.path`` starts with ``/api/v1/``)."""
        raw_path = req.path
        if not raw_path.startswith(_PREFIX + "/"):
            return express_404(req.method, raw_path)

        body: Any = None
        if req.body:
            try:
                body = parse_json_strict(req.body)
            except ValueError:
                return json_response(400, _BAD_JSON)

        key = req.arg("api_key")
        if key is None and isinstance(body, dict):
            key = body.get("api_key")
        if isinstance(body, dict) and "api_key" in body:
            # Allowed in bodies (§1.2); never part of any route's schema.
            del body["api_key"]
        auth = self._authenticate(key) if isinstance(key, str) and key else None
        if auth is None:
            return SimResponse(401, _INVALID_KEY, {"content-type": "application/json; charset=utf-8"})
        user, client_id = auth

        rate_headers: dict[str, str] = {}
        if self._limiter.windows:
            now = self.clock.monotonic()
            allowed, limit, remaining, reset_at, retry_after = self._limiter.take(key, now)  # type: ignore[arg-type]
            rate_headers = {
                "x-ratelimit-limit": str(limit),
                "x-ratelimit-remaining": str(remaining),
                "x-ratelimit-reset": str(math.ceil(self._epoch + reset_at)),
            }
            if not allowed:
                wait = max(1, math.ceil(retry_after))
                rate_headers["retry-after"] = str(wait)
                message = f"Too many requests. Please retry after {wait} seconds."
                if self._last_429.get(key or "") == now:
                    # A client that waits in real time never moves the virtual clock, so the
                    # window never frees: say so instead of refusing forever in silence.
                    message += _STUCK_CLOCK_HINT
                self._last_429[key or ""] = now
                return json_response(
                    429,
                    {"error": {"code": "RATE_LIMIT_EXCEEDED", "message": message, "retry_after": wait}},
                    rate_headers,
                )

        path = raw_path[len(_PREFIX) + 1 :].rstrip("/")
        found = _ROUTER.match(req.method, path)
        if found is None:
            served = _ROUTER.methods(path) if req.method == "OPTIONS" else None
            if served:
                # Express answers OPTIONS itself for a path some route serves.
                listed = ",".join(served)
                resp = text_response(200, listed, headers={"allow": listed})
            else:
                resp = express_404(req.method, raw_path)
        else:
            handler, params = found
            try:
                resp = handler(Ctx(self, user, client_id, req, body, params))
            except ApiReply as err:
                resp = err.response
        if rate_headers:
            resp.headers.update(rate_headers)
        return resp


_WORDS_A = (
    "apple", "brass", "cedar", "delta", "ember", "frost", "grape", "hazel", "ivory", "jolly",
    "koala", "lemon", "maple", "noble", "olive", "pearl", "quartz", "river", "solar", "tulip",
)  # fmt: skip
_WORDS_B = (
    "sleep", "keyes", "juice", "stone", "cloud", "field", "grove", "harbor", "island", "lake",
    "meadow", "north", "orbit", "prism", "ridge", "shore", "trail", "valley", "willow", "zephyr",
)  # fmt: skip
