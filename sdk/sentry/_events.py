"""Sentry: started by ``configure(sentry_dsn=...)`` (or ``SENTRY_DSN``).

Events carry the release, the environment and the request's ``trace.id`` as a tag, so an
event in Sentry leads to its hop chain in hopscope. Every event and breadcrumb passes
through the same redaction as log lines before it leaves the process. The inbound
middleware reports unhandled exceptions itself; Sentry's logging integration keeps
breadcrumbs but makes no events, so an error logged and raised is not reported twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    # types only: the logging core starts Sentry, so importing it here would be a cycle
    from sdk.log import Config, Redactor

#: ``(trace.id, span.id)`` of the hop the caller runs in, or None
TraceIds = Callable[[], "tuple[str, str] | None"]

TRACE_TAG: Final = "trace.id"
_started = False


def start_sentry(config: Config, redactor: Redactor, trace_ids: TraceIds) -> None:
    """Initialise sentry-sdk for this process (again, if the configuration changed);
    *trace_ids* names the request an event happens in."""
    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    global _started

    def before_send(event: Any, _hint: Any) -> Any:
        return scrub(tag_trace(event, trace_ids()), redactor)

    def before_breadcrumb(crumb: Any, _hint: Any) -> Any:
        return redactor.value(crumb)

    sentry_sdk.init(
        dsn=config.sentry_dsn,
        release=config.version,
        environment=config.environment,
        server_name=config.node,
        # No PII (user identity, client addresses, cookies) by default, left unset on purpose:
        # sentry-sdk now deprecates ``send_default_pii`` and treats it unset as False (with a
        # DSN, in every 2.x), while its replacement, ``data_collection``, would switch off
        # sentry-sdk's own event scrubber, collect user identity unless told otherwise, and is
        # an unknown option to the sentry-sdk versions this package still supports.
        before_send=before_send,
        before_send_transaction=before_send,
        before_breadcrumb=before_breadcrumb,
        # Exceptions reach Sentry once, from the middleware (or the excepthook); framework
        # integrations would report the same exception again.
        auto_enabling_integrations=False,
        integrations=[LoggingIntegration(level=logging.INFO, event_level=None)],
    )
    sentry_sdk.set_tag("service.name", config.service)
    _started = True


def capture(exc: BaseException) -> None:
    """Report an unhandled request exception, if Sentry is on."""
    if not _started:
        return
    import sentry_sdk

    sentry_sdk.capture_exception(exc)


def tag_trace(event: dict[str, Any], ids: tuple[str, str] | None) -> dict[str, Any]:
    """Add the request's trace id (the first of *ids*), unless the event already names one."""
    if ids is not None:
        tags = event.get("tags")
        if not isinstance(tags, dict):
            tags = event["tags"] = {}
        tags.setdefault(TRACE_TAG, ids[0])
    return event


def scrub(event: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    scrubbed: dict[str, Any] = redactor.value(event)
    return scrubbed
