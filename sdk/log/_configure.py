"""``sdk.configure``: one call sets up structlog, the stdlib bridge, hooks and tracing."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, BinaryIO, Final, cast

import orjson
import structlog

from sdk.log import _errors as errors
from sdk.log import _tracing as tracing
from sdk.log._config import Config, config_from
from sdk.log._logger import LEVEL_NUMBERS, Threshold, logger_class
from sdk.log._output import LineWriter, StructlogLineLoggerFactory
from sdk.log._routing import install_routing
from sdk.log._shaping import LEVEL_OF_METHOD, LOGGER_KEY, Shaper, render
from sdk.log._stdlib import LineHandler, SchemaFormatter
from sdk.schema import Record

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
_threshold = Threshold()


def shaper() -> Shaper:
    return _state.shaper


def writer() -> LineWriter:
    return _state.writer


def _write_call(
    level: str, event: Any, args: tuple[Any, ...], bound: Mapping[str, Any], kw: dict[str, Any]
) -> None:
    """The sink of every ``sdk.get_logger`` call: shape, render, write; never raises."""
    state = _state
    try:
        record = state.shaper.from_call(level, event, args, bound, kw)
        try:
            line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        except (TypeError, orjson.JSONEncodeError):
            line = render(record)  # the slow path that converts what orjson refused
    except Exception as exc:  # noqa: BLE001 - logging must never raise into the service
        line = _failure_line(exc)
    state.writer.write(line)


def _failure_record(exc: BaseException) -> Record:
    return _state.shaper.failure(exc, {})


def _failure_line(exc: BaseException) -> bytes:
    return render(_failure_record(exc))


def _shape(_logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Record:
    """structlog's generic processor path (the async ``a*`` methods) joins here."""
    if LEVEL_NUMBERS.get(LEVEL_OF_METHOD.get(method_name, "info"), 0) < _threshold.number:
        raise structlog.DropEvent
    try:
        return _state.shaper.from_structlog(method_name, event_dict)
    except Exception as exc:  # noqa: BLE001 - logging must never raise into the service
        return _failure_record(exc)


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
    dataset: str | None = None,
    level: str | None = None,
    stream: BinaryIO | None = None,
    redact_keys: str | Iterable[str] | None = None,
    max_string: int | None = None,
    max_body: int | None = None,
    sentry_dsn: str | None = None,
) -> Config:
    """Set up logging for this process; calling it again with the same values changes nothing.

    Every argument can come from the environment instead (``HOPSCOPE_SERVICE``,
    ``HOPSCOPE_SERVICE_VERSION``, ``HOPSCOPE_ENVIRONMENT``, ``HOPSCOPE_NODE``,
    ``HOPSCOPE_DATASET``, ``HOPSCOPE_LOG_LEVEL``, ``HOPSCOPE_MAX_STRING``,
    ``HOPSCOPE_MAX_BODY``, ``HOPSCOPE_REDACT_KEYS``, ``SENTRY_DSN``). ``dataset`` is
    ``event.dataset`` (``<service>.log`` by default). ``stream`` defaults to stdout.
    """
    config = config_from(
        {
            "service": service,
            "version": version,
            "environment": environment,
            "node": node,
            "dataset": dataset,
            "level": level,
            "redact_keys": redact_keys,
            "max_string": max_string,
            "max_body": max_body,
            "sentry_dsn": sentry_dsn,
        }
    )
    with _lock:
        if config == _state.config and stream is _state.stream:
            if not _has_root_handler():  # taken off since (by hand, a test harness)
                _attach_root_handler()
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

        start_sentry(config, _state.shaper.redactor, tracing.enclosing_hop)
    return config


def current_config() -> Config | None:
    return _state.config


_LOGGER_CLASS: Final = logger_class(_write_call, _threshold)


def _configure_structlog(config: Config) -> None:
    _threshold.number = LEVEL_NUMBERS[config.level]
    structlog.configure(
        processors=[_shape, _render],
        wrapper_class=_LOGGER_CLASS,
        logger_factory=StructlogLineLoggerFactory(_WriterProxy()),
        cache_logger_on_first_use=True,
    )


def _configure_stdlib(config: Config) -> None:
    _attach_root_handler()
    logging.getLogger().setLevel(config.level.upper())
    install_routing(_attach_root_handler)
    logging.captureWarnings(True)
    warnings.simplefilter("default")


def _has_root_handler() -> bool:
    """Whether the root logger still has our handler: a look at its few handlers."""
    return any(isinstance(h, LineHandler) for h in logging.getLogger().handlers)


def _attach_root_handler() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, LineHandler):
            root.removeHandler(handler)
    root.addHandler(LineHandler(SchemaFormatter(shaper), writer))


def get_logger(name: str | None = None, **initial: Any) -> Any:
    """A structlog logger whose lines follow the schema (``name`` becomes ``log.logger``)."""
    if _state.config is None:
        configure()
    if name:
        initial[LOGGER_KEY] = name
    # The bound logger itself rather than structlog's lazy proxy: its class reads the live
    # configuration, so nothing is gained by deferring, and the proxy costs every call.
    return structlog.get_logger(**initial).bind()


def emit(message: str, fields: dict[str, Any], level: str = "info") -> None:
    """Write one record of trusted schema fields (the SDK's hop records use this).

    Fields that are not schema fields, or whose value does not fit the schema, are kept
    under ``labels.*`` rather than written as invalid lines. Written whatever the
    configured level: hop records are what the dashboard is built from.
    """
    if _state.config is None:
        configure()
    try:
        line = render(_state.shaper.trusted(LEVEL_OF_METHOD.get(level, "info"), message, fields))
    except Exception as exc:  # noqa: BLE001 - logging must never raise into the service
        line = _failure_line(exc)
    _state.writer.write(line)
