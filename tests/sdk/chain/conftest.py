"""Hand-built traces for the chain's tests (``tests/support/trace_builder.py``)."""

from __future__ import annotations

import pytest
from trace_builder import TraceBuilder


@pytest.fixture
def tb() -> type[TraceBuilder]:
    return TraceBuilder
