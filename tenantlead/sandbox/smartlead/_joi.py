r"""A tiny Joi look-alike: the request validation the simulated Smartlead API applies.

Smartlead's backend validates with celebrate/Joi (reference §1.5): the first failing rule wins
(``abortEarly``), unknown body keys are rejected, numeric strings and ``"true"``/``"false"``
are converted (Joi's default ``convert: true``), and the reply is a 400 of the shape
``{"statusCode":400,"error":"Bad Request","message":"\\"x\\" is required","validation":{...}}``.
Reproducing that in one small checker is what makes the write/read name differences (§1.6)
observable: a client that writes a *read* name gets ``"message_per_day" is not allowed``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._http import SimResponse, json_response
from .._routing import ApiReply

__all__ = [
    "ApiReply",
    "F",
    "JoiError",
    "Schema",
    "joi_response",
    "reply",
    "validate",
]

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def reply(status: int, payload: Any) -> ApiReply:
    """Wrap a JSON error body so a handler can ``raise`` it."""
    return ApiReply(json_response(status, payload))


def joi_response(message: str, key: str, source: str) -> SimResponse:
    """The celebrate/Joi 400 body for one failed rule."""
    return json_response(
        400,
        {
            "statusCode": 400,
            "error": "Bad Request",
            "message": message,
            "validation": {"source": source, "keys": [key]},
        },
    )


class JoiError(ApiReply):
    """A Joi validation failure: ``message`` names the field the caller has to fix."""

    def __init__(self, message: str, key: str, source: str) -> None:
        super().__init__(joi_response(message, key, source))
        self.message = message
        self.key = key
        self.source = source


@dataclass(frozen=True, slots=True)
class F:
    """One field rule.

    ``kind`` is ``int``, ``num``, ``str``, ``bool``, ``email``, ``list``, ``object`` or ``any``.
    ``item`` is the rule for list items; ``keys`` the nested schema of an object (None = any
    keys). Strings may be empty unless ``allow_empty`` is False (Joi needs ``.allow('')``).
    """

    kind: str
    required: bool = False
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    item: F | None = None
    min_items: int | None = None
    max_items: int | None = None
    allow_empty: bool = True
    keys: Mapping[str, F] | None = None
    allow_unknown: bool = False
    pattern: re.Pattern[str] | None = None


Schema = Mapping[str, F]

_TYPE_WORD = {
    "int": "a number",
    "num": "a number",
    "str": "a string",
    "email": "a string",
    "bool": "a boolean",
    "list": "an array",
}


def _type_error(label: str, rule: F) -> str:
    if rule.kind == "object":
        return f'"{label}" must be of type object'
    return f'"{label}" must be {_TYPE_WORD.get(rule.kind, "valid")}'


def _check(value: Any, rule: F, label: str, key: str, source: str) -> Any:
    """Validate (and Joi-convert) one value; return the converted value."""
    if value is None:
        if rule.nullable:
            return None
        raise JoiError(_type_error(label, rule), key, source)
    kind = rule.kind
    if kind in ("int", "num"):
        if isinstance(value, bool):
            raise JoiError(_type_error(label, rule), key, source)
        if isinstance(value, str):
            # Joi converts numeric strings (the old docs send "30" for a percentage).
            try:
                value = float(value) if value.strip() else None
            except ValueError:
                value = None
            if value is None:
                raise JoiError(_type_error(label, rule), key, source)
        if not isinstance(value, (int, float)):
            raise JoiError(_type_error(label, rule), key, source)
        if kind == "int" and isinstance(value, float):
            if not value.is_integer():
                raise JoiError(f'"{label}" must be an integer', key, source)
            value = int(value)
        if rule.min is not None and value < rule.min:
            raise JoiError(f'"{label}" must be larger than or equal to {_num(rule.min)}', key, source)
        if rule.max is not None and value > rule.max:
            raise JoiError(f'"{label}" must be less than or equal to {_num(rule.max)}', key, source)
    elif kind == "bool":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise JoiError(_type_error(label, rule), key, source)
    elif kind in ("str", "email"):
        if not isinstance(value, str):
            raise JoiError(_type_error(label, rule), key, source)
        if value == "" and (not rule.allow_empty or kind == "email"):
            raise JoiError(f'"{label}" is not allowed to be empty', key, source)
        if kind == "email" and not _EMAIL_RE.match(value):
            raise JoiError(f'"{label}" must be a valid email', key, source)
        if rule.pattern is not None and value != "" and not rule.pattern.match(value):
            raise JoiError(
                f'"{label}" with value "{value}" fails to match the required pattern: /{rule.pattern.pattern}/',
                key,
                source,
            )
        if rule.max is not None and len(value) > rule.max:
            raise JoiError(
                f'"{label}" length must be less than or equal to {_num(rule.max)} characters long',
                key,
                source,
            )
    elif kind == "list":
        if not isinstance(value, list):
            raise JoiError(_type_error(label, rule), key, source)
        if rule.min_items is not None and len(value) < rule.min_items:
            raise JoiError(f'"{label}" must contain at least {rule.min_items} items', key, source)
        if rule.max_items is not None and len(value) > rule.max_items:
            raise JoiError(
                f'"{label}" must contain less than or equal to {rule.max_items} items', key, source
            )
        if rule.item is not None:
            value = [_check(v, rule.item, f"{label}[{i}]", f"{key}.{i}", source) for i, v in enumerate(value)]
    elif kind == "object":
        if not isinstance(value, dict):
            raise JoiError(_type_error(label, rule), key, source)
        if rule.keys is not None:
            value = _validate_obj(
                value, rule.keys, source, prefix=f"{key}.", allow_unknown=rule.allow_unknown
            )
    if rule.choices is not None and value not in rule.choices:
        shown = ", ".join(str(c) for c in rule.choices)
        raise JoiError(f'"{label}" must be one of [{shown}]', key, source)
    return value


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _validate_obj(
    data: Mapping[str, Any], schema: Schema, source: str, prefix: str = "", allow_unknown: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Joi walks the declared keys in order first, then reports the first unknown key.
    for name, rule in schema.items():
        if name in data:
            out[name] = _check(data[name], rule, prefix + name, prefix + name, source)
        elif rule.required:
            raise JoiError(f'"{prefix}{name}" is required', prefix + name, source)
    for name in data:
        if name not in schema:
            if not allow_unknown:
                raise JoiError(f'"{prefix}{name}" is not allowed', prefix + name, source)
            out[name] = data[name]
    return out


def validate(
    data: Any, schema: Schema, source: str = "body", *, allow_unknown: bool = False
) -> dict[str, Any]:
    """Validate ``data`` against ``schema``; return only the present keys, converted.

    Raises `JoiError` (a ready 400 reply) at the first failing rule.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise JoiError('"value" must be of type object', "", source)
    return _validate_obj(data, schema, source, allow_unknown=allow_unknown)
