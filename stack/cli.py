"""The ``hopscope`` console script: one front for every package's commands.

Each package contributes its commands through ``register(subparsers)`` in its own ``cli``
module and sets ``run`` on its parsers; heavy imports stay inside the ``run`` functions so
``hopscope --help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Final

COMMAND_MODULES: Final = ("sdk.cli", "collector.cli", "dashboards.cli", "stack.commands")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hopscope",
        description="Observability for Python microservices: schema, collector, dashboard, demo.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `hopscope schema | head`: the reader went away; nothing is wrong.
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
