"""JSON <-> typed values, driven by type annotations (one codec for every shape and parameter).

A shape is a frozen, slotted dataclass deriving from :class:`Shape`; its fields'
annotations say what the wire carries. Decoding checks every value against its
annotation and says what is wrong with a :class:`BadRequest`, since the daemon
decodes what any local program sends it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import StrEnum
from typing import Any, ClassVar, Self, Union

from mmsua.api.errors import BadRequest

JSON = Any  # a value json.loads could return


class Shape:
    """Base of the API's shapes: ``to_json`` and ``from_json`` from the dataclass fields.

    A field's wire name is its name, or ``metadata={"wire": ...}`` where Python cannot
    use it (``from``). A field with a default may be missing on the wire.
    """

    __slots__ = ()
    # A request's shape (what a client sends) leaves out fields at their default and refuses
    # unknown ones, as the daemon always has; an answer's shape ignores fields a newer daemon added.
    request: ClassVar[bool] = False

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]  # every Shape is a dataclass
            value = encode(getattr(self, f.name))
            if self.request and f.default is not dataclasses.MISSING and value == encode(f.default):
                continue
            out[wire_name(f)] = value
        return out

    @classmethod
    def from_json(cls, value: JSON, where: str = "") -> Self:
        where = where or cls.__name__
        if not isinstance(value, dict):
            raise BadRequest(f"{where} must be an object")
        fields = shape_fields(cls)
        known = {wire for wire, _, _, _ in fields}
        unknown = sorted(str(key) for key in value if key not in known)
        if unknown and cls.request:
            raise BadRequest(f"{where}: unknown field(s) {', '.join(unknown)}")
        kwargs: dict[str, Any] = {}
        for wire, name, annotation, required in fields:
            if wire in value:
                kwargs[name] = decode(annotation, value[wire], f"{where}.{wire}")
            elif required:
                raise BadRequest(f"{where}: missing a required field: {wire!r}")
        return cls(**kwargs)


def wire_name(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get("wire", f.name))


FieldInfo = tuple[str, str, Any, bool]
_FIELDS: dict[type, tuple[FieldInfo, ...]] = {}


def shape_fields(cls: type) -> tuple[FieldInfo, ...]:
    """(wire name, attribute, annotation, required) of each field of a shape, in order."""
    if cls not in _FIELDS:
        hints = typing.get_type_hints(cls)
        _FIELDS[cls] = tuple(
            (wire_name(f), f.name, hints[f.name], f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
            for f in dataclasses.fields(cls)
        )
    return _FIELDS[cls]


def field_defaults(cls: type) -> dict[str, Any]:
    """Attribute -> default of a shape's fields that have one."""
    return {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}


def encode(value: Any) -> JSON:
    """A typed value as JSON: shapes by their ``to_json``, tuples as lists, enums as their text."""
    if isinstance(value, Shape):
        return value.to_json()
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    if isinstance(value, StrEnum):
        return value.value
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    raise TypeError(f"cannot put {type(value).__name__} on the wire")


def decode(annotation: Any, value: JSON, where: str) -> Any:
    """``value`` checked against ``annotation`` and made that type; BadRequest says where it is wrong."""
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return value
    if origin in (Union, types.UnionType):
        options = typing.get_args(annotation)
        if value is None:
            if type(None) in options:
                return None
            raise BadRequest(f"{where} must not be null")
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return decode(option, value, where)
            except BadRequest as error:
                errors.append(error.message)
        raise BadRequest(errors[0] if len(errors) == 1 else f"{where}: {'; or '.join(errors)}")
    if origin is typing.Literal:
        allowed = typing.get_args(annotation)
        if value not in allowed:
            raise BadRequest(f"{where} must be one of {', '.join(map(str, allowed))}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise BadRequest(f"{where} must be a list")
        item_type = typing.get_args(annotation)[0]
        items = [decode(item_type, item, f"{where}[{i}]") for i, item in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise BadRequest(f"{where} must be an object")
        return dict(value)
    if annotation is type(None):
        if value is not None:
            raise BadRequest(f"{where} must be null")
        return None
    if isinstance(annotation, type):
        if issubclass(annotation, Shape):
            return annotation.from_json(value, where)
        if issubclass(annotation, StrEnum):
            try:
                return annotation(value)
            except ValueError:
                raise BadRequest(f"{where} must be one of {', '.join(m.value for m in annotation)}") from None
        if annotation is bool:
            if not isinstance(value, bool):
                raise BadRequest(f"{where} must be true or false")
            return value
        if annotation is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise BadRequest(f"{where} must be a whole number")
            if not -(2**63) <= value < 2**63:  # what the store's INTEGER holds
                raise BadRequest(f"{where} must be a whole number of at most 64 bits")
            return value
        if annotation is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise BadRequest(f"{where} must be a number")
            return float(value)
        if annotation is str:
            if not isinstance(value, str):
                raise BadRequest(f"{where} must be text")
            return value
    raise TypeError(f"no wire form for {annotation!r} ({where})")
