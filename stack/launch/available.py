"""Which ``hopscope`` commands this installation has, and which options they take, so the
demo uses the collector and dashboard when they are there and says so when they are not."""

from __future__ import annotations

import argparse
from functools import cache


@cache
def _subcommands() -> dict[str, argparse.ArgumentParser]:
    from stack.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def has_command(name: str) -> bool:
    return name in _subcommands()


def has_option(command: str, option: str) -> bool:
    parser = _subcommands().get(command)
    return parser is not None and option in parser._option_string_actions
