"""Paging a store's results by cursor: the cursors of the pages a person has seen, kept in
the session so Previous can go back; a change of filters starts over at the first page."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class CursorPages:
    """The pages of one list; ``prefix`` keeps two lists' session keys apart."""

    prefix: str

    @property
    def _cursors_key(self) -> str:
        return f"{self.prefix}_cursors"

    @property
    def _signature_key(self) -> str:
        return f"{self.prefix}_signature"

    def cursors(self, filters: object) -> list[str | None]:
        """Cursors of the pages seen so far for these filters (start over when they change)."""
        signature = repr(filters)
        if st.session_state.get(self._signature_key) != signature:
            st.session_state[self._signature_key] = signature
            st.session_state[self._cursors_key] = [None]
        cursors: list[str | None] = st.session_state[self._cursors_key]
        return cursors

    def next_page(self, cursor: str) -> None:
        st.session_state[self._cursors_key].append(cursor)

    def previous_page(self) -> None:
        if len(st.session_state[self._cursors_key]) > 1:
            st.session_state[self._cursors_key].pop()
