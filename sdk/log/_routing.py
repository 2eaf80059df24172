"""Routing: frameworks that give their loggers their own stdout/stderr handlers (uvicorn,
gunicorn, ``logging.basicConfig``) would print a second, non-schema line for each record.
Those handlers are dropped and the records propagate to the root, where the SDK's handler
shapes them; ``logging.config.dictConfig`` calls made later are routed the same way."""

from __future__ import annotations

import logging
import logging.config
import sys
from collections.abc import Callable

from sdk.log._stdlib import LineHandler


def _writes_to_std_stream(handler: logging.Handler) -> bool:
    if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
        return False
    stream = handler.stream
    return any(stream is s for s in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__))


def route_foreign_handlers() -> None:
    """Drop the stdout/stderr handlers of every logger; let their records propagate."""
    loggers = [logging.getLogger()]
    loggers += [
        x for x in logging.root.manager.loggerDict.values() if isinstance(x, logging.Logger)
    ]
    for logger in loggers:
        foreign = [h for h in logger.handlers if _writes_to_std_stream(h)]
        for handler in foreign:
            logger.removeHandler(handler)
        if foreign and logger is not logging.root:
            logger.propagate = True


class RoutingDictConfigurator(logging.config.DictConfigurator):
    """``logging.config.dictConfig`` as usual, then foreign stdout handlers routed (uvicorn
    configures its loggers this way when its server starts, after ``sdk.configure``)."""

    def configure(self) -> None:
        super().configure()
        if any(isinstance(h, LineHandler) for h in logging.getLogger().handlers):
            route_foreign_handlers()
        else:  # a dictConfig that replaced the root's handlers: put the SDK's back
            restore = _restore_root
            if restore is not None:
                restore()
                route_foreign_handlers()


_restore_root: Callable[[], None] | None = None


def install_routing(restore_root: Callable[[], None]) -> None:
    """Route foreign handlers now and after every later ``dictConfig``."""
    global _restore_root
    _restore_root = restore_root
    logging.config.dictConfigClass = RoutingDictConfigurator
    route_foreign_handlers()
