"""The page's state in its URL, so a pasted link shows the same view: widgets are seeded
from ``st.query_params`` when they have no state yet, and their values are written back
(a value equal to its default is left out, to keep links short)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")


def param(name: str) -> str | None:
    """A query parameter's value (the last one when given twice), or None."""
    values = st.query_params.get_all(name)
    return values[-1] if values else None


def seed(key: str, name: str, parse: Callable[[str], T | None]) -> None:
    """Give widget *key* the value of query parameter *name* unless it has state already.
    A value that does not parse is ignored (the widget keeps its default)."""
    if key in st.session_state:
        return
    raw = param(name)
    if raw is None:
        return
    value = parse(raw)
    if value is not None:
        st.session_state[key] = value


def publish(name: str, value: str | None) -> None:
    """Write *value* to query parameter *name*, or remove it when None or empty."""
    if value:
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def text_of(value: Any, default: Any = None) -> str | None:
    """A widget value as it goes in the URL (None for its default)."""
    if value is None or value == default:
        return None
    if isinstance(value, bool):
        return "1" if value else None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parse_bool(raw: str) -> bool | None:
    return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
        raw.strip().lower()
    )


def parse_float(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def parse_int(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


def parse_text(raw: str) -> str | None:
    return raw.strip() or None


def parse_choice(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    def parse(raw: str) -> str | None:
        return raw if raw in choices else None

    return parse
