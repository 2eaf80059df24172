"""The payment gateway's clients of its neighbours: one S2S client class per service, the
address of each read by the SDK from ``SERVICE_<NAME>_URL``.

The cart's verification is a POST the gateway marks ``retry=True`` (it changes nothing), so
the SDK's default policy retries it after a read timeout as it would a GET.
"""

from __future__ import annotations

import sdk


class SSOClient(sdk.S2SClient):
    service = "sso"


class CartClient(sdk.S2SClient):
    service = "cart"


class NotificationsClient(sdk.S2SClient):
    service = "notifications"
