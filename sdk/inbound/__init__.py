"""Inbound HTTP: ``sdk.instrument`` and the ASGI/WSGI middleware behind it, the server and
client hop records, and W3C Trace Context propagation."""

from sdk.inbound._asgi import HopMiddleware
from sdk.inbound._frameworks import is_flask, is_starlette
from sdk.inbound._hops import DEFAULT_HEADERS, UNMATCHED
from sdk.inbound._instrument import flask_route, instrument
from sdk.inbound._request_scope import enclosing_parent
from sdk.inbound._wsgi import HopWSGIMiddleware

__all__ = [
    "DEFAULT_HEADERS",
    "UNMATCHED",
    "HopMiddleware",
    "HopWSGIMiddleware",
    "enclosing_parent",
    "flask_route",
    "instrument",
    "is_flask",
    "is_starlette",
]
