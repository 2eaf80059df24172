"""Sentry, started by ``configure(sentry_dsn=...)``: events tagged with the request's trace
id and redacted like log lines."""

from sdk.sentry._events import TRACE_TAG, capture, scrub, start_sentry, tag_trace

__all__ = ["TRACE_TAG", "capture", "scrub", "start_sentry", "tag_trace"]
