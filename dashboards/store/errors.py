"""What a store raises when it cannot answer."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot answer: unreachable, wrong URL, missing tables or indices. The
    message says which store and why, for a person to act on."""


class BadQuery(StoreError, ValueError):
    """A query the store cannot run as given (unknown order, bad cursor, bad field name)."""
