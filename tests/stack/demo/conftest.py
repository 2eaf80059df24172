"""The demo services' apps, imported in process for the kit's checks."""

from __future__ import annotations

import importlib
from typing import Any

from stack.demo import APPS


def demo_app(service: str) -> Any:
    """The ASGI app of a demo service (importing it configures the SDK for that service)."""
    module, _, name = APPS[service].partition(":")
    return getattr(importlib.import_module(module), name)
