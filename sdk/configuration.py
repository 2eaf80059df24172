"""``sdk.configure``: one call sets up structlog, the stdlib bridge, hooks and tracing."""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from collections.abc import Iterable, MutableMapping
from typing import Any, BinaryIO, cast

import structlog

from sdk import errors, tracing
from sdk.config import Config, config_from
from sdk.output import LineWriter, StructlogLineLoggerFactory
from sdk.shaping import LOGGER_KEY, Record, Shaper, render
from sdk.stdlib import LineHandler, SchemaFormatter

_lock = threading.Lock()


class _State:
    """The active configuration. structlog caches loggers on first use, so the pieces it
    holds (processors, logger factory) are stable objects that read this state."""

    def __init__(self) -> None:
        self.config: Config | None = None
        self.stream: BinaryIO | None = None
        self.shaper = Shaper(Config())
        self.writer = LineWriter()


_state = _State()


def shaper() -> Shaper:
    return _state.shaper


def writer() -> LineWriter:
    return _state.writer


def _shape(_logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Record:
    return _state.shaper.from_structlog(method_name, event_dict)


def _render(_logger: Any, _method_name: str, record: MutableMapping[str, Any]) -> bytes:
    return render(cast(Record, record))  # the shaper made it a dict


class _WriterProxy(LineWriter):
    def write(self, line: bytes) -> None:
        _state.writer.write(line)


def configure(
    service: str | None = None,
    *,
    version: str | None = None,
    environment: str | None = None,
    node: str | None = None,
    level: str | None = None,
    stream: BinaryIO | None = None,
    redact_keys: Iterable[str] | None = None,
    max_string: int | None = None,
    max_body: int | None = None,
    sentry_dsn: str | None = None,
) -> Config:
    """Set up logging for this process; calling it again with the same values changes nothing.

    Every argument can come from the environment instead (``HOPSCOPE_SERVICE``,
    ``HOPSCOPE_SERVICE_VERSION``, ``HOPSCOPE_ENVIRONMENT``, ``HOPSCOPE_NODE``,
    ``HOPSCOPE_LOG_LEVEL``, ``HOPSCOPE_MAX_STRING``, ``HOPSCOPE_MAX_BODY``,
    ``HOPSCOPE_REDACT_KEYS``, ``SENTRY_DSN``). ``stream`` defaults to stdout.
    """
    config = config_from(
        {
            "service": service,
            "version": version,
            "environment": environment,
            "node": node,
            "level": level,
            "redact_keys": redact_keys,
            "max_string": max_string,
            "max_body": max_body,
            "sentry_dsn": sentry_dsn,
        }
    )
    with _lock:
        if config == _state.config and stream is _state.stream:
            return config
        _state.shaper = Shaper(config)
        _state.writer = LineWriter(stream)
        _state.stream = stream
        first = _state.config is None
        _state.config = config
        _configure_structlog(config)
        _configure_stdlib(config)
        if first:
            errors.install_hooks()
        tracing.ensure_tracer_provider(config.service, config.version)
    if config.sentry_dsn:
        from sdk.sentry import start_sentry

        start_sentry(config, _state.shaper.redactor)
    return config


def current_config() -> Config | None:
    return _state.config


def _configure_structlog(config: Config) -> None:
    structlog.configure(
        processors=[_shape, _render],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(config.level.upper())
        ),
        logger_factory=StructlogLineLoggerFactory(_WriterProxy()),
        cache_logger_on_first_use=True,
    )


def _configure_stdlib(config: Config) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(LineHandler(SchemaFormatter(shaper), writer))
    root.setLevel(config.level.upper())
    # Loggers that frameworks set up with their own stream handlers (uvicorn, gunicorn)
    # would print a second, non-schema line: route them through the root instead.
    for name, existing in list(logging.root.manager.loggerDict.items()):
        if isinstance(existing, logging.Logger) and existing.handlers:
            for handler in list(existing.handlers):
                if isinstance(handler, logging.StreamHandler) and not isinstance(
                    handler, logging.FileHandler
                ):
                    existing.removeHandler(handler)
            existing.propagate = True
            _ = name
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    _ = sys


def get_logger(name: str | None = None, **initial: Any) -> Any:
    """A structlog logger whose lines follow the schema (``name`` becomes ``log.logger``)."""
    if _state.config is None:
        configure()
    if name:
        initial[LOGGER_KEY] = name
    return structlog.get_logger(**initial)


def emit(message: str, fields: dict[str, Any], level: str = "info") -> None:
    """Write one record of trusted schema fields (the SDK's hop records use this).

    Fields that are not schema fields, or whose value does not fit the schema, are kept
    under ``labels.*`` rather than written as invalid lines.
    """
    if _state.config is None:
        configure()
    try:
        line = render(_state.shaper.trusted(level, message, fields))
    except Exception as exc:  # noqa: BLE001 - logging must never raise into the service
        problem = f"hopscope could not shape a record: {exc!r}"
        line = render(_state.shaper.trusted("error", problem, {}))
    _state.writer.write(line)
