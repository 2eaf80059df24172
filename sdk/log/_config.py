"""What ``sdk.configure`` knows: explicit arguments first, then environment variables."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from sdk.log._redaction import key_words

LEVELS: Final = ("debug", "info", "warning", "error", "critical")

#: environment variable -> config attribute; every setting can come from the environment.
ENVIRONMENT: Final = {
    "HOPSCOPE_SERVICE": "service",
    "HOPSCOPE_SERVICE_VERSION": "version",
    "HOPSCOPE_ENVIRONMENT": "environment",
    "HOPSCOPE_NODE": "node",
    "HOPSCOPE_LOG_LEVEL": "level",
    "HOPSCOPE_MAX_STRING": "max_string",
    "HOPSCOPE_MAX_BODY": "max_body",
    "HOPSCOPE_REDACT_KEYS": "redact_keys",
    "SENTRY_DSN": "sentry_dsn",
}
#: OpenTelemetry's standard variable is honoured when ours is absent.
FALLBACKS: Final = {"service": "OTEL_SERVICE_NAME"}


class ConfigError(ValueError):
    """A setting has a value the SDK cannot use; the message names the setting."""


@dataclass(frozen=True)
class Config:
    service: str = "unknown"
    version: str | None = None
    environment: str | None = None
    node: str = field(default_factory=socket.gethostname)
    level: str = "info"
    max_string: int = 2048  # longest string value kept whole in a line
    max_body: int = 4096  # longest request/response body excerpt
    redact_keys: tuple[str, ...] = ()  # extra key patterns to redact, besides the defaults
    sentry_dsn: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ConfigError(f"log level {self.level!r} is not one of {', '.join(LEVELS)}")
        for name in ("max_string", "max_body"):
            if getattr(self, name) < 16:
                raise ConfigError(f"{name} must be at least 16, got {getattr(self, name)}")
        if not self.service:
            raise ConfigError("service name is empty")


def config_from(
    overrides: Mapping[str, object], environ: Mapping[str, str] | None = None
) -> Config:
    """Explicit values win; unset ones come from the environment; the rest are defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for variable, attr in ENVIRONMENT.items():
        raw = env.get(variable) or env.get(FALLBACKS.get(attr, ""), "")
        if raw:
            values[attr] = _parse(attr, variable, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    if isinstance(values.get("level"), str):
        values["level"] = str(values["level"]).lower()
    if "redact_keys" in values:
        values["redact_keys"] = redact_patterns(values["redact_keys"])
    try:
        return Config(**values)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ConfigError(str(exc)) from None


def _parse(attr: str, variable: str, raw: str) -> object:
    if attr in {"max_string", "max_body"}:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{variable}={raw!r} is not a whole number") from None
    if attr == "redact_keys":
        return redact_patterns(raw, variable)
    return raw


def redact_patterns(keys: object, setting: str = "redact_keys") -> tuple[str, ...]:
    """Extra key patterns: comma-separated text (``"pin,otp"``, as in the environment) or
    an iterable of strings; an empty pattern or one that is no string is refused, since
    the first would redact every key and the second none."""
    if isinstance(keys, str):
        items: list[object] = list(keys.split(","))
    elif isinstance(keys, Iterable) and not isinstance(keys, bytes | Mapping):
        items = list(keys)
    else:
        raise ConfigError(
            f"{setting} must be comma-separated text or a list of strings, got {keys!r}"
        )
    patterns = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"{setting}: a key pattern must be a string, got {item!r}")
        if not key_words(item):
            raise ConfigError(f"{setting}: empty key pattern {item!r} in {keys!r}")
        patterns.append(item.strip())
    return tuple(patterns)
