"""``hopscope collect`` into the OpenSearch-API engine: stored, searchable, idempotent
across a lost state directory, and a mapping conflict kept as a dead letter and replayed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hopscope_testing import search_fixtures

fx = search_fixtures()
make_record = fx.make_record
count = fx.count
engine_request = fx.engine_request

HOPSCOPE = [sys.executable, "-m", "stack.cli"]
INDEX = "hopscope-records-2026.11.25"


def hopscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HOPSCOPE, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_collect_into_the_engine_with_a_dead_letter_and_its_replay(
    engine: Any, tmp_path: Path
) -> None:
    # An index created earlier by someone else, where labels.tenant is a number.
    engine_request(
        engine,
        "PUT",
        f"/{INDEX}",
        {
            "mappings": {"properties": {"labels": {"properties": {"tenant": {"type": "long"}}}}},
        },
    )
    lines = [orjson.dumps(make_record(n, **{"labels.tenant": n}).doc) for n in range(3)]
    lines.append(orjson.dumps(make_record(3, **{"labels.tenant": "acme"}).doc))
    lines.append(b"Traceback (most recent call last): not JSON")
    log = tmp_path / "cart.log"
    log.write_bytes(b"\n".join(lines) + b"\n")
    sink = f"opensearch+{engine.url}"
    state = tmp_path / "state"

    first = hopscope(
        "collect", str(log), "--sink", sink, "--state-dir", str(state), "--no-progress"
    )

    assert first.returncode == 0, first.stderr
    assert count(engine) == 4  # three records and the unstructured line
    assert count(engine, {"exists": {"field": "hopscope.unstructured.reason"}}) == 1
    assert count(engine, {"term": {"trace.id": f"{1:032x}"}}) == 1
    listed = hopscope("deadletters", "list", "--state-dir", str(state), "--json")
    letters = [orjson.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    assert len(letters) == 1, listed.stdout + listed.stderr
    reason = str(letters[0])
    assert "mapper_parsing_exception" in reason
    assert "labels.tenant" in reason

    # The state directory is lost: everything is read and sent again, nothing doubles.
    again = hopscope(
        "collect",
        str(log),
        "--sink",
        sink,
        "--state-dir",
        str(tmp_path / "fresh-state"),
        "--no-progress",
    )
    assert again.returncode == 0, again.stderr
    assert count(engine) == 4

    # The conflict is resolved (the old index goes), the dead letter is replayed.
    engine_request(engine, "DELETE", f"/{INDEX}")
    replay = hopscope("deadletters", "replay", "--state-dir", str(state), "--sink", sink)
    assert replay.returncode == 0, replay.stderr
    assert count(engine, {"term": {"labels.tenant": "acme"}}) == 1
