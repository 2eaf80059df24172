"""Exceptions as schema fields, and hooks so uncaught ones are logged as records too."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import FrameType, TracebackType
from typing import Any

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def error_fields(exc: BaseException) -> dict[str, str]:
    """``error.type``, ``error.message`` and ``error.stack_trace`` (chained causes included)."""
    kind = type(exc)
    module = kind.__module__
    name = (
        kind.__qualname__ if module in {"builtins", "__main__"} else f"{module}.{kind.__qualname__}"
    )
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break logging
        message = f"<{name}: str() failed>"
    try:
        stack = "".join(traceback.format_exception(exc))
    except Exception:  # noqa: BLE001
        stack = f"{name}: {message}"
    return {"error.type": name, "error.message": message, "error.stack_trace": stack}


def exception_of(exc_info: Any) -> BaseException | None:
    """Normalise the many shapes of ``exc_info`` (True, exception, tuple) to an exception."""
    if exc_info is True:
        return sys.exc_info()[1]
    if isinstance(exc_info, BaseException):
        return exc_info
    if (
        isinstance(exc_info, tuple)
        and len(exc_info) == 3
        and isinstance(exc_info[1], BaseException)
    ):
        return exc_info[1]
    return None


#: modules whose frames are the logging machinery, not the caller's code
_MACHINERY = frozenset({"structlog", "logging"})


def caller_stack() -> str:
    """The stack at the logging call, as ``logging`` prints ``stack_info=True``: the
    frames of the logging machinery left out."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if module.split(".", 1)[0] not in _MACHINERY and not module.startswith("sdk.log"):
            break
        frame = frame.f_back
    return "Stack (most recent call last):\n" + "".join(traceback.format_stack(frame)).rstrip("\n")


_logger = logging.getLogger("hopscope.uncaught")


def _log_uncaught(where: str, exc: BaseException) -> None:
    _logger.critical("uncaught exception in %s", where, exc_info=exc)


def install_hooks() -> None:
    """Uncaught exceptions in the main thread, other threads and asyncio loops become records."""

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        _log_uncaught("main thread", exc.with_traceback(tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
            name = args.thread.name if args.thread is not None else "?"
            _log_uncaught(f"thread {name}", args.exc_value)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    # asyncio reports unretrieved task exceptions through the 'asyncio' logger, which the
    # stdlib bridge already shapes; nothing more is needed for tasks.
