"""The demo's closing figures are this run's: the lines its services wrote, and how many of
those the store holds, counted through the store interface, never an earlier run's records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from stack.launch.tally import Tally


def _line(n: int, trace: str | None) -> str:
    doc = {
        "@timestamp": f"2026-11-25T14:41:{n % 60:02d}.250000Z",
        "log.level": "info",
        "message": f"line {n}",
        "service.name": "cart",
        "hopscope.schema_version": "1",
    }
    if trace is not None:
        doc["trace.id"] = trace
    return json.dumps(doc) + "\n"


def _collect(state: Path, path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "stack.cli", "collect", str(path), "--state-dir", str(state)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_counts_this_runs_lines_and_not_the_store_of_every_run(tmp_path: Path) -> None:
    state = tmp_path / "state"
    earlier = tmp_path / "earlier.log"
    earlier.write_text("".join(_line(n, "a" * 32) for n in range(5)))
    _collect(state, earlier)  # an earlier run: 5 records in the store

    log = tmp_path / "cart.log"
    shipped = [_line(n, "b" * 32) for n in range(3)] + [_line(3, "c" * 32), _line(4, None)]
    (tmp_path / "shipped.log").write_text("".join(shipped))
    _collect(state, tmp_path / "shipped.log")
    # This run wrote one more line of trace c that has not reached the store.
    log.write_text("".join([*shipped, _line(5, "c" * 32)]) + '{"half a line')

    tally = Tally({"cart": log}, f"sqlite:///{state / 'hopscope.db'}")
    try:
        tally.refresh()
        assert tally.written.total == 6
        assert tally.written.in_requests == 5
        assert tally.stored == {"b" * 32: 3, "c" * 32: 1}
        assert tally.stored_total == 4
        assert tally.problem is None

        with log.open("a") as handle:  # the half line completed
            handle.write('"}\n')
        tally.refresh()
        assert tally.written.total == 7
        assert tally.written.in_requests == 5  # that line carries no trace
    finally:
        tally.close()


def test_a_store_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    log = tmp_path / "cart.log"
    log.write_text(_line(1, "d" * 32))
    tally = Tally({"cart": log}, "nosuch://store")
    tally.refresh()
    assert tally.written.total == 1
    assert tally.problem is not None
    assert "unknown store URL" in tally.problem
