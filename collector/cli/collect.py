"""``hopscope collect``: files, globs, Docker logs and standard input to the sinks."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from collector.cli.session import UsageError, collect, fail

if TYPE_CHECKING:
    from collector.sources.base import Source


def run_collect(args: argparse.Namespace) -> int:
    from collector.sources.files import FileSource
    from collector.sources.pipes import stdin_source

    if args.inputs.count("-") > 1:
        return fail("collect", "standard input ('-') can be read only once")

    def make_sources(checkpoints: Any) -> list[Source]:
        sources: list[Source] = []
        docker = {"auto": None, "json": False, "docker": True}[args.format]
        for item in args.inputs:
            if item == "-":
                sources.append(
                    stdin_source(max_line_bytes=args.max_line_bytes, service=args.service)
                )
            else:
                sources.append(
                    FileSource(
                        item,
                        checkpoints,
                        follow=args.follow,
                        max_line_bytes=args.max_line_bytes,
                        service=args.service,
                        docker=docker,
                        docker_labels=dict(args.docker_label),
                    )
                )
        missing = [
            s.name
            for s in sources
            if isinstance(s, FileSource) and not args.follow and not _exists(s.pattern)
        ]
        if missing:
            raise UsageError(f"no such file: {', '.join(missing)}")
        return sources

    code, _ = collect("collect", args, make_sources, args.follow)
    return code


def _exists(pattern: str) -> bool:
    import glob

    return bool(glob.glob(pattern)) if glob.has_magic(pattern) else os.path.exists(pattern)
