"""The logging benchmark stays runnable: a tiny run prints every contender and both ratios.
(No timing is asserted here; the figures belong to the benchmark itself.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "sdk_logging.py"


def test_benchmark_runs_and_prints_the_ratios() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--lines", "50", "--rounds", "1", "--file"],
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    for contender in (
        "floor",
        "structlog",
        "sdk",
        "sdk_bridge",
        "python-json-logger",
        "python-json-logger+orjson",
        "ecs-logging",
        "loguru",
    ):
        assert f"\n{contender} " in out
    assert "sdk.get_logger / structlog fastest" in out
    assert "sdk bridge / python-json-logger+orjson" in out
