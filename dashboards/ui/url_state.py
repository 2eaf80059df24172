"""The page's state in its URL, so a pasted link shows the same view and the browser's
Back and Forward buttons move between views.

Widgets are seeded from the URL when they have no state yet, and from the URL again on a
run caused by Back or Forward (the entry the browser went to says what to show). Their
values are written back (a value equal to its default is left out, to keep links short),
all at once at the end of a run: Streamlit pushes a history entry for each change of the
URL, so one run, one view, makes one entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

T = TypeVar("T")

#: The URL this run is writing (session state: runs of different sessions interleave).
_DRAFT_KEY: Final = "url_draft"


def from_history() -> bool:
    """Whether this run follows the browser's Back or Forward (the URL changed under the
    app). Streamlit reruns the script on ``popstate`` with the entry's query string and
    marks the run; a version without that flag never reruns on Back, so False is right."""
    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "is_history_navigation", False))


def begin() -> None:
    """Start this run's URL from the browser's (first thing in a run; a draft left by an
    interrupted run is stale)."""
    st.session_state[_DRAFT_KEY] = st.query_params.to_dict()


def _draft() -> dict[str, str]:
    if _DRAFT_KEY not in st.session_state:
        begin()
    draft: dict[str, str] = st.session_state[_DRAFT_KEY]
    return draft


def commit() -> None:
    """Write this run's URL to the browser, in one change (one history entry)."""
    draft = st.session_state.pop(_DRAFT_KEY, None)
    if draft is not None and draft != st.query_params.to_dict():
        st.query_params.from_dict(draft)


def param(name: str) -> str | None:
    """A query parameter's value in this run's URL (the last one when given twice), or None."""
    return _draft().get(name)


def seed(key: str, name: str, parse: Callable[[str], T | None], default: Any) -> None:
    """Give widget *key* the value of query parameter *name* unless it has state already;
    after Back or Forward, the URL's value even so, or *default* when the URL has none
    (a widget left as it was would show another view than the entry's).
    A value that does not parse counts as absent."""
    history = from_history()
    if key in st.session_state and not history:
        return
    raw = param(name)
    value = None if raw is None else parse(raw)
    if value is not None:
        st.session_state[key] = value
    elif history:
        st.session_state[key] = default


def publish(name: str, value: str | None) -> None:
    """Write *value* to query parameter *name*, or remove it when None or empty (in this
    run's URL; :func:`commit` sends it)."""
    draft = _draft()
    if value:
        draft[name] = value
    else:
        draft.pop(name, None)


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
