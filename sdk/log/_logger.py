"""The SDK's bound logger: structlog's filtering bound logger whose level methods hand each
call straight to the shaping pipeline.

structlog's generic path copies the bound context into a new event dict and loops over the
processors on every call; here the level methods pass the bound context and the call's
keywords to one sink, which shapes and writes the line without that copy. Everything else
(``bind``, ``new``, ``unbind``, the async ``a*`` methods, ``log``) is structlog's own.

The level threshold is read on each call rather than baked into the class, so a logger
obtained before ``sdk.configure(level=...)`` follows the level set later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

import structlog

from sdk.log._stdlib import level_name

#: ``sink(level, event, args, bound_context, keywords)`` shapes and writes one line.
LineSink = Callable[[str, Any, tuple[Any, ...], Mapping[str, Any], dict[str, Any]], None]

LEVEL_NUMBERS: Final = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


class Threshold:
    """The lowest level written; one shared, mutable object read by every logger."""

    __slots__ = ("number",)

    def __init__(self, number: int = logging.INFO) -> None:
        self.number = number


def logger_class(sink: LineSink, threshold: Threshold) -> type[Any]:
    """A ``FilteringBoundLogger`` class whose lines go through *sink*."""
    methods: dict[str, Any] = {}
    for name, number in LEVEL_NUMBERS.items():
        methods[name] = _level_method(name, number, sink, threshold)

    # Parameters before "/" are positional-only: every keyword, ``event`` and ``self``
    # included, is a label.
    def exception(self: Any, event: Any = "", /, *args: Any, **kw: Any) -> None:
        if threshold.number <= logging.ERROR:
            kw.setdefault("exc_info", True)
            sink("error", event, args, self._context, kw)

    def log(self: Any, level: Any, event: Any = "", /, *args: Any, **kw: Any) -> None:
        number = level_number(level)
        if number >= threshold.number:
            sink(level_name(number), event, args, self._context, kw)

    methods.update(
        exception=exception,
        log=log,
        fatal=methods["critical"],
        warn=methods["warning"],
        msg=methods["info"],
        is_enabled_for=lambda self, level: level >= threshold.number,
        get_effective_level=lambda self: threshold.number,
    )
    # The async variants write at once too: one line to stdout costs less than handing it
    # to a thread pool (structlog's way), and the caller's context stays as it is.
    for name in [*LEVEL_NUMBERS, "exception", "log", "fatal", "warn", "msg"]:
        methods[f"a{name}"] = _async_method(methods[name])
    base = structlog.make_filtering_bound_logger(logging.NOTSET)
    return type("HopscopeBoundLogger", (base,), methods)


def level_number(level: object) -> int:
    """``log.log``'s level as a number: ``"warning"`` as well as ``30``; anything else
    (None, an unknown name, an object) is info, so the line is written rather than lost."""
    if type(level) is int:
        return level
    if isinstance(level, str):
        return LEVEL_NUMBERS.get(level.lower(), logging.INFO)
    if isinstance(level, int) and not isinstance(level, bool):  # IntEnum levels
        return int(level)
    return logging.INFO


def _level_method(name: str, number: int, sink: LineSink, threshold: Threshold) -> Any:
    def method(self: Any, event: Any = "", /, *args: Any, **kw: Any) -> None:
        if number >= threshold.number:
            sink(name, event, args, self._context, kw)

    method.__name__ = name
    return method


def _async_method(method: Any) -> Any:
    async def async_method(self: Any, /, *args: Any, **kw: Any) -> None:
        method(self, *args, **kw)

    async_method.__name__ = f"a{method.__name__}"
    return async_method
