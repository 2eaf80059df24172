"""``sdk.BaseClient`` / ``sdk.SyncBaseClient``: httpx clients for calling another service.

The address comes from ``SERVICE_<NAME>_URL`` (see :mod:`sdk.settings`), never from code.
Every attempt is written as one client hop record; the W3C ``traceparent`` of the attempt
is injected by opentelemetry-instrumentation-httpx, and its span id is the hop's
``span.id`` (so the callee's server hop names it as ``parent.id``). Failed attempts are
retried per :class:`sdk.retry.RetryPolicy`.

httpx, its OpenTelemetry instrumentation and pydantic-settings are imported when the first
client is made, not with this module: defining a client class costs nothing at start-up.

    class Catalog(sdk.BaseClient):
        service = "catalog"

    async with Catalog() as catalog:
        r = await catalog.get("/items/7")
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from sdk.config import ConfigError
from sdk.configuration import configure, current_config
from sdk.credentials import Credential
from sdk.excerpts import BodyExcerpt, kind_of
from sdk.hops import ORIGIN_HEADER, ClientHop, Timing
from sdk.propagation import new_span_id, parse_traceparent
from sdk.request_scope import enclosing_hop
from sdk.retry import RetryPolicy

if TYPE_CHECKING:
    import ssl

    import httpx

    from sdk.settings import ServiceSettings

#: what a subclass may hand back to the request loop as the attempt's credential.
Auth = tuple[Credential | None, bool | None, object]


class _ClientCore:
    """What the sync and async clients share: settings, hop records, retry decisions."""

    #: name of the service called: ``service.target.name`` and the ``SERVICE_<NAME>_URL``.
    service: ClassVar[str] = ""

    def __init__(
        self,
        *,
        service: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        verify: bool | ssl.SSLContext | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        import httpx

        from sdk.settings import service_settings

        self.target = service or self.service or type(self).__name__.lower()
        _quiet_httpx_log()
        settings: ServiceSettings | None = None
        if base_url is None:
            settings = service_settings(self.target)  # clear error naming the variable
            base_url = str(settings.url)
        self.base_url = base_url
        self.timeout = (
            timeout
            if timeout is not None
            else httpx.Timeout(
                settings.timeout if settings else 10.0,
                connect=settings.connect_timeout if settings else 3.0,
            )
        )
        self.retry_policy = retry_policy or RetryPolicy(
            retries=retries if retries is not None else (settings.retries if settings else 2)
        )
        self.verify = verify if verify is not None else _tls_of(settings, self.target)
        self.headers = dict(headers or {})

    def _client_kwargs(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "timeout": self.timeout, "headers": self.headers}

    def _prepare(self, request: httpx.Request) -> None:
        config = current_config() or configure()
        request.headers[ORIGIN_HEADER] = config.service

    def _hop(self, request: httpx.Request, attempt: int, as_service: bool | None) -> ClientHop:
        import httpx

        ids = enclosing_hop()
        url = request.url
        body: BodyExcerpt | None = None
        content_type = request.headers.get("content-type")
        try:
            content = request.content
        except httpx.RequestNotRead:
            content = b""
        if content:
            config = current_config()
            body = BodyExcerpt(config.max_body if config and kind_of(content_type) else 0)
            body.add(content)
        return ClientHop(
            target=self.target,
            method=request.method,
            url=str(url),
            path=url.raw_path.decode("ascii", "replace").split("?", 1)[0],
            attempt=attempt,
            as_service=bool(as_service) if as_service is not None else False,
            timing=Timing(time.time_ns(), time.perf_counter_ns()),
            trace_id=ids[0] if ids else None,
            span_id=None,
            parent_id=ids[1] if ids else None,
            server=(url.host, url.port or (443 if url.scheme == "https" else 80)),
            request_body=body,
            request_type=content_type,
        )

    @staticmethod
    def _finish(
        hop: ClientHop,
        request: httpx.Request,
        response: httpx.Response | None,
        error: BaseException | None = None,
    ) -> None:
        import httpx

        now = time.perf_counter_ns()
        sent = parse_traceparent(request.headers.get("traceparent"))
        if sent is not None:
            hop.trace_id, hop.span_id = sent.trace_id, sent.span_id
        else:
            hop.span_id = new_span_id()
        hop.error = error
        if response is not None:
            hop.status = response.status_code
            hop.response_type = response.headers.get("content-type")
            config = current_config()
            limit = config.max_body if config and kind_of(hop.response_type) else 0
            hop.response_body = BodyExcerpt(limit)
            with contextlib.suppress(httpx.ResponseNotRead):  # a streamed response
                hop.response_body.add(response.content)
        hop.write(now)


def _quiet_httpx_log() -> None:
    """httpx logs each request at INFO; the client hop record says it all, and more."""
    logger = logging.getLogger("httpx")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)


def _tls_of(settings: ServiceSettings | None, service: str) -> bool | ssl.SSLContext:
    """``verify`` for httpx: a bool, or a context with the CA bundle and client certificate
    the settings name (a file that cannot be loaded is a configuration error, named)."""
    import ssl

    from sdk.settings import env_prefix

    if settings is None:
        return True
    if not settings.ca_bundle and not settings.client_cert:
        return settings.verify
    prefix = env_prefix(service)
    try:
        context = ssl.create_default_context(cafile=settings.ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"{prefix}CA_BUNDLE={settings.ca_bundle!r} cannot be loaded: {exc}"
        ) from None
    if settings.client_cert:
        try:
            context.load_cert_chain(settings.client_cert)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"{prefix}CLIENT_CERT={settings.client_cert!r} cannot be loaded: {exc}"
            ) from None
    if not settings.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class BaseClient(_ClientCore):
    """Async client of one service; use ``async with`` (or call :meth:`aclose`).

    ``retry=True`` on a call allows retrying a non-idempotent method (POST, PATCH).
    Subclasses set ``service``; constructor arguments override the environment.
    """

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Any,
    ) -> None:
        import httpx
        from opentelemetry.instrumentation.httpx import AsyncOpenTelemetryTransport

        super().__init__(**options)
        inner = transport or httpx.AsyncHTTPTransport(verify=self.verify)
        self.http = httpx.AsyncClient(
            transport=AsyncOpenTelemetryTransport(inner), **self._client_kwargs()
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _auth(self, as_service: bool, refused: object) -> Auth:
        """The credential of the next attempt: none here; :class:`sdk.S2SClient` adds one.

        ``refused`` is what the previous attempt used when it got a 401, else None.
        """
        return None, None, None

    async def _refused(self, used: object) -> bool:
        """A 401 came back for ``used``: whether one more attempt with a new one makes sense."""
        return False

    async def request(
        self,
        method: str,
        url: str,
        *,
        as_service: bool = False,
        retry: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send, retry per the policy, write one client hop per attempt; return the last
        response (whatever its status) or raise the last transport error."""
        import httpx

        sending = _send_options(kwargs)
        request = self.http.build_request(method.upper(), url, **kwargs)
        self._prepare(request)
        attempt, refused, refreshed = 0, None, False
        while True:
            attempt += 1
            credential, effective, used = await self._auth(as_service, refused)
            refused = None
            _set_authorization(request, credential)
            hop = self._hop(request, attempt, effective)
            try:
                response = await self.http.send(request, **sending)
            except httpx.HTTPError as exc:
                self._finish(hop, request, None, exc)
                delay = self.retry_policy.delay(
                    attempt, request.method, error=exc, retry_unsafe=retry
                )
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                continue
            self._finish(hop, request, response)
            if (
                response.status_code == 401
                and used is not None
                and not refreshed
                and await self._refused(used)
            ):
                refused, refreshed = used, True  # a new token, once
                continue
            delay = self.retry_policy.delay(
                attempt, request.method, response=response, retry_unsafe=retry
            )
            if delay is None:
                return response
            await asyncio.sleep(delay)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("OPTIONS", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)


class SyncBaseClient(_ClientCore):
    """The synchronous twin of :class:`BaseClient` (same arguments, plain ``with``)."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        **options: Any,
    ) -> None:
        import httpx
        from opentelemetry.instrumentation.httpx import SyncOpenTelemetryTransport

        super().__init__(**options)
        inner = transport or httpx.HTTPTransport(verify=self.verify)
        self.http = httpx.Client(
            transport=SyncOpenTelemetryTransport(inner), **self._client_kwargs()
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _auth(self, as_service: bool, refused: object) -> Auth:
        return None, None, None

    def _refused(self, used: object) -> bool:
        return False

    def request(
        self,
        method: str,
        url: str,
        *,
        as_service: bool = False,
        retry: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """See :meth:`BaseClient.request`."""
        import httpx

        sending = _send_options(kwargs)
        request = self.http.build_request(method.upper(), url, **kwargs)
        self._prepare(request)
        attempt, refused, refreshed = 0, None, False
        while True:
            attempt += 1
            credential, effective, used = self._auth(as_service, refused)
            refused = None
            _set_authorization(request, credential)
            hop = self._hop(request, attempt, effective)
            try:
                response = self.http.send(request, **sending)
            except httpx.HTTPError as exc:
                self._finish(hop, request, None, exc)
                delay = self.retry_policy.delay(
                    attempt, request.method, error=exc, retry_unsafe=retry
                )
                if delay is None:
                    raise
                time.sleep(delay)
                continue
            self._finish(hop, request, response)
            if (
                response.status_code == 401
                and used is not None
                and not refreshed
                and self._refused(used)
            ):
                refused, refreshed = used, True  # a new token, once
                continue
            delay = self.retry_policy.delay(
                attempt, request.method, response=response, retry_unsafe=retry
            )
            if delay is None:
                return response
            time.sleep(delay)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


def _send_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """httpx takes these when sending, the rest when building the request."""
    return {k: kwargs.pop(k) for k in ("auth", "follow_redirects") if k in kwargs}


def _set_authorization(request: httpx.Request, credential: Credential | None) -> None:
    if credential is not None:
        request.headers["authorization"] = credential.header()
