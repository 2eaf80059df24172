"""The whole test suite in one command: ruff, mypy --strict, then pytest.

Arguments are passed to pytest. Every step runs even when an earlier one fails, so one run
shows everything that is wrong; the exit status is non-zero if any step failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Final

PACKAGES: Final = ("sdk", "collector", "dashboards", "stack")
LINTED: Final = (*PACKAGES, "tests", "benchmarks")


def steps(pytest_args: list[str]) -> list[tuple[str, list[str]]]:
    py = sys.executable
    return [
        ("ruff", [py, "-m", "ruff", "check", *LINTED]),
        ("mypy --strict", [py, "-m", "mypy", *[f"--package={p}" for p in PACKAGES]]),
        ("pytest", [py, "-m", "pytest", *pytest_args]),
    ]


def main(argv: list[str] | None = None) -> int:
    pytest_args = list(sys.argv[1:] if argv is None else argv)
    failed: list[str] = []
    for name, command in steps(pytest_args):
        print(f"\n==> {name}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, check=False).returncode
        print(
            f"==> {name}: {'ok' if code == 0 else f'FAILED ({code})'} "
            f"in {time.monotonic() - started:.0f}s",
            flush=True,
        )
        if code != 0:
            failed.append(name)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", flush=True)
        return 1
    print("\nall checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
