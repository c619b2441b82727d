"""The sliding-window rate limiter, on a fake clock only."""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead._core.ratelimit import RateLimit, RateLimiter


def test_eleventh_request_waits_until_the_first_leaves_the_window(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((10, 2.0),)), clock=clock)
    start = clock.now
    for _ in range(10):
        assert limiter.acquire(clock.sleep) == 0.0
        clock.advance(0.1)  # ten grants spread over 0.0..0.9 s
    assert limiter.reserve() == pytest.approx(2.0 - 1.0)  # first grant (t=0) leaves at t=2
    waited = limiter.acquire(clock.sleep)
    assert waited == pytest.approx(1.0)
    assert clock.now == pytest.approx(start + 2.0)
    assert clock.sleeps == [pytest.approx(1.0)]
    assert limiter.waited == pytest.approx(1.0)


def test_reserve_never_blocks_and_takes_nothing_when_full(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((2, 1.0),)), clock=clock)
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == 1.0
    assert limiter.reserve() == 1.0  # a refused reserve did not consume a slot
    clock.advance(1.0)
    assert limiter.reserve() == 0.0


def test_combined_windows_each_hold(clock: Any) -> None:
    # 3 per second burst cap plus 5 per 10 seconds.
    limiter = RateLimiter(RateLimit(((3, 1.0), (5, 10.0))), clock=clock)
    start = clock.now
    for _ in range(3):
        limiter.acquire(clock.sleep)
    assert limiter.reserve() == pytest.approx(1.0)  # burst window is full
    limiter.acquire(clock.sleep)
    limiter.acquire(clock.sleep)  # 5 grants: 3 at t=0, 2 at t=1
    assert clock.now == pytest.approx(start + 1.0)
    assert limiter.reserve() == pytest.approx(9.0)  # the 10 s window is full until t=10
    limiter.acquire(clock.sleep)
    assert clock.now == pytest.approx(start + 10.0)


def test_per_minute_with_burst_builds_two_windows(clock: Any) -> None:
    limit = RateLimit.per_minute(60, burst=(10, 2.0))
    assert limit.windows == ((60, 60.0), (10, 2.0))
    assert RateLimiter(limit, clock=clock).windows == ((60, 60.0), (10, 2.0))
    assert RateLimit.none().windows == ()
    assert RateLimit([[5, 1]]).windows == ((5, 1),)  # lists are accepted and normalised


def test_pause_holds_every_caller_and_is_capped(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((100, 1.0),), max_pause=30.0), clock=clock)
    limiter.pause(5.0)
    assert limiter.reserve() == pytest.approx(5.0)
    limiter.pause(3600.0)
    assert limiter.reserve() == pytest.approx(30.0)
    limiter.pause(0.0)
    limiter.pause(-4.0)
    assert limiter.reserve() == pytest.approx(30.0)
    clock.advance(30.0)
    assert limiter.reserve() == 0.0


@pytest.mark.parametrize(
    ("headers", "expected_wait"),
    [
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"}, 7.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "reset+12"}, 0.0),
        ({"x-ratelimit-remaining": "3", "x-ratelimit-reset": "7"}, 0.0),
        ({"x-ratelimit-remaining": "0"}, 0.0),
        ({"x-ratelimit-remaining": "many", "x-ratelimit-reset": "7"}, 0.0),
    ],
)
def test_observe_pauses_only_when_the_server_says_nothing_is_left(
    clock: Any, headers: dict[str, str], expected_wait: float
) -> None:
    limiter = RateLimiter(RateLimit(((100, 1.0),)), clock=clock)
    limiter.observe(headers)
    assert limiter.reserve() == pytest.approx(expected_wait)


def test_observe_understands_a_unix_timestamp_reset(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((100, 1.0),)), clock=clock)
    limiter.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(clock.now) + 20)})
    assert limiter.reserve() == pytest.approx(20.0, abs=1.0)


def test_observe_pauses_when_the_server_is_stricter_than_our_windows(clock: Any) -> None:
    # Our windows still have room, so only the server's reset can hold callers back.
    limiter = RateLimiter(RateLimit(((100, 10.0),)), clock=clock)
    assert limiter.reserve() == 0.0
    limiter.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "12"})
    assert limiter.reserve() == pytest.approx(12.0)


def test_non_adaptive_limiter_ignores_headers(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((100, 1.0),), adaptive=False), clock=clock)
    limiter.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "7"})
    assert limiter.reserve() == 0.0


async def test_async_acquire_waits_through_the_async_sleeper(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((2, 1.0),)), clock=clock)
    start = clock.now
    for _ in range(5):
        await limiter.async_acquire(clock.async_sleep)
    # grants at t=0,0,1,1,2
    assert clock.now == pytest.approx(start + 2.0)
    assert sum(clock.sleeps) == pytest.approx(2.0)
    assert limiter.waited == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        (((0, 1.0),), "requests must be a whole number >= 1"),
        (((5, -1.0),), "window must be > 0 seconds"),
        (((5, 0),), "window must be > 0 seconds"),
        (((2.5, 1.0),), "whole number"),
        (((True, 1.0),), "whole number"),
        (((5,),), r"\(requests, seconds\) pairs"),
        ((5, 1.0), r"\(requests, seconds\) pairs"),
        (((5, "1"),), "window must be > 0 seconds"),
    ],
)
def test_bad_configurations_are_rejected(windows: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimit(windows)
