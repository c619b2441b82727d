"""Multi-request calls written once: a flow is a generator of steps, run by one of two drivers.

A call that needs several requests in a row (save then read back, one request per chunk, poll
until ready, mint then preflight then save) is written once, as a generator function that
*yields* what it needs and receives the answer back - the shape of httpx's own auth flows
(``httpx/_auth.py``: ``auth_flow`` yields requests; ``sync_auth_flow`` / ``async_auth_flow`` drive
it). Nothing in a flow does I/O, so the same lines serve the blocking and the async clients::

    def create_then_get(fields) -> Flow[EmailAccount]:
        written = yield _create(fields)          # an APIRequest: the driver sends it
        return (yield _get(written.id))          # ...and sends back its parsed value

    account = run_flow(create_then_get(fields), sl)          # sync client
    account = await arun_flow(create_then_get(fields), asl)  # async client

What a flow may yield (each answered by the driver):

- an [`APIRequest`][tenantlead.smartlead.resources.tags.APIRequest]: sent with the client's retries, rate
  limiting and error mapping; the parsed value comes back, or the [`APIError`][tenantlead.errors.APIError]
  is *thrown into the flow* at the ``yield`` (so ``try: x = yield req / except NotFoundError``
  reads as ordinary code);
- [`Sleep`][tenantlead.orchestration.connect_wait.Sleep]: the client's injected sleeper (never ``time.sleep`` in tests);
- [`Now`][tenantlead.orchestration.migrate.Now]: the client's clock (Unix seconds, wall time);
- [`Gather`][tenantlead.orchestration.fleet.Gather]: several flows at once - one after another on a blocking client (or in
  threads when asked), concurrently on an async client - answered with one [`Outcome`][tenantlead.orchestration.fleet.Outcome] per
  flow, in the order given; one flow's failure never stops the others (an exception of its
  ``on_done`` / ``stop_when`` callbacks stops it, and propagates as raised);
- [`Call`][tenantlead.orchestration.warmup_cache.Call]: any of the above addressed to one of several named clients (a flow that talks
  to TenantCore *and* Smartlead); [`on`][tenantlead.orchestration.migrate_tokens.on] addresses every step of a sub-flow at once.

Exceptions that are not ``Exception`` (``KeyboardInterrupt``, cancellation) are never caught:
they stop the flow where it is, and whatever finished has finished.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import attrs

from tenantlead._core.request import APIRequest

if TYPE_CHECKING:
    from tenantlead._core.http import AsyncAPIClient, SyncAPIClient

__all__ = [
    "Call",
    "Flow",
    "Gather",
    "Now",
    "Outcome",
    "Sleep",
    "Step",
    "Stopped",
    "arun_flow",
    "on",
    "run_flow",
]

T = TypeVar("T")
C = TypeVar("C")


@attrs.frozen
class Sleep:
    """Wait ``seconds`` with the client's sleeper (answered with None)."""

    seconds: float


@attrs.frozen
class Now:
    """Ask for the current time by the client's clock: Unix seconds (wall time), a float."""


@attrs.frozen
class Outcome(Generic[T]):
    """How one flow of a [`Gather`][tenantlead.orchestration.fleet.Gather] ended: its value, or the exception it raised."""

    value: T | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """True when the flow returned (``error`` is None)."""
        return self.error is None


class Stopped(Exception):
    """The outcome of a flow a [Gather][tenantlead._core.flow.Gather] stopped waiting for (``stop_when``)."""


@attrs.frozen
class Gather:
    """Run several flows; answered with ``list[Outcome]`` in the order of ``flows``.

    ``concurrency`` bounds how many run at once: an async driver runs up to that many
    concurrently; a blocking driver runs them one after another unless ``concurrency > 1``, when
    it uses that many threads (the clients are thread-safe). ``on_done(index, outcome)`` is
    called as each flow ends (progress bars), in completion order.

    A flow's exception is its outcome, but an exception raised by ``on_done`` or ``stop_when``
    (the caller's own code) stops the gather on either driver: no further flow starts, the
    async driver cancels those running (threads let theirs finish), and the first such
    exception propagates unchanged (not wrapped in an ``ExceptionGroup``) through every
    gather and flow around this one.

    ``stop_when()``, checked as each flow ends, lets a gather finish early (speculative reads
    that turned out unneeded): the flows still waiting are cancelled (async; a request still
    queued for a rate-limit slot is never sent) or, on threads, not started and not waited for
    (one already sending finishes in the background, its answer dropped); their outcome is a
    [Stopped][tenantlead._core.flow.Stopped] error.
    """

    flows: Sequence[Generator[Any, Any, Any]]
    concurrency: int = 1
    on_done: Callable[[int, Outcome[Any]], None] | None = attrs.field(default=None, eq=False)
    stop_when: Callable[[], bool] | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        if (
            isinstance(self.concurrency, bool)
            or not isinstance(self.concurrency, int)
            or self.concurrency < 1
        ):
            raise ValueError(f"concurrency must be an integer >= 1, got {self.concurrency!r}")


@attrs.frozen
class Call:
    """A step addressed to the client named ``target`` (see [`run_flow`][tenantlead.orchestration.fleet.run_flow]'s ``clients``)."""

    target: str
    step: Step


Step: TypeAlias = APIRequest[Any] | Sleep | Now | Gather | Call
#: A multi-request call: yields `Step` values, receives their answers, returns ``T``.
Flow: TypeAlias = Generator[Step, Any, T]


def on(target: str, flow: Flow[T]) -> Flow[T]:
    """Address every step of ``flow`` to the client named ``target`` (steps already addressed keep theirs)."""
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            step = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        try:
            value, error = (yield step if isinstance(step, Call) else Call(target, step)), None
        except Exception as exc:
            value, error = None, exc


class _Clients(Generic[C]):
    """Resolves a step's target to a client: one client, or several by name."""

    def __init__(self, clients: C | Mapping[str, C], default: str | None) -> None:
        if isinstance(clients, Mapping):
            self._by_name: dict[str, C] = dict(clients)
            if not self._by_name:
                raise ValueError("run_flow needs at least one client")
            self.default = default if default is not None else next(iter(self._by_name))
        else:
            self._by_name = {"": clients}
            self.default = ""

    def get(self, target: str | None) -> C:
        name = self.default if target is None else target
        if name not in self._by_name:
            if self._by_name.keys() == {""}:
                return self._by_name[""]  # a single client answers every target
            raise ValueError(f"the flow addressed a client named {name!r}; given: {sorted(self._by_name)}")
        return self._by_name[name]

    def scoped(self, target: str) -> _Clients[C]:
        self.get(target)  # an unknown name fails here, before anything is sent
        scoped: _Clients[C] = _Clients.__new__(_Clients)
        scoped._by_name = self._by_name
        scoped.default = target if target in self._by_name else self.default
        return scoped


def _advance(flow: Flow[T], value: Any, error: Exception | None) -> tuple[bool, Any]:
    """Resume ``flow``: (True, next step) or (False, its return value)."""
    try:
        return True, (flow.throw(error) if error is not None else flow.send(value))
    except StopIteration as stop:
        return False, stop.value


def _unwrap(step: Step, clients: _Clients[C]) -> tuple[Step, _Clients[C]]:
    while isinstance(step, Call):
        clients, step = clients.scoped(step.target), step.step
    return step, clients


# ---------------------------------------------------------------------------- blocking driver


def run_flow(
    flow: Flow[T], clients: SyncAPIClient | Mapping[str, SyncAPIClient], *, default: str | None = None
) -> T:
    """Run ``flow`` to its end on blocking client(s) and return its value.

    ``clients`` is one client, or a mapping of names to clients for flows that yield
    [`Call`][tenantlead.orchestration.warmup_cache.Call] steps; unaddressed steps go to ``default`` (else the mapping's first client).
    """
    with _unmarked():
        return _run(flow, _Clients(clients, default))


def _run(flow: Flow[T], clients: _Clients[SyncAPIClient]) -> T:
    value: Any = None
    error: Exception | None = None
    while True:
        running, step = _advance(flow, value, error)
        if not running:
            return step  # type: ignore[no-any-return]
        value, error = None, None
        try:
            value = _execute(step, clients)
        except Exception as exc:
            error = exc


def _execute(step: Step, clients: _Clients[SyncAPIClient]) -> Any:
    step, clients = _unwrap(step, clients)
    if isinstance(step, APIRequest):
        return clients.get(None)._run(step)
    if isinstance(step, Sleep):
        clients.get(None)._sleep(step.seconds)
        return None
    if isinstance(step, Now):
        return clients.get(None)._clock()
    if isinstance(step, Gather):
        return _gather(step, clients)
    raise TypeError(f"a flow yielded {type(step).__name__}, which is not a step")


def _gather(step: Gather, clients: _Clients[SyncAPIClient]) -> list[Outcome[Any]]:
    failure: list[Exception] = []  # the first exception a callback raised (see _callbacks)

    def one(index: int, flow: Flow[Any]) -> Outcome[Any]:
        if failure:
            flow.close()  # a callback failed: start nothing new
            return Outcome(error=Stopped())
        try:
            done: Outcome[Any] = Outcome(value=_run(flow, clients))
        except Exception as exc:
            done = Outcome(error=exc)
        if not _passed_on(done, failure):
            _callbacks(step, index, done, failure, check_stop=False)  # stop_when: below
        return done

    stop = step.stop_when
    if step.concurrency == 1 or len(step.flows) <= 1:
        outcomes: list[Outcome[Any]] = []
        for i, flow in enumerate(step.flows):
            stopped = stop is not None and _asked_to_stop(stop, failure)
            outcomes.append(Outcome(error=Stopped()) if stopped else one(i, flow))
            if failure:
                _close(step.flows[i:])
                raise failure[0]
        return outcomes
    pool = ThreadPoolExecutor(max_workers=min(step.concurrency, len(step.flows)))
    futures = [pool.submit(one, i, flow) for i, flow in enumerate(step.flows)]
    try:
        pending = set(futures)
        while pending:
            _, pending = wait(pending, return_when=FIRST_COMPLETED)
            if failure or (stop is not None and _asked_to_stop(stop, failure)):
                break
        if failure:
            raise failure[0]
        return [
            future.result() if future.done() and not future.cancelled() else Outcome(error=Stopped())
            for future in futures
        ]
    except BaseException:
        for future in futures:
            future.cancel()  # KeyboardInterrupt, a callback's exception: start nothing new
        raise
    finally:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=stop is None)


def _passed_on(done: Outcome[Any], failure: list[Exception]) -> bool:
    """True when ``done`` is an inner gather's callback failure: this gather stops with it too."""
    if done.error is None or not getattr(done.error, _CALLBACK_MARK, False):
        return False
    if not failure:
        failure.append(done.error)
    return True


def _callbacks(
    step: Gather, index: int, done: Outcome[Any], failure: list[Exception], *, check_stop: bool = True
) -> bool:
    """Call ``on_done`` and ``stop_when`` for a flow that ended: True when the gather should stop.

    An exception one of them raises is the caller's (a progress bar, a journal that cannot
    write): the first is kept in ``failure`` (marked, so gathers around this one let it through
    too), the gather stops, and it is raised unchanged - never an outcome, never wrapped.
    """
    try:
        if step.on_done is not None:
            step.on_done(index, done)
        return check_stop and step.stop_when is not None and step.stop_when()
    except Exception as exc:
        _record(exc, failure)
        return True


def _asked_to_stop(stop: Callable[[], bool], failure: list[Exception]) -> bool:
    """``stop()``; an exception it raises is a callback's failure (see `_callbacks`)."""
    try:
        return stop()
    except Exception as exc:
        _record(exc, failure)
        return True


def _record(exc: Exception, failure: list[Exception]) -> None:
    if not failure:
        setattr(exc, _CALLBACK_MARK, True)
        failure.append(exc)


def _close(flows: Sequence[Flow[Any]]) -> None:
    for flow in flows:
        flow.close()


#: Set on an exception a gather's callback raised, so that outer gathers re-raise it as well.
_CALLBACK_MARK = "_tenantlead_callback_error"


@contextmanager
def _unmarked() -> Iterator[None]:
    """Around a driver: a callback's exception leaves it as the caller raised it (mark removed)."""
    try:
        yield
    except Exception as exc:
        if getattr(exc, _CALLBACK_MARK, False):
            delattr(exc, _CALLBACK_MARK)
        raise


# ---------------------------------------------------------------------------- async driver


async def arun_flow(
    flow: Flow[T], clients: AsyncAPIClient | Mapping[str, AsyncAPIClient], *, default: str | None = None
) -> T:
    """Async twin of [`run_flow`][tenantlead.orchestration.fleet.run_flow]: the same flow, on async client(s)."""
    with _unmarked():
        return await _arun(flow, _Clients(clients, default))


async def _arun(flow: Flow[T], clients: _Clients[AsyncAPIClient]) -> T:
    value: Any = None
    error: Exception | None = None
    while True:
        running, step = _advance(flow, value, error)
        if not running:
            return step  # type: ignore[no-any-return]
        value, error = None, None
        try:
            value = await _aexecute(step, clients)
        except Exception as exc:
            error = exc


async def _aexecute(step: Step, clients: _Clients[AsyncAPIClient]) -> Any:
    step, clients = _unwrap(step, clients)
    if isinstance(step, APIRequest):
        return await clients.get(None)._run(step)
    if isinstance(step, Sleep):
        await clients.get(None)._sleep(step.seconds)
        return None
    if isinstance(step, Now):
        return clients.get(None)._clock()
    if isinstance(step, Gather):
        return await _agather(step, clients)
    raise TypeError(f"a flow yielded {type(step).__name__}, which is not a step")


async def _agather(step: Gather, clients: _Clients[AsyncAPIClient]) -> list[Outcome[Any]]:
    gate = asyncio.Semaphore(step.concurrency)
    results: list[Outcome[Any]] = [Outcome(error=Stopped()) for _ in step.flows]
    tasks: list[asyncio.Task[None]] = []
    failure: list[Exception] = []  # the first exception a callback raised
    stopping: list[bool] = []  # set once stop_when said so, or a callback failed

    async def one(index: int, flow: Flow[Any]) -> None:
        async with gate:
            if stopping:
                flow.close()  # nothing new starts once the gather stops
                return
            try:
                done: Outcome[Any] = Outcome(value=await _arun(flow, clients))
            except Exception as exc:
                done = Outcome(error=exc)
        if _passed_on(done, failure):
            _stop(stopping, tasks)
            return
        results[index] = done  # after a failure too: a write that finished is recorded
        if _callbacks(step, index, done, failure):
            _stop(stopping, tasks)  # a stopped flow is not an error of the gather

    async def guarded(index: int, flow: Flow[Any]) -> None:
        try:
            await one(index, flow)
        except asyncio.CancelledError:
            if not stopping:
                raise
            flow.close()

    # TaskGroup cancels the flows still running on KeyboardInterrupt / cancellation. A
    # callback's exception never reaches it (that would wrap it in an ExceptionGroup and, as
    # the group only aborts once the loop gets round to it, let queued flows still start).
    async with asyncio.TaskGroup() as group:
        for index, flow in enumerate(step.flows):
            tasks.append(group.create_task(guarded(index, flow)))
    if failure:
        raise failure[0]
    return results


def _stop(stopping: list[bool], tasks: list[asyncio.Task[None]]) -> None:
    """Stop an async gather: no flow starts after this, and every other one is cancelled."""
    if not stopping:
        stopping.append(True)
    current = asyncio.current_task()
    for task in tasks:
        if task is not current:
            task.cancel()
