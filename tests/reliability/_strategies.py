"""Hypothesis strategies derived from the SDK's attrs models, and arbitrary JSON.

``wire_objects(Model)`` draws JSON objects the way an API could send them for that model: every
known field either absent, null or a well-typed wire value (enum fields get arbitrary strings,
so unknown enum values are covered), plus unknown keys with arbitrary JSON values.
"""

from __future__ import annotations

import enum
import types
import typing
from datetime import UTC, date, datetime
from typing import Any

import attrs
from hypothesis import strategies as st

from tenantlead._core.convert import Model, format_datetime

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)

#: Arbitrary JSON documents (what a broken proxy or a drifted API could return).
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)

_DATETIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(format_datetime)
_DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)).map(lambda d: d.isoformat())


def wire_names(cls: type[Model]) -> dict[str, str]:
    """Field name -> wire name for every field but ``extra``."""
    return {f.name: f.metadata.get("wire", f.name) for f in attrs.fields(cls) if f.name != "extra"}


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def value_for(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy of wire values that a field of type ``tp`` accepts."""
    inner, optional = _strip_optional(tp)
    base = _value_for(inner)
    return (st.none() | base) if optional else base


def _value_for(tp: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        return st.lists(value_for(item), max_size=3)
    if origin is dict:
        _key, val = typing.get_args(tp)
        return st.dictionaries(st.text(max_size=8), value_for(val), max_size=3)
    if tp is Any:
        return JSON
    if isinstance(tp, type) and issubclass(tp, Model):
        return st.deferred(lambda: wire_objects(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        known = [m.value for m in tp]
        # Unknown values are the point: APIs add statuses without notice.
        return st.sampled_from(known) | st.text(min_size=1, max_size=12)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(max_size=20),
        int: st.integers(min_value=-(2**53), max_value=2**53),
        float: st.floats(allow_nan=False, allow_infinity=False),
        bool: st.booleans(),
        datetime: _DATETIMES,
        date: _DATES,
    }
    if tp in simple:
        return simple[tp]
    raise NotImplementedError(f"no strategy for {tp!r}")


@st.composite
def wire_objects(draw: st.DrawFn, cls: type[Model], *, unknown_keys: bool = True) -> dict[str, Any]:
    """A JSON object for ``cls``: required fields present, optional ones maybe, unknown keys maybe."""
    hints = typing.get_type_hints(cls)
    out: dict[str, Any] = {}
    known = set(wire_names(cls).values())
    for field in attrs.fields(cls):
        if field.name == "extra":
            continue
        wire = field.metadata.get("wire", field.name)
        required = field.default is attrs.NOTHING
        if required or draw(st.booleans()):
            out[wire] = draw(value_for(hints[field.name]))
    if unknown_keys:
        extras = draw(
            st.dictionaries(
                st.text(min_size=1, max_size=12).filter(lambda k: k not in known), JSON, max_size=4
            )
        )
        out.update(extras)
    return out
