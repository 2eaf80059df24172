"""The documented default limits hold when nothing sets a limit: a string longer than
``max_string`` (README's configuration table) is cut there, with the marker."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import sdk

from ..conftest import Capture

README = Path(__file__).resolve().parents[3] / "README.md"


def documented_default(variable: str) -> int:
    row = re.search(rf"^\| `{variable}` \| `\w+` \| `(\d+)` \|", README.read_text(), re.M)
    assert row is not None, f"{variable} is not in the README's configuration table"
    return int(row.group(1))


def test_a_long_string_is_cut_at_the_documented_default(
    make_capture: Callable[..., Capture],
) -> None:
    assert "HOPSCOPE_MAX_STRING" not in os.environ
    limit = documented_default("HOPSCOPE_MAX_STRING")
    capture = make_capture()  # no max_string anywhere
    assert capture.config.max_string == limit
    long = "x" * (limit + 500)
    sdk.get_logger("limits").info(long, note=long, fits="y" * limit)
    record = capture.one()
    marker = "…[truncated 500 chars]"
    assert record["message"] == "x" * limit + marker
    assert record["labels.note"] == "x" * limit + marker
    assert record["labels.fits"] == "y" * limit  # at the limit: kept whole
    assert record["hopscope.truncated"] is True
