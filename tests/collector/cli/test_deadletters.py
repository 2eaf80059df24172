"""``hopscope deadletters`` end to end: listing and replaying."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from .running import hopscope


@pytest.mark.slow
def test_deadletters_list_and_replay(tmp_path: Path, helpers: Any) -> None:
    bad_time = orjson.dumps(
        {**orjson.loads(helpers.valid_line(3)), "@timestamp": "2024-02-30T10:00:00Z"}
    )
    data = helpers.valid_line(1) + b"\n" + bad_time + b"\n"
    sink = "sqlite:///out.db"
    result = hopscope("collect", "-", "--sink", sink, cwd=tmp_path, stdin=data)
    assert result.returncode == 0, result.stderr
    listed = hopscope("deadletters", "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0
    (letter,) = [orjson.loads(line) for line in listed.stdout.splitlines()]
    assert letter["sink"] == sink
    assert "not a real date" in letter["reason"]
    assert letter["record"]["labels.n"] == 3
    text = hopscope("deadletters", "list", cwd=tmp_path)
    assert b"not a real date" in text.stdout
    assert b"1 dead letter(s)" in text.stderr
    # replaying into a sink that still refuses keeps the letter, with its reason
    again = hopscope("deadletters", "replay", "--sink", sink, cwd=tmp_path)
    assert again.returncode == 1
    assert b"1 refused again" in again.stderr
    assert len(hopscope("deadletters", "list", "--json", cwd=tmp_path).stdout.splitlines()) == 1
