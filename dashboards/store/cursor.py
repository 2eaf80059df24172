"""Opaque paging cursors: the sort position after the last row of a page, tied to the
order it was made for so a cursor cannot be replayed against another order."""

from __future__ import annotations

import base64
import json
from typing import Any

from dashboards.store.base import BadQuery


def encode(order: str, position: list[Any]) -> str:
    raw = json.dumps([order, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, order: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, position = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError) as exc:
        raise BadQuery(f"bad page cursor {cursor!r}") from exc
    if made_for != order or not isinstance(position, list):
        raise BadQuery(f"page cursor was made for order {made_for!r}, not {order!r}")
    return position
