"""Inbound hops for WSGI apps (Flask, any WSGI callable).

The record is written when the server closes the response iterable, so a streamed body is
counted to its end. The request body is read through a tee that keeps an excerpt.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Final, Protocol

from sdk import sentry
from sdk.inbound._access_log import silence_access_log
from sdk.inbound._excerpts import BodyExcerpt, kind_of
from sdk.inbound._hops import DEFAULT_HEADERS, ORIGIN_HEADER, ServerHop, header_fields, origin_name
from sdk.inbound._request_scope import RequestScope
from sdk.log._configure import shaper

Environ = dict[str, Any]
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
#: ``route_of(environ)`` -> route template, called when the response is complete.
RouteOf = Callable[[Environ], str | None]

#: environ keys a framework adapter fills in (see :mod:`sdk.instrument` for Flask).
ROUTE_KEY: Final = "hopscope.route"
ERROR_KEY: Final = "hopscope.error"
#: the request's path with its secret route parameters hidden, once the route is known
PATH_KEY: Final = "hopscope.path"
_ORIGIN_KEY: Final = "HTTP_" + ORIGIN_HEADER.upper().replace("-", "_")


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def readline(self, size: int = -1, /) -> bytes: ...


def environ_route(environ: Environ) -> str | None:
    route = environ.get(ROUTE_KEY)
    return route if isinstance(route, str) else None


class _InputTee:
    """``wsgi.input`` that copies what the app reads into the hop's body excerpt."""

    def __init__(self, stream: _Readable, body: BodyExcerpt) -> None:
        self._stream = stream
        self._body = body

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(size)
        self._body.add(data)
        return data

    def readline(self, size: int = -1, /) -> bytes:
        data = self._stream.readline(size)
        self._body.add(data)
        return data

    def readlines(self, hint: int = -1, /) -> list[bytes]:
        lines = []
        while line := self.readline():
            lines.append(line)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _ResponseBody:
    """The app's response iterable, counted as the server drains it; ``close`` ends the hop."""

    def __init__(
        self,
        result: Iterable[bytes],
        hop: ServerHop,
        request: RequestScope,
        finish: Callable[[ServerHop, RequestScope], None],
    ) -> None:
        self._result = result
        self._hop = hop
        self._request = request
        self._finish = finish
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            # the server sends no body for HEAD, whatever the app yields
            body = self._hop.response_body if self._hop.method != "HEAD" else None
            for chunk in self._result:
                if body is not None:
                    body.add(chunk)
                yield chunk
        except BaseException as exc:
            self._hop.error = exc
            raise

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._finish(self._hop, self._request)


class HopWSGIMiddleware:
    """Writes one server hop record per request and binds trace fields while it runs."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        headers: Iterable[str] = DEFAULT_HEADERS,
        route_of: RouteOf = environ_route,
    ) -> None:
        self.app = app
        self.route_of = route_of
        self._wanted = frozenset(h.lower() for h in headers)
        self._first = True

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self._first:
            self._first = False
            silence_access_log()
        hop, request = self._start(environ)
        quote_response = False

        def start_response_wrapper(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            nonlocal quote_response
            try:
                hop.status = int(status.split(" ", 1)[0])
            except ValueError:
                hop.status = None
            for name, value in headers:
                if name.lower() == "content-type":
                    hop.response_type = value
                    quote_response = kind_of(value) is not None
            if not quote_response:
                hop.response_body.limit = 0

            write = start_response(status, headers, exc_info)

            def write_wrapper(data: bytes) -> object:
                hop.response_body.add(data)
                return write(data)

            return write_wrapper

        request.enter(hop.method, hop.path, environ.get("HTTP_AUTHORIZATION"))
        try:
            result = self.app(environ, start_response_wrapper)
        except BaseException as exc:
            hop.error = exc
            sentry.capture(exc)
            self._finish(hop, request, environ)
            raise
        return _ResponseBody(result, hop, request, lambda h, r: self._finish(h, r, environ))

    def _finish(self, hop: ServerHop, request: RequestScope, environ: Environ) -> None:
        try:
            if hop.error is None:
                error = environ.get(ERROR_KEY)
                if isinstance(error, BaseException):
                    hop.error = error
            path = environ.get(PATH_KEY)
            if isinstance(path, str):
                hop.path = path
            try:
                hop.route = self.route_of(environ)
            except Exception:  # noqa: BLE001 - a route hook must not lose the record
                hop.route = None
            hop.write(time.perf_counter_ns())
        finally:
            request.exit()

    def _start(self, environ: Environ) -> tuple[ServerHop, RequestScope]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", "")) or "/"
        content_type = environ.get("CONTENT_TYPE") or None
        shaping = shaper()  # the active configuration's, or the defaults before configure()
        path = shaping.redactor.path(path)
        limit = shaping.config.max_body
        # the server joined repeated fields with commas: two traceparents fail to parse,
        # tracestate fields come combined in order
        tracestate = environ.get("HTTP_TRACESTATE")
        request = RequestScope(
            method, path, environ.get("HTTP_TRACEPARENT"), (tracestate,) if tracestate else None
        )
        body = BodyExcerpt(limit if kind_of(content_type) else 0)
        stream = environ.get("wsgi.input")
        if stream is not None:
            environ["wsgi.input"] = _InputTee(stream, body)
        chosen = []
        for name in self._wanted:
            key = name.upper().replace("-", "_")
            value = environ.get(key if key in {"CONTENT_TYPE", "CONTENT_LENGTH"} else f"HTTP_{key}")
            if value:
                chosen.append((name, str(value)))
        client = environ.get("REMOTE_ADDR")
        port = environ.get("REMOTE_PORT")
        server_port = environ.get("SERVER_PORT")
        hop = ServerHop(
            method=method,
            path=path,
            query=str(environ.get("QUERY_STRING", "")),
            timing=request.timing,
            trace_id=request.trace_id,
            span_id=request.span_id,
            parent_id=request.parent_id,
            request_body=body,
            response_body=BodyExcerpt(limit),
            request_type=content_type,
            origin=origin_name(environ.get(_ORIGIN_KEY)),
            user_agent=environ.get("HTTP_USER_AGENT"),
            client=(str(client), _port(port) or 0) if client else None,
            server=(str(environ.get("SERVER_NAME", "")), _port(server_port)),
            headers=header_fields(chosen, shaping.redactor) if chosen else {},
        )
        return hop, request


def _port(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
