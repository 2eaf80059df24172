"""``sentry_events``: sentry-sdk started as :func:`sdk.configure` starts it, its events kept
in process instead of being sent (the transport is the only part replaced), and checked for
secrets after the test: a value the SDK's redaction would still change, a secret key whose
value is not redacted, or a secret the test itself holds (its signing key, the fake SSO's
client secret)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from sdk.log import REDACTED, Redactor, configure, current_config
from sdk.log._configure import shaper

#: where the events would go; never resolved, never sent to
_DSN: Final = "http://public@sentry.hopscope.invalid/1"
_MAX_DEPTH: Final = 32


class SentryEvent:
    """One event as it would have left the process: ``.event`` (the raw dict),
    ``.trace_id`` (its ``trace.id`` tag), ``.exception_type`` (the exception reported)."""

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event

    @property
    def trace_id(self) -> str | None:
        """The ``trace.id`` tag: the trace of the request the event happened in."""
        tags = self.event.get("tags")
        value = tags.get("trace.id") if isinstance(tags, Mapping) else None
        return value if isinstance(value, str) else None

    @property
    def exception_type(self) -> str | None:
        """The type of the exception reported (the outermost, for a chain), or None."""
        values = (self.event.get("exception") or {}).get("values") or []
        return str(values[-1].get("type")) if values else None

    @property
    def message(self) -> str | None:
        values = (self.event.get("exception") or {}).get("values") or []
        if values:
            return str(values[-1].get("value"))
        logentry = self.event.get("logentry") or {}
        text = logentry.get("formatted") or logentry.get("message") or self.event.get("message")
        return None if text is None else str(text)

    def __repr__(self) -> str:
        return f"<SentryEvent {self.exception_type or 'message'} trace.id={self.trace_id}>"


class SentryEvents(list[SentryEvent]):
    """The events captured during the test, in order; ``secrets`` are strings no event may
    hold (the plugin adds the test's token key and fake SSO client secret)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor
        self.secrets: set[str] = set()
        self._lock = threading.Lock()

    def _add(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.append(SentryEvent(event))

    def problems(self) -> str | None:
        """Why the test must fail, or None: where a secret is in an event (never the secret)."""
        found = [
            f"  event {number}: {where}: {what}"
            for number, event in enumerate(self, start=1)
            for where, what in _secrets_in(event.event, self.redactor, self.secrets)
        ]
        if not found:
            return None
        return "\n".join([f"sentry_events: {len(found)} secret(s) in the events:", *found])


def _secrets_in(
    value: Any, redactor: Redactor, known: Iterable[str], path: str = "", depth: int = 0
) -> Iterator[tuple[str, str]]:
    """(where, what) for every secret in ``value``, walking mappings and lists."""
    if isinstance(value, str):
        if any(secret and secret in value for secret in known):
            yield path or "(event)", "a secret of this test"
        elif redactor.text(value) != value:
            yield path or "(event)", "a credential pattern (bearer token, JWT, key=value)"
        return
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if (
                isinstance(key, str)
                and redactor.is_secret_key(key)
                and item not in (REDACTED, None, "")
            ):
                yield where, "a secret key's value, not redacted"
            else:
                yield from _secrets_in(item, redactor, known, where, depth + 1)
    elif isinstance(value, list | tuple):
        if redactor.is_secret_pair(value) and value[1] != REDACTED:
            yield path, "a secret header's value, not redacted"
            return
        for index, item in enumerate(value):
            yield from _secrets_in(item, redactor, known, f"{path}[{index}]", depth + 1)


def _keeping(events: SentryEvents, options: dict[str, Any]) -> Any:
    """A sentry-sdk transport that keeps each event in ``events`` instead of sending it."""
    from sentry_sdk.transport import Transport

    class Keep(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            event = envelope.get_event()
            if event is not None:
                events._add(event)

    return Keep(options)


@contextmanager
def capturing_sentry() -> Iterator[SentryEvents]:
    """Start sentry-sdk with the SDK's configuration (its release, environment, redaction,
    integrations) and an in-process transport; put back what was there after."""
    import sentry_sdk

    from sdk.log import enclosing_hop
    from sdk.sentry import _events as sentry

    config = current_config() or configure()
    redactor = shaper().redactor
    events = SentryEvents(redactor)
    previous = sentry_sdk.get_client()
    was_started = sentry._started
    sentry.start_sentry(dataclasses.replace(config, sentry_dsn=_DSN), redactor, enclosing_hop)
    client = sentry_sdk.get_client()
    sending = client.transport
    client.transport = _keeping(events, client.options)
    if sending is not None:
        sending.kill()
    try:
        yield events
    finally:
        client.close()
        sentry_sdk.get_global_scope().set_client(previous if previous.is_active() else None)
        sentry._started = was_started
