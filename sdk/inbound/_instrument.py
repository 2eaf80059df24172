"""``sdk.instrument(app)``: one call for FastAPI, Starlette, Flask, or any ASGI/WSGI app."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from typing import Any, Final, TypeVar

from sdk import sentry
from sdk.inbound._access_log import silence_access_log
from sdk.inbound._asgi import HopMiddleware
from sdk.inbound._frameworks import is_flask, is_starlette
from sdk.inbound._hops import DEFAULT_HEADERS
from sdk.inbound._paths import hide_view_args
from sdk.inbound._wsgi import ERROR_KEY, PATH_KEY, ROUTE_KEY, HopWSGIMiddleware
from sdk.log._configure import configure, current_config, shaper
from sdk.log._context import bound_fields, replace_field

App = TypeVar("App")
_FLASK_PARAM: Final = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def instrument(app: App, *, headers: Iterable[str] = DEFAULT_HEADERS) -> App:
    """Write a server hop record for every request ``app`` handles; returns the app to serve.

    FastAPI, Starlette and Flask apps are instrumented in place (the same object comes
    back). Any other ASGI or WSGI callable comes back wrapped: serve the returned object.
    ``headers`` names the request headers copied (redacted) into each record.
    Configures the SDK with its defaults first if :func:`sdk.configure` was not called.
    """
    if current_config() is None:
        configure()
    silence_access_log()
    wanted = tuple(headers)
    if isinstance(app, HopMiddleware | HopWSGIMiddleware):
        return app  # instrumenting twice would write two records per request
    if is_starlette(app):
        if any(m.cls is HopMiddleware for m in app.user_middleware):  # type: ignore[attr-defined]
            return app
        _no_second_server_span(app)
        app.add_middleware(HopMiddleware, headers=wanted)  # type: ignore[attr-defined]
        return app
    if is_flask(app):
        if not isinstance(app.wsgi_app, HopWSGIMiddleware):  # type: ignore[attr-defined]
            _instrument_flask(app, wanted)
        return app
    if _is_asgi(app):
        return HopMiddleware(app, headers=wanted)  # type: ignore[arg-type,return-value]
    if callable(app):
        return HopWSGIMiddleware(app, headers=wanted)  # type: ignore[return-value]
    raise TypeError(f"sdk.inbound._instrument: {type(app).__qualname__} is not an ASGI or WSGI app")


def _no_second_server_span(app: object) -> None:
    """FastAPI's native telemetry would open its own server span (and more spans per
    request) around the one the middleware opens: the same request traced twice, at
    several times the cost. Its tracing is turned off; its metrics are left as they are."""
    telemetry = getattr(app, "_telemetry", None)
    if isinstance(telemetry, dict) and "tracing" in telemetry:
        telemetry["tracing"] = False


def flask_route(rule: str) -> str:
    """``/carts/<int:cart_id>`` -> ``/carts/{cart_id}``: one template style in every record."""
    return _FLASK_PARAM.sub(r"{\1}", rule)


def _instrument_flask(app: Any, headers: tuple[str, ...]) -> None:
    from flask import got_request_exception, request

    def remember_route() -> None:
        rule = request.url_rule
        if rule is not None:
            request.environ[ROUTE_KEY] = flask_route(rule.rule)
        if request.view_args:
            _hide_secret_view_args(request.environ, request.view_args)

    def remember_error(_sender: object, exception: BaseException, **_extra: object) -> None:
        # Flask answers 500 itself, so the exception never reaches the middleware: report it
        # here (when Flask re-raises it too, sentry-sdk drops the second report of it).
        request.environ[ERROR_KEY] = exception
        sentry.capture(exception)

    app.before_request(remember_route)
    got_request_exception.connect(remember_error, app, weak=False)
    app.wsgi_app = HopWSGIMiddleware(app.wsgi_app, headers=headers)


def _hide_secret_view_args(environ: dict[str, Any], view_args: dict[str, Any]) -> None:
    """The path without the values of secret-named view arguments, in the hop record and in
    every line written from here on."""
    bound = bound_fields().get("url.path")
    if not isinstance(bound, str):
        return
    hidden = hide_view_args(bound, view_args, shaper().redactor)
    if hidden != bound:
        environ[PATH_KEY] = hidden
        replace_field("url.path", hidden)


def _is_asgi(app: object) -> bool:
    if not callable(app):
        return False
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    if inspect.iscoroutinefunction(call):
        return True
    try:  # unbound __call__ counts self: (self, scope, receive, send)
        wanted = 3 if call is app else 4
        return len(inspect.signature(call).parameters) == wanted
    except (TypeError, ValueError):
        return False
