"""A backfill ends: without --follow, the collector gives the sinks that are down a bounded
time once every input is read, then exits 1 saying what waits on disk for which sink; the
next run sends it, each record once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stack.launch.ports import free_port
from tests.collector.sinks.gelf.receivers import HttpReceiver

HOPSCOPE = [sys.executable, "-m", "stack.cli"]


def collect(log: Path, sink: str, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HOPSCOPE, "collect", str(log), "--sink", sink, "--state-dir", str(state), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_a_backfill_to_a_dead_port_ends_and_the_next_run_sends_it(
    tmp_path: Path, helpers: Any
) -> None:
    log = tmp_path / "cart.log"
    log.write_bytes(b"".join(helpers.valid_line(n) + b"\n" for n in range(6)))
    port = free_port()  # nothing listens there for the first run
    sink = f"gelf+http://127.0.0.1:{port}/gelf"
    state = tmp_path / "state"

    first = collect(log, sink, state, "--drain-timeout", "1")

    assert first.returncode == 1, first.stderr
    assert (
        f"6 record(s) wait on disk in {state} (6 for gelf http://127.0.0.1:{port}/gelf)"
        in first.stderr
    )
    receiver = HttpReceiver(port)
    try:
        second = collect(log, sink, state)
        assert second.returncode == 0, second.stderr
        assert sorted(m["short_message"] for m in receiver.wait_for(6)) == [
            f"line {n}" for n in range(6)
        ]
    finally:
        receiver.close()


def test_the_drain_timeout_is_documented() -> None:
    shown = subprocess.run(
        [*HOPSCOPE, "collect", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--drain-timeout SECONDS" in shown
    assert "(default: 30.0)" in " ".join(shown.split())


def test_a_label_filter_that_leaves_out_every_file_says_so(tmp_path: Path) -> None:
    for name, stack in (("a", "other"), ("b", "demo")):
        directory = tmp_path / "containers" / (name * 64)
        directory.mkdir(parents=True)
        (directory / f"{name * 64}-json.log").write_text('{"log": "hi\\n", "stream": "stdout"}\n')
        labels = f'{{"Config": {{"Labels": {{"io.hopscope.stack": "{stack}"}}}}}}'
        (directory / "config.v2.json").write_text(labels)
    pattern = tmp_path / "containers" / "*" / "*-json.log"
    sink = f"sqlite:///{tmp_path / 'hopscope.db'}"
    state = tmp_path / "state"

    run = collect(pattern, sink, state, "--docker-label", "io.hopscope.stack=shop", "--no-progress")

    assert run.returncode == 0, run.stderr
    (said,) = [e for e in events(run.stderr) if e["log.level"] == "warning"]
    assert said["message"] == "files match, but none of their containers carry the labels"
    assert said["labels.files"] == 2
    assert said["labels.labels"] == "io.hopscope.stack=shop"
    assert said["labels.pattern"] == str(pattern)
    # a pattern naming only a directory: there is no file to filter
    nothing = collect(tmp_path / "contain*", sink, state, "--docker-label", "k=v")
    (said,) = [e for e in events(nothing.stderr) if e["log.level"] == "warning"]
    assert said["message"] == "no file matches"


def events(stderr: str) -> list[dict[str, Any]]:
    """The collector's own log records among its stderr lines."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
