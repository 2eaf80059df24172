"""``hopscope run``: run a command and collect its stdout and stderr."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from collector.cli.session import UsageError, collect, fail

if TYPE_CHECKING:
    from collector.sources.base import Source
    from collector.sources.process import ProcessSource


def run_wrapped(args: argparse.Namespace) -> int:
    from collector.sources.process import ProcessError, ProcessSource, exit_status

    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        return fail("run", "no command given (hopscope run --service NAME -- COMMAND ...)")
    if not args.service:
        return fail("run", "--service NAME is required: it names the records of the command")
    started: list[ProcessSource] = []
    not_started: list[str] = []

    def make_sources(checkpoints: Any) -> list[Source]:
        try:
            source = ProcessSource(
                command,
                service=args.service,
                max_line_bytes=args.max_line_bytes,
                echo=not args.no_echo,
            )
        except ProcessError as exc:
            not_started.append(str(exc))
            raise UsageError(str(exc)) from None
        started.append(source)
        return [source]

    code, _ = collect("run", args, make_sources, follow=False)
    if not started:
        return 127 if not_started else code  # 127: the shell's "command not found"
    status = exit_status(started[0].returncode)
    return status if status else code
