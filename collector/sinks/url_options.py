"""Options given in a sink URL's query string (``?verify=false&compress=true``)."""

from __future__ import annotations


def flag(value: str) -> bool:
    """A yes/no option: true/false, yes/no, on/off or 1/0, any case."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")
