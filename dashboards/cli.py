"""Commands of the dashboards package (registered into the ``hopscope`` console script)."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Add this package's subcommands; none yet."""
