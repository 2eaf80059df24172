"""Rendering values of any type safely: a log call never raises and never writes an
invalid line, whatever it is given (bytes, sets, Decimals, dataclasses, pydantic models,
exceptions, recursive structures, NaN, objects whose ``__repr__`` raises)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import orjson

_MAX_DEPTH: Final = 32
_MAX_ITEMS: Final = 1000


def safe_repr(obj: object) -> str:
    try:
        return repr(obj)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ must not break logging
        return f"<{type(obj).__qualname__} (repr failed: {type(exc).__name__})>"


def to_plain(value: Any, depth: int = 0, seen: frozenset[int] = frozenset()) -> Any:
    """A structure of only str/int/float/bool/None/list/dict (str keys), cycles cut."""
    if value is None or type(value) is str or type(value) is bool:
        return value
    if isinstance(value, str):  # subclasses as their plain value: orjson refuses some
        return str.__str__(value)
    if isinstance(value, int):
        if isinstance(value, enum.Enum):
            return to_plain(value.value, depth + 1, seen)
        number = int(value)
        return number if -(2**63) <= number < 2**64 else str(number)
    if isinstance(value, float):
        real = float(value)
        return real if math.isfinite(real) else str(real)
    if depth > _MAX_DEPTH:
        return "[too deep]"
    if id(value) in seen:
        return "[recursive]"
    inner = seen | {id(value)}
    if isinstance(value, Mapping):
        return {
            (k if isinstance(k, str) else safe_repr(k)): to_plain(v, depth + 1, inner)
            for k, v in list(value.items())[:_MAX_ITEMS]
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=safe_repr) if isinstance(value, set | frozenset) else value
        return [to_plain(v, depth + 1, inner) for v in list(items)[:_MAX_ITEMS]]
    return to_plain(scalar_of(value), depth + 1, inner)


def scalar_of(value: Any) -> Any:
    """One step towards JSON for types orjson does not take as they are."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if type(value).__module__ == "numpy" and callable(getattr(value, "tolist", None)):
        return value.tolist()  # numpy scalars and arrays as Python numbers and lists
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
    dump = getattr(value, "model_dump", None)  # pydantic v2 models
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:  # noqa: BLE001
            return safe_repr(value)
    return safe_repr(value)


def to_json_text(value: Any) -> str:
    """Compact JSON text of any value (used for non-scalar label values)."""
    try:
        return orjson.dumps(value, default=_default).decode()
    except (TypeError, orjson.JSONEncodeError):
        return orjson.dumps(to_plain(value)).decode()


def _default(obj: Any) -> Any:
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=safe_repr)
    return scalar_of(obj)


def clean_text(text: str) -> str:
    """Lone surrogates (from undecodable bytes) cannot be encoded as UTF-8; escape them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
