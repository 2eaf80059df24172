"""The argparse wiring of the collector's commands: ``collect``, ``run`` and
``deadletters``; each command's work is in its own module."""

from __future__ import annotations

import argparse
from typing import Any

from collector.cli.collect import run_collect
from collector.cli.deadletters import run_deadletters_list, run_deadletters_replay
from collector.cli.run import run_wrapped
from collector.cli.session import MIB
from collector.collect import CollectorOptions
from collector.transforms.lines import DEFAULT_MAX_LINE_BYTES
from sdk.store import STATE_DIR, STATE_FILE

#: the option defaults are the library's
_DEFAULTS = CollectorOptions()

SINK_HELP = (
    f"where records go (repeatable; default: sqlite:///STATE_DIR/{STATE_FILE}). "
    "sqlite:///FILE.db; http(s)://HOST:PORT, elasticsearch+http(s)://..., "
    "opensearch+http(s)://... for Elasticsearch/OpenSearch; gelf://HOST:PORT (HTTP), "
    "gelf+udp://HOST:PORT, gelf+tcp://HOST:PORT, gelf+http(s)://HOST:PORT/gelf for Graylog"
)


def register(sub: Any) -> None:
    collect = sub.add_parser(
        "collect",
        help="ship log lines from stdin, files or Docker logs to the sinks",
        description=(
            "Read JSON log lines from standard input ('-'), files or globs (quote globs to "
            "follow files created later), and Docker json-file logs (*-json.log), validate "
            "them against the record schema and write them to every sink. Lines that are not "
            "valid records are kept as 'unstructured' records with the raw text and the reason. "
            "Without --follow, files are read to their end and the command exits (backfill, "
            "with a progress bar on a terminal); checkpoints in the state directory let a "
            "second run go on where the first stopped."
        ),
        epilog="Example: uvicorn cart:app | hopscope collect -",
    )
    collect.add_argument(
        "inputs", nargs="+", metavar="SOURCE", help="'-' for standard input, or a file path or glob"
    )
    collect.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="keep reading files as they grow, across rotation and truncation, "
        "and pick up new files matching a glob; stop with Ctrl-C/SIGTERM",
    )
    _common_options(collect)
    collect.add_argument(
        "--format",
        choices=("auto", "json", "docker"),
        default="auto",
        help="line format of files: 'docker' unwraps Docker json-file lines; "
        "'auto' (default) does so for files named *-json.log",
    )
    collect.add_argument(
        "--docker-label",
        action="append",
        type=_label,
        default=[],
        metavar="KEY=VALUE",
        help="read only the Docker logs of containers with this label (repeatable: all must "
        "match), e.g. com.docker.compose.project=shop; other containers are left alone",
    )
    collect.add_argument(
        "--no-progress", action="store_true", help="no progress bar while reading files once"
    )
    collect.set_defaults(run=run_collect)

    run = sub.add_parser(
        "run",
        help="run a command and collect its stdout and stderr",
        description=(
            "Start COMMAND, pass its output through to this terminal, and collect every line it "
            "writes to stdout and stderr (a traceback becomes one error record). The exit "
            "status is the command's. SIGINT/SIGTERM are passed on to it, and the collector "
            "flushes once it has exited."
        ),
        epilog="Example: hopscope run --service cart -- uvicorn cart:app",
    )
    run.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND ...",
        help="the command to run, after --",
    )
    _common_options(run)
    run.add_argument(
        "--no-echo",
        action="store_true",
        help="do not pass the command's output through to this terminal",
    )
    run.set_defaults(run=run_wrapped)

    dead = sub.add_parser(
        "deadletters",
        help="list or replay records a sink refused",
        description=(
            "Records a sink refused for good are kept in the state directory with the "
            "sink and the reason. List them, or replay them once the cause is fixed."
        ),
    )
    dead_sub = dead.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = dead_sub.add_parser(
        "list", help="show dead letters", description="Show dead letters, oldest first."
    )
    listing.add_argument(
        "--state-dir", default=STATE_DIR, help="state directory (default: %(default)s)"
    )
    listing.add_argument("--sink", help="only those refused by this sink (its URL or name)")
    listing.add_argument("--all", action="store_true", help="include those already replayed")
    listing.add_argument(
        "--limit",
        type=int,
        default=50,
        help="show at most this many (default: %(default)s; 0: all)",
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(run=run_deadletters_list)
    replay = dead_sub.add_parser(
        "replay",
        help="write dead letters to a sink again",
        description=(
            "Write the dead letters refused by SINK to it again (or, with --to, to "
            "another sink). Records stored are marked replayed; records refused again "
            "stay, with the new reason."
        ),
    )
    replay.add_argument(
        "--state-dir", default=STATE_DIR, help="state directory (default: %(default)s)"
    )
    replay.add_argument("--sink", required=True, help="sink whose dead letters to replay (URL)")
    replay.add_argument("--to", metavar="URL", help="replay into this sink instead")
    replay.set_defaults(run=run_deadletters_replay)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sink", action="append", metavar="URL", help=SINK_HELP)
    parser.add_argument(
        "--state-dir",
        default=STATE_DIR,
        help="checkpoints, disk buffer and dead letters (default: %(default)s)",
    )
    parser.add_argument(
        "--service", help="service.name for lines that do not name one (required by 'run')"
    )
    parser.add_argument(
        "--max-line-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_LINE_BYTES,
        metavar="N",
        help="longer lines are kept cut to N bytes, with a marker (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-mb",
        type=_positive_float,
        default=_DEFAULTS.batch_bytes / MIB,
        metavar="MB",
        help="input read per round, written to each sink as one batch: bigger "
        "batches are faster, smaller ones use less memory "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--buffer-max-mb",
        type=_positive_float,
        default=_DEFAULTS.buffer_max_bytes / MIB,
        metavar="MB",
        help="records kept on disk per unavailable sink before reading pauses "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--retain-days",
        type=_positive_float,
        metavar="DAYS",
        help="SQLite sinks: delete records older than this",
    )
    parser.add_argument(
        "--retain-mb",
        type=_positive_float,
        metavar="MB",
        help="SQLite sinks: delete the oldest records beyond this size",
    )
    parser.add_argument(
        "--stats-interval",
        type=_positive_float,
        metavar="SECONDS",
        help="print counters this often (default: 10 with --follow; always at exit)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=_positive_float,
        default=_DEFAULTS.drain_seconds,
        metavar="SECONDS",
        help="without --follow, once every input is read: time allowed for sinks that are "
        "down; what they have not taken waits on disk for the next run, and the command "
        "exits 1 (default: %(default)s)",
    )
    parser.add_argument(
        "--shutdown-timeout",
        type=_positive_float,
        default=_DEFAULTS.shutdown_seconds,
        metavar="SECONDS",
        help="on SIGINT/SIGTERM, time allowed to read what is "
        "left and flush (default: %(default)s)",
    )


def _label(text: str) -> tuple[str, str]:
    from collector.sources.docker import parse_label

    try:
        return parse_label(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value
