"""Commands of the stack package (registered into the ``hopscope`` console script)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="run the demo services, collector and dashboard on this machine",
        description="Run the demo microservices locally with the collector and the dashboard.",
    )
    demo.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    print("hopscope demo: the demo stack is not built yet.", file=sys.stderr)
    return 2
