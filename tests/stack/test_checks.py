"""``python3 -m stack test``: the steps it runs, and what ``--fast`` changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stack.checks import (
    FAST_HYPOTHESIS_PROFILE,
    FAST_MARKERS,
    pytest_arguments,
    step_environment,
    steps,
)


def test_the_full_run_passes_arguments_to_pytest_unchanged() -> None:
    assert pytest_arguments(["-k", "redaction", "tests/sdk"]) == ["-k", "redaction", "tests/sdk"]


def test_fast_runs_in_parallel_without_the_slow_and_browser_tests() -> None:
    args = pytest_arguments(["--fast", "-k", "redaction"])
    assert "--fast" not in args
    assert args[args.index("-m") + 1] == FAST_MARKERS == "not slow and not browser"
    assert int(args[args.index("-n") + 1]) >= 1
    assert args[-2:] == ["-k", "redaction"]


def test_fast_draws_fewer_hypothesis_examples() -> None:
    from hypothesis import settings

    args = pytest_arguments(["--fast"])
    assert f"--hypothesis-profile={FAST_HYPOTHESIS_PROFILE}" in args
    fast = settings.get_profile(FAST_HYPOTHESIS_PROFILE)  # registered by tests/conftest.py
    assert fast.max_examples < settings.get_profile("default").max_examples
    assert fast.deadline is None


def test_every_linter_runs_before_pytest() -> None:
    names = [name for name, _ in steps([])]
    assert names == ["ruff", "ruff format", "mypy --strict", "pytest"]
    format_step = dict(steps([]))["ruff format"]
    assert "--check" in format_step  # the check never rewrites a file


def test_bytecode_is_cached_outside_the_checkout_where_it_may_not_be_written(
    tmp_path: Path,
) -> None:
    venv, tree = tmp_path / "venv", tmp_path / "tree"
    tree.mkdir()
    (tree / "probe_module.py").write_text("VALUE = 1\n")
    env = step_environment({"PYTHONDONTWRITEBYTECODE": "1", "KEEP": "me"}, venv)
    assert env["KEEP"] == "me"
    assert "PYTHONDONTWRITEBYTECODE" not in env
    subprocess.run([sys.executable, "-c", "import probe_module"], cwd=tree, env=env, check=True)
    cached = [p.name for p in (venv / "pycache").rglob("*.pyc")]
    assert [name for name in cached if name.startswith("probe_module.")]
    assert not list(tree.rglob("*.pyc"))


def test_bytecode_settings_of_the_user_are_kept_otherwise(tmp_path: Path) -> None:
    assert step_environment({"PATH": "/bin"}, tmp_path) == {"PATH": "/bin"}
    chosen = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "/elsewhere"}
    assert step_environment(chosen, tmp_path) == {"PYTHONPYCACHEPREFIX": "/elsewhere"}


def test_fast_draws_a_share_of_what_a_test_asks_for_itself() -> None:
    from hopscope_testing import examples
    from hypothesis import settings

    current = settings.get_current_profile_name()
    try:
        settings.load_profile("hopscope")
        assert examples(600) == 600
        settings.load_profile(FAST_HYPOTHESIS_PROFILE)
        assert examples(600) == 600 * settings.default.max_examples // 100 < 600
        assert examples(1) == 1
    finally:
        settings.load_profile(current)
