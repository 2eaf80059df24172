"""The payment gateway's clients of its neighbours: one S2S client class per service, the
address of each read by the SDK from ``SERVICE_<NAME>_URL``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

import sdk


@dataclass(frozen=True)
class ReadOnlyRetry(sdk.RetryPolicy):
    """For calls that change nothing (the cart's verification): a read timeout is safe to
    try again, which the SDK's default policy will not assume."""

    def delay(
        self,
        attempt: int,
        method: str,
        *,
        response: httpx.Response | None = None,
        error: BaseException | None = None,
        retry_unsafe: bool = False,
    ) -> float | None:
        if isinstance(error, httpx.ReadTimeout):
            # Judge it as the connection failure it resembles: same limits, same backoff.
            error = httpx.ConnectTimeout(str(error))
        return super().delay(
            attempt, method, response=response, error=error, retry_unsafe=retry_unsafe
        )


class SSOClient(sdk.S2SClient):
    service = "sso"


class CartClient(sdk.S2SClient):
    service = "cart"

    def __init__(self, **options: Any) -> None:
        options.setdefault("retry_policy", ReadOnlyRetry())
        super().__init__(**options)


class NotificationsClient(sdk.S2SClient):
    service = "notifications"
