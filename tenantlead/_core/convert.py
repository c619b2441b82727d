"""Turning API JSON into typed models and back, tolerant of API drift.

- Datetimes: ISO-8601 with ``Z`` or ``+00:00``, with or without fractional seconds, become
  timezone-aware UTC; naive values are taken as UTC; epoch numbers (s or ms) are accepted.
- Enums are *open*: a value the SDK does not know yet is kept (as a pseudo-member that still
  compares equal to its string), never an error.
- Unknown keys are kept in ``model.extra`` and written back on unstructure, so a round trip
  loses nothing and a new API field never crashes a user's job.
- Wire names that are not valid or idiomatic Python names (``minTimeToWaitInMins``) are mapped
  with [`wire_field`][tenantlead.smartlead.models.wire_field].
- Lenient scalars where the APIs are loose: ``"12"`` for an int (Postgres counts), ``"true"``
  for a bool; but a dict where a string belongs is an error, not ``"{'a': 1}"``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from types import UnionType
from typing import Any, Self, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from tenantlead._core.redact import hide, redact_body

__all__ = [
    "Model",
    "OpenStrEnum",
    "converter",
    "format_datetime",
    "parse_datetime",
    "secret_field",
    "structure",
    "wire_field",
]

T = TypeVar("T")


class OpenStrEnum(enum.StrEnum):
    """A string enum that accepts values it does not list.

    ``Status("NEW_THING")`` returns a pseudo-member whose ``.value`` is ``"NEW_THING"`` and
    which equals that string; ``.is_known`` tells whether the SDK knows the value.
    """

    @classmethod
    def _missing_(cls, value: object) -> OpenStrEnum | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """True when the value is one of the enum's declared members."""
        return self._value_ in type(self)._value2member_map_

    def __str__(self) -> str:
        return str(self._value_)


def wire_field(wire: str, *, default: Any = None, **kwargs: Any) -> Any:
    """An attrs field read from and written to the JSON key ``wire``."""
    metadata = dict(kwargs.pop("metadata", {}) or {})
    metadata["wire"] = wire
    return attrs.field(default=default, metadata=metadata, **kwargs)


def secret_field(*, wire: str | None = None, default: Any = None) -> Any:
    """A field holding a secret: hidden from ``repr``, masked by ``to_dict()``, not compared."""
    metadata: dict[str, Any] = {"secret": True}
    if wire:
        metadata["wire"] = wire
    return attrs.field(default=default, repr=False, eq=False, metadata=metadata)


@attrs.frozen(kw_only=True)
class Model:
    """Base of every API model: frozen, typed, keyword-only, with ``extra`` for unknown keys."""

    #: Keys the API sent that this SDK version does not model (kept for round trips).
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build the model from an API JSON object (unknown keys go to ``extra``)."""
        return converter.structure(data, cls)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the API's wire names; secrets masked as ``***``."""
        return redact_body(converter.unstructure(self))  # type: ignore[no-any-return]

    def to_wire(self) -> dict[str, Any]:
        """JSON-ready dict with wire names and every value, secrets included (for round trips)."""
        return converter.unstructure(self)  # type: ignore[no-any-return]


def parse_datetime(value: Any) -> datetime:
    """Parse an API timestamp into an aware UTC datetime (see module docs for accepted forms)."""
    if type(value) is str:
        # Fast path: Python 3.11 reads both APIs' usual forms ("...Z", "+00:00", 1-6 digits).
        try:
            fast = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if fast.tzinfo is None:
                return fast.replace(tzinfo=UTC)
            return fast if fast.tzinfo is UTC else fast.astimezone(UTC)
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            seconds = value / 1000.0 if value > 100_000_000_000 else float(value)
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError) as exc:
            # A garbage epoch (1e20, inf) must surface as a parse error, not an OS error.
            raise ValueError(f"timestamp out of range: {value!r}"[:120]) from exc
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        # Python 3.11 accepts 1-6 fractional digits; trim longer ones (some backends send 7+).
        if "." in text:
            head, _, tail = text.partition(".")
            digits = ""
            rest = tail
            while rest and rest[0].isdigit():
                digits, rest = digits + rest[0], rest[1:]
            text = f"{head}.{digits[:6].ljust(3, '0')}{rest}" if digits else head + rest
        try:
            dt = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"not an ISO-8601 timestamp: {value!r}") from exc
    else:
        raise TypeError(f"expected a timestamp string, got {type(value).__name__}")
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise TypeError(f"expected an integer, got {value!r}"[:120])


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            pass
    raise TypeError(f"expected a number, got {value!r}"[:120])


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise TypeError(f"expected a boolean, got {value!r}"[:120])


def _structure_str(value: Any, cls: type) -> str:
    if cls is str and type(value) is str:
        return value
    if cls is not str and issubclass(cls, enum.Enum):
        # StrEnum subclasses dispatch here (they are str subclasses); open enums keep unknowns.
        if isinstance(value, str | int) and not isinstance(value, bool):
            return cls(value)  # type: ignore[return-value]
        raise TypeError(f"expected a {cls.__name__} string, got {type(value).__name__}")
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _structure_date(value: Any, _: type) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip()[:10])
    raise TypeError(f"expected a date, got {value!r}"[:120])


def _structure_any(value: Any, _: type) -> Any:
    return value


def _reject_text_as_list(conv: cattrs.Converter) -> None:
    """Make a string or object where a list belongs an error (cattrs would split ``"a.com"`` into letters)."""
    try:
        from cattrs.cols import list_structure_factory
    except ImportError:  # cattrs < 24.1 keeps its default list handling
        return

    def factory(cls: Any) -> Callable[[Any, Any], Any]:
        inner = list_structure_factory(cls, conv)

        def structure_list(value: Any, type_: Any) -> Any:
            if isinstance(value, str | bytes | Mapping):
                raise TypeError(f"expected a JSON array, got {type(value).__name__}")
            return inner(value, type_)

        return structure_list

    def is_list(type_: Any) -> bool:
        return type_ is list or get_origin(type_) is list

    conv.register_structure_hook_factory(is_list, factory)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)
    conv.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_structure_hook(date, _structure_date)
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(Any, _structure_any)
    _direct_optionals(conv)
    _reject_text_as_list(conv)

    def is_model(cls: Any) -> bool:
        return isinstance(cls, type) and issubclass(cls, Model) and attrs.has(cls)

    def structure_factory(cls: type[Model]) -> Callable[[Any, type], Model]:
        overrides: dict[str, Any] = {"extra": override(omit=True)}
        known: set[str] = set()
        for field in attrs.fields(cls):
            if field.name == "extra":
                continue
            wire = field.metadata.get("wire", field.name)
            known.add(wire)
            if wire != field.name:
                overrides[field.name] = override(rename=wire)
        base = make_dict_structure_fn(cls, conv, **overrides)
        name = cls.__name__
        secret_names = [f.name for f in attrs.fields(cls) if f.metadata.get("secret")]

        def structure_model(data: Any, _: type) -> Model:
            if not isinstance(data, Mapping):
                raise TypeError(f"expected a JSON object for {name}, got {type(data).__name__}")
            obj = base(data, cls)
            for secret in secret_names:
                # Held as a Secret: masked in any repr (frame locals) and refused by pickle.
                value = getattr(obj, secret)
                if isinstance(value, str) and value:
                    object.__setattr__(obj, secret, hide(value))
            extra = {k: v for k, v in data.items() if k not in known}
            if extra:
                object.__setattr__(obj, "extra", extra)
            return obj

        return structure_model

    def unstructure_factory(cls: type[Model]) -> Callable[[Model], dict[str, Any]]:
        overrides: dict[str, Any] = {"extra": override(omit=True)}
        for field in attrs.fields(cls):
            wire = field.metadata.get("wire")
            if wire and field.name != "extra":
                overrides[field.name] = override(rename=wire)
        base = make_dict_unstructure_fn(cls, conv, **overrides)

        def unstructure_model(obj: Model) -> dict[str, Any]:
            out: dict[str, Any] = base(obj)
            if obj.extra:
                for key, value in obj.extra.items():
                    out.setdefault(key, value)
            return out

        return unstructure_model

    conv.register_structure_hook_factory(is_model, structure_factory)
    conv.register_unstructure_hook_factory(is_model, unstructure_factory)
    return conv


#: The SDK's shared converter (use `structure` for API payloads).
def _direct_optionals(conv: cattrs.Converter) -> None:
    # cattrs handles ``X | None`` generically, dispatching on X for every value it structures:
    # most model fields are optional, so that dispatch was the largest cost of parsing a wide
    # model. Resolve X's hook once per type instead.
    def is_optional(tp: Any) -> bool:
        args = get_args(tp)
        return get_origin(tp) in (Union, UnionType) and len(args) == 2 and type(None) in args

    def factory(tp: Any) -> Callable[[Any, Any], Any]:
        inner = next(a for a in get_args(tp) if a is not type(None))
        hook = conv.get_structure_hook(inner)
        if inner in (str, int, bool):
            # The common case needs no call at all: the value already has the exact type.
            def structure_scalar(value: Any, _: Any) -> Any:
                if value is None or type(value) is inner:
                    return value
                return hook(value, inner)

            return structure_scalar

        def structure_optional(value: Any, _: Any) -> Any:
            return None if value is None else hook(value, inner)

        return structure_optional

    conv.register_structure_hook_factory(is_optional, factory)


converter: cattrs.Converter = _make_converter()


def structure(data: Any, cls: type[T]) -> T:
    """Structure ``data`` into ``cls`` with the shared converter."""
    return converter.structure(data, cls)


def describe_structure_error(exc: BaseException) -> str:
    """A one-line, value-free description of a cattrs failure, naming the failing field path."""
    lines: list[str] = []

    def walk(err: BaseException, path: str) -> None:
        if isinstance(err, BaseExceptionGroup):
            for sub in err.exceptions:
                note = next((n for n in getattr(sub, "__notes__", []) if "@" in n or "Structuring" in n), "")
                walk(sub, path + _note_path(note))
        else:
            lines.append(f"{path or '<root>'}: {type(err).__name__}: {str(err)[:100]}")

    walk(exc, "")
    return "; ".join(lines[:3]) + (f" (+{len(lines) - 3} more)" if len(lines) > 3 else "")


def _note_path(note: str) -> str:
    # cattrs notes look like "Structuring class Foo @ attribute bar" or "... @ index 3".
    if "@ attribute " in note:
        return "." + note.rsplit("@ attribute ", 1)[1].strip()
    if "@ index " in note:
        return "[" + note.rsplit("@ index ", 1)[1].strip() + "]"
    if "@ key " in note:
        return "[" + note.rsplit("@ key ", 1)[1].strip() + "]"
    return ""
