"""When to try an outbound call again, and how long to wait first.

Decisions only, no I/O: the sync and async clients ask :meth:`RetryPolicy.delay` after each
attempt and sleep in their own way.

What is retried by default, for idempotent methods (and for any method the call marks
``retry=True``):

* a connection that never opened or was closed before any response (connect errors and
  timeouts, pool timeouts, a kept-alive connection the server had closed);
* a read timeout: the request may have been handled, but repeating an idempotent request
  has the same effect as sending it once, which is what idempotent means;
* a 429, 502, 503 or 504 answer (``Retry-After`` honoured).

A POST or PATCH without ``retry=True`` is never retried: the service may have acted on it.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # httpx is imported when a call is judged, not when ``sdk`` is imported
    import httpx

#: methods safe to repeat (RFC 9110 idempotent methods).
IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
#: statuses that say "try again later".
RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
_MAX_RETRY_AFTER: Final = 60.0
_random = random.Random()


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` more attempts after the first, exponential backoff with full jitter.

    Only idempotent methods are retried unless the call says ``retry=True``; see the module
    for the errors and statuses retried. A ``Retry-After`` header on 429/503 is honoured up
    to ``max_delay``.
    """

    retries: int = 2
    backoff: float = 0.1  # first delay ceiling, seconds; doubles each attempt
    max_delay: float = 5.0

    def delay(
        self,
        attempt: int,
        method: str,
        *,
        response: httpx.Response | None = None,
        error: BaseException | None = None,
        retry_unsafe: bool = False,
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to stop here."""
        if attempt > self.retries:
            return None
        if not retry_unsafe and method.upper() not in IDEMPOTENT:
            return None
        if error is not None:
            if not retryable_error(error):
                return None
        elif response is None or response.status_code not in RETRY_STATUSES:
            return None
        ceiling = min(self.max_delay, self.backoff * (2 ** (attempt - 1)))
        wait = _random.uniform(0, ceiling)
        if response is not None:
            after = retry_after(response.headers.get("retry-after"))
            if after is not None:
                wait = min(max(after, wait), max(self.max_delay, 0.0))
        return wait


def retryable_error(error: BaseException) -> bool:
    """Errors worth another attempt of a request that is safe to repeat: the connection
    never opened, a kept-alive connection was closed by the server before any response, or
    no response came in time."""
    import httpx

    return isinstance(
        error,
        httpx.ConnectError
        | httpx.ConnectTimeout
        | httpx.PoolTimeout
        | httpx.RemoteProtocolError
        | httpx.ReadTimeout,
    )


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), _MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), _MAX_RETRY_AFTER))
