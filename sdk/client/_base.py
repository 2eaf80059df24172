"""``sdk.BaseClient`` / ``sdk.SyncBaseClient``: httpx clients for calling another service.

The address comes from ``SERVICE_<NAME>_URL`` (see :mod:`sdk.client._settings`), never from code.
Every attempt is written as one client hop record; the W3C ``traceparent`` of the attempt
is injected by opentelemetry-instrumentation-httpx, and its span id is the hop's
``span.id`` (so the callee's server hop names it as ``parent.id``). Failed attempts are
retried per :class:`sdk.client._retry.RetryPolicy`.

httpx, its OpenTelemetry instrumentation and pydantic-settings are imported when the first
client is made, not with this module: defining a client class costs nothing at start-up.

    class Catalog(sdk.BaseClient):
        service = "catalog"

    async with Catalog() as catalog:
        r = await catalog.get("/items/7")
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from sdk.client._attempts import Attempts, name_origin, send_options
from sdk.client._attempts import Auth as Auth  # subclasses name it: sdk.client._s2s
from sdk.client._retry import RetryPolicy
from sdk.log._config import ConfigError

if TYPE_CHECKING:
    import ssl

    import httpx

    from sdk.client._settings import ServiceSettings


class _ClientCore:
    """What the sync and async clients share: settings, and the attempts of a call."""

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

        from sdk.client._settings import service_settings

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

    def _attempts(self, request: httpx.Request, retry: bool) -> Attempts:
        """The attempts of one call, its request naming this service as the caller."""
        name_origin(request)
        return Attempts(self.target, request, self.retry_policy, retry_unsafe=retry)


def _quiet_httpx_log() -> None:
    """httpx logs each request at INFO; the client hop record says it all, and more."""
    logger = logging.getLogger("httpx")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)


def _tls_of(settings: ServiceSettings | None, service: str) -> bool | ssl.SSLContext:
    """``verify`` for httpx: a bool, or a context with the CA bundle and client certificate
    the settings name (a file that cannot be loaded is a configuration error, named)."""
    import ssl

    from sdk.client._settings import env_prefix

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

        sending = send_options(kwargs)
        attempts = self._attempts(self.http.build_request(method.upper(), url, **kwargs), retry)
        while True:
            attempts.start(await self._auth(as_service, attempts.refused))
            try:
                response = await self.http.send(attempts.request, **sending)
            except httpx.HTTPError as exc:
                delay = attempts.failed(exc)
                if delay is None:
                    raise
                await asyncio.sleep(delay)
                continue
            attempts.answered(response)
            if attempts.may_renew(response) and await self._refused(attempts.used):
                attempts.renew()
                continue
            delay = attempts.delay_after(response)
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

        sending = send_options(kwargs)
        attempts = self._attempts(self.http.build_request(method.upper(), url, **kwargs), retry)
        while True:
            attempts.start(self._auth(as_service, attempts.refused))
            try:
                response = self.http.send(attempts.request, **sending)
            except httpx.HTTPError as exc:
                delay = attempts.failed(exc)
                if delay is None:
                    raise
                time.sleep(delay)
                continue
            attempts.answered(response)
            if attempts.may_renew(response) and self._refused(attempts.used):
                attempts.renew()
                continue
            delay = attempts.delay_after(response)
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
