"""The demo shop: the seed's payment gateway, cart and SSO made real, plus notifications
and a traffic generator with faults that can be turned on.

Each service is a FastAPI app using only the public SDK (``sdk.instrument``,
``sdk.S2SClient``, ``sdk.get_logger``); run one with
``python -m uvicorn stack.demo.<module>:app``. Importing this package imports no app.
"""

from stack.demo.faults import ALL_FAULTS, Fault, FaultSchedule, parse_faults
from stack.demo.settings import OPTIONAL_ENV, REQUIRED_ENV

#: service name -> ASGI app import path
APPS = {
    "sso": "stack.demo.sso:app",
    "cart": "stack.demo.cart:app",
    "notifications": "stack.demo.notifications:app",
    "payment-gateway": "stack.demo.payment_gateway:app",
}

__all__ = [
    "ALL_FAULTS",
    "APPS",
    "OPTIONAL_ENV",
    "REQUIRED_ENV",
    "Fault",
    "FaultSchedule",
    "parse_faults",
]
