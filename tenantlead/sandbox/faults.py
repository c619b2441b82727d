"""Deterministic fault injection for both simulated APIs.

A [`FaultRule`][tenantlead.sandbox.faults.FaultRule] says which requests it applies to (API, route pattern, method) and which
faults to inject at which rates. The [`FaultInjector`][tenantlead.sandbox.faults.FaultInjector] draws every decision from one
``random.Random`` seeded from the sandbox seed, so the same seed and the same sequence of
requests always produce the same faults - a flaky-network test that fails can be replayed.
"""

from __future__ import annotations

import fnmatch
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from ._http import SimResponse
from .clock import VirtualClock

__all__ = ["FaultInjector", "FaultRule", "Hang"]

Api = Literal["tenantcore", "smartlead"]
_KINDS = ("latency", "rate_limit", "hang", "error", "malformed", "error_in_body")


@dataclass(frozen=True)
class FaultRule:
    """Which requests to disturb and how.

    ``route`` is an ``fnmatch`` pattern on the path the API itself sees (``/v1/tenants/*`` for
    TenantCore, ``/api/v1/email-accounts/*`` for Smartlead); ``method`` None matches any.
    Rates are probabilities per matching request. ``apply="after"`` lets the request change the
    world first and only replaces the response: the lost-response case that tests whether a
    client's creates are idempotent.
    """

    api: Literal["smartlead", "tenantcore", "microsoft", "*"] = "*"
    route: str = "*"
    method: str | None = None
    latency: float = 0.0
    error_rate: float = 0.0
    rate_limit_burst: int = 0
    hang_rate: float = 0.0
    malformed_rate: float = 0.0
    error_in_body_rate: float = 0.0
    apply: Literal["before", "after"] = "before"
    #: Retry-After seconds sent with injected 429s.
    retry_after: int = 2
    #: How long a hung response stalls on the loopback server (in-process: the client timeout).
    hang_seconds: float = 30.0
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.api not in ("smartlead", "tenantcore", "microsoft", "*"):
            raise ValueError("FaultRule.api must be 'smartlead', 'tenantcore', 'microsoft' or '*'")
        if self.apply not in ("before", "after"):
            raise ValueError("FaultRule.apply must be 'before' or 'after'")
        for name in ("error_rate", "hang_rate", "malformed_rate", "error_in_body_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"FaultRule.{name} is a probability between 0 and 1, got {value}")
        if self.latency < 0 or self.rate_limit_burst < 0 or self.hang_seconds < 0:
            raise ValueError("FaultRule latency, rate_limit_burst and hang_seconds must be >= 0")
        object.__setattr__(self, "_compiled", re.compile(fnmatch.translate(self.route)))

    def matches(self, api: str, method: str, path: str) -> bool:
        """True when this rule applies to the request."""
        if self.api != "*" and self.api != api:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self._compiled.match(path) is not None


class Hang(Exception):
    """Raised by the injector when a response should hang (never arrive in time)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"injected hang of {seconds:g}s")
        self.seconds = seconds


@dataclass
class _Plan:
    """What to do to one request: the fault (or None) and when."""

    kind: str | None
    rule: FaultRule | None


_NO_PLAN = _Plan(None, None)


class FaultInjector:
    """Holds the rules, the seeded random source and per-kind counts (``stats``)."""

    def __init__(self, seed: int, clock: VirtualClock) -> None:
        self._seed = seed
        self._clock = clock
        self.rules: list[FaultRule] = []
        self.rng = random.Random(f"faults:{seed}")
        self.stats: Counter[str] = Counter()
        self._bursts: dict[int, int] = {}

    def add(self, rule: FaultRule) -> FaultRule:
        """Add a rule (rules are consulted in the order added)."""
        self.rules.append(rule)
        self._bursts[len(self.rules) - 1] = rule.rate_limit_burst
        return rule

    def clear(self) -> None:
        """Remove every rule, reset the counts and restart the random sequence."""
        self.rules.clear()
        self._bursts.clear()
        self.stats.clear()
        self.rng = random.Random(f"faults:{self._seed}")

    def __bool__(self) -> bool:
        return bool(self.rules)

    def plan(self, api: str, method: str, path: str) -> _Plan:
        """Decide the fault for one request (adds latency to the clock right away)."""
        if not self.rules:
            return _NO_PLAN
        chosen: _Plan | None = None
        rng = self.rng
        for index, rule in enumerate(self.rules):
            if not rule.matches(api, method, path):
                continue
            if rule.latency:
                self._clock.advance(rule.latency)
                self.stats["latency"] += 1
            if chosen is not None:
                continue
            if self._bursts.get(index, 0) > 0:
                self._bursts[index] -= 1
                chosen = _Plan("rate_limit", rule)
                continue
            # Draw every rate in a fixed order so a seed replays the same faults.
            draws = (
                ("hang", rule.hang_rate),
                ("error", rule.error_rate),
                ("malformed", rule.malformed_rate),
                ("error_in_body", rule.error_in_body_rate),
            )
            for kind, rate in draws:
                if rate and rng.random() < rate:
                    chosen = _Plan(kind, rule)
                    break
        if chosen is None:
            return _NO_PLAN
        assert chosen.kind is not None
        self.stats[chosen.kind] += 1
        return chosen

    def response(self, plan: _Plan, api: str, real: SimResponse | None) -> SimResponse:
        """The injected response for ``plan`` (``real`` is the world's answer for "after").

        Raises `Hang` for hung responses.
        """
        rule = plan.rule
        assert rule is not None
        kind = plan.kind
        json_ct = {"content-type": "application/json"}
        if kind == "hang":
            raise Hang(rule.hang_seconds)
        if kind == "rate_limit":
            headers = dict(json_ct, **{"retry-after": str(rule.retry_after)})
            if api == "smartlead":
                message = f"Too many requests. Please retry after {rule.retry_after} seconds."
                payload: object = {
                    "error": {
                        "code": "RATE_LIMIT_EXCEEDED",
                        "message": message,
                        "retry_after": rule.retry_after,
                    }
                }
            else:
                payload = {"detail": {"message": "Too many requests", "code": "rate_limited"}}
            return SimResponse(429, json.dumps(payload).encode(), headers)
        if kind == "error":
            status = self.rng.choice((500, 502, 503))
            if api == "smartlead":
                payload = {"message": "Internal Server Error"}
            else:
                payload = {"detail": {"message": "Internal server error", "code": "internal_error"}}
            return SimResponse(status, json.dumps(payload).encode(), json_ct)
        if kind == "malformed":
            source = real.body if real is not None and len(real.body) > 2 else b'{"data": [{"id": 1}]}'
            # Cut inside the document so it can never parse.
            return SimResponse(200, source[: max(1, len(source) // 2)], json_ct)
        # error_in_body
        if api == "smartlead":
            payload = {"ok": False, "message": "Something went wrong. Please try again."}
        else:
            payload = {"detail": {"message": "Exchange Online did not respond", "code": "upstream_error"}}
        return SimResponse(200, json.dumps(payload).encode(), json_ct)


def fault_kinds() -> tuple[str, ...]:
    """Every kind counted in [`FaultInjector.stats`][tenantlead.sandbox.faults.FaultInjector.stats]."""
    return _KINDS
