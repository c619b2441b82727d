"""One handler shape, one router and one error-reply type for every simulated API.

Every simulated API (Smartlead, TenantCore, and the next one: Microsoft's identity platform) is
built the same way, in its own package ``tenantlead/sandbox/<api>/``:

* **The world** (``<api>/world.py``): the API's state and its
  ``handle(req: SimRequest) -> SimResponse``. ``handle`` runs the API's own pipeline (the
  version prefix, authentication, rate limits, whatever that API does first), matches the
  path with a [Router][tenantlead.sandbox._routing.Router], builds a context and calls the
  handler. The [Sandbox][tenantlead.sandbox.Sandbox] mounts each world under a name and a
  production host (``Sandbox.mount``), so the in-process transport and the loopback server
  reach it without knowing it.
* **Resource modules** (``<api>/<resource>.py``, one per resource, like the SDK clients'
  ``resources/`` packages): the handlers, plus a ``ROUTES`` tuple of
  ``(method, pattern, handler)`` triples. Patterns are relative to the API root the world
  strips (Smartlead: after ``/api/v1``; TenantCore: the whole path) and name a path
  parameter with ``{name}``.
* **A context** (``<api>/_common.py``: ``Ctx``): a small dataclass with at least ``world``,
  ``req`` and ``params`` (the path parameters, in order), plus what the API authenticated the
  caller as (a Smartlead user and client, a TenantCore account).
* **A handler** is ``Callable[[Ctx], SimResponse]``: it returns the reply, or raises
  [ApiReply][tenantlead.sandbox._routing.ApiReply] (a ready response, usually an error) from
  any depth; the world turns the exception back into its response.

Matching follows Express's and Starlette's rules where they agree: literal routes win over
parameterised ones (``/email-accounts/tags`` is never read as an account id), parameterised
routes are tried in registration order, a parameter never matches an empty segment, and a
``HEAD`` request is served by the ``GET`` route (the caller drops the body).
[Router.methods][tenantlead.sandbox._routing.Router.methods] lists the methods a path answers
to, for a 405 (FastAPI) or an ``OPTIONS`` reply's ``Allow`` header (Express).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar

from ._http import SimRequest, SimResponse

__all__ = ["ApiReply", "Route", "Router", "SimApi"]

C = TypeVar("C")

#: A route table row: ``(method, pattern, handler)``.
Route = tuple[str, str, Callable[[C], SimResponse]]


class SimApi(Protocol):
    """What the [Sandbox][tenantlead.sandbox.Sandbox] mounts: a world that serves requests."""

    def handle(self, req: SimRequest) -> SimResponse:
        """Serve one request whose path is relative to the API's mount point."""
        ...


class ApiReply(Exception):
    """Raised by a handler to answer immediately with ``response`` (an error, usually)."""

    def __init__(self, response: SimResponse) -> None:
        super().__init__(response.status)
        self.response = response


class Router(Generic[C]):
    """Literal paths in a dict; parameterised ones bucketed by (method, segment count).

    Paths are matched without their leading and trailing slashes (``"email-accounts/12"``);
    the world strips its prefix and decides how lenient it is about a trailing slash.
    """

    def __init__(self, routes: Iterable[tuple[str, str, Callable[[C], SimResponse]]]) -> None:
        self.literal: dict[tuple[str, str], Callable[[C], SimResponse]] = {}
        self.patterns: dict[
            tuple[str, int], list[tuple[tuple[str | None, ...], str, Callable[[C], SimResponse]]]
        ] = {}
        self._order: list[tuple[str, tuple[str | None, ...]]] = []
        for method, pattern, handler in routes:
            segs = tuple(pattern.strip("/").split("/"))
            if not any(s.startswith("{") for s in segs):
                self._order.append((method, segs))
                self.literal[(method, "/".join(segs))] = handler
                continue
            shape = tuple(None if s.startswith("{") else s for s in segs)
            self._order.append((method, shape))
            self.patterns.setdefault((method, len(segs)), []).append((shape, pattern, handler))

    def match(self, method: str, path: str) -> tuple[Callable[[C], SimResponse], tuple[str, ...]] | None:
        """``(handler, path parameters)`` for ``method path``, or None (HEAD falls back to GET)."""
        found = self._match(method, path)
        if found is None and method == "HEAD":
            found = self._match("GET", path)
        return found

    def _match(self, method: str, path: str) -> tuple[Callable[[C], SimResponse], tuple[str, ...]] | None:
        handler = self.literal.get((method, path))
        if handler is not None:
            return handler, ()
        segs = path.split("/")
        for shape, _pattern, handler in self.patterns.get((method, len(segs)), ()):
            params = _bind(shape, segs)
            if params is not None:
                return handler, params
        return None

    def methods(self, path: str) -> list[str]:
        """The methods some route serves at ``path``, in registration order, HEAD after GET.

        That is the order of Express's automatic ``Allow`` header (``GET,HEAD,POST,DELETE``).
        """
        segs = path.split("/")
        found: list[str] = []
        for method, shape in self._order:
            if method not in found and len(shape) == len(segs) and _bind(shape, segs) is not None:
                found.append(method)
                if method == "GET" and "HEAD" not in found:
                    found.append("HEAD")
        return found


def _bind(shape: tuple[str | None, ...], segs: list[str]) -> tuple[str, ...] | None:
    """The path parameters when ``segs`` fits ``shape`` (None marks a parameter), else None."""
    params: list[str] = []
    for want, got in zip(shape, segs, strict=True):
        if want is None:
            if not got:
                return None
            params.append(got)
        elif want != got:
            return None
    return tuple(params)
