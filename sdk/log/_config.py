"""What ``sdk.configure`` knows: explicit arguments first, then environment variables."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from sdk.log._dataset import dataset_of, sanitised
from sdk.log._redaction import hide_url, key_words

LEVELS: Final = ("debug", "info", "warning", "error", "critical")

#: environment variable -> config attribute; every setting can come from the environment.
ENVIRONMENT: Final = {
    "HOPSCOPE_SERVICE": "service",
    "HOPSCOPE_SERVICE_VERSION": "version",
    "HOPSCOPE_ENVIRONMENT": "environment",
    "HOPSCOPE_NODE": "node",
    "HOPSCOPE_DATASET": "dataset",
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
    dataset: str | None = None  # event.dataset; None: <service>.log
    level: str = "info"
    max_string: int = 2048  # longest string value kept whole in a line
    max_body: int = 4096  # longest request/response body excerpt
    redact_keys: tuple[str, ...] = ()  # extra key patterns to redact, besides the defaults
    sentry_dsn: str | None = None

    def __post_init__(self) -> None:
        for name in ("service", "version", "environment", "node", "level", "dataset"):
            object.__setattr__(self, name, _text_setting(name, getattr(self, name)))
        if self.level not in LEVELS:
            raise ConfigError(f"log level {self.level!r} is not one of {', '.join(LEVELS)}")
        for name in ("max_string", "max_body"):
            number = _whole_number(name, getattr(self, name))
            if number < 16:
                raise ConfigError(f"{name} must be at least 16, got {number}")
            object.__setattr__(self, name, number)
        if not self.service:
            raise ConfigError("service name is empty")
        if self.dataset is not None and not sanitised(self.dataset):
            raise ConfigError("dataset is empty")

    @property
    def event_dataset(self) -> str:
        """``event.dataset`` of every line: the configured dataset or ``<service>.log``."""
        return dataset_of(self.service, self.dataset)


def _text_setting(name: str, value: object) -> str | None:
    """A text setting as text: numbers (``version=2``) are converted, anything else that
    is no string is refused, so ``service.version`` is always a string in a line."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ConfigError(f"{name} must be a string, got {type(value).__name__} {value!r}")


def _whole_number(name: str, value: object) -> int:
    """``max_string=4096``, and ``"4096"`` too; anything else names the setting."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise ConfigError(f"{name} must be a whole number, got {value!r}")


def check_sentry_dsn(dsn: str, setting: str) -> None:
    """A DSN sentry-sdk can use, or a ConfigError naming *setting*; the DSN's keys are
    never shown."""
    from sentry_sdk.utils import BadDsn, Dsn  # only when a DSN is set: it takes a while

    try:
        Dsn(dsn)
    except (BadDsn, ValueError) as exc:
        # text that is no URL at all may be a key pasted on its own: not shown
        shown = repr(hide_url(dsn)) if "://" in dsn else "not a URL"
        raise ConfigError(f"{setting} is not a Sentry DSN ({shown}): {hide_url(exc)}") from None


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
    dsn = values.get("sentry_dsn")
    if dsn is not None:
        setting = "SENTRY_DSN" if overrides.get("sentry_dsn") is None else "sentry_dsn"
        if not isinstance(dsn, str):
            raise ConfigError(f"{setting} must be a string, got {type(dsn).__name__}")
        check_sentry_dsn(dsn, setting)
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
