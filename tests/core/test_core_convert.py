"""The cattrs converter: UTC datetimes, open enums, unknown keys kept, lenient scalars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from tenantlead._core.convert import (
    Model,
    OpenStrEnum,
    converter,
    format_datetime,
    parse_datetime,
    secret_field,
    structure,
    wire_field,
)

WHEN = datetime(2025, 1, 15, 14, 32, tzinfo=UTC)


class Color(OpenStrEnum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen(kw_only=True)
class Thing(Model):
    name: str
    count: int | None = None
    ratio: float | None = None
    flag: bool | None = None
    when: datetime | None = None
    day: date | None = None
    color: Color | None = None
    wait_mins: int | None = wire_field("minTimeToWaitInMins")
    password: str | None = secret_field()
    tags: list[str] = attrs.field(factory=list)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-01-15T14:32:00Z", WHEN),
        ("2025-01-15T14:32:00+00:00", WHEN),
        ("2025-01-15T14:32:00.123456Z", WHEN.replace(microsecond=123456)),
        ("2025-01-15T14:32:00.123456+00:00", WHEN.replace(microsecond=123456)),
        ("2025-01-15T14:32:00.123Z", WHEN.replace(microsecond=123000)),
        ("2025-01-15T14:32:00.1234567Z", WHEN.replace(microsecond=123456)),
        ("2025-01-15T14:32:00", WHEN),
        ("2025-01-15T16:32:00+02:00", WHEN),
        ("2025-01-15T14:32:00z", WHEN),
        (1_736_951_520, WHEN),
        (1_736_951_520_000, WHEN),
        (1_736_951_520.5, WHEN.replace(microsecond=500000)),
    ],
)
def test_timestamps_become_aware_utc(raw: Any, expected: datetime) -> None:
    parsed = parse_datetime(raw)
    assert parsed == expected
    assert parsed.tzinfo is UTC
    assert structure({"name": "x", "when": raw}, Thing).when == expected


def test_aware_non_utc_datetime_is_converted_to_utc() -> None:
    east = datetime(2025, 1, 15, 16, 32, tzinfo=timezone(timedelta(hours=2)))
    assert parse_datetime(east).tzinfo is UTC
    assert parse_datetime(east) == WHEN


@pytest.mark.parametrize("raw", ["yesterday", "2025-13-45T00:00:00Z", True, {"a": 1}, None])
def test_bad_timestamps_raise(raw: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        parse_datetime(raw)


def test_format_datetime_writes_z() -> None:
    assert format_datetime(WHEN) == "2025-01-15T14:32:00Z"
    assert format_datetime(WHEN.replace(tzinfo=None)) == "2025-01-15T14:32:00Z"
    assert format_datetime(WHEN.replace(microsecond=5)) == "2025-01-15T14:32:00.000005Z"


def test_open_enum_keeps_unknown_values() -> None:
    thing = Thing.from_dict({"name": "x", "color": "ultraviolet"})
    assert thing.color == "ultraviolet"
    assert isinstance(thing.color, Color)
    assert thing.color is not None
    assert not thing.color.is_known
    assert str(thing.color) == "ultraviolet"
    known = Thing.from_dict({"name": "x", "color": "red"})
    assert known.color is Color.RED
    assert known.color.is_known
    assert known.color == "red"
    assert Thing.from_dict({"name": "x", "color": "ultraviolet"}).to_wire()["color"] == "ultraviolet"


def test_unknown_keys_go_to_extra_and_round_trip() -> None:
    wire = {
        "name": "box",
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "when": "2025-01-15T14:32:00Z",
        "day": "2025-01-15",
        "color": "green",
        "minTimeToWaitInMins": 7,
        "password": "S3cret!",
        "tags": ["a", "b"],
        "brand_new_field": {"nested": [1, 2]},
        "another": None,
    }
    thing = Thing.from_dict(wire)
    assert thing.wait_mins == 7
    assert thing.day == date(2025, 1, 15)
    assert thing.extra == {"brand_new_field": {"nested": [1, 2]}, "another": None}
    assert thing.to_wire() == wire


def test_to_dict_masks_secrets_and_repr_hides_them() -> None:
    thing = Thing.from_dict({"name": "box", "password": "S3cret!"})
    assert thing.password == "S3cret!"
    assert thing.to_dict()["password"] == "***"
    assert "S3cret" not in repr(thing)
    assert "S3cret" not in str(thing.to_dict())
    # Secrets do not take part in equality, so a re-read with a rotated secret compares equal.
    assert thing == Thing.from_dict({"name": "box", "password": "other"})


def test_lenient_scalars() -> None:
    thing = Thing.from_dict({"name": 42, "count": "12", "ratio": "7.5%", "flag": "true", "tags": []})
    assert thing.name == "42"
    assert thing.count == 12
    assert thing.ratio == 7.5
    assert thing.flag is True
    assert Thing.from_dict({"name": "x", "flag": "0", "count": 12.0}).flag is False
    assert Thing.from_dict({"name": "x", "count": 12.0}).count == 12
    assert Thing.from_dict({"name": "x", "flag": 1}).flag is True


@pytest.mark.parametrize(
    "data",
    [
        {"name": {"a": 1}},
        {"name": "x", "count": "twelve"},
        {"name": "x", "count": 12.5},
        {"name": "x", "count": [1]},
        {"name": "x", "flag": "maybe"},
        {"name": "x", "flag": 2},
        {"name": "x", "ratio": "lots"},
        {"name": "x", "color": 1.5},
        {"name": "x", "tags": "a,b"},
        {},
    ],
)
def test_wrong_types_raise(data: dict[str, Any]) -> None:
    # cattrs groups field errors (ClassValidationError is a BaseExceptionGroup); the client turns
    # any of these into APIResponseError naming the field.
    with pytest.raises((TypeError, ValueError, KeyError, BaseExceptionGroup)):
        Thing.from_dict(data)


def test_a_model_needs_a_json_object() -> None:
    with pytest.raises(TypeError, match="expected a JSON object for Thing"):
        converter.structure(["not", "an", "object"], Thing)
