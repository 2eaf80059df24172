"""What the collecting commands share: opening the state and the sinks, one collector run
from start to exit status, and the one-line errors for people."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from collector.cli.progress import Progress
from collector.cli.signals import stop_on_signals
from collector.collect import CollectorOptions
from sdk.store import store_url_in

if TYPE_CHECKING:
    from collector.collect import Collector
    from collector.delivery.counters import Counters
    from collector.delivery.state import StateStore
    from collector.sinks.base import Sink
    from collector.sources.base import Source

MIB = 1024 * 1024


class UsageError(Exception):
    """A problem with the command line or its targets: one line for the person."""


def fail(command: str, message: str) -> int:
    print(f"hopscope {command}: {message}", file=sys.stderr)
    return 2


def open_sinks(args: argparse.Namespace) -> list[Sink]:
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


def open_state(args: argparse.Namespace) -> StateStore:
    from collector.delivery.state import StateError, StateStore

    try:
        return StateStore(args.state_dir)
    except StateError as exc:
        raise UsageError(str(exc)) from None


def print_counters(counters: Counters) -> None:
    print(counters.render(), file=sys.stderr, flush=True)


def collect(
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
        state = open_state(args)
        sinks = open_sinks(args)
    except UsageError as exc:
        return fail(command, str(exc)), None
    options = CollectorOptions(
        follow=follow,
        batch_bytes=int(args.batch_mb * MIB),
        buffer_max_bytes=int(args.buffer_max_mb * MIB),
        stats_seconds=args.stats_interval or (10.0 if follow else None),
        shutdown_seconds=args.shutdown_timeout,
        drain_seconds=args.drain_timeout,
    )
    checkpoints = Collector.checkpoints_for(state, sinks)
    try:
        sources = make_sources(checkpoints)
    except UsageError as exc:
        for sink in sinks:
            sink.close()
        state.close()
        return fail(command, str(exc)), None
    events.emit(
        "info",
        "collector started",
        sources=[s.name for s in sources],
        sinks=[s.name for s in sinks],
        follow=follow,
    )
    progress = (
        Progress(sources)
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
        on_stats=print_counters,
        on_progress=progress.advance if progress else None,
    )
    failure: str | None = None
    try:
        with stop_on_signals(collector):
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
    print_counters(counters)
    if failure is not None:
        return fail(command, failure), collector
    events.emit(
        "info",
        "collector stopped",
        read=counters.read,
        blank=counters.blank,
        stored={n: c.stored for n, c in counters.sinks.items()},
        dead_lettered={n: c.dead_lettered for n, c in counters.sinks.items()},
    )
    waiting = {name: c.buffered for name, c in counters.sinks.items() if c.buffered}
    if waiting:
        per_sink = ", ".join(f"{n} for {name}" for name, n in sorted(waiting.items()))
        print(
            f"hopscope {command}: {sum(waiting.values())} record(s) wait on disk in "
            f"{args.state_dir} ({per_sink}); the next run sends them",
            file=sys.stderr,
        )
        return 1, collector
    return 0, collector
