"""Small rendering helpers shared by the pages. Text that comes from records or from the
store goes through ``st.code``/``st.text``/``st.dataframe`` only (shown literally)."""

from __future__ import annotations

import streamlit as st


def problem(title: str, detail: str, *, warning: bool = False) -> None:
    """A fixed *title* as an alert, the *detail* (which may quote data) as plain text."""
    (st.warning if warning else st.error)(title)
    st.code(detail, language=None, wrap_lines=True)


def table_height(rows: int, most: int = 20) -> int:
    """Pixels for a table showing *rows* rows (up to *most*) without its own scrollbar."""
    return 35 * (min(rows, most) + 1) + 3


def literal(text: str) -> None:
    """Text from records, shown as it is (no markdown, no HTML)."""
    st.code(text, language=None, wrap_lines=True)
