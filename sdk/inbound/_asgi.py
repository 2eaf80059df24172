"""Inbound hops for ASGI apps (FastAPI, Starlette, any ASGI callable).

A pure ASGI middleware: it wraps ``receive``/``send`` instead of building request objects,
so the cost per request is a few attribute reads and one record. A websocket connection
gets the trace context of its handshake (its ``traceparent`` continued, or a new trace) for
every line written while it is handled, but no hop record: it has no response to describe.
An exception that ends it is reported as a failed request's is: to Sentry, and in one error
line in its trace (the line a hop record would have carried it in). Lifespan traffic passes
through untouched.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Final

from sdk import sentry
from sdk.inbound._access_log import silence_access_log
from sdk.inbound._excerpts import BodyExcerpt, kind_of
from sdk.inbound._hops import (
    DEFAULT_HEADERS,
    ORIGIN_HEADER,
    UNMATCHED,
    ServerHop,
    error_of,
    header_fields,
    origin_name,
)
from sdk.inbound._paths import SecretRoutes, starlette_secret_routes
from sdk.inbound._request_scope import RequestScope
from sdk.log._configure import emit, shaper
from sdk.log._redaction import Redactor

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
#: ``route_of(scope, root_path)`` -> route template, called after the app handled the request.
RouteOf = Callable[[Scope, str], str | None]

_ORIGIN: Final = ORIGIN_HEADER.encode()
_NONE_WANTED: Final[frozenset[bytes]] = frozenset()
#: a ``traceparent`` sent more than once: no single parent, so a new trace
_TWO_PARENTS: Final = ""
#: what :func:`request_headers` reads: traceparent, the tracestate fields, authorization,
#: origin, user agent, content type, and the wanted headers as ``(name, value)`` text pairs
HeaderValues = tuple[
    str | None,
    list[str] | None,
    str | None,
    str | None,
    str | None,
    str | None,
    list[tuple[str, str]],
]


def request_headers(
    headers: Iterable[tuple[bytes, bytes]], wanted: frozenset[bytes]
) -> HeaderValues:
    """The headers the middleware reads, in one pass over the scope's raw headers.

    A plain tuple rather than a named one: this runs once per request.
    """
    traceparent = authorization = origin = agent = content_type = None
    tracestate: list[str] | None = None
    chosen: list[tuple[str, str]] = []
    for name, value in headers:
        if name == b"traceparent":
            traceparent = value.decode("latin-1") if traceparent is None else _TWO_PARENTS
        elif name == b"tracestate":  # a list: its fields are combined in order
            if tracestate is None:
                tracestate = []
            tracestate.append(value.decode("latin-1"))
        elif name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == _ORIGIN:
            origin = value.decode("latin-1")
        elif name == b"user-agent":
            agent = value.decode("latin-1")
        elif name == b"content-type":
            content_type = value.decode("latin-1")
        if name in wanted:
            chosen.append((name.decode("latin-1"), value.decode("latin-1")))
    return traceparent, tracestate, authorization, origin, agent, content_type, chosen


#: close codes of a connection that ended as it should: normal closure, going away
#: (RFC 6455, 7.4.1)
_NORMAL_CLOSE: Final = frozenset({1000, 1001})


def _closed_normally(exc: BaseException) -> bool:
    """A peer's normal close seen as an exception: Starlette raises ``WebSocketDisconnect``
    from a receive after it, and a handler may let it through. No failure of the service.
    Matched by name, so the SDK needs no Starlette."""
    code = getattr(exc, "code", None)
    return type(exc).__name__ == "WebSocketDisconnect" and code in _NORMAL_CLOSE


def _route_by_endpoint(scope: Scope) -> object | None:
    """The route of the scope's app whose endpoint handled the request, or None. Only a
    request that matched a route without recording it pays for the look-up."""
    endpoint = scope.get("endpoint")
    if endpoint is None:  # no route matched
        return None
    routes = getattr(getattr(scope.get("app"), "router", None), "routes", None)
    if not isinstance(routes, Iterable):
        return None
    return next((r for r in routes if getattr(r, "endpoint", None) is endpoint), None)


def starlette_route(scope: Scope, root_path: str) -> str | None:
    """The template of the route Starlette's router matched (FastAPI's too), or None.

    The router records the matched route in the scope; a mount's prefix is taken from the
    ``root_path`` it extended. FastAPI's router records its own routes only, so a plain
    route of a FastAPI app (``/docs``, ``/openapi.json``) is found by its endpoint.
    """
    route = scope.get("route")
    if route is None:
        route = _route_by_endpoint(scope)
        if route is None:
            return None
    fastapi = scope.get("fastapi")
    if isinstance(fastapi, dict):  # a route of an included router: the prefixed template
        route = fastapi.get("effective_route_context") or route
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return None
    mounted = scope.get("root_path", "")
    if isinstance(mounted, str) and len(mounted) > len(root_path):
        return mounted[len(root_path) :] + template
    return template


class HopMiddleware:
    """Writes one server hop record per HTTP request and binds trace fields while it runs.

    ``headers``: request headers copied (redacted) into the record. ``route_of``: how to
    find the route template; Starlette's router by default, ``UNMATCHED`` when none matched.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: Iterable[str] = DEFAULT_HEADERS,
        route_of: RouteOf = starlette_route,
    ) -> None:
        self.app = app
        self.route_of = route_of
        self._wanted = frozenset(h.lower().encode("latin-1") for h in headers)
        self._first = True
        #: the redactor the secret routes were read with, and those routes
        self._secret_routes: tuple[Redactor, SecretRoutes | None] | None = None

    def _path(self, scope: Scope, redactor: Redactor) -> str:
        """The request's path as records show it: JWTs and secret route parameters hidden."""
        path = redactor.path(scope.get("path") or "/")
        known = self._secret_routes
        if known is None or known[0] is not redactor:  # read once per configuration
            known = self._secret_routes = (
                redactor,
                starlette_secret_routes(scope.get("app"), redactor),
            )
        if known[1] is not None:
            root_path = scope.get("root_path", "")
            path = known[1].hide(path, root_path if isinstance(root_path, str) else "")
        return path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        if self._first:  # the server configured its logging by now: its access log goes
            self._first = False
            silence_access_log()
        hop, authorization, request = self._start(scope)
        quote_response = False
        response_complete = False
        # servers drop the body an app produces for HEAD: what was sent is what counts
        count_body = hop.method != "HEAD"

        async def receive_wrapper() -> Message:
            message = await receive()
            kind = message["type"]
            if kind == "http.request":
                hop.request_body.add(message.get("body", b""))
            elif kind == "http.disconnect" and not response_complete:
                # servers also answer a pending receive() with a disconnect once the
                # response is complete; only one before that is a client going away
                hop.disconnected = True
            return message

        async def send_wrapper(message: Message) -> None:
            nonlocal quote_response, response_complete
            kind = message["type"]
            if kind == "http.response.body":
                if count_body:
                    body = message.get("body", b"")
                    if quote_response:
                        hop.response_body.add(body)
                    else:  # counted, not quoted
                        hop.response_body.size += len(body)
                if not message.get("more_body", False):
                    response_complete = True
            elif kind == "http.response.start":
                hop.status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-type":
                        hop.response_type = value.decode("latin-1")
                        quote_response = kind_of(hop.response_type) is not None
                        break
            await send(message)

        root_path = scope.get("root_path", "")
        request.enter(hop.method, hop.path, authorization)
        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except asyncio.CancelledError:
            hop.disconnected = not response_complete
            raise
        except BaseException as exc:
            hop.error = exc
            sentry.capture(exc)
            raise
        finally:
            hop.route = self._route(scope, root_path)
            hop.write(time.perf_counter_ns())
            request.exit()

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        traceparent, tracestate, authorization, *_ = request_headers(
            scope.get("headers", ()), _NONE_WANTED
        )
        path = self._path(scope, shaper().redactor)
        root_path = scope.get("root_path", "")
        request = RequestScope("WEBSOCKET", path, traceparent, tracestate)
        request.enter(None, path, authorization)
        try:
            await self.app(scope, receive, send)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            if not _closed_normally(exc):
                sentry.capture(exc)
                self._websocket_failed(scope, root_path, exc)
            raise
        finally:
            request.exit()

    def _websocket_failed(self, scope: Scope, root_path: str, exc: BaseException) -> None:
        """The error line of a websocket that ended in *exc*: the error fields a server
        hop record carries, in the connection's trace. Never raises into the server."""
        route = self._route(scope, root_path) or UNMATCHED
        try:
            fields: dict[str, str] = {"http.route": route, **error_of(exc, shaper().redactor)}
        except Exception:  # noqa: BLE001 - the line must not break the connection's end
            fields = {"http.route": route, "error.type": type(exc).__name__}
        emit(f"WEBSOCKET {route} failed: {type(exc).__name__}", fields, "error")

    def _route(self, scope: Scope, root_path: str) -> str | None:
        """The route template that matched, or None (also when the hook fails: a route hook
        must not lose the record)."""
        try:
            return self.route_of(scope, root_path)
        except Exception:  # noqa: BLE001 - see above
            return None

    def _start(self, scope: Scope) -> tuple[ServerHop, str | None, RequestScope]:
        method: str = scope["method"]
        headers = request_headers(scope.get("headers", ()), self._wanted)
        traceparent, tracestate, authorization, origin, agent, content_type, chosen = headers
        shaping = shaper()  # the active configuration's, or the defaults before configure()
        path = self._path(scope, shaping.redactor)
        limit = shaping.config.max_body
        request = RequestScope(method, path, traceparent, tracestate)
        client = scope.get("client")
        server = scope.get("server")
        hop = ServerHop(
            method=method,
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            timing=request.timing,
            trace_id=request.trace_id,
            span_id=request.span_id,
            parent_id=request.parent_id,
            request_body=BodyExcerpt(limit if kind_of(content_type) else 0),
            response_body=BodyExcerpt(limit),
            request_type=content_type,
            origin=origin_name(origin),
            user_agent=agent,
            client=(client[0], client[1]) if client else None,
            server=(server[0], server[1]) if server else None,
            headers=header_fields(chosen, shaping.redactor) if chosen else {},
        )
        return hop, authorization, request
