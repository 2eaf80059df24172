"""The whole test suite in one command: ruff, ruff format, mypy --strict, then pytest.

``--fast`` is the developer's loop: the same linters, and pytest in parallel without the tests
marked ``slow`` or ``browser``. Other arguments are passed to pytest. Every step runs even when
an earlier one fails, so one run shows everything that is wrong; the exit status is non-zero
if any step failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final

PACKAGES: Final = ("sdk", "collector", "dashboards", "stack")
LINTED: Final = (*PACKAGES, "tests", "benchmarks")
#: What ``--fast`` leaves out: end-to-end runs of whole programs, and the browser.
FAST_MARKERS: Final = "not slow and not browser"
#: The Hypothesis profile of ``--fast`` (tests/conftest.py): fewer examples per property.
FAST_HYPOTHESIS_PROFILE: Final = "fast"


def pytest_arguments(args: list[str]) -> list[str]:
    """The pytest arguments for the command line given to ``stack test``."""
    if "--fast" not in args:
        return args
    rest = [arg for arg in args if arg != "--fast"]
    # Two workers a core: many tests wait on servers and subprocesses of their own (on 2 cores,
    # 4 workers ran the fast loop in 80 s where 2 took 102 s, same load).
    workers = str(min(2 * (os.cpu_count() or 1), 4))
    profile = f"--hypothesis-profile={FAST_HYPOTHESIS_PROFILE}"
    return ["-m", FAST_MARKERS, "-n", workers, profile, "-q", *rest]


def step_environment(environ: Mapping[str, str], venv: Path) -> dict[str, str]:
    """The environment the steps run in: *environ*, but with bytecode written even where
    ``PYTHONDONTWRITEBYTECODE`` forbids it, into ``<venv>/pycache`` so the checkout stays free
    of it. The suite starts hundreds of Python processes (pytest workers, CLIs, servers);
    without a cache each one compiles every module it imports again, and pytest rewrites every
    test module's asserts again in every worker: on 2 cores that was a third of ``--fast``."""
    env = dict(environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        env.setdefault("PYTHONPYCACHEPREFIX", str(venv / "pycache"))
    return env


def steps(pytest_args: list[str]) -> list[tuple[str, list[str]]]:
    py = sys.executable
    return [
        ("ruff", [py, "-m", "ruff", "check", *LINTED]),
        ("ruff format", [py, "-m", "ruff", "format", "--check", "--quiet", *LINTED]),
        ("mypy --strict", [py, "-m", "mypy", *[f"--package={p}" for p in PACKAGES]]),
        ("pytest", [py, "-m", "pytest", *pytest_arguments(pytest_args)]),
    ]


def main(argv: list[str] | None = None) -> int:
    pytest_args = list(sys.argv[1:] if argv is None else argv)
    failed: list[str] = []
    env = step_environment(os.environ, Path(sys.prefix))
    began = time.monotonic()
    for name, command in steps(pytest_args):
        print(f"\n==> {name}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, check=False, env=env).returncode
        print(
            f"==> {name}: {'ok' if code == 0 else f'FAILED ({code})'} "
            f"in {time.monotonic() - started:.0f}s",
            flush=True,
        )
        if code != 0:
            failed.append(name)
    took = f"in {time.monotonic() - began:.0f}s"
    if failed:
        print(f"\nFAILED: {', '.join(failed)} ({took})", flush=True)
        return 1
    print(f"\nall checks passed {took}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
