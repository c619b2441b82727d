"""The sliding-window rate limiter, on a fake clock only."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import pytest

from tenantlead._core.ratelimit import DEFAULT_MARGIN, RateLimit, RateLimiter


def test_eleventh_request_waits_until_the_first_leaves_the_window_plus_the_margin(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((10, 2.0),), margin=0.25), clock=clock)
    start = clock.now
    for _ in range(10):
        assert limiter.acquire(clock.sleep) == 0.0
        clock.advance(0.1)  # ten grants spread over 0.0..0.9 s
    # The first grant (t=0) leaves the server's window at t=2, the client's 0.25 s later.
    assert limiter.reserve() == pytest.approx(2.25 - 1.0)
    waited = limiter.acquire(clock.sleep)
    assert waited == pytest.approx(1.25)
    assert clock.now == pytest.approx(start + 2.25)
    assert clock.sleeps == [pytest.approx(1.25)]
    assert limiter.waited == pytest.approx(1.25)


def test_the_default_margin_is_a_tenth_of_a_second(clock: Any) -> None:
    assert RateLimit(((1, 1.0),)).margin == DEFAULT_MARGIN == 0.1
    limiter = RateLimiter(RateLimit(((1, 1.0),)), clock=clock)
    limiter.acquire(clock.sleep)
    assert limiter.reserve() == pytest.approx(1.1)
    with pytest.raises(ValueError, match="margin"):
        RateLimit(((1, 1.0),), margin=-0.1)


def test_reserve_never_blocks_and_takes_nothing_when_full(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((2, 1.0),), margin=0.0), clock=clock)
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == 1.0
    assert limiter.reserve() == 1.0  # a refused reserve did not consume a slot
    clock.advance(1.0)
    assert limiter.reserve() == 0.0


def test_combined_windows_each_hold(clock: Any) -> None:
    # 3 per second burst cap plus 5 per 10 seconds.
    limiter = RateLimiter(RateLimit(((3, 1.0), (5, 10.0)), margin=0.0), clock=clock)
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
    limiter = RateLimiter(RateLimit(((2, 1.0),), margin=0.0), clock=clock)
    start = clock.now
    for _ in range(5):
        await limiter.async_acquire(clock.async_sleep)
    # grants at t=0,0,1,1,2
    assert clock.now == pytest.approx(start + 2.0)
    assert sum(clock.sleeps) == pytest.approx(2.0)
    assert limiter.waited == pytest.approx(2.0)


# ---------------------------------------------------------------- server headers only correct


def _full_burst(clock: Any, limiter: RateLimiter, n: int) -> None:
    for _ in range(n):
        assert limiter.acquire(clock.sleep) == 0.0


def test_headers_that_agree_never_hold_callers_to_the_one_second_reset(clock: Any) -> None:
    # Ten grants fill the 10/2 s window; the server says so too, with a reset rounded up to the
    # next whole second (1.7 s later than our own window frees, 2.0 s + margin from now).
    clock.now = 1_800_000_000.3
    limiter = RateLimiter(RateLimit(((60, 60.0), (10, 2.0)), margin=0.1), clock=clock)
    _full_burst(clock, limiter, 10)
    limiter.observe(
        {"x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000003"}
    )
    assert limiter.reserve() == pytest.approx(2.1)  # our own window (+ margin), not 2.7
    assert limiter.corrections == 0
    limiter.acquire(clock.sleep)
    assert clock.sleeps == [pytest.approx(2.1)]


def test_headers_reveal_traffic_the_client_did_not_send(clock: Any) -> None:
    # Another script on the same key used 40 of the 60 per minute: after our 5 requests the
    # server has 15 left, so only 15 more go out before its reset (40 s from now).
    limiter = RateLimiter(RateLimit(((60, 60.0),), margin=0.0), clock=clock)
    _full_burst(clock, limiter, 5)
    reset = str(int(clock.now) + 40)
    limiter.observe({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "15", "X-RateLimit-Reset": reset})
    assert limiter.corrections == 1
    _full_burst(clock, limiter, 15)
    assert limiter.reserve() == pytest.approx(int(clock.now) + 40 - clock.now, abs=1e-6)
    # A second identical answer books nothing twice: the foreign grants are already counted.
    limiter.observe({"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})
    assert limiter.corrections == 1


def test_our_requests_in_flight_are_not_mistaken_for_foreign_traffic(clock: Any) -> None:
    # Eight requests out; the first one's answer reports only itself counted (7 still in transit).
    limiter = RateLimiter(RateLimit(((10, 2.0),), margin=0.0), clock=clock)
    _full_burst(clock, limiter, 8)
    limiter.observe({"x-ratelimit-limit": "10", "x-ratelimit-remaining": "9", "x-ratelimit-reset": "2"})
    assert limiter.corrections == 0
    assert limiter.reserve() == 0.0


# ---------------------------------------------------------------- concurrency: in order, no overshoot


def _max_in_window(times: list[float], seconds: float) -> int:
    """The most grants any half-open window of ``seconds`` holds (what a sliding-window server counts)."""
    ordered = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_concurrent_tasks_are_granted_in_order_at_the_exact_window_rate(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((60, 60.0), (10, 2.0)), margin=0.0), clock=clock)
    start = clock.now
    granted: list[tuple[int, float]] = []

    async def sleep(seconds: float) -> None:
        clock.sleeps.append(seconds)
        clock.now += seconds
        await asyncio.sleep(0)  # let every other task run, as a real sleep would

    async def one(index: int) -> None:
        await limiter.async_acquire(sleep)
        granted.append((index, clock.now - start))

    await asyncio.gather(*(one(i) for i in range(25)))
    assert [i for i, _ in granted] == list(range(25))  # first come, first served
    assert [t for _, t in granted] == pytest.approx([0.0] * 10 + [2.0] * 10 + [4.0] * 5)
    assert _max_in_window([t for _, t in granted], 2.0) == 10
    assert len(clock.sleeps) == 2  # only the head of the queue ever sleeps
    assert limiter.queued == 0


def test_concurrent_threads_are_granted_in_order_without_overshoot(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((3, 1.0),), margin=0.0), clock=clock)
    start = clock.now
    _full_burst(clock, limiter, 3)  # the window is full: every thread below has to queue
    granted: list[tuple[int, float]] = []
    release = threading.Event()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        release.wait()  # the head holds here until every thread has queued behind it
        clock.sleep(seconds)

    def one(index: int) -> None:
        limiter.acquire(sleep)
        with lock:
            granted.append((index, clock.now - start))

    threads = []
    for i in range(7):
        thread = threading.Thread(target=one, args=(i,))
        thread.start()
        threads.append(thread)
        while limiter.queued < i + 1:  # wait until this thread is in the queue (no timing)
            os.sched_yield()
    release.set()
    for thread in threads:
        thread.join()
    assert [i for i, _ in granted] == list(range(7))
    assert [t for _, t in granted] == pytest.approx([1.0] * 3 + [2.0] * 3 + [3.0])
    assert _max_in_window([0.0] * 3 + [t for _, t in granted], 1.0) == 3
    assert limiter.queued == 0


async def test_a_new_caller_never_overtakes_the_queue(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((1, 1.0),), margin=0.0), clock=clock)
    limiter.acquire(clock.sleep)
    gate = asyncio.Event()
    order: list[str] = []

    async def sleep(seconds: float) -> None:
        await gate.wait()
        clock.now += seconds

    async def one(name: str) -> None:
        await limiter.async_acquire(sleep)
        order.append(name)

    first = asyncio.create_task(one("queued first"))
    await asyncio.sleep(0)
    assert limiter.queued == 1
    clock.now += 1.0  # the window frees while the head is still asleep...
    assert limiter.reserve() == pytest.approx(0.001)  # reserve() does not jump the queue either
    second = asyncio.create_task(one("came later"))
    await asyncio.sleep(0)
    assert limiter.queued == 2  # ...yet the newcomer queues behind it instead of taking the slot
    gate.set()
    await asyncio.gather(first, second)
    assert order == ["queued first", "came later"]


async def test_a_cancelled_task_leaves_the_queue_and_hands_its_turn_on(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((1, 1.0),), margin=0.0), clock=clock)
    limiter.acquire(clock.sleep)
    gate = asyncio.Event()

    async def sleep(seconds: float) -> None:
        await gate.wait()
        clock.now += seconds

    head = asyncio.create_task(limiter.async_acquire(sleep))
    behind = asyncio.create_task(limiter.async_acquire(sleep))
    await asyncio.sleep(0)
    assert limiter.queued == 2
    head.cancel()
    with pytest.raises(asyncio.CancelledError):
        await head
    assert limiter.queued == 1
    gate.set()
    assert await behind == pytest.approx(1.0)
    assert limiter.queued == 0


def test_a_head_interrupted_in_its_sleep_leaves_the_queue(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((1, 1.0),), margin=0.0), clock=clock)
    limiter.acquire(clock.sleep)

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        limiter.acquire(interrupted)
    assert limiter.queued == 0
    assert limiter.acquire(clock.sleep) == pytest.approx(1.0)


def test_a_429_pause_holds_the_head_of_the_queue_too(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((100, 1.0),), margin=0.0), clock=clock)
    limiter.pause(3.0)
    assert limiter.acquire(clock.sleep) == pytest.approx(3.0)


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


def test_a_request_sent_late_moves_its_grant_so_the_next_window_counts_from_the_send(clock: Any) -> None:
    limiter = RateLimiter(RateLimit(((2, 1.0),), margin=0.0), clock=clock)
    start = clock.now
    limiter.acquire(clock.sleep)
    clock.advance(0.4)  # the first request leaves 0.4 s after its slot (a busy event loop)
    limiter.sent()
    limiter.acquire(clock.sleep)
    limiter.sent()  # sent at once: nothing moves
    # The third may go one second after the first *left* (t=1.4), not after its slot (t=1.0).
    assert limiter.acquire(clock.sleep) == pytest.approx(1.0)
    assert clock.now == pytest.approx(start + 1.4)


def test_sent_without_a_grant_in_this_context_changes_nothing(clock: Any) -> None:
    import contextvars

    limiter = RateLimiter(RateLimit(((1, 1.0),), margin=0.0), clock=clock)
    contextvars.Context().run(limiter.sent)
    assert limiter.reserve() == 0.0
