"""The flow seam: one generator, driven by the blocking and the async driver alike."""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead import AsyncTenantCore, RetryPolicy, TenantCore
from tenantlead._core.flow import Call, Flow, Gather, Now, Sleep, arun_flow, on, run_flow
from tenantlead._core.request import APIRequest
from tenantlead.errors import NotFoundError

KEY = "tc_live_" + "0" * 48
OTHER_KEY = "tc_live_" + "1" * 48


def _get(path: str) -> APIRequest[Any]:
    return APIRequest(method="GET", path=path)


def save_then_read(name: str) -> Flow[dict[str, Any]]:
    written = yield APIRequest(method="POST", path="/things", json={"name": name})
    try:
        return (yield _get(f"/things/{written['id']}"))
    except NotFoundError:
        return {"id": written["id"], "missing": True}


def poll(limit: int) -> Flow[int]:
    started = yield Now()
    for attempt in range(1, limit + 1):
        state = yield _get("/state")
        if state["ready"]:
            return attempt
        yield Sleep(10)
    assert (yield Now()) - started == 10 * limit
    return -1


def make_pair(recorder: Any, clock: Any, async_: bool) -> Any:
    retry = RetryPolicy(jitter="none", base_delay=0.5)
    if async_:
        return AsyncTenantCore(
            KEY,
            http_client=recorder.async_client(),
            clock=clock,
            sleep=clock.async_sleep,
            retry=retry,
            max_retries=0,
        )
    return TenantCore(
        KEY, http_client=recorder.client(), clock=clock, sleep=clock.sleep, retry=retry, max_retries=0
    )


async def drive(flow: Flow[Any], client: Any, **kw: Any) -> Any:
    if isinstance(client, AsyncTenantCore) or (
        isinstance(client, dict) and isinstance(next(iter(client.values())), AsyncTenantCore)
    ):
        return await arun_flow(flow, client, **kw)
    return run_flow(flow, client, **kw)


@pytest.fixture(params=["sync", "async"])
def twin(request: pytest.FixtureRequest, recorder: Any, clock: Any) -> Any:
    return make_pair(recorder, clock, request.param == "async")


async def test_each_answer_is_sent_back_into_the_flow(twin: Any, recorder: Any) -> None:
    recorder.add(200, {"id": 7}).add(200, {"id": 7, "name": "a"})
    assert await drive(save_then_read("a"), twin) == {"id": 7, "name": "a"}
    assert recorder.calls() == [("POST", "/v1/things"), ("GET", "/v1/things/7")]
    assert recorder.json(0) == {"name": "a"}


async def test_an_api_error_is_thrown_into_the_flow_at_its_yield(twin: Any, recorder: Any) -> None:
    recorder.add(200, {"id": 7}).add(404, {"detail": "not found"})
    assert await drive(save_then_read("a"), twin) == {"id": 7, "missing": True}


async def test_an_error_the_flow_does_not_catch_reaches_the_caller(twin: Any, recorder: Any) -> None:
    recorder.add(404, {"detail": "not found"})
    with pytest.raises(NotFoundError):
        await drive(save_then_read("a"), twin)
    assert len(recorder.requests) == 1


async def test_sleep_and_now_use_the_injected_clock(twin: Any, recorder: Any, clock: Any) -> None:
    for _ in range(2):
        recorder.add(200, {"ready": False})
    recorder.add(200, {"ready": True})
    assert await drive(poll(5), twin) == 3
    assert clock.sleeps == [10, 10]
    for _ in range(2):
        recorder.add(200, {"ready": False})
    assert await drive(poll(2), twin) == -1


async def test_gather_keeps_order_and_one_failure_does_not_stop_the_rest(twin: Any, recorder: Any) -> None:
    def one(i: int) -> Flow[int]:
        answer = yield _get(f"/n/{i}")
        return int(answer["n"])

    recorder.add(200, {"n": 0}).add(500, {"detail": "boom"}).add(200, {"n": 2})
    done: list[int] = []

    def outer() -> Flow[list[Any]]:
        outcomes = yield Gather([one(i) for i in range(3)], on_done=lambda i, _: done.append(i))
        return [o.value if o.ok else type(o.error).__name__ for o in outcomes]

    assert await drive(outer(), twin) == [0, "ServerError", 2]
    assert sorted(done) == [0, 1, 2]


def test_sync_gather_with_threads_returns_in_the_order_given(recorder: Any, clock: Any) -> None:
    recorder.fallback = lambda request: __import__("httpx").Response(200, json={"path": request.url.path})
    client = make_pair(recorder, clock, False)

    def one(i: int) -> Flow[str]:
        return str((yield _get(f"/n/{i}"))["path"])

    def outer() -> Flow[list[Any]]:
        return [o.value for o in (yield Gather([one(i) for i in range(20)], concurrency=4))]

    assert run_flow(outer(), client) == [f"/v1/n/{i}" for i in range(20)]


async def test_steps_are_routed_to_named_clients(recorder: Any, clock: Any) -> None:
    from tests.conftest import Recorder

    second = Recorder()
    a = make_pair(recorder, clock, False)
    b = TenantCore(OTHER_KEY, http_client=second.client(), clock=clock, sleep=clock.sleep)
    recorder.add(200, {"who": "a"})
    second.add(200, {"who": "b"}).add(200, {"who": "b2"})

    def sub() -> Flow[str]:
        return str((yield _get("/x"))["who"])

    def both() -> Flow[tuple[str, str, str]]:
        first = yield _get("/x")  # the default client
        other = yield Call("b", _get("/x"))
        nested = yield from on("b", sub())
        return first["who"], other["who"], nested

    assert run_flow(both(), {"a": a, "b": b}) == ("a", "b", "b2")
    with pytest.raises(ValueError, match="named 'c'"):
        run_flow(on("c", sub()), {"a": a, "b": b})


def test_gather_rejects_a_bad_concurrency() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        Gather([], concurrency=0)


async def test_keyboard_interrupt_is_never_swallowed(twin: Any, recorder: Any) -> None:
    def interrupt(_: Any) -> Any:
        raise KeyboardInterrupt

    recorder.add_handler(interrupt)
    with pytest.raises(KeyboardInterrupt):
        await drive(save_then_read("a"), twin)


async def test_gather_stop_when_cancels_the_flows_still_waiting_async() -> None:
    import asyncio

    from tenantlead._core.flow import Stopped

    finished: list[str] = []

    class Client:
        _clock = staticmethod(lambda: 0.0)

        async def _run(self, request: APIRequest[Any]) -> str:
            await asyncio.sleep(0 if request.path == "/fast" else 3600)  # the slow one never ends
            finished.append(request.path)
            return request.path

        async def _sleep(self, seconds: float) -> None:
            await asyncio.sleep(seconds)

    def one(path: str) -> Flow[str]:
        return (yield _get(path))

    def story() -> Flow[list[Any]]:
        outcomes = yield Gather(
            [one("/slow"), one("/fast")], concurrency=2, stop_when=lambda: "/fast" in finished
        )
        return outcomes

    outcomes = await asyncio.wait_for(arun_flow(story(), Client()), timeout=60)  # type: ignore[arg-type]
    assert isinstance(outcomes[0].error, Stopped)
    assert outcomes[1].value == "/fast"
    assert finished == ["/fast"]


def test_gather_stop_when_skips_flows_not_started_on_blocking_clients() -> None:
    from tenantlead._core.flow import Stopped

    sent: list[str] = []

    class Client:
        _clock = staticmethod(lambda: 0.0)

        def _run(self, request: APIRequest[Any]) -> str:
            sent.append(request.path)
            return request.path

        def _sleep(self, seconds: float) -> None:
            raise AssertionError

    def one(path: str) -> Flow[str]:
        return (yield _get(path))

    def story() -> Flow[list[Any]]:
        return (yield Gather([one("/a"), one("/b"), one("/c")], stop_when=lambda: "/a" in sent))

    outcomes = run_flow(story(), Client())  # type: ignore[arg-type]
    assert sent == ["/a"]
    assert outcomes[0].value == "/a"
    assert [type(o.error) for o in outcomes[1:]] == [Stopped, Stopped]


class _Counting:
    """A client whose every request answers its path; ``sent`` lists them (async: one yield each)."""

    _clock = staticmethod(lambda: 0.0)

    def __init__(self) -> None:
        self.sent: list[str] = []

    def _run(self, request: APIRequest[Any]) -> str:
        self.sent.append(request.path)
        return request.path


class _AsyncCounting(_Counting):
    async def _run(self, request: APIRequest[Any]) -> str:  # type: ignore[override]
        import asyncio

        await asyncio.sleep(0)
        self.sent.append(request.path)
        return request.path


class _Full(Exception):
    """A progress callback failing (a disk full, a closed pipe)."""


async def _run_in(mode: str, flow: Flow[Any], client: Any) -> Any:
    return await arun_flow(flow, client) if mode == "async" else run_flow(flow, client)


def _twelve(concurrency: int, on_done: Any) -> Flow[Any]:
    def one(path: str) -> Flow[str]:
        return (yield _get(path))

    return (yield Gather([one(f"/{i}") for i in range(12)], concurrency=concurrency, on_done=on_done))


def _raise_at(k: int) -> tuple[list[int], Any]:
    seen: list[int] = []

    def on_done(index: int, outcome: Any) -> None:
        seen.append(index)
        if len(seen) == k:
            raise _Full("disk full")

    return seen, on_done


@pytest.mark.parametrize(("mode", "concurrency"), [("sync", 1), ("threads", 4), ("async", 1), ("async", 4)])
async def test_a_callback_exception_stops_the_gather_and_propagates_unwrapped(
    mode: str, concurrency: int
) -> None:
    """Item 3 of 12's on_done raising: that exception, as raised; nothing new starts after it."""
    client = _AsyncCounting() if mode == "async" else _Counting()
    seen, on_done = _raise_at(3)
    flow = _twelve(concurrency, on_done)
    with pytest.raises(_Full) as info:
        await _run_in(mode, flow, client)
    assert type(info.value) is _Full  # not an ExceptionGroup
    assert not hasattr(info.value, "_tenantlead_callback_error")
    assert len(client.sent) <= 3 + concurrency
    assert len(seen) <= 3 + concurrency
    if concurrency == 1:
        assert client.sent == ["/0", "/1", "/2"]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_callback_exception_of_an_inner_gather_stops_the_outer_one_too(mode: str) -> None:
    client = _AsyncCounting() if mode == "async" else _Counting()
    _, on_done = _raise_at(3)

    def outer() -> Flow[Any]:
        def inner(name: str, on_done: Any) -> Flow[Any]:
            def one(path: str) -> Flow[str]:
                return (yield _get(path))

            return (yield Gather([one(f"/{name}{i}") for i in range(6)], on_done=on_done))

        return (yield Gather([inner("a", on_done), inner("b", None)], concurrency=1))

    with pytest.raises(_Full):
        await _run_in(mode, outer(), client)
    assert client.sent == ["/a0", "/a1", "/a2"]  # the second inner gather never started


async def test_a_flow_s_own_error_is_still_an_outcome_of_the_gather(twin: Any, recorder: Any) -> None:
    recorder.add(404, {"detail": {"code": "x", "message": "gone"}}).add(200, {"id": 2})
    seen: list[bool] = []

    def story() -> Flow[Any]:
        return (yield Gather([_single("/a"), _single("/b")], on_done=lambda i, o: seen.append(o.ok)))

    outcomes = await drive(story(), twin)
    assert isinstance(outcomes[0].error, NotFoundError)
    assert outcomes[1].value == {"id": 2}
    assert seen == [False, True]


def _single(path: str) -> Flow[Any]:
    return (yield _get(path))


@pytest.mark.parametrize(("mode", "concurrency"), [("sync", 1), ("threads", 3), ("async", 3)])
async def test_a_stop_when_exception_is_raised_as_is_through_an_outer_gather(
    mode: str, concurrency: int
) -> None:
    client = _AsyncCounting() if mode == "async" else _Counting()

    def stop_when() -> bool:
        if len(client.sent) >= 2:
            raise _Full("stop_when failed")
        return False

    def inner() -> Flow[Any]:
        return (
            yield Gather([_single(f"/{i}") for i in range(12)], concurrency=concurrency, stop_when=stop_when)
        )

    def outer() -> Flow[Any]:
        return (yield Gather([inner(), _single("/other")], concurrency=1))

    with pytest.raises(_Full, match="stop_when failed"):
        await _run_in(mode, outer(), client)
    assert "/other" not in client.sent
    if mode != "threads":  # threads: stop_when is asked in the caller's thread, between wake-ups
        assert len(client.sent) <= 2 + concurrency
