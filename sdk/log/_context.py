"""Request-scoped fields that follow the code across asyncio tasks and threads.

Two scopes: *labels* bound by service code with :func:`bind` (shaped like any other user
keyword, so they can never forge a schema field), and *fields* bound by the SDK itself
(trace ids, request fields), which are trusted schema fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

_EMPTY: Mapping[str, Any] = {}
_labels: ContextVar[Mapping[str, Any]] = ContextVar("hopscope_labels", default=_EMPTY)
_fields: ContextVar[Mapping[str, Any]] = ContextVar("hopscope_fields", default=_EMPTY)


def bind(**labels: Any) -> None:
    """Add keyword fields to every line written in the current context."""
    _labels.set({**_labels.get(), **labels})


def unbind(*keys: str) -> None:
    current = _labels.get()
    _labels.set({k: v for k, v in current.items() if k not in keys})


def clear() -> None:
    _labels.set(_EMPTY)


@contextmanager
def bound(**labels: Any) -> Iterator[None]:
    """``with sdk.bound(order_id=7): ...``: the fields hold inside the block only."""
    token = _labels.set({**_labels.get(), **labels})
    try:
        yield
    finally:
        _labels.reset(token)


#: the labels bound in the current context (the ContextVar's own ``get``: called per line)
bound_labels: Callable[[], Mapping[str, Any]] = _labels.get


def push_fields(fields: Mapping[str, Any]) -> Token[Mapping[str, Any]]:
    """Bind trusted schema fields (SDK internal: middleware, clients)."""
    return _fields.set({**_fields.get(), **fields})


def pop_fields(token: Token[Mapping[str, Any]]) -> None:
    _fields.reset(token)


#: the trusted fields bound in the current context
bound_fields: Callable[[], Mapping[str, Any]] = _fields.get


def replace_field(name: str, value: Any) -> None:
    """Replace a trusted field bound in the current context, where it is bound (SDK
    internal: a request's path, once its route showed which parts of it are secret)."""
    fields = _fields.get()
    if name in fields and isinstance(fields, dict):
        fields[name] = value
