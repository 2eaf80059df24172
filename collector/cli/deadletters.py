"""``hopscope deadletters list|replay``: the records a sink refused."""

from __future__ import annotations

import argparse
import sys

from collector.cli.session import UsageError, fail, open_state


def run_deadletters_list(args: argparse.Namespace) -> int:
    import orjson

    from collector.delivery.deadletters import DeadLetters

    try:
        state = open_state(args)
    except UsageError as exc:
        return fail("deadletters", str(exc))
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


def run_deadletters_replay(args: argparse.Namespace) -> int:
    from collector.delivery.deadletters import DeadLetters
    from collector.sinks import SinkUnavailable, SinkURLError, open_sink

    try:
        state = open_state(args)
    except UsageError as exc:
        return fail("deadletters", str(exc))
    try:
        try:
            target = open_sink(args.to or args.sink)
        except SinkURLError as exc:
            return fail("deadletters", str(exc))
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
            return fail("deadletters", f"sink unavailable, try again later: {exc}")
        finally:
            target.close()
        print(
            f"replayed {stored} record(s) into {target.name}; {refused} refused again",
            file=sys.stderr,
        )
        return 1 if refused else 0
    finally:
        state.close()
