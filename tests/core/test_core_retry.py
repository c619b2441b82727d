"""Retry decisions and backoff math (pure; no sleeping)."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from tenantlead._core.retry import RetryPolicy, parse_retry_after, reset_delay

NOW = 1_736_951_520.0  # 2025-01-15T14:32:00Z

SAFE_RETRYABLE = [429, 500, 502, 503, 504]
FINAL = [400, 402, 404, 409, 422]


def exact(**kwargs: float) -> RetryPolicy:
    return RetryPolicy(jitter="none", **kwargs)  # type: ignore[arg-type]


def test_backoff_doubles_and_is_capped() -> None:
    policy = exact(base_delay=0.5, max_delay=5.0)
    assert [policy.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


@pytest.mark.parametrize(("rand", "factor"), [(0.0, 0.25), (0.5, 0.625), (1.0, 1.0)])
def test_full_jitter_stays_between_a_quarter_step_and_the_step(rand: float, factor: float) -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, random=lambda: rand)
    assert policy.backoff(3) == pytest.approx(4.0 * factor)


def test_jitter_with_real_randomness_stays_in_bounds() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    for _ in range(200):
        assert 1.0 <= policy.backoff(3) <= 4.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


def test_retry_after_http_date_uses_the_injected_now() -> None:
    assert parse_retry_after(formatdate(NOW + 30, usegmt=True), now=NOW) == pytest.approx(30.0)
    assert parse_retry_after(formatdate(NOW - 30, usegmt=True), now=NOW) == 0.0
    assert parse_retry_after("Wed, 99 Foo 2025 99:99:99 GMT", now=NOW) is None


def test_server_advice_is_capped_by_max_retry_after() -> None:
    policy = exact(max_retry_after=60.0)
    assert policy.server_advice({"Retry-After": "3600"}, now_unix=NOW) == 60.0
    assert policy.server_advice({"retry-after": formatdate(NOW + 7200, usegmt=True)}, now_unix=NOW) == 60.0
    assert policy.server_advice({"Retry-After": "12"}, now_unix=NOW) == 12.0
    assert policy.server_advice({}, now_unix=NOW) is None
    assert policy.server_advice(None, now_unix=NOW) is None


def test_ratelimit_reset_as_timestamp_and_as_delta() -> None:
    policy = exact()
    assert reset_delay(str(int(NOW + 25)), now_unix=NOW) == pytest.approx(25.0)
    assert reset_delay(str(int(NOW - 25)), now_unix=NOW) == 0.0
    assert reset_delay("12", now_unix=NOW) == 12.0
    assert reset_delay("later", now_unix=NOW) is None
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW + 9))}
    assert policy.server_advice(headers, now_unix=NOW) == pytest.approx(9.0)
    # With requests left, the reset time is not a reason to wait.
    assert (
        policy.server_advice({"x-ratelimit-remaining": "5", "x-ratelimit-reset": "9"}, now_unix=NOW) is None
    )
    # Retry-After wins over the reset header.
    both = {"retry-after": "2", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "9"}
    assert policy.server_advice(both, now_unix=NOW) == 2.0


@pytest.mark.parametrize("status", SAFE_RETRYABLE)
def test_safe_requests_retry_on_429_and_5xx(status: int) -> None:
    assert exact(base_delay=1.0).decide(1, retry_safe=True, status=status) == 1.0


@pytest.mark.parametrize("status", FINAL)
@pytest.mark.parametrize("safe", [True, False])
def test_402_and_other_4xx_are_never_retried(status: int, safe: bool) -> None:
    assert exact().decide(1, retry_safe=safe, status=status) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_unsafe_requests_do_not_retry_on_5xx(status: int) -> None:
    assert exact().decide(1, retry_safe=False, status=status) is None


def test_429_is_retried_even_for_unsafe_requests() -> None:
    assert exact(base_delay=1.0).decide(1, retry_safe=False, status=429) == 1.0


@pytest.mark.parametrize(
    ("safe", "sent", "retried"),
    [(True, True, True), (True, False, True), (False, False, True), (False, True, False)],
)
def test_connection_errors(safe: bool, sent: bool, retried: bool) -> None:
    delay = exact(base_delay=1.0).decide(1, retry_safe=safe, connection_error=True, request_sent=sent)
    assert (delay == 1.0) if retried else (delay is None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"retry_safe": True, "status": 503},
        {"retry_safe": False, "status": 429},
        {"retry_safe": True, "connection_error": True},
        {"retry_safe": False, "connection_error": True, "request_sent": False},
    ],
)
def test_exhausted_attempts_give_up(kwargs: dict[str, object]) -> None:
    policy = exact(max_retries=2)
    assert policy.decide(2, **kwargs) is not None  # type: ignore[arg-type]
    assert policy.decide(3, **kwargs) is None  # type: ignore[arg-type]
    assert exact(max_retries=0).decide(1, **kwargs) is None  # type: ignore[arg-type]


def test_decide_prefers_server_advice_over_backoff_but_caps_it() -> None:
    policy = exact(base_delay=0.5, max_retry_after=30.0)
    assert policy.decide(1, retry_safe=True, status=429, headers={"Retry-After": "7"}) == 7.0
    assert policy.decide(1, retry_safe=True, status=503, headers={"Retry-After": "999"}) == 30.0
    # Advice shorter than the backoff step does not make the retry faster than backoff.
    assert policy.decide(2, retry_safe=True, status=503, headers={"Retry-After": "0"}) == 1.0


def test_policy_validates_its_settings() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter="some")
