"""Commands of the collector package: ``collect``, ``run`` and ``deadletters``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from collector.collect import CollectorOptions
from collector.transforms.lines import DEFAULT_MAX_LINE_BYTES
from sdk.store_location import STATE_DIR, STATE_FILE, store_url_in

if TYPE_CHECKING:
    from collector.collect import Collector
    from collector.delivery.counters import Counters
    from collector.delivery.state import StateStore
    from collector.sinks.base import Sink
    from collector.sources.base import Source

MIB = 1024 * 1024
#: the option defaults are the library's
_DEFAULTS = CollectorOptions()

SINK_HELP = (
    f"where records go (repeatable; default: sqlite:///STATE_DIR/{STATE_FILE}). "
    "sqlite:///FILE.db; http(s)://HOST:PORT, elasticsearch+http(s)://..., "
    "opensearch+http(s)://... for Elasticsearch/OpenSearch; gelf://HOST:PORT (HTTP), "
    "gelf+udp://HOST:PORT, gelf+tcp://HOST:PORT, gelf+http(s)://HOST:PORT/gelf for Graylog"
)


class UsageError(Exception):
    """A problem with the command line or its targets: one line for the person."""


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
        "--no-progress", action="store_true", help="no progress bar while reading files once"
    )
    collect.set_defaults(run=_run_collect)

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
    run.set_defaults(run=_run_wrapped)

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
    listing.set_defaults(run=_run_deadletters_list)
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
    replay.set_defaults(run=_run_deadletters_replay)


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
        "--shutdown-timeout",
        type=_positive_float,
        default=_DEFAULTS.shutdown_seconds,
        metavar="SECONDS",
        help="on SIGINT/SIGTERM, time allowed to read what is "
        "left and flush (default: %(default)s)",
    )


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


# -- shared set-up ------------------------------------------------------------------------
def _fail(command: str, message: str) -> int:
    print(f"hopscope {command}: {message}", file=sys.stderr)
    return 2


def _open_sinks(args: argparse.Namespace) -> list[Sink]:
    from collector.delivery.retention import RetentionPolicy
    from collector.sinks import SinkURLError, open_sink
    from collector.sinks.sqlite import SqliteSink

    urls = args.sink or [store_url_in(args.state_dir)]
    if len(set(urls)) != len(urls):
        raise UsageError("the same --sink is given twice")
    policy = RetentionPolicy(
        max_age_seconds=args.retain_days * 86400 if args.retain_days else None,
        max_bytes=int(args.retain_mb * MIB) if args.retain_mb else None,
    )
    sinks: list[Sink] = []
    try:
        for url in urls:
            sink = open_sink(url)
            if isinstance(sink, SqliteSink):
                sink.retention = policy
            sinks.append(sink)
    except SinkURLError as exc:
        for sink in sinks:
            sink.close()
        raise UsageError(str(exc)) from None
    return sinks


def _open_state(args: argparse.Namespace) -> StateStore:
    from collector.delivery.state import StateError, StateStore

    try:
        return StateStore(args.state_dir)
    except StateError as exc:
        raise UsageError(str(exc)) from None


@contextmanager
def _stop_on_signals(
    collector: Collector, on_signal: Callable[[], None] | None = None
) -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        collector.request_stop()
        if on_signal is not None:
            on_signal()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _print_counters(counters: Counters) -> None:
    print(counters.render(), file=sys.stderr, flush=True)


def _collect(
    command: str,
    args: argparse.Namespace,
    make_sources: Callable[[Any], list[Source]],
    follow: bool,
) -> tuple[int, Collector | None]:
    import sqlite3

    from collector import events
    from collector.collect import Collector

    events.use_sdk()
    try:
        state = _open_state(args)
        sinks = _open_sinks(args)
    except UsageError as exc:
        return _fail(command, str(exc)), None
    options = CollectorOptions(
        follow=follow,
        batch_bytes=int(args.batch_mb * MIB),
        buffer_max_bytes=int(args.buffer_max_mb * MIB),
        stats_seconds=args.stats_interval or (10.0 if follow else None),
        shutdown_seconds=args.shutdown_timeout,
    )
    checkpoints = Collector.checkpoints_for(state, sinks)
    try:
        sources = make_sources(checkpoints)
    except UsageError as exc:
        for sink in sinks:
            sink.close()
        state.close()
        return _fail(command, str(exc)), None
    events.emit(
        "info",
        "collector started",
        sources=[s.name for s in sources],
        sinks=[s.name for s in sinks],
        follow=follow,
    )
    progress = (
        _Progress(sources)
        if (
            command == "collect"
            and not follow
            and not getattr(args, "no_progress", False)
            and sys.stderr.isatty()
        )
        else None
    )
    collector = Collector(
        sources,
        sinks,
        state,
        options,
        checkpoints=checkpoints,
        on_stats=_print_counters,
        on_progress=progress.advance if progress else None,
    )
    failure: str | None = None
    try:
        with _stop_on_signals(collector):
            counters = collector.run()
    except sqlite3.Error as exc:  # the state file itself (disk full, removed, corrupt)
        failure = f"the state store {state.path} failed: {exc}; nothing acknowledged is lost"
        counters = collector.counters
    finally:
        if progress is not None:
            progress.close()
        for source in sources:
            source.close()
        for sink in sinks:
            sink.close()
        state.close()
    _print_counters(counters)
    if failure is not None:
        return _fail(command, failure), collector
    events.emit(
        "info",
        "collector stopped",
        read=counters.read,
        stored={n: c.stored for n, c in counters.sinks.items()},
        dead_lettered={n: c.dead_lettered for n, c in counters.sinks.items()},
    )
    undelivered = sum(c.buffered for c in counters.sinks.values())
    if undelivered:
        print(
            f"hopscope {command}: {undelivered} record(s) wait on disk in {args.state_dir} "
            "for an unavailable sink; the next run sends them",
            file=sys.stderr,
        )
        return 1, collector
    return 0, collector


class _Progress:
    """A progress bar over the bytes of the files read once."""

    def __init__(self, sources: list[Source]) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.sources = sources
        self.bar = Progress(
            TextColumn("collecting"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=True,
        )
        self.task = self.bar.add_task("collect", total=None)
        self.bar.start()

    def advance(self, consumed: int) -> None:
        total = sum(s.total_bytes() or 0 for s in self.sources)
        self.bar.update(self.task, advance=consumed, total=total or None)

    def close(self) -> None:
        self.bar.stop()


# -- commands -----------------------------------------------------------------------------
def _run_collect(args: argparse.Namespace) -> int:
    from collector.sources.files import FileSource
    from collector.sources.pipes import stdin_source

    if args.inputs.count("-") > 1:
        return _fail("collect", "standard input ('-') can be read only once")

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

    code, _ = _collect("collect", args, make_sources, args.follow)
    return code


def _exists(pattern: str) -> bool:
    import glob

    return bool(glob.glob(pattern)) if glob.has_magic(pattern) else os.path.exists(pattern)


def _run_wrapped(args: argparse.Namespace) -> int:
    from collector.sources.process import ProcessError, ProcessSource, exit_status

    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        return _fail("run", "no command given (hopscope run --service NAME -- COMMAND ...)")
    if not args.service:
        return _fail("run", "--service NAME is required: it names the records of the command")
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

    code, _ = _collect("run", args, make_sources, follow=False)
    if not started:
        return 127 if not_started else code  # 127: the shell's "command not found"
    status = exit_status(started[0].returncode)
    return status if status else code


def _run_deadletters_list(args: argparse.Namespace) -> int:
    import orjson

    from collector.delivery.deadletters import DeadLetters

    try:
        state = _open_state(args)
    except UsageError as exc:
        return _fail("deadletters", str(exc))
    try:
        dead = DeadLetters(state.connection)
        letters = dead.list(args.sink, include_replayed=args.all, limit=args.limit or None)
        for letter in letters:
            if args.json:
                print(
                    orjson.dumps(
                        {
                            "record_id": letter.record.id,
                            "sink": letter.sink,
                            "reason": letter.reason,
                            "created_ns": letter.created_ns,
                            "replayed_ns": letter.replayed_ns,
                            "record": letter.record.doc,
                        }
                    ).decode()
                )
            else:
                replayed = " (replayed)" if letter.replayed_ns else ""
                print(
                    f"{letter.record.id}  {letter.sink}  {letter.record.source}:"
                    f"{letter.record.offset}  {letter.reason}{replayed}"
                )
        total = dead.count(args.sink)
        print(f"{total} dead letter(s) waiting for replay", file=sys.stderr)
    finally:
        state.close()
    return 0


def _run_deadletters_replay(args: argparse.Namespace) -> int:
    from collector.delivery.deadletters import DeadLetters
    from collector.sinks import SinkUnavailable, SinkURLError, open_sink

    try:
        state = _open_state(args)
    except UsageError as exc:
        return _fail("deadletters", str(exc))
    try:
        try:
            target = open_sink(args.to or args.sink)
        except SinkURLError as exc:
            return _fail("deadletters", str(exc))
        source_name = args.sink
        dead = DeadLetters(state.connection)
        letters = dead.list(source_name)
        if not letters and args.to is None and target.name != args.sink:
            letters = dead.list(target.name)
            source_name = target.name
        records = [letter.record for letter in letters]
        stored = refused = 0
        try:
            for start in range(0, len(records), 1000):
                batch = records[start : start + 1000]
                result = target.write(batch)
                refused_ids = {r.id for r, _ in result.rejected}
                dead.mark_replayed(source_name, [r.id for r in batch if r.id not in refused_ids])
                dead.add(source_name, result.rejected)
                stored += len(batch) - len(refused_ids)
                refused += len(refused_ids)
        except SinkUnavailable as exc:
            return _fail("deadletters", f"sink unavailable, try again later: {exc}")
        finally:
            target.close()
        print(
            f"replayed {stored} record(s) into {target.name}; {refused} refused again",
            file=sys.stderr,
        )
        return 1 if refused else 0
    finally:
        state.close()
