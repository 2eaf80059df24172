"""``hopscope schema`` and ``hopscope lint``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO


def register(sub: Any) -> None:
    schema = sub.add_parser(
        "schema",
        help="print the record schema (JSON Schema) every line must follow",
        description="Print the JSON Schema file shipped in the SDK, exactly as shipped.",
    )
    schema.set_defaults(run=_run_schema)

    lint = sub.add_parser(
        "lint",
        help="check JSON lines against the record schema",
        description=(
            "Check each line of FILE (or standard input for '-') against the record schema. "
            "Each bad line is reported as FILE:LINE: reason. Exit status 1 if any line is bad."
        ),
    )
    lint.add_argument("file", metavar="FILE|-", help="file of JSON lines, or - for stdin")
    lint.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    lint.set_defaults(run=_run_lint)


def _run_schema(args: argparse.Namespace) -> int:
    from sdk.schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def _run_lint(args: argparse.Namespace) -> int:
    from sdk.schema import lint_lines

    name = "<stdin>" if args.file == "-" else args.file
    try:
        stream: BinaryIO = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as exc:
        print(f"hopscope lint: cannot read {name}: {exc.strerror}", file=sys.stderr)
        return 2
    with stream:
        report = lint_lines(_with_progress(stream, name) if args.file != "-" else stream)
        for number, reason in report.problems:
            if not args.quiet:
                print(f"{name}:{number}: {reason}")
        sys.stdout.flush()  # problems before the summary when both go to one terminal
    print(f"{name}: {report.checked} line(s) checked, {len(report.problems)} bad", file=sys.stderr)
    return 1 if report.problems else 0


def _with_progress(stream: BinaryIO, name: str) -> Iterator[bytes]:
    """The file's lines, with a progress bar over its bytes on an interactive terminal
    (when rich is installed; the SDK alone does not need it)."""
    try:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
    except ImportError:
        yield from stream
        return
    if not sys.stderr.isatty():
        yield from stream
        return
    total = os.fstat(stream.fileno()).st_size
    with Progress(
        TextColumn(f"linting {name}"), BarColumn(), DownloadColumn(), transient=True
    ) as bar:
        task = bar.add_task("lint", total=total)
        for line in stream:
            bar.advance(task, len(line))
            yield line


__all__ = ["register"]
