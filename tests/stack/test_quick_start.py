"""The README's Quick start, from a fresh clone: ``python3 -m stack demo`` and
``python3 -m stack test`` with nothing but ``python3`` (the bootstrap builds its own
environment from the lock file in the clone)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from stack.bootstrap import ROOT
from stack.launch import SERVICES, free_port

PYTHON3 = shutil.which("python3") or "python3"


def quick_start_commands() -> list[str]:
    """The commands in the README's Quick start block, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = section.split("```", 2)[1]
    return [line.split("#", 1)[0].strip() for line in block.splitlines()[1:] if line.strip()]


def test_the_quick_start_is_exactly_two_commands() -> None:
    assert quick_start_commands() == ["python3 -m stack demo", "python3 -m stack test"]


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if not (ROOT / ".git").exists():
        pytest.fail("the Quick start test needs the project as a git checkout")
    work = tmp_path_factory.mktemp("fresh")
    clone = work / "hopscope"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # A clean environment: no virtualenv of ours on PATH, a new one for the clone.
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT / ".venv"))
    )
    env["HOPSCOPE_VENV"] = str(work / "venv")
    env["HOPSCOPE_NO_APT"] = "1"
    return clone, env


@pytest.mark.slow
def test_demo_command_runs_from_a_fresh_clone(fresh_clone: tuple[Path, dict[str, str]]) -> None:
    clone, env = fresh_clone
    argv = [
        PYTHON3,
        "-m",
        "stack",
        "demo",
        "--no-browser",
        "--duration",
        "6",
        "--dashboard-port",
        str(free_port()),
    ]
    for name in SERVICES:
        argv += ["--port", f"{name}={free_port()}"]
    done = subprocess.run(
        argv, cwd=clone, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    store = clone / ".hopscope" / "hopscope.db"
    with sqlite3.connect(store) as db:
        services = {
            row[0]
            for row in db.execute("SELECT DISTINCT service FROM records WHERE hop_kind = 'server'")
        }
    assert set(SERVICES) <= services


@pytest.mark.slow
def test_test_command_runs_from_a_fresh_clone(fresh_clone: tuple[Path, dict[str, str]]) -> None:
    clone, env = fresh_clone
    done = subprocess.run(
        [
            PYTHON3,
            "-m",
            "stack",
            "test",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/sdk/schema/test_schema.py",
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert "==> ruff: ok" in done.stdout
    assert "==> ruff format: ok" in done.stdout
    assert "==> mypy --strict: ok" in done.stdout
    assert re.search(r"\d+ passed", done.stdout)
    assert "all checks passed" in done.stdout


def test_bootstrap_usage_without_a_command() -> None:
    done = subprocess.run(
        [PYTHON3, "-m", "stack"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 2
    assert "demo" in done.stdout
    assert "test" in done.stdout
