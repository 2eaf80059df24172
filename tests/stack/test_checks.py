"""``python3 -m stack test``: the steps it runs, and what ``--fast`` changes."""

from __future__ import annotations

from stack.checks import FAST_HYPOTHESIS_PROFILE, FAST_MARKERS, pytest_arguments, steps


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
