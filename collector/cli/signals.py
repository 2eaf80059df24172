"""Signal handling of the collecting commands: SIGINT/SIGTERM ask the collector to stop
(the first drains and flushes, the second stops at once)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collector.collect import Collector


@contextmanager
def stop_on_signals(
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
