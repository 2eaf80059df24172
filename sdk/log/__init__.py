"""Logging: ``sdk.configure`` and the logger, the shaping of each call into one schema-valid
record, redaction, the stdlib bridge, request-scoped fields and the line writer.

A log call never raises into the service and never writes an invalid line.
"""

from sdk.log._config import Config, ConfigError, config_from
from sdk.log._configure import configure, current_config, emit, get_logger
from sdk.log._context import bind, bound, bound_fields, clear, unbind
from sdk.log._redaction import REDACTED, Redactor, hide_url
from sdk.log._tracing import current_ids, enclosing_hop

__all__ = [
    "REDACTED",
    "Config",
    "ConfigError",
    "Redactor",
    "bind",
    "bound",
    "bound_fields",
    "clear",
    "config_from",
    "configure",
    "current_config",
    "current_ids",
    "emit",
    "enclosing_hop",
    "get_logger",
    "hide_url",
    "unbind",
]
