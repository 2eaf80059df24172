"""Sentry: started by ``configure(sentry_dsn=...)``; events scrubbed by the SDK's redaction."""

from __future__ import annotations

from sdk.config import Config
from sdk.redaction import Redactor


def start_sentry(config: Config, redactor: Redactor) -> None:
    """Placeholder until the Sentry integration lands: refuse loudly rather than ignore."""
    raise NotImplementedError("Sentry support is not built yet")
